import type { DeleteLookupTableRequest } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { deleteLookupTable } from "../../lib/logs/lookup-tables/table-store.js";

export const handler = operation<DeleteLookupTableRequest, {}>((input, { accountId, region }) => deleteLookupTable(accountId, region, input));
