/**
 * Logs Insights queries in KV (bucket cw-logs-queries; layout in
 * docs/formats/logs-queries.md): one state record per query under
 * `{account}.q.{queryId}`, its result rows in parts of at most RESULT_PART_BYTES
 * under `{account}.r.{queryId}.{write}.{n}` so that 10,000 rows never exceed a
 * message. Each progress write has its own parts and the record names the
 * write it belongs to, so a reader never mixes results and statistics of two
 * writes. Records carry their expiry (AWS keeps results 7 days); the
 * runner's scheduled sweep deletes expired ones.
 */
import type { KV } from "nats";
import type { QueryStatistics, QueryStatus } from "@aws-sdk/client-cloudwatch-logs";
import { createRecord, deleteRecord, getRecord, putRecord, scanRecords, updateRecord, type Versioned } from "../../storage/kv.js";
import { BUCKETS, getBucket } from "../../storage/nats.js";
import type { ResultField } from "./evaluator.js";

export const QUERY_RECORD_VERSION = 1;
/** AWS keeps a query's results for 7 days. */
export const RESULTS_KEPT_MS = 7 * 86_400_000;
/** AWS ends a query that runs for 60 minutes with status Timeout. */
export const QUERY_TIMEOUT_MS = 60 * 60_000;
const RESULT_PART_BYTES = 256 * 1024;

export interface QueryRecord {
  v: typeof QUERY_RECORD_VERSION;
  queryId: string;
  accountId: string;
  queryString: string;
  queryLanguage: "CWLI";
  /** Names of the groups the query reads, resolved at StartQuery. */
  logGroupNames: string[];
  /** ms */
  startTime: number;
  endTime: number;
  limit?: number;
  createTime: number;
  status: QueryStatus;
  statistics: QueryStatistics;
  /** The progress write whose result parts the record's statistics go with (0: none yet). */
  resultWrite?: number;
  /** How many result parts that write left. */
  resultParts: number;
  /** The runner holding the query, and until when its claim holds (ms). */
  lease?: { owner: string; until: number };
  expiresAt: number;
}

export const queriesBucket = (): Promise<KV> => getBucket(BUCKETS.logsQueries);
export const queryKey = (account: string, queryId: string) => `${account}.q.${queryId}`;
export const queriesFilter = (account: string) => `${account}.q.*`;
const resultKey = (account: string, queryId: string, write: number, n: number) => `${account}.r.${queryId}.${write}.${n}`;

/** Query ids are UUIDs, as AWS's are; anything else names no query. */
export const isQueryId = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id);

export async function createQuery(q: QueryRecord): Promise<void> {
  if (!(await createRecord(await queriesBucket(), queryKey(q.accountId, q.queryId), q))) throw new Error(`query ${q.queryId} exists`);
}

export async function getQuery(account: string, queryId: string): Promise<Versioned<QueryRecord> | undefined> {
  if (!isQueryId(queryId)) return undefined;
  const r = await getRecord<QueryRecord>(await queriesBucket(), queryKey(account, queryId));
  return r && r.value.expiresAt > Date.now() ? r : undefined;
}

export async function updateQuery(q: QueryRecord, revision: number): Promise<boolean> {
  return updateRecord(await queriesBucket(), queryKey(q.accountId, q.queryId), q, revision);
}

/** Every live query record of the account (or of every account, for the sweep). */
export async function listQueries(account?: string): Promise<QueryRecord[]> {
  const all = await scanRecords<QueryRecord>(await queriesBucket(), account ? queriesFilter(account) : "*.q.*");
  return all.map((r) => r.value);
}

/** Writes the rows of progress write `write` in parts; answers how many parts. */
export async function writeResults(account: string, queryId: string, write: number, rows: ResultField[][]): Promise<number> {
  const kv = await queriesBucket();
  const parts: ResultField[][][] = [];
  let cur: ResultField[][] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = JSON.stringify(row).length;
    if (cur.length && bytes + size > RESULT_PART_BYTES) {
      parts.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(row);
    bytes += size;
  }
  if (cur.length) parts.push(cur);
  await Promise.all(parts.map((p, n) => putRecord(kv, resultKey(account, queryId, write, n), p)));
  return parts.length;
}

/** Drops the parts of an earlier write once no reader can still be reading them. */
export async function deleteResults(account: string, queryId: string, write: number, parts: number): Promise<void> {
  const kv = await queriesBucket();
  await Promise.all(Array.from({ length: parts }, (_, n) => deleteRecord(kv, resultKey(account, queryId, write, n))));
}

/** The rows the record names; undefined when a part is gone (a later write replaced them: read the record again). */
export async function readResults(q: QueryRecord): Promise<ResultField[][] | undefined> {
  const kv = await queriesBucket();
  const parts = await Promise.all(
    Array.from({ length: q.resultWrite ? q.resultParts : 0 }, (_, n) => getRecord<ResultField[][]>(kv, resultKey(q.accountId, q.queryId, q.resultWrite!, n))),
  );
  if (parts.some((p) => !p)) return undefined;
  return parts.flatMap((p) => p!.value);
}

export async function deleteQuery(q: QueryRecord): Promise<void> {
  const kv = await queriesBucket();
  const parts = await scanRecords<unknown>(kv, `${q.accountId}.r.${q.queryId}.>`);
  await Promise.all(parts.map((p) => deleteRecord(kv, p.key)));
  await deleteRecord(kv, activeKey(q.accountId, q.queryId));
  await deleteRecord(kv, queryKey(q.accountId, q.queryId));
}

export const isActive = (s: QueryStatus | undefined) => s === "Scheduled" || s === "Running";

const activeKey = (account: string, queryId: string) => `${account}.a.${queryId}`;

/** Enters a new query in the account's index of queries not yet ended (what the concurrency quota counts). */
export async function markActive(account: string, queryId: string): Promise<void> {
  await putRecord(await queriesBucket(), activeKey(account, queryId), 1);
}

/**
 * How many of the account's queries are Scheduled or Running. Reads only the
 * index (not 7 days of records); entries of queries that have ended are
 * dropped as they are found.
 */
export async function countActive(account: string): Promise<number> {
  const kv = await queriesBucket();
  const entries = await scanRecords<number>(kv, `${account}.a.*`);
  let n = 0;
  await Promise.all(
    entries.map(async ({ key }) => {
      const queryId = key.slice(key.lastIndexOf(".") + 1);
      const q = await getQuery(account, queryId);
      if (q && isActive(q.value.status)) n++;
      else await deleteRecord(kv, key);
    }),
  );
  return n;
}
