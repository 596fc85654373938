import type { DeleteLogGroupRequest } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { deleteLogGroup } from "../../lib/logs/groups.js";

export const handler = operation<DeleteLogGroupRequest, {}>((input, { accountId, region }) => deleteLogGroup(accountId, region, input));
