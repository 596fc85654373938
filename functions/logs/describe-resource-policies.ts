import type { DescribeResourcePoliciesRequest, DescribeResourcePoliciesResponse } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { describeResourcePolicies } from "../../lib/logs/subscriptions/resource-policies.js";

export const handler = operation<DescribeResourcePoliciesRequest, DescribeResourcePoliciesResponse>((input, { accountId, region }) => describeResourcePolicies(accountId, region, input));
