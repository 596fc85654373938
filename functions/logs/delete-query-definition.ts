import type { DeleteQueryDefinitionRequest, DeleteQueryDefinitionResponse } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { deleteQueryDefinition } from "../../lib/logs/insights/query-definitions.js";

export const handler = operation<DeleteQueryDefinitionRequest, DeleteQueryDefinitionResponse>((input, { accountId }) => deleteQueryDefinition(accountId, input));
