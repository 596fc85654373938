/**
 * Log streams: CreateLogStream, DeleteLogStream, DescribeLogStreams. One KV
 * record per stream in BUCKETS.logStreams under
 * `{account}.{group token}.{stream token}`, so a group's streams are one key
 * filter. Each record carries the id of the group incarnation it belongs to;
 * a record left behind by a deleted group is ignored (and cleaned up).
 * Key and record: docs/formats/kv-keys.md.
 */
import type {
  CreateLogStreamRequest,
  DeleteLogStreamRequest,
  DescribeLogStreamsRequest,
  DescribeLogStreamsResponse,
  LogStream,
} from "@aws-sdk/client-cloudwatch-logs";
import type { KV } from "nats";
import { fromKeyToken, getRecord, isWrongLastSequence, updateRecord, type Versioned } from "../storage/kv.js";
import { BUCKETS, getBucket } from "../storage/nats.js";
import { invalidParameter, logGroupNotFound, logStreamExists, logStreamNotFound, validationException } from "./errors.js";
import { getLogGroup, requireLogGroup } from "./group-records.js";
import { forgetLogStream } from "./ingest-records.js";
import { isHashedToken, logStreamArn, logStreamKey, logStreamsFilter, resolveLogGroupIdentifier } from "./names.js";
import { paginate } from "./pagination.js";
import { sequenceToken } from "./sequence-token.js";
import type { LogStreamRecord } from "./stream-record.js";

export type { LogStreamRecord } from "./stream-record.js";

export const logStreamsBucket = (): Promise<KV> => getBucket(BUCKETS.logStreams);

export function toLogStream(rec: LogStreamRecord, accountId: string, region: string, group: string): LogStream {
  const out: LogStream = { logStreamName: rec.logStreamName, creationTime: rec.creationTime };
  if (rec.firstEventTimestamp !== undefined) out.firstEventTimestamp = rec.firstEventTimestamp;
  if (rec.lastEventTimestamp !== undefined) out.lastEventTimestamp = rec.lastEventTimestamp;
  if (rec.lastIngestionTime !== undefined) out.lastIngestionTime = rec.lastIngestionTime;
  // Deprecated (PutLogEvents ignores it) but still answered for a stream that has taken events, 56 digits, as AWS
  // answered in 2026; older shippers read it before their first PutLogEvents. Built as PutLogEvents builds its
  // nextSequenceToken, from the last ingestion time.
  const token = rec.uploadSequenceToken ?? (rec.lastIngestionTime !== undefined ? sequenceToken(0, rec.lastIngestionTime) : undefined);
  if (token !== undefined) out.uploadSequenceToken = token;
  out.arn = logStreamArn(region, accountId, group, rec.logStreamName);
  // AWS stopped reporting stream sizes in 2019: always 0.
  out.storedBytes = 0;
  return out;
}

/** Purges one version of a record; false if it changed meanwhile. */
async function purgeVersion(kv: KV, key: string, revision: number): Promise<boolean> {
  try {
    await kv.purge(key, { previousSeq: revision });
    return true;
  } catch (e) {
    if (isWrongLastSequence(e)) return false;
    throw e;
  }
}

// --- CreateLogStream ----------------------------------------------------------
export async function createLogStream(accountId: string, _region: string, input: CreateLogStreamRequest): Promise<{}> {
  const group = input.logGroupName!;
  const stream = input.logStreamName!;

  const g = await requireLogGroup(accountId, group);
  const kv = await logStreamsBucket();
  const key = logStreamKey(accountId, group, stream);
  const record: LogStreamRecord = { logStreamName: stream, groupId: g.id, creationTime: Date.now() };
  let revision: number | undefined;
  for (let attempt = 0; revision === undefined; attempt++) {
    try {
      revision = await kv.create(key, Buffer.from(JSON.stringify(record)));
    } catch (e) {
      if (!isWrongLastSequence(e) || attempt >= 10) throw e;
      const cur = await getRecord<LogStreamRecord>(kv, key);
      if (!cur) continue; // deleted meanwhile: try again
      if (cur.value.groupId === g.id) throw logStreamExists();
      // A leftover of an earlier group of this name: take its place.
      if (await updateRecord(kv, key, record, cur.revision)) {
        revision = (await getRecord<LogStreamRecord>(kv, key))?.revision ?? -1;
      }
    }
  }
  // The group may have been deleted while the stream was being created.
  const now = await getLogGroup(accountId, group);
  if (!now || now.value.id !== g.id) {
    if (revision > 0) await purgeVersion(kv, key, revision);
    throw logGroupNotFound();
  }
  return {};
}

