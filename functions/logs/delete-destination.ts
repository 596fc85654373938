import type { DeleteDestinationRequest } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { deleteDestination } from "../../lib/logs/subscriptions/destinations.js";

export const handler = operation<DeleteDestinationRequest, {}>((input, { accountId, region }) => deleteDestination(accountId, region, input));
