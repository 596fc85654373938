/**
 * The delta log: a JetStream stream with one subject per ingest partition,
 * `cloudwatch.metrics.delta.{partition}`. Each record is what one aggregator
 * batch folded (delta-codec.ts). The aggregator appends one record per batch
 * instead of rewriting every chunk the batch touched; compaction
 * (compaction.ts) folds records into the chunks every few seconds and purges
 * them. Readers fold the records the chunks have not absorbed yet, as they
 * fold the ingest tail.
 *
 * The records of a partition are linear: each starts after the previous one
 * ends. Appends are conditional on the subject's last sequence, and the
 * aggregator drops messages a record already covers, so a batch delivered
 * twice (a crash before the checkpoint moved, or a holder that lost its
 * lease) is recorded once. Subjects and the purge mark: docs/formats/kv-keys.md.
 */
import { RetentionPolicy, StorageType, type JetStreamManager } from "nats";
import { getRecord, isWrongLastSequence, putRecord } from "../../storage/kv.js";
import { BUCKETS, directGet, ensureStream, getBucket, getNats, purgeBelowNeeded } from "../../storage/nats.js";
import { PARTITIONS } from "./ingest-log.js";
import { decodeDelta, deltaRange, type DeltaEntry } from "../encoding/delta-codec.js";
import { forgetFolded, forgetPartition } from "../read/chunk-read-cache.js";

export const DELTA_STREAM = "CW_METRICS_DELTAS";
export const deltaSubject = (partition: number) => `cloudwatch.metrics.delta.${partition}`;
/** Under nats-server's default max_payload (1 MB), with room for headers. */
export const MAX_DELTA_BYTES = 900 * 1024;

/** A record as readers and compaction hold it, bodies still encoded. */
export interface DeltaRecord {
  /** Stream sequence of the record. */
  seq: number;
  from: number;
  to: number;
  entries: DeltaEntry[];
  /** Entries by `{account}.{seriesId}`, built by the first read that needs it (compaction does not). */
  bySeries?: Map<string, DeltaEntry[]>;
}

/** The record's entries of one series. */
export function seriesEntries(record: DeltaRecord, account: string, seriesId: string): DeltaEntry[] {
  if (!record.bySeries) {
    record.bySeries = new Map();
    for (const e of record.entries) {
      const key = `${e.account}.${e.seriesId}`;
      const list = record.bySeries.get(key);
      if (list) list.push(e);
      else record.bySeries.set(key, [e]);
    }
  }
  return record.bySeries.get(`${account}.${seriesId}`) ?? [];
}

export const ensureDeltaStream = (): Promise<void> =>
  ensureStream({
    name: DELTA_STREAM,
    subjects: ["cloudwatch.metrics.delta.*"],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    // No age limit: a record leaves only once compaction has folded it.
    max_msg_size: 1024 * 1024,
    // Readers fetch records by direct get.
    allow_direct: true,
  });

// --- the writer's side (the partition's aggregator) ---

/** Per partition: the stream sequence and `to` of the subject's last record (0, 0: none), as last seen. */
const lastSeen = new Map<number, { seq: number; to: number }>();

/** The ingest sequence the partition's last record ends at (0 when there is none). */
export async function lastDeltaEnd(partition: number): Promise<number> {
  return (await lastRecord(partition)).to;
}

async function lastRecord(partition: number): Promise<{ seq: number; to: number }> {
  let last = lastSeen.get(partition);
  if (last) return last;
  await ensureDeltaStream();
  const { jsm } = await getNats();
  const m = await directGet(jsm, DELTA_STREAM, { last_by_subj: deltaSubject(partition) });
  last = m ? { seq: m.seq, to: deltaRange(m.data).to } : { seq: 0, to: 0 };
  lastSeen.set(partition, last);
  return last;
}

/**
 * Appends a record if the subject's last record is still the one last seen;
 * false if another writer got there first (call lastDeltaEnd again, drop
 * what it covers, retry). `entries`, the record's entries, go straight into
 * this thread's cache of records when it is contiguous up to the record, so
 * compaction need not fetch it. (Entries keep bodies, not bucket objects: a
 * few seconds of batches as objects would be hundreds of MB.)
 */
export async function appendDelta(partition: number, bytes: Uint8Array, from: number, to: number, entries?: DeltaEntry[]): Promise<boolean> {
  const last = await lastRecord(partition);
  const { js } = await getNats();
  try {
    const ack = await js.publish(deltaSubject(partition), bytes, { expect: { lastSubjectSequence: last.seq } });
    lastSeen.set(partition, { seq: ack.seq, to });
    if (last.seq === 0) await keepAboveMark(partition, ack.seq);
    // Contiguous: the cache ends at the record this one follows, or the subject was empty (every record of the partition
    // purged, so below its mark: the next refresh drops them), which also starts a cache. Else compaction fetched them all.
    let part = cache.get(partition);
    if (!part && entries && last.seq === 0) cache.set(partition, (part = { records: [], below: 0 }));
    if (entries && part && !part.running && (last.seq === 0 || part.records.at(-1)?.seq === last.seq)) {
      part.records = [...part.records, { seq: ack.seq, from, to, entries }];
    }
    return true;
  } catch (e) {
    lastSeen.delete(partition);
    if (isWrongLastSequence(e)) return false;
    throw e;
  }
}

/**
 * The first record of an empty subject must not fall below the partition's
 * purge mark, where no reader or compaction looks. It does only when the
 * stream numbers messages again from a lower sequence (a nats-server that
 * lost the stream's state: purgeFolded keeps the case it knows from
 * happening): the mark is moved back to it, and readers start over.
 */
