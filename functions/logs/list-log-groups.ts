import type { ListLogGroupsRequest, ListLogGroupsResponse } from "@aws-sdk/client-cloudwatch-logs";
import { listLogGroups } from "../../lib/logs/list-log-groups.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<ListLogGroupsRequest, ListLogGroupsResponse>((input, { accountId, region }) => listLogGroups(accountId, region, input));
