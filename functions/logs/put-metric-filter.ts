import type { PutMetricFilterRequest } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { putMetricFilter } from "../../lib/logs/filters/metric-filters.js";

export const handler = operation<PutMetricFilterRequest, {}>((input, { accountId, region }) => putMetricFilter(accountId, region, input));
