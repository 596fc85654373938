import type { DeleteDashboardsInput, DeleteDashboardsOutput } from "@aws-sdk/client-cloudwatch";
import { deleteDashboards } from "../../lib/dashboards/dashboards.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<DeleteDashboardsInput, DeleteDashboardsOutput>((input, { accountId }) =>
  deleteDashboards(accountId, input),
);
