import type { PutManagedInsightRulesInput, PutManagedInsightRulesOutput } from "@aws-sdk/client-cloudwatch";
import { putManagedInsightRules } from "../../lib/contributor-insights/managed-rules.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<PutManagedInsightRulesInput, PutManagedInsightRulesOutput>((input, { accountId, region }) =>
  putManagedInsightRules(accountId, region, input),
);