async function keepAboveMark(partition: number, seq: number): Promise<void> {
  const below = await purgeMark(partition);
  if (seq >= below) return;
  console.error(`[hive-cloudwatch] metric delta log ${partition}: a record got sequence ${seq}, below the purge mark ${below} (nats-server lost the stream's sequence); mark moved back`);
  await putRecord(await getBucket(BUCKETS.streamShards), purgeKey(partition), { below: seq });
}

// --- compaction's side ---

/** Where compaction has purged a partition's subject to: readers drop records below it. */
const purgeKey = (partition: number) => `${DELTA_STREAM}.${partition}`;

/** The partition's purge mark: its records below this stream sequence are folded (0: none yet). */
export async function purgeMark(partition: number): Promise<number> {
  return (await getRecord<{ below: number }>(await getBucket(BUCKETS.streamShards), purgeKey(partition)))?.value.below ?? 0;
}

/**
 * Marks the partition's records below stream sequence `below` folded into
 * chunks, and removes every record all partitions have folded. The mark is
 * written first: a reader that sees it may drop its copies, whose data the
 * chunks then hold.
 */
export async function purgeDeltas(partition: number, below: number): Promise<void> {
  await putRecord(await getBucket(BUCKETS.streamShards), purgeKey(partition), { below });
  await purgeFolded();
  const last = lastSeen.get(partition);
  if (last && last.seq < below) lastSeen.delete(partition);
}

/**
 * Purges the whole stream below the oldest record some partition has not
 * folded yet (its first record at or past its mark): stream-wide, as a
 * filtered purge grew nats-server's storage total by the log's whole volume
 * (5 MiB a minute at 8,000 datums/s) until every write was refused (docs/memory.md).
 */
async function purgeFolded(): Promise<void> {
  const { jsm } = await getNats();
  const needed = [];
  for (let p = 0; p < PARTITIONS; p++) needed.push({ subject: deltaSubject(p), from: await purgeMark(p) });
  await purgeBelowNeeded(jsm, DELTA_STREAM, needed);
}

// --- the readers' side ---

interface PartitionCache {
  records: DeltaRecord[];
  /** The purge mark the records were read under. */
  below: number;
  /** Refreshes queue: each caller gets one that started after it asked. */
  running?: Promise<void>;
  queued?: Promise<void>;
}

// Shared by the function bundles of one thread (each loads its own copy of this module).
const CACHE = Symbol.for("hive.cloudwatch.metric-deltas");
const cache = ((globalThis as any)[CACHE] ??= new Map()) as Map<number, PartitionCache>;

/**
 * The partition's records in stream order, as they are now: every record
 * appended before the call is in the answer. Immutable records are kept
 * between calls; only new ones are fetched.
 */
export async function readDeltas(partition: number): Promise<DeltaRecord[]> {
  let c = cache.get(partition);
  if (!c) cache.set(partition, (c = { records: [], below: 0 }));
  const part = c;
  if (!part.running) {
    part.running = refresh(partition, part).finally(() => (part.running = undefined));
  } else {
    // A refresh under way may have started before the caller's data existed: queue one.
    part.queued ??= part.running
      .catch(() => undefined)
      .then(() => {
        part.queued = undefined;
        return (part.running = refresh(partition, part).finally(() => (part.running = undefined)));
      });
  }
  await (part.queued ?? part.running);
  return part.records;
}

async function refresh(partition: number, part: PartitionCache): Promise<void> {
  await ensureDeltaStream();
  const { jsm } = await getNats();
  const below = await purgeMark(partition);
  // A mark moved back (keepAboveMark): the cached records' sequences belong to the stream's old numbering.
  const kept = below < part.below ? [] : part.records.filter((r) => r.seq >= below);
  forgetPurged(partition, part, below);
  part.below = below;
  const from = Math.max(below, (kept.at(-1)?.seq ?? 0) + 1, 1);
  const fresh: DeltaRecord[] = [];
  // One direct get per new record: cheaper than a consumer when there are a few, and a miss is one round trip.
  for (let seq = from; ; ) {
    const m = await nextRecord(jsm, partition, seq);
    if (!m) break;
    fresh.push(indexRecord(m.seq, m.data));
    seq = m.seq + 1;
  }
  part.records = [...kept, ...fresh];
}

/**
 * Tells the read cache (chunk-read-cache.ts) which chunks the records purged
 * since the last refresh were folded into. Compaction marks a partition just
 * past the last record it purged, and this thread's records run unbroken from
 * the old mark: a mark past the record after the last one seen means records
 * came and went unseen, and every copy of the partition's chunks is dropped.
 */
function forgetPurged(partition: number, part: PartitionCache, below: number): void {
  const last = part.records.at(-1)?.seq;
  const seenTo = last === undefined ? part.below : last + 1;
  if (below < part.below || below > seenTo) return forgetPartition(partition);
  const purged = part.records.filter((r) => r.seq < below);
  if (purged.length > 0) forgetFolded(partition, entriesOf(purged));
}

function* entriesOf(records: DeltaRecord[]): Iterable<DeltaEntry> {
  for (const r of records) yield* r.entries;
}

const nextRecord = (jsm: JetStreamManager, partition: number, seq: number) =>
  directGet(jsm, DELTA_STREAM, { seq, next_by_subj: deltaSubject(partition) });

function indexRecord(seq: number, bytes: Uint8Array): DeltaRecord {
  const { from, to, entries } = decodeDelta(bytes);
  return { seq, from, to, entries };
}
