import type { GetLookupTableRequest, GetLookupTableResponse } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { getLookupTable } from "../../lib/logs/lookup-tables/table-store.js";

export const handler = operation<GetLookupTableRequest, GetLookupTableResponse>((input, { accountId, region }) => getLookupTable(accountId, region, input));
