import type { UntagResourceInput } from "@aws-sdk/client-cloudwatch";
import { untagResource } from "../../lib/alarms/tags.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<UntagResourceInput, {}>((input, { accountId, region }) => untagResource(accountId, region, input));
