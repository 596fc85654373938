import type { ListTagsForResourceInput, ListTagsForResourceOutput } from "@aws-sdk/client-cloudwatch";
import { listTagsForResource } from "../../lib/alarms/tags.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<ListTagsForResourceInput, ListTagsForResourceOutput>((input, { accountId, region }) => listTagsForResource(accountId, region, input));
