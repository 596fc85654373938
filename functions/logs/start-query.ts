import type { StartQueryRequest, StartQueryResponse } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { startQuery } from "../../lib/logs/insights/start-query.js";

export const handler = operation<StartQueryRequest, StartQueryResponse>((input, { accountId, region }) => startQuery(accountId, region, input));
