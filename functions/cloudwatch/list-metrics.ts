import type { ListMetricsInput, ListMetricsOutput } from "@aws-sdk/client-cloudwatch";
import { listMetrics } from "../../lib/metrics/list-metrics.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<ListMetricsInput, ListMetricsOutput>((input, { accountId }) => listMetrics(accountId, input));
