import type { DeleteResourcePolicyRequest } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { deleteResourcePolicy } from "../../lib/logs/subscriptions/resource-policies.js";

export const handler = operation<DeleteResourcePolicyRequest, {}>((input, { accountId, region }) => deleteResourcePolicy(accountId, region, input));
