import type { GetLogEventsRequest, GetLogEventsResponse } from "@aws-sdk/client-cloudwatch-logs";
import { getLogEvents } from "../../lib/logs/events/get-log-events.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<GetLogEventsRequest, GetLogEventsResponse>((input, { accountId, region }) => getLogEvents(accountId, region, input));
