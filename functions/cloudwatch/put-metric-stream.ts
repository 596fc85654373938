import type { PutMetricStreamInput, PutMetricStreamOutput } from "@aws-sdk/client-cloudwatch";
import { putMetricStream } from "../../lib/metric-streams/metric-streams.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<PutMetricStreamInput, PutMetricStreamOutput>((input, { accountId, region }) => putMetricStream(accountId, region, input));
