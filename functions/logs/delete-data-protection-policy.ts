import type { DeleteDataProtectionPolicyRequest } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { deleteDataProtectionPolicy } from "../../lib/logs/data-protection.js";

export const handler = operation<DeleteDataProtectionPolicyRequest, {}>((input, { accountId, region }) => deleteDataProtectionPolicy(accountId, region, input));
