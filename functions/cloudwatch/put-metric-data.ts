import type { PutMetricDataInput } from "@aws-sdk/client-cloudwatch";
import { putMetricData, type PreparedMetricData } from "../../lib/metrics/put-metric-data.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<PutMetricDataInput, {}>(async (input, { accountId, retryKey, prepared }) => {
  await putMetricData(input, { accountId, retryKey }, prepared as PreparedMetricData | undefined);
  return {};
});
