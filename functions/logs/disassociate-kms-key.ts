import type { DisassociateKmsKeyRequest } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { disassociateKmsKey } from "../../lib/logs/groups.js";

export const handler = operation<DisassociateKmsKeyRequest, {}>((input, { accountId, region }) => disassociateKmsKey(accountId, region, input));
