import type { DeleteRetentionPolicyRequest } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { deleteRetentionPolicy } from "../../lib/logs/groups.js";

export const handler = operation<DeleteRetentionPolicyRequest, {}>((input, { accountId, region }) => deleteRetentionPolicy(accountId, region, input));
