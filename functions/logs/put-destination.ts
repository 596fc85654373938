import type { PutDestinationRequest, PutDestinationResponse } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { putDestination } from "../../lib/logs/subscriptions/destinations.js";

export const handler = operation<PutDestinationRequest, PutDestinationResponse>((input, { accountId, region }) => putDestination(accountId, region, input));
