import type { GetLogRecordRequest, GetLogRecordResponse } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { getLogRecord } from "../../lib/logs/insights/log-record.js";

export const handler = operation<GetLogRecordRequest, GetLogRecordResponse>((input, { accountId }) => getLogRecord(accountId, input));
