import type { ListTagsLogGroupRequest, ListTagsLogGroupResponse } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { listTagsLogGroup } from "../../lib/logs/tags.js";

export const handler = operation<ListTagsLogGroupRequest, ListTagsLogGroupResponse>((input, { accountId, region }) => listTagsLogGroup(accountId, region, input));
