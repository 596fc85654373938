import type { DeleteLogStreamRequest } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { deleteLogStream } from "../../lib/logs/streams.js";

export const handler = operation<DeleteLogStreamRequest, {}>((input, { accountId, region }) => deleteLogStream(accountId, region, input));
