import type { PutLogEventsRequest, PutLogEventsResponse } from "@aws-sdk/client-cloudwatch-logs";
import { putLogEvents } from "../../lib/logs/events/put-log-events.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<PutLogEventsRequest, PutLogEventsResponse>((input, { accountId, region, retryKey }) => putLogEvents(accountId, region, input, { retryKey }));
