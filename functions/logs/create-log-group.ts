import type { CreateLogGroupRequest } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { createLogGroup } from "../../lib/logs/groups.js";

export const handler = operation<CreateLogGroupRequest, {}>((input, { accountId, region }) => createLogGroup(accountId, region, input));
