import type { PutSubscriptionFilterRequest } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { putSubscriptionFilter } from "../../lib/logs/subscriptions/subscription-filters.js";

export const handler = operation<PutSubscriptionFilterRequest, {}>((input, { accountId, region }) => putSubscriptionFilter(accountId, region, input));
