import type { ListDashboardsInput, ListDashboardsOutput } from "@aws-sdk/client-cloudwatch";
import { listDashboards } from "../../lib/dashboards/dashboards.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<ListDashboardsInput, ListDashboardsOutput>((input, { accountId, region }) => listDashboards(accountId, region, input));
