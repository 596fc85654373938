import type { AssociateKmsKeyRequest } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { associateKmsKey } from "../../lib/logs/groups.js";

export const handler = operation<AssociateKmsKeyRequest, {}>((input, { accountId, region }) => associateKmsKey(accountId, region, input));
