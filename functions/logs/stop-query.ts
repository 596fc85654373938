import type { StopQueryRequest, StopQueryResponse } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { stopQuery } from "../../lib/logs/insights/query-results.js";

export const handler = operation<StopQueryRequest, StopQueryResponse>((input, { accountId }) => stopQuery(accountId, input));
