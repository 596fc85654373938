import type { DescribeDestinationsRequest, DescribeDestinationsResponse } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { describeDestinations } from "../../lib/logs/subscriptions/destinations.js";

export const handler = operation<DescribeDestinationsRequest, DescribeDestinationsResponse>((input, { accountId, region }) => describeDestinations(accountId, region, input));
