import type { GetMetricDataInput, GetMetricDataOutput } from "@aws-sdk/client-cloudwatch";
import { getMetricData } from "../../lib/metrics/get-metric-data.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<GetMetricDataInput, GetMetricDataOutput>((input, { accountId, region }) =>
  getMetricData(accountId, region, input),
);
