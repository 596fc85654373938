import type { DescribeLogGroupsRequest, DescribeLogGroupsResponse } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { describeLogGroups } from "../../lib/logs/groups.js";

export const handler = operation<DescribeLogGroupsRequest, DescribeLogGroupsResponse>((input, { accountId, region }) => describeLogGroups(accountId, region, input));
