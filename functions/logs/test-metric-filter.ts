import type { TestMetricFilterRequest, TestMetricFilterResponse } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { testMetricFilter } from "../../lib/logs/filters/metric-filters.js";

export const handler = operation<TestMetricFilterRequest, TestMetricFilterResponse>((input, { accountId, region }) => testMetricFilter(accountId, region, input));
