import type { PutRetentionPolicyRequest } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { putRetentionPolicy } from "../../lib/logs/groups.js";

export const handler = operation<PutRetentionPolicyRequest, {}>((input, { accountId, region }) => putRetentionPolicy(accountId, region, input));
