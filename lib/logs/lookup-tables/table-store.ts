/**
 * Lookup tables (CreateLookupTable, UpdateLookupTable, GetLookupTable,
 * DescribeLookupTables, DeleteLookupTable): a KV record per table in
 * cw-logs-lookup-tables under `{account}.{name}`, the CSV body in the S3 store
 * (a body is up to 10 MB, past a KV value). Layout: docs/formats/lookup-tables.md.
 */
import { randomUUID } from "node:crypto";
import type {
  CreateLookupTableRequest,
  CreateLookupTableResponse,
  DeleteLookupTableRequest,
  DescribeLookupTablesRequest,
  DescribeLookupTablesResponse,
  GetLookupTableRequest,
  GetLookupTableResponse,
  LookupTable,
  UpdateLookupTableRequest,
  UpdateLookupTableResponse,
} from "@aws-sdk/client-cloudwatch-logs";
import type { KV } from "nats";
import { arn, partitionOf } from "../../arn.js";
import { getConfig } from "../../config/config.js";
import { logsError } from "../../errors.js";
import { createRecord, deleteRecord, getRecord, modifyRecord, scanRecords, updateRecord, type Versioned } from "../../storage/kv.js";
import { BUCKETS, getBucket } from "../../storage/nats.js";
import { deleteKeys, getObject, putObject } from "../../storage/s3.js";
import { invalidParameter } from "../errors.js";
import { getQuery, isQueryId, readResults } from "../insights/query-store.js";
import { paginate } from "../pagination.js";
import { formatCsv, parseTableBody } from "./csv.js";

export const LOOKUP_TABLE_RECORD_VERSION = 1;
/** AWS's quota: 100 lookup tables per account and Region (the `lookup` page of the Logs user guide). */
export const MAX_LOOKUP_TABLES = 100;

export interface LookupTableRecord {
  v: number;
  name: string;
  description?: string;
  kmsKeyId?: string;
  tags?: Record<string, string>;
  columns: string[];
  recordsCount: number;
  /** UTF-8 bytes of the body. */
  sizeBytes: number;
  createdAt: number;
  lastUpdatedTime: number;
  /** The body's S3 key; a new one each write, so a reader of an older record still finds its body. */
  bodyKey: string;
}

const bucket = (): Promise<KV> => getBucket(BUCKETS.logsLookupTables);
const key = (account: string, name: string) => `${account}.${name}`;
const s3Bucket = () => getConfig().logs.bucket;
const bodyKeyOf = (account: string, name: string) => `lookup-tables/${account}/${name}/${randomUUID()}.csv`;
const tableArn = (region: string, account: string, name: string) => arn({ service: "logs", region, accountId: account, resource: `lookup-table:${name}` });

const notFound = () => logsError("ResourceNotFoundException", "The specified lookup table does not exist.");

/**
 * The table name an ARN names in the caller's account and region. Another
 * account's or region's ARN is a table the caller does not have.
 */
function nameFromArn(accountId: string, region: string, tableArnText: string): string {
  const m = /^arn:([^:]+):logs:([^:]*):(\d{12}):lookup-table:([a-zA-Z0-9_]{1,256})$/.exec(tableArnText);
  if (!m) throw invalidParameter(`Invalid lookupTableArn: ${tableArnText}`);
  if (m[1] !== partitionOf(region) || m[2] !== region || m[3] !== accountId) throw notFound();
  return m[4];
}

