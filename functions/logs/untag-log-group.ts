import type { UntagLogGroupRequest } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { untagLogGroup } from "../../lib/logs/tags.js";

export const handler = operation<UntagLogGroupRequest, {}>((input, { accountId, region }) => untagLogGroup(accountId, region, input));
