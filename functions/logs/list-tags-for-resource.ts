import type { ListTagsForResourceRequest, ListTagsForResourceResponse } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { listTagsForResource } from "../../lib/logs/tags.js";

export const handler = operation<ListTagsForResourceRequest, ListTagsForResourceResponse>((input, { accountId, region }) => listTagsForResource(accountId, region, input));
