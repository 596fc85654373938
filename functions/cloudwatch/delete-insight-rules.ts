import type { DeleteInsightRulesInput, DeleteInsightRulesOutput } from "@aws-sdk/client-cloudwatch";
import { deleteInsightRules } from "../../lib/contributor-insights/rules.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<DeleteInsightRulesInput, DeleteInsightRulesOutput>((input, { accountId, region }) => deleteInsightRules(accountId, region, input));
