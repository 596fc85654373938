import type { GetInsightRuleReportInput, GetInsightRuleReportOutput } from "@aws-sdk/client-cloudwatch";
import { getInsightRuleReport } from "../../lib/contributor-insights/report.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<GetInsightRuleReportInput, GetInsightRuleReportOutput>((input, { accountId, region }) => getInsightRuleReport(accountId, region, input));
