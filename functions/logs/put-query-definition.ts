import type { PutQueryDefinitionRequest, PutQueryDefinitionResponse } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { putQueryDefinition } from "../../lib/logs/insights/query-definitions.js";

export const handler = operation<PutQueryDefinitionRequest, PutQueryDefinitionResponse>((input, { accountId }) => putQueryDefinition(accountId, input));
