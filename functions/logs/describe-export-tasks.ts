import type { DescribeExportTasksRequest, DescribeExportTasksResponse } from "@aws-sdk/client-cloudwatch-logs";
import { describeExportTasks } from "../../lib/logs/events/export-tasks.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<DescribeExportTasksRequest, DescribeExportTasksResponse>((input, { accountId, region }) => describeExportTasks(accountId, region, input));
