import type { PutInsightRuleInput, PutInsightRuleOutput } from "@aws-sdk/client-cloudwatch";
import { putInsightRule } from "../../lib/contributor-insights/rules.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<PutInsightRuleInput, PutInsightRuleOutput>((input, { accountId, region }) => putInsightRule(accountId, region, input));
