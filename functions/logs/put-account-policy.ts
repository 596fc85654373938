import type { PutAccountPolicyRequest, PutAccountPolicyResponse } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { putAccountPolicy } from "../../lib/logs/account-policies.js";

export const handler = operation<PutAccountPolicyRequest, PutAccountPolicyResponse>((input, { accountId, region }) => putAccountPolicy(accountId, region, input));
