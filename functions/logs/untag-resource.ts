import type { UntagResourceRequest } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { untagResource } from "../../lib/logs/tags.js";

export const handler = operation<UntagResourceRequest, {}>((input, { accountId, region }) => untagResource(accountId, region, input));
