import type { DeleteAccountPolicyRequest } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { deleteAccountPolicy } from "../../lib/logs/account-policies.js";

export const handler = operation<DeleteAccountPolicyRequest, {}>((input, { accountId, region }) => deleteAccountPolicy(accountId, region, input));
