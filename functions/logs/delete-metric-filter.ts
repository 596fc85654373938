import type { DeleteMetricFilterRequest } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { deleteMetricFilter } from "../../lib/logs/filters/metric-filters.js";

export const handler = operation<DeleteMetricFilterRequest, {}>((input, { accountId, region }) => deleteMetricFilter(accountId, region, input));
