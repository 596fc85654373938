/**
 * Compaction: folds a partition's delta records (delta-log.ts) into the
 * per-series chunks, in stream order, then purges the records.
 *
 * Exactly-once: a chunk records the `to` of the last record folded into it,
 * and a record that starts at or below it is skipped. Records are linear, so
 * that one number says which of them the chunk holds. Two compactions of one
 * partition at once (an old aggregator still finishing, roll-off) are safe:
 * every chunk write is a compare-and-set, and a loser reloads and skips what
 * the winner folded.
 */
import { BUCKETS } from "../../storage/nats.js";
import { kvWrites, type KvWrite } from "../../storage/kv-writes.js";
import { chunkKey, isHot, mergedChunkRecord, newChunkRecord, newIncarnation, readRecord, type ChunkRef } from "../store/chunk-store.js";
import { listNewChunks } from "../store/chunk-windows.js";
import { createdHere } from "../store/series-index.js";
import { ChunkMerge } from "../encoding/chunk-merge.js";
import type { DeltaEntry } from "../encoding/delta-codec.js";
import { purgeDeltas, readDeltas } from "./delta-log.js";
import { kvRecords } from "../../storage/kv-values.js";
import { getCheckpoint } from "../../storage/stream-shards.js";
import { INGEST_STREAM, PARTITIONS } from "./ingest-log.js";
import { purgeAggregatedSoon } from "./ingest-purge.js";

interface ChunkWork {
  ref: ChunkRef;
  /** chunkKey(ref). */
  key: string;
  /** The records' parts for this chunk, in stream order. */
  parts: Array<{ from: number; to: number; entry: DeltaEntry }>;
  /** Whether this compaction wrote the chunk (false: it held every part already). */
  written?: boolean;
}

export interface Compacted {
  /** Chunks that took in a record. */
  written: number;
  /** Records purged, and records left (their batch's checkpoint had not moved yet). */
  purged: number;
  left: number;
}

/** Folds every record of the partition into chunks, then purges those the ingest checkpoint has passed. */
export async function compactPartition(partition: number): Promise<Compacted> {
  // The checkpoint before the records: a record may be purged only once the
  // ingest checkpoint has passed it (else a redelivered batch could not tell it was recorded).
  const checkpoint = await getCheckpoint(INGEST_STREAM, String(partition));
  const records = await readDeltas(partition);
  if (!records.length) return { written: 0, purged: 0, left: 0 };
  const work = new Map<string, ChunkWork>();
  for (const r of records) {
    for (const e of r.entries) {
      const key = chunkKey(e);
      let w = work.get(key);
      if (!w) work.set(key, (w = { ref: e, key, parts: [] }));
      w.parts.push({ from: r.from, to: r.to, entry: e });
    }
  }
  const all = [...work.values()];
  await applyAll(all);
  const written = all.filter((w) => w.written).length;

  const done = records.filter((r) => r.to <= checkpoint);
  if (done.length) await purgeDeltas(partition, done[done.length - 1].seq + 1);
  return { written, purged: done.length, left: records.length - done.length };
}

export async function compactAll(): Promise<void> {
  for (let p = 0; p < PARTITIONS; p++) await compactPartition(p);
}

/**
 * How often the aggregator compacts a busy partition, so how often a busy
 * series' chunk is rewritten. Every rewrite leaves a deleted revision in the
 * chunk bucket's nats-server blocks, which the keys that stopped changing
 * (a pod that went, a closed hour) keep from being freed: at 5 s, 12,000
 * revisions a minute at 8,000 datums/s and nats-server's memory rising with
 * them (docs/memory.md). Readers fold the records not compacted yet.
 */
export const COMPACT_EVERY_MS = 30_000;
/** After a failed pass (nats-server away): soon, not a whole COMPACT_EVERY_MS later. */
const RETRY_MS = 5_000;

const schedule = new Map<number, { last: number; timer?: ReturnType<typeof setTimeout>; running?: Promise<void>; again?: boolean }>();

/**
 * Compacts the partition in the background, at most once per COMPACT_EVERY_MS
 * and once more after the last call, so an idle partition ends compacted.
 */
export function compactSoon(partition: number): void {
  let s = schedule.get(partition);
  if (!s) schedule.set(partition, (s = { last: 0 }));
  const state = s;
  if (state.running) state.again = true;
  if (state.timer || state.running) return;
  const run = () => {
    state.timer = undefined;
    state.last = Date.now();
    state.running = compactPartition(partition)
      .then(async (done) => (await purgeAggregatedSoon(), done))
      // Records are left while their batch's checkpoint has not moved; on an
      // idle partition one more pass then purges them. Only after progress:
      // a stalled checkpoint does not keep it busy.
      .then(({ written, purged, left }) => {
        if (left > 0 && written + purged > 0) state.again = true;
      })
      .catch((e) => {
        console.error(`[hive-cloudwatch] compaction of metric partition ${partition} failed; retrying in ${RETRY_MS / 1000} s`, e);
        state.last = Date.now() - COMPACT_EVERY_MS + RETRY_MS;
        state.again = true;
      })
      .finally(() => {
        state.running = undefined;
        if (state.again) {
          state.again = false;
          compactSoon(partition);
        }
      });
  };
  state.timer = setTimeout(run, Math.max(0, state.last + COMPACT_EVERY_MS - Date.now()));
  state.timer.unref?.();
}

