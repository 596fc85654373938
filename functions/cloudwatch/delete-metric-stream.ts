import type { DeleteMetricStreamInput, DeleteMetricStreamOutput } from "@aws-sdk/client-cloudwatch";
import { deleteMetricStream } from "../../lib/metric-streams/metric-streams.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<DeleteMetricStreamInput, DeleteMetricStreamOutput>((input, { accountId, region }) => deleteMetricStream(accountId, region, input));
