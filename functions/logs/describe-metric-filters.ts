import type { DescribeMetricFiltersRequest, DescribeMetricFiltersResponse } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { describeMetricFilters } from "../../lib/logs/filters/metric-filters.js";

export const handler = operation<DescribeMetricFiltersRequest, DescribeMetricFiltersResponse>((input, { accountId, region }) => describeMetricFilters(accountId, region, input));
