import type { ListManagedInsightRulesInput, ListManagedInsightRulesOutput } from "@aws-sdk/client-cloudwatch";
import { listManagedInsightRules } from "../../lib/contributor-insights/managed-rules.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<ListManagedInsightRulesInput, ListManagedInsightRulesOutput>((input, { accountId, region }) =>
  listManagedInsightRules(accountId, region, input),
);
