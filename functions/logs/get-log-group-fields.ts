import type { GetLogGroupFieldsRequest, GetLogGroupFieldsResponse } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { getLogGroupFields } from "../../lib/logs/insights/log-group-fields.js";

export const handler = operation<GetLogGroupFieldsRequest, GetLogGroupFieldsResponse>((input, { accountId, region }) => getLogGroupFields(accountId, region, input));
