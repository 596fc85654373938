import type { TagLogGroupRequest } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { tagLogGroup } from "../../lib/logs/tags.js";

export const handler = operation<TagLogGroupRequest, {}>((input, { accountId, region }) => tagLogGroup(accountId, region, input));
