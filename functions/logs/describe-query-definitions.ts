import type { DescribeQueryDefinitionsRequest, DescribeQueryDefinitionsResponse } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { describeQueryDefinitions } from "../../lib/logs/insights/query-definitions.js";

export const handler = operation<DescribeQueryDefinitionsRequest, DescribeQueryDefinitionsResponse>((input, { accountId }) => describeQueryDefinitions(accountId, input));
