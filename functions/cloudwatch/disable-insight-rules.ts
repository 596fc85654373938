import type { DisableInsightRulesInput, DisableInsightRulesOutput } from "@aws-sdk/client-cloudwatch";
import { disableInsightRules } from "../../lib/contributor-insights/rules.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<DisableInsightRulesInput, DisableInsightRulesOutput>((input, { accountId, region }) => disableInsightRules(accountId, region, input));
