import type { DescribeLogStreamsRequest, DescribeLogStreamsResponse } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { describeLogStreams } from "../../lib/logs/streams.js";

export const handler = operation<DescribeLogStreamsRequest, DescribeLogStreamsResponse>((input, { accountId, region }) => describeLogStreams(accountId, region, input));
