import type { UpdateLookupTableRequest, UpdateLookupTableResponse } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { updateLookupTable } from "../../lib/logs/lookup-tables/table-store.js";

export const handler = operation<UpdateLookupTableRequest, UpdateLookupTableResponse>((input, { accountId, region }) => updateLookupTable(accountId, region, input));
