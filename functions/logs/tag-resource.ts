import type { TagResourceRequest } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { tagResource } from "../../lib/logs/tags.js";

export const handler = operation<TagResourceRequest, {}>((input, { accountId, region }) => tagResource(accountId, region, input));
