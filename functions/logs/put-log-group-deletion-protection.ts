import type { PutLogGroupDeletionProtectionRequest } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { putLogGroupDeletionProtection } from "../../lib/logs/groups.js";

export const handler = operation<PutLogGroupDeletionProtectionRequest, {}>((input, { accountId, region }) => putLogGroupDeletionProtection(accountId, region, input));
