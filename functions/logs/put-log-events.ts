import type { PutLogEventsRequest, PutLogEventsResponse } from "@aws-sdk/client-cloudwatch-logs";
import type { EventColumns } from "../../lib/logs/events/batch-codec.js";
import { putLogEvents } from "../../lib/logs/events/put-log-events.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<PutLogEventsRequest, PutLogEventsResponse>((input, { accountId, region, retryKey, prepared }) =>
  putLogEvents(accountId, region, input, { retryKey, events: prepared as EventColumns | undefined }),
);
