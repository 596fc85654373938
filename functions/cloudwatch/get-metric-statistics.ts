import type { GetMetricStatisticsInput, GetMetricStatisticsOutput } from "@aws-sdk/client-cloudwatch";
import { getMetricStatistics } from "../../lib/metrics/get-metric-statistics.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<GetMetricStatisticsInput, GetMetricStatisticsOutput>((input, { accountId }) =>
  getMetricStatistics(accountId, input),
);
