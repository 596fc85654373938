import type { CreateLogStreamRequest } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { createLogStream } from "../../lib/logs/streams.js";

export const handler = operation<CreateLogStreamRequest, {}>((input, { accountId, region }) => createLogStream(accountId, region, input));
