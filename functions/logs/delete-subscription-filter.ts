import type { DeleteSubscriptionFilterRequest } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { deleteSubscriptionFilter } from "../../lib/logs/subscriptions/subscription-filters.js";

export const handler = operation<DeleteSubscriptionFilterRequest, {}>((input, { accountId, region }) => deleteSubscriptionFilter(accountId, region, input));
