import type { EnableInsightRulesInput, EnableInsightRulesOutput } from "@aws-sdk/client-cloudwatch";
import { enableInsightRules } from "../../lib/contributor-insights/rules.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<EnableInsightRulesInput, EnableInsightRulesOutput>((input, { accountId, region }) => enableInsightRules(accountId, region, input));
