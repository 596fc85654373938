/**
 * The group and stream records PutLogEvents checks on every call, kept for
 * KEEP_MS per process so a busy stream's calls make no KV round trip for
 * them (two gets a call were a third of a call's time under load).
 *
 * Only records that exist are kept: a group or stream created anywhere is
 * seen at once. This process's DeleteLogGroup, DeleteLogStream and retention
 * changes drop what they change here at once; another process's are seen
 * within KEEP_MS, so for that long its calls may still store events for a
 * stream just deleted there (the compactor drops them: they belong to no
 * live stream). AWS documents its log group and stream operations as
 * eventually consistent too. Bounded in bytes, oldest dropped first.
 */
import { getRecord, type Versioned } from "../storage/kv.js";
import { BUCKETS, getBucket } from "../storage/nats.js";
import { logStreamNotFound } from "./errors.js";
import { requireLogGroup } from "./group-records.js";
import { logStreamKey } from "./names.js";
import type { LogStreamRecord } from "./stream-record.js";

/** How long a record read from KV is used without reading it again. */
export const KEEP_MS = 3000;
/** Estimated bytes of all entries at most. */
const MAX_BYTES = 4 * 1024 * 1024;
/** Per entry besides the key and the stream record's names: the Map slot, the objects, the numbers. */
const ENTRY_OVERHEAD = 256;

/** What ingest needs of a group: its incarnation and its retention. */
export interface IngestGroup {
  id: string;
  retentionInDays?: number;
}

export interface IngestRecords {
  group: IngestGroup;
  /** The stream's record and the KV revision it was read (or last written by this process) at. */
  stream: Versioned<LogStreamRecord>;
}

interface Entry extends IngestRecords {
  account: string;
  logGroup: string;
  at: number;
  bytes: number;
}

const entries = new Map<string, Entry>();
let bytes = 0;
/** Moved by every invalidation: a read that began before one does not store what it read. */
let generation = 0;

const keyOf = (account: string, group: string, stream: string) => `${account}\u0000${group}\u0000${stream}`;

/**
 * The group and the stream of a PutLogEvents call, or AWS's
 * ResourceNotFoundException for a missing group or stream.
 */
export async function ingestRecords(account: string, group: string, stream: string, now = performance.now()): Promise<IngestRecords> {
  const key = keyOf(account, group, stream);
  const hit = entries.get(key);
  if (hit && now - hit.at < KEEP_MS) return hit;
  const began = generation;
  const [g, s] = await Promise.all([requireLogGroup(account, group), getBucket(BUCKETS.logStreams).then((kv) => getRecord<LogStreamRecord>(kv, logStreamKey(account, group, stream)))]);
  if (!s || s.value.groupId !== g.id) throw logStreamNotFound();
  const found: IngestRecords = { group: { id: g.id, retentionInDays: g.retentionInDays }, stream: s };
  if (began === generation) keep(key, account, group, found, now);
  return found;
}

/**
 * The stream's record as this process just wrote it (compare-and-set at
 * `revision`), so the next note of the same stream starts from it.
 */
export function noteStreamWritten(account: string, group: string, stream: string, written: Versioned<LogStreamRecord>): void {
  const e = entries.get(keyOf(account, group, stream));
  if (e && e.stream.value.creationTime === written.value.creationTime && e.stream.revision < written.revision) e.stream = written;
}

/** A change to the group (deleted, retention changed): its entries and its streams' go. */
export function forgetLogGroup(account: string, group: string): void {
  generation++;
  for (const [key, e] of entries) if (e.account === account && e.logGroup === group) drop(key, e);
}

/** A stream deleted (or replaced): its entry goes. */
export function forgetLogStream(account: string, group: string, stream: string): void {
  generation++;
  const key = keyOf(account, group, stream);
  const e = entries.get(key);
  if (e) drop(key, e);
}

function keep(key: string, account: string, logGroup: string, found: IngestRecords, at: number): void {
  const old = entries.get(key);
  if (old) drop(key, old);
  const size = 2 * (key.length + found.stream.value.logStreamName.length + found.group.id.length) + ENTRY_OVERHEAD;
  entries.set(key, { ...found, account, logGroup, at, bytes: size });
  bytes += size;
  for (const [k, e] of entries) {
    if (bytes <= MAX_BYTES) break;
    drop(k, e);
  }
}

function drop(key: string, e: Entry): void {
  entries.delete(key);
  bytes -= e.bytes;
}
