import type { PutDashboardInput, PutDashboardOutput } from "@aws-sdk/client-cloudwatch";
import { putDashboard } from "../../lib/dashboards/dashboards.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<PutDashboardInput, PutDashboardOutput>((input, { accountId }) => putDashboard(accountId, input));