/**
 * The records this process wrote last, with their KV revisions, so the next
 * compaction can skip reading them back. Only a cache: every write is a
 * compare-and-set against the cached revision, and a mismatch reloads.
 * It holds the encoded records (a few bytes a bucket), not decoded chunks
 * (kilobytes a bucket once sketches are Maps), so its budget is real bytes.
 */
const CHUNK_CACHE = new Map<string, CachedRecord>();
export const CHUNK_CACHE_BUDGET = 64 * 2 ** 20;
// A Map entry, the key string and the cached object, beside the record's bytes.
const ENTRY_OVERHEAD = 200;
let cachedBytes = 0;

interface CachedRecord {
  bytes: Uint8Array;
  revision: number;
}

/** What the chunk cache holds now, in bytes, for the memory report and tests. */
export const chunkCacheBytes = (): number => cachedBytes;

/** Chunks encoded and in flight at once: a busy chunk's record is tens of KB. */
const WRITE_SLICE = 1000;

/**
 * Folds each chunk's parts into it and writes the changed chunks in batches
 * of compare-and-set writes. Chunks whose write lost a race (another
 * compaction, roll-off) go round again, reloaded: their folded copies are
 * not remembered.
 */
async function applyAll(all: ChunkWork[]): Promise<void> {
  let pending = all;
  for (let round = 0; pending.length > 0; round++) {
    if (round === 20) throw new Error(`compaction: ${pending.length} chunks kept changing under us`);
    const lost: ChunkWork[] = [];
    for (let from = 0; from < pending.length; from += WRITE_SLICE) {
      const writes: Array<KvWrite & { work: ChunkWork }> = [];
      const slice = pending.slice(from, from + WRITE_SLICE);
      const keys = slice.map((work) => work.key);
      const records = keys.map(forget);
      // Chunks this process did not write last are loaded in one window of
      // direct gets, but for series it has just created: none of theirs is
      // looked for on the first round (a chunk there after all fails its
      // create-if-absent write and comes back here reloaded).
      const at = records.flatMap((r, i) => (r || (round === 0 && createdHere(slice[i].ref.account, slice[i].ref.seriesId)) ? [] : [i]));
      const missing = at.map((i) => keys[i]);
      await kvRecords(BUCKETS.metricChunks, missing, (j, value, revision) => {
        // A copy: the value is a view of a network buffer the cache would keep alive.
        records[at[j]] = { bytes: value.slice(), revision };
      });
      slice.forEach((work, i) => {
        const record = records[i];
        // A new hot chunk with one record's part (every chunk, when an hour begins) is that part's bytes.
        if (!record && work.parts.length === 1 && isHot(work.ref.tier)) {
          const { entry, to } = work.parts[0];
          return void writes.push({ work, key: keys[i], value: newChunkRecord(entry.body, to), revision: 0 });
        }
        const value = foldParts(record?.bytes, work);
        if (value) writes.push({ work, key: keys[i], value, revision: record?.revision ?? 0 });
        else if (record) remember(keys[i], record);
      });
      // A chunk is listed in its window before it is created: roll-off finds chunks by their windows.
      await listNewChunks(writes.flatMap((w) => (w.revision === 0 ? [w.key] : [])));
      const revisions = await kvWrites(BUCKETS.metricChunks, writes);
      writes.forEach(({ work }, i) => {
        if (revisions[i] === 0) return void lost.push(work);
        remember(writes[i].key, { bytes: writes[i].value, revision: revisions[i] });
        work.written = true;
      });
    }
    pending = lost;
  }
}

/**
 * The record (`stored`, undefined when there is none) with the parts it does
 * not hold yet merged in, as encoded chunks (chunk-merge.ts): undefined when
 * it held them all.
 */
function foldParts(stored: Uint8Array | undefined, work: ChunkWork): Uint8Array | undefined {
  const head = stored ? readRecord(stored) : { lastSeq: 0, incarnation: newIncarnation(), absorbed: [], body: undefined };
  let last = head.lastSeq;
  MERGE.reset();
  if (head.body) MERGE.add(head.body);
  for (const part of work.parts) {
    if (part.from <= last) continue; // already folded, by us or another compaction
    MERGE.add(part.entry.body);
    last = part.to;
  }
  if (last === head.lastSeq) return undefined;
  return mergedChunkRecord(work.ref, { lastSeq: last, incarnation: head.incarnation, absorbed: head.absorbed }, MERGE);
}

const MERGE = new ChunkMerge();

function remember(key: string, record: CachedRecord): void {
  CHUNK_CACHE.set(key, record);
  cachedBytes += record.bytes.byteLength + ENTRY_OVERHEAD;
  // Oldest first: Maps iterate in insertion order, and a used record is re-inserted.
  while (cachedBytes > CHUNK_CACHE_BUDGET && CHUNK_CACHE.size > 1) forget(CHUNK_CACHE.keys().next().value!);
}

function forget(key: string): CachedRecord | undefined {
  const entry = CHUNK_CACHE.get(key);
  if (!entry) return undefined;
  CHUNK_CACHE.delete(key);
  cachedBytes -= entry.bytes.byteLength + ENTRY_OVERHEAD;
  return entry;
}
