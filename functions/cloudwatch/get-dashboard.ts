import type { GetDashboardInput, GetDashboardOutput } from "@aws-sdk/client-cloudwatch";
import { getDashboard } from "../../lib/dashboards/dashboards.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<GetDashboardInput, GetDashboardOutput>((input, { accountId, region }) => getDashboard(accountId, region, input));
