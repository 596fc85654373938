import type { DescribeAccountPoliciesRequest, DescribeAccountPoliciesResponse } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { describeAccountPolicies } from "../../lib/logs/account-policies.js";

export const handler = operation<DescribeAccountPoliciesRequest, DescribeAccountPoliciesResponse>((input, { accountId, region }) => describeAccountPolicies(accountId, region, input));
