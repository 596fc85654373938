import type { PutDestinationPolicyRequest } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { putDestinationPolicy } from "../../lib/logs/subscriptions/destinations.js";

export const handler = operation<PutDestinationPolicyRequest, {}>((input, { accountId, region }) => putDestinationPolicy(accountId, region, input));