/** The body a create or update stores: its CSV text checked, or a finished query's results as CSV. */
async function bodyOf(accountId: string, input: { tableBody?: string; queryId?: string }): Promise<{ text: string; columns: string[]; rows: number }> {
  if ((input.tableBody === undefined) === (input.queryId === undefined))
    throw invalidParameter("You must specify either tableBody or queryId, but not both.");
  if (input.tableBody !== undefined) {
    const csv = parseTableBody(input.tableBody);
    return { text: input.tableBody, columns: csv.columns, rows: csv.rows.length };
  }
  const q = isQueryId(input.queryId!) ? (await getQuery(accountId, input.queryId!))?.value : undefined;
  if (!q || q.expiresAt <= Date.now()) throw logsError("ResourceNotFoundException", `Query ${input.queryId} does not exist.`);
  // AWS: "a completed or cancelled query"; a cancelled one gives its partial results.
  if (q.status !== "Complete" && q.status !== "Cancelled")
    throw invalidParameter(`Query ${input.queryId} is ${q.status}; only a completed or cancelled query can populate a lookup table.`);
  const results = (await readResults(q)) ?? [];
  const columns: string[] = [];
  for (const row of results) for (const f of row) if (!columns.includes(f.field!)) columns.push(f.field!);
  if (columns.length === 0) throw invalidParameter(`Query ${input.queryId} has no results to populate a lookup table with.`);
  const rows = results.map((row) => columns.map((c) => row.find((f) => f.field === c)?.value ?? ""));
  const text = formatCsv(columns, rows);
  parseTableBody(text); // the 10 MB ceiling holds for query results too
  return { text, columns, rows: rows.length };
}

export async function createLookupTable(accountId: string, region: string, input: CreateLookupTableRequest): Promise<CreateLookupTableResponse> {
  const kv = await bucket();
  const name = input.lookupTableName!;
  if (await getRecord(kv, key(accountId, name))) throw logsError("ResourceAlreadyExistsException", `Lookup table ${name} already exists.`);
  const body = await bodyOf(accountId, input);
  if ((await scanRecords(kv, `${accountId}.*`)).length >= MAX_LOOKUP_TABLES)
    throw logsError("LimitExceededException", `An account can have at most ${MAX_LOOKUP_TABLES} lookup tables per Region.`);
  const now = Date.now();
  const record: LookupTableRecord = {
    v: LOOKUP_TABLE_RECORD_VERSION,
    name,
    description: input.description,
    kmsKeyId: input.kmsKeyId,
    tags: input.tags,
    columns: body.columns,
    recordsCount: body.rows,
    sizeBytes: Buffer.byteLength(body.text, "utf8"),
    createdAt: now,
    lastUpdatedTime: now,
    bodyKey: bodyKeyOf(accountId, name),
  };
  // The body first: a record never names an object that is not there.
  await putObject(s3Bucket(), record.bodyKey, body.text, "text/csv; charset=utf-8");
  if (!(await createRecord(kv, key(accountId, name), record))) {
    await deleteKeys(s3Bucket(), [record.bodyKey]);
    throw logsError("ResourceAlreadyExistsException", `Lookup table ${name} already exists.`);
  }
  return { lookupTableArn: tableArn(region, accountId, name), createdAt: now };
}

export async function updateLookupTable(accountId: string, region: string, input: UpdateLookupTableRequest): Promise<UpdateLookupTableResponse> {
  const kv = await bucket();
  const name = nameFromArn(accountId, region, input.lookupTableArn!);
  if (!(await getRecord(kv, key(accountId, name)))) throw notFound();
  const body = await bodyOf(accountId, input);
  const bodyKey = bodyKeyOf(accountId, name);
  await putObject(s3Bucket(), bodyKey, body.text, "text/csv; charset=utf-8");
  for (;;) {
    const cur = await getRecord<LookupTableRecord>(kv, key(accountId, name));
    if (!cur) {
      await deleteKeys(s3Bucket(), [bodyKey]);
      throw notFound();
    }
    const now = Date.now();
    const next: LookupTableRecord = {
      ...cur.value,
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.kmsKeyId !== undefined ? { kmsKeyId: input.kmsKeyId } : {}),
      columns: body.columns,
      recordsCount: body.rows,
      sizeBytes: Buffer.byteLength(body.text, "utf8"),
      lastUpdatedTime: now,
      bodyKey,
    };
    if (await updateRecord(kv, key(accountId, name), next, cur.revision)) {
      await deleteKeys(s3Bucket(), [cur.value.bodyKey]);
      return { lookupTableArn: tableArn(region, accountId, name), lastUpdatedTime: now };
    }
  }
}

