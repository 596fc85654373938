import type { PutDataProtectionPolicyRequest, PutDataProtectionPolicyResponse } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { putDataProtectionPolicy } from "../../lib/logs/data-protection.js";

export const handler = operation<PutDataProtectionPolicyRequest, PutDataProtectionPolicyResponse>((input, { accountId, region }) => putDataProtectionPolicy(accountId, region, input));
