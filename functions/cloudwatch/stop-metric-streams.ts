import type { StopMetricStreamsInput, StopMetricStreamsOutput } from "@aws-sdk/client-cloudwatch";
import { stopMetricStreams } from "../../lib/metric-streams/metric-streams.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<StopMetricStreamsInput, StopMetricStreamsOutput>((input, { accountId, region }) => stopMetricStreams(accountId, region, input));
