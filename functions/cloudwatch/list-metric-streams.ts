import type { ListMetricStreamsInput, ListMetricStreamsOutput } from "@aws-sdk/client-cloudwatch";
import { listMetricStreams } from "../../lib/metric-streams/metric-streams.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<ListMetricStreamsInput, ListMetricStreamsOutput>((input, { accountId, region }) => listMetricStreams(accountId, region, input));
