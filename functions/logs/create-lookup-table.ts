import type { CreateLookupTableRequest, CreateLookupTableResponse } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { createLookupTable } from "../../lib/logs/lookup-tables/table-store.js";

export const handler = operation<CreateLookupTableRequest, CreateLookupTableResponse>((input, { accountId, region }) => createLookupTable(accountId, region, input));
