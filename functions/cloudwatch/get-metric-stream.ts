import type { GetMetricStreamInput, GetMetricStreamOutput } from "@aws-sdk/client-cloudwatch";
import { getMetricStream } from "../../lib/metric-streams/metric-streams.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<GetMetricStreamInput, GetMetricStreamOutput>((input, { accountId, region }) => getMetricStream(accountId, region, input));
