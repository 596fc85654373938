import type { StartMetricStreamsInput, StartMetricStreamsOutput } from "@aws-sdk/client-cloudwatch";
import { startMetricStreams } from "../../lib/metric-streams/metric-streams.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<StartMetricStreamsInput, StartMetricStreamsOutput>((input, { accountId, region }) => startMetricStreams(accountId, region, input));
