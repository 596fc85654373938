import type { DescribeSubscriptionFiltersRequest, DescribeSubscriptionFiltersResponse } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { describeSubscriptionFilters } from "../../lib/logs/subscriptions/subscription-filters.js";

export const handler = operation<DescribeSubscriptionFiltersRequest, DescribeSubscriptionFiltersResponse>((input, { accountId, region }) => describeSubscriptionFilters(accountId, region, input));
