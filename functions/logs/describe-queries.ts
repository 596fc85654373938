import type { DescribeQueriesRequest, DescribeQueriesResponse } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { describeQueries } from "../../lib/logs/insights/query-results.js";

export const handler = operation<DescribeQueriesRequest, DescribeQueriesResponse>((input, { accountId }) => describeQueries(accountId, input));