// --- DeleteLogStream ----------------------------------------------------------
export async function deleteLogStream(accountId: string, _region: string, input: DeleteLogStreamRequest): Promise<{}> {
  const group = input.logGroupName!;
  const stream = input.logStreamName!;
  const g = await requireLogGroup(accountId, group);
  if (g.deletionProtectionEnabled) {
    throw validationException("Cannot delete log stream in a log group with deletion protection enabled. Disable deletion protection first.");
  }
  const kv = await logStreamsBucket();
  const key = logStreamKey(accountId, group, stream);
  for (let attempt = 0; attempt < 10; attempt++) {
    const cur = await getRecord<LogStreamRecord>(kv, key);
    if (!cur || cur.value.groupId !== g.id) throw logStreamNotFound();
    if (await purgeVersion(kv, key, cur.revision)) {
      forgetLogStream(accountId, group, stream);
      return {};
    }
  }
  throw new Error(`too much contention deleting ${key}`);
}

/** DeleteLogGroup's second half: the streams of the deleted incarnation `groupId`. */
export async function deleteStreamsOfGroup(accountId: string, group: string, groupId: string): Promise<void> {
  const kv = await logStreamsBucket();
  const keys: string[] = [];
  for await (const k of await kv.keys(logStreamsFilter(accountId, group))) keys.push(k);
  const BATCH = 64;
  for (let i = 0; i < keys.length; i += BATCH) {
    await Promise.all(
      keys.slice(i, i + BATCH).map(async (key) => {
        const cur = await getRecord<LogStreamRecord>(kv, key);
        if (cur && cur.value.groupId === groupId) await purgeVersion(kv, key, cur.revision);
      }),
    );
  }
}

// --- DescribeLogStreams -------------------------------------------------------
interface Candidate {
  name: string;
  key: string;
  /** Loaded up front when the order needs it, or the key does not hold the name. */
  rec?: Versioned<LogStreamRecord>;
}

export async function describeLogStreams(
  accountId: string,
  region: string,
  input: DescribeLogStreamsRequest,
): Promise<DescribeLogStreamsResponse> {
  if (input.logGroupName !== undefined && input.logGroupIdentifier !== undefined) {
    throw validationException("LogGroup name and LogGroup ARN are mutually exclusive parameters.");
  }
  if (input.logGroupName === undefined && input.logGroupIdentifier === undefined) {
    throw invalidParameter("Either logGroupName or logGroupIdentifier must be specified.");
  }
  const byTime = input.orderBy === "LastEventTime";
  const prefix = input.logStreamNamePrefix;
  if (byTime && prefix !== undefined) {
    throw invalidParameter("Cannot order by LastEventTime with a logStreamNamePrefix.");
  }
  const group =
    input.logGroupName ?? resolveLogGroupIdentifier(input.logGroupIdentifier!, accountId, region);
  const g = await requireLogGroup(accountId, group);
  const kv = await logStreamsBucket();

  // Candidates: names from the keys; records only where needed.
  let candidates: Candidate[] = [];
  const groupTokenLength = logStreamsFilter(accountId, group).length - 1;
  for await (const key of await kv.keys(logStreamsFilter(accountId, group))) {
    const token = key.slice(groupTokenLength);
    candidates.push({ name: isHashedToken(token) ? "" : fromKeyToken(token), key });
  }
  const current = (rec: Versioned<LogStreamRecord> | undefined, key: string) => {
    if (rec && rec.value.groupId !== g.id) {
      // A leftover of a deleted incarnation of the group: clean it up.
      void purgeVersion(kv, key, rec.revision).catch(() => undefined);
      return undefined;
    }
    return rec;
  };
  const loadAll = async (list: Candidate[]) => {
    const BATCH = 64;
    for (let i = 0; i < list.length; i += BATCH) {
      await Promise.all(
        list.slice(i, i + BATCH).map(async (c) => {
          c.rec = current(await getRecord<LogStreamRecord>(kv, c.key), c.key);
          if (c.rec) c.name = c.rec.value.logStreamName;
        }),
      );
    }
    return list.filter((c) => c.rec);
  };
  if (byTime) {
    candidates = await loadAll(candidates);
  } else {
    const hashed = candidates.filter((c) => c.name === "");
    if (hashed.length) candidates = [...candidates.filter((c) => c.name !== ""), ...(await loadAll(hashed))];
  }
  if (prefix !== undefined) candidates = candidates.filter((c) => c.name.startsWith(prefix));

  const page = await paginate({
    operation: "DescribeLogStreams",
    query: { group, gid: g.id, prefix, byTime },
    candidates,
    key: (c: Candidate) => (byTime ? [c.rec!.value.lastEventTimestamp ?? 0, c.name] : [c.name]),
    descending: input.descending ?? false,
    limit: input.limit ?? 50,
    nextToken: input.nextToken,
    load: async (c) => {
      const rec = c.rec ?? current(await getRecord<LogStreamRecord>(kv, c.key), c.key);
      return rec ? toLogStream(rec.value, accountId, region, group) : undefined;
    },
  });
  const out: DescribeLogStreamsResponse = { logStreams: page.items };
  if (page.nextToken) out.nextToken = page.nextToken;
  return out;
}
