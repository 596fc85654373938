import type { FilterLogEventsRequest, FilterLogEventsResponse } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { filterLogEvents } from "../../lib/logs/filters/filter-log-events.js";

export const handler = operation<FilterLogEventsRequest, FilterLogEventsResponse>((input, { accountId, region }) => filterLogEvents(accountId, region, input));
