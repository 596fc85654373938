import type { GetDataProtectionPolicyRequest, GetDataProtectionPolicyResponse } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { getDataProtectionPolicy } from "../../lib/logs/data-protection.js";

export const handler = operation<GetDataProtectionPolicyRequest, GetDataProtectionPolicyResponse>((input, { accountId, region }) => getDataProtectionPolicy(accountId, region, input));
