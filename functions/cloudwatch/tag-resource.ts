import type { TagResourceInput } from "@aws-sdk/client-cloudwatch";
import { tagResource } from "../../lib/alarms/tags.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<TagResourceInput, {}>((input, { accountId, region }) => tagResource(accountId, region, input));
