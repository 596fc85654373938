import type { DescribeInsightRulesInput, DescribeInsightRulesOutput } from "@aws-sdk/client-cloudwatch";
import { describeInsightRules } from "../../lib/contributor-insights/rules.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<DescribeInsightRulesInput, DescribeInsightRulesOutput>((input, { accountId, region }) => describeInsightRules(accountId, region, input));
