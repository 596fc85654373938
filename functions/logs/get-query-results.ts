import type { GetQueryResultsRequest, GetQueryResultsResponse } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { getQueryResults } from "../../lib/logs/insights/query-results.js";

export const handler = operation<GetQueryResultsRequest, GetQueryResultsResponse>((input, { accountId }) => getQueryResults(accountId, input));