export async function getLookupTable(accountId: string, region: string, input: GetLookupTableRequest): Promise<GetLookupTableResponse> {
  const name = nameFromArn(accountId, region, input.lookupTableArn!);
  const t = await readLookupTable(accountId, name);
  if (!t) throw notFound();
  return {
    lookupTableArn: tableArn(region, accountId, name),
    lookupTableName: name,
    description: t.record.description,
    tableBody: t.body,
    sizeBytes: t.record.sizeBytes,
    lastUpdatedTime: t.record.lastUpdatedTime,
    kmsKeyId: t.record.kmsKeyId,
  };
}

/** A table's record alone (no body), or undefined when the account has no such table. */
export async function readLookupTableRecord(accountId: string, name: string): Promise<LookupTableRecord | undefined> {
  return (await getRecord<LookupTableRecord>(await bucket(), key(accountId, name)))?.value;
}

/** A table's record and body, or undefined when the account has no such table. */
export async function readLookupTable(accountId: string, name: string): Promise<{ record: LookupTableRecord; body: string } | undefined> {
  const kv = await bucket();
  for (let attempt = 0; attempt < 3; attempt++) {
    const cur: Versioned<LookupTableRecord> | undefined = await getRecord(kv, key(accountId, name));
    if (!cur) return undefined;
    const bytes = await getObject(s3Bucket(), cur.value.bodyKey);
    // An update in between deleted the body this record named: read the newer record.
    if (bytes) return { record: cur.value, body: Buffer.from(bytes).toString("utf8") };
  }
  throw logsError("ServiceUnavailableException", "The lookup table changed while it was read; try again.");
}

export async function describeLookupTables(accountId: string, region: string, input: DescribeLookupTablesRequest): Promise<DescribeLookupTablesResponse> {
  const prefix = input.lookupTableNamePrefix ?? "";
  const all = (await scanRecords<LookupTableRecord>(await bucket(), `${accountId}.*`)).map((r) => r.value).filter((t) => t.name.startsWith(prefix));
  const page = await paginate({
    operation: "DescribeLookupTables",
    query: [prefix],
    candidates: all,
    key: (t) => [t.name],
    limit: input.maxResults ?? MAX_LOOKUP_TABLES,
    nextToken: input.nextToken,
    load: async (t): Promise<LookupTable> => ({
      lookupTableArn: tableArn(region, accountId, t.name),
      lookupTableName: t.name,
      description: t.description,
      tableFields: t.columns,
      recordsCount: t.recordsCount,
      sizeBytes: t.sizeBytes,
      lastUpdatedTime: t.lastUpdatedTime,
      kmsKeyId: t.kmsKeyId,
    }),
  });
  return { lookupTables: page.items, nextToken: page.nextToken };
}

export async function deleteLookupTable(accountId: string, region: string, input: DeleteLookupTableRequest): Promise<{}> {
  const kv = await bucket();
  const name = nameFromArn(accountId, region, input.lookupTableArn!);
  const cur = await getRecord<LookupTableRecord>(kv, key(accountId, name));
  if (!cur) throw notFound();
  await deleteRecord(kv, key(accountId, name));
  await deleteKeys(s3Bucket(), [cur.value.bodyKey]);
  return {};
}

/** Whether TagResource and its kin name a lookup table (else a log group). */
export const isLookupTableArn = (resourceArn: string) => /^arn:[^:]+:logs:[^:]*:[^:]*:lookup-table:/.test(resourceArn);

/** TagResource / UntagResource on a table: `change` gives the new tags, or throws (tags.ts holds the 50-tag limit). */
export async function changeLookupTableTags(accountId: string, region: string, resourceArn: string, change: (tags: Record<string, string>) => Record<string, string>): Promise<void> {
  const name = nameFromArn(accountId, region, resourceArn);
  const changed = await modifyRecord<LookupTableRecord>(await bucket(), key(accountId, name), (t) => ({ ...t, tags: change({ ...t.tags }) }));
  if (!changed) throw notFound();
}

export async function lookupTableTags(accountId: string, region: string, resourceArn: string): Promise<Record<string, string>> {
  const t = await readLookupTableRecord(accountId, nameFromArn(accountId, region, resourceArn));
  if (!t) throw notFound();
  return { ...t.tags };
}
