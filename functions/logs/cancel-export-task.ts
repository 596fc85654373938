import type { CancelExportTaskRequest } from "@aws-sdk/client-cloudwatch-logs";
import { cancelExportTask } from "../../lib/logs/events/export-tasks.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<CancelExportTaskRequest, {}>((input, { accountId, region }) => cancelExportTask(accountId, region, input));
