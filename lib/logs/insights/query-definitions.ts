/**
 * Saved Logs Insights queries: PutQueryDefinition, DescribeQueryDefinitions,
 * DeleteQueryDefinition. One KV record per definition in
 * cw-logs-query-definitions under `{account}.{queryDefinitionId}`.
 */
import { randomUUID } from "node:crypto";
import type {
  DeleteQueryDefinitionRequest,
  DeleteQueryDefinitionResponse,
  DescribeQueryDefinitionsRequest,
  DescribeQueryDefinitionsResponse,
  PutQueryDefinitionRequest,
  PutQueryDefinitionResponse,
  QueryDefinition,
} from "@aws-sdk/client-cloudwatch-logs";
import type { KV } from "nats";
import { logsError } from "../../errors.js";
import { createRecord, deleteRecord, getRecord, putRecord, scanRecords } from "../../storage/kv.js";
import { BUCKETS, getBucket } from "../../storage/nats.js";
import { paginate } from "../pagination.js";

interface DefinitionRecord {
  queryDefinitionId: string;
  name: string;
  queryString: string;
  logGroupNames: string[];
  lastModified: number;
  queryLanguage: "CWLI" | "SQL" | "PPL";
}

const bucket = (): Promise<KV> => getBucket(BUCKETS.logsQueryDefinitions);
const key = (account: string, id: string) => `${account}.${id}`;
const isId = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id);
const notFound = () => logsError("ResourceNotFoundException", "The specified query definition does not exist.");
/** AWS's quota: 1,000 saved queries per account and Region. */
const MAX_DEFINITIONS = 1000;

export async function putQueryDefinition(accountId: string, input: PutQueryDefinitionRequest): Promise<PutQueryDefinitionResponse> {
  const kv = await bucket();
  const record: DefinitionRecord = {
    queryDefinitionId: input.queryDefinitionId ?? randomUUID(),
    name: input.name!,
    queryString: input.queryString!,
    logGroupNames: input.logGroupNames ?? [],
    lastModified: Date.now(),
    queryLanguage: input.queryLanguage ?? "CWLI",
  };
  if (input.queryDefinitionId !== undefined) {
    if (!isId(input.queryDefinitionId) || !(await getRecord(kv, key(accountId, input.queryDefinitionId)))) throw notFound();
    await putRecord(kv, key(accountId, record.queryDefinitionId), record);
  } else {
    if ((await scanRecords(kv, `${accountId}.*`)).length >= MAX_DEFINITIONS)
      throw logsError("LimitExceededException", `An account can have at most ${MAX_DEFINITIONS} query definitions.`);
    await createRecord(kv, key(accountId, record.queryDefinitionId), record);
  }
  return { queryDefinitionId: record.queryDefinitionId };
}

export async function describeQueryDefinitions(accountId: string, input: DescribeQueryDefinitionsRequest): Promise<DescribeQueryDefinitionsResponse> {
  const all = (await scanRecords<DefinitionRecord>(await bucket(), `${accountId}.*`))
    .map((r) => r.value)
    .filter((d) => (input.queryDefinitionNamePrefix === undefined || d.name.startsWith(input.queryDefinitionNamePrefix)) && (input.queryLanguage === undefined || d.queryLanguage === input.queryLanguage));
  const page = await paginate({
    operation: "DescribeQueryDefinitions",
    query: [input.queryDefinitionNamePrefix ?? null, input.queryLanguage ?? null],
    candidates: all,
    key: (d) => [d.name, d.queryDefinitionId],
    limit: input.maxResults ?? 1000,
    nextToken: input.nextToken,
    load: async (d): Promise<QueryDefinition> => ({
      queryLanguage: d.queryLanguage,
      queryDefinitionId: d.queryDefinitionId,
      name: d.name,
      queryString: d.queryString,
      lastModified: d.lastModified,
      logGroupNames: d.logGroupNames.length ? d.logGroupNames : undefined,
    }),
  });
  return { queryDefinitions: page.items, nextToken: page.nextToken };
}

export async function deleteQueryDefinition(accountId: string, input: DeleteQueryDefinitionRequest): Promise<DeleteQueryDefinitionResponse> {
  const kv = await bucket();
  if (!isId(input.queryDefinitionId!) || !(await getRecord(kv, key(accountId, input.queryDefinitionId!)))) throw notFound();
  await deleteRecord(kv, key(accountId, input.queryDefinitionId!));
  return { success: true };
}
