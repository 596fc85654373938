import type { DescribeLookupTablesRequest, DescribeLookupTablesResponse } from "@aws-sdk/client-cloudwatch-logs";
import { operation } from "../../lib/runtime/operation.js";
import { describeLookupTables } from "../../lib/logs/lookup-tables/table-store.js";

export const handler = operation<DescribeLookupTablesRequest, DescribeLookupTablesResponse>((input, { accountId, region }) => describeLookupTables(accountId, region, input));
