import type { CreateExportTaskRequest, CreateExportTaskResponse } from "@aws-sdk/client-cloudwatch-logs";
import { createExportTask } from "../../lib/logs/events/export-tasks.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<CreateExportTaskRequest, CreateExportTaskResponse>((input, { accountId, region }) => createExportTask(accountId, region, input));
