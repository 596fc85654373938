import type { PutResourcePolicyRequest, PutResourcePolicyResponse } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { putResourcePolicy } from "../../lib/logs/subscriptions/resource-policies.js";

export const handler = operation<PutResourcePolicyRequest, PutResourcePolicyResponse>((input, { accountId, region }) => putResourcePolicy(accountId, region, input));
