/**
 * Hourly (`m1`) chunk records as this thread's reads last fetched them, so a
 * read of "the last hour" every few seconds does not fetch every series'
 * closed hour again until roll-off seals it. Each fetch made nats-server load
 * the 4 MB blocks those records sit in, and keep them loaded while the reads
 * came more often than it unloads them (docs/memory.md, "The clock hour's step").
 *
 * Why a cached copy is exact: every write to an hourly chunk but roll-off's
 * folds a delta record (compaction.ts), and a record is purged only after the
 * fold is written. A reader reads the purge mark before it reads chunks
 * (tail-cache.ts), so while a record the copy lacks is not purged, the reader
 * still folds it from the log; once it is purged, the reader's own refresh of
 * the log (delta-log.ts) drops the copy first. Roll-off's seal is caught as
 * before: the sealed chunk lists the hourly chunk's incarnation as absorbed.
 *
 * Shared by the function bundles of one thread (each loads its own copy of
 * this module), bounded in bytes, oldest use evicted first.
 */
import { chunkKey, type ChunkRef } from "../store/chunk-store.js";

/** Bytes of records held at most: the last hour of ~50,000 quiet series, or ~500 busy ones (docs/memory.md). */
export const READ_CACHE_BUDGET = 16 * 2 ** 20;
// A Map entry, the key string and the entry object, beside the record's bytes.
const ENTRY_OVERHEAD = 200;

interface Entry {
  bytes: Uint8Array;
  partition: number;
  /** The partition's generation when the record was kept: a newer one means the copy may be stale. */
  generation: number;
}

interface State {
  entries: Map<string, Entry>;
  bytes: number;
  /** Per partition: bumped when records were purged that this thread never saw, or the mark moved back. */
  generations: Map<number, number>;
  /** Per partition: bumped whenever a purge was seen, so a fetch that raced it is not kept. */
  epochs: Map<number, number>;
}

const STATE = Symbol.for("hive.cloudwatch.chunk-read-cache");
const state = ((globalThis as any)[STATE] ??= { entries: new Map(), bytes: 0, generations: new Map(), epochs: new Map() }) as State;

/** The hourly tier is the only one cached: the others are rewritten by roll-off, outside the delta log. */
export const cachedTier = (tier: string): boolean => tier === "m1";

/** The partition's purge epoch: taken by a read after its refresh of the log, handed back to keepChunk. */
export const purgeEpoch = (partition: number): number => state.epochs.get(partition) ?? 0;

/** The record kept for `key`, if it is still known to be current. */
export function cachedChunk(key: string): Uint8Array | undefined {
  const entry = state.entries.get(key);
  if (!entry) return undefined;
  if (entry.generation !== (state.generations.get(entry.partition) ?? 0)) {
    forget(key);
    return undefined;
  }
  // Most recently used last: Maps iterate in insertion order.
  state.entries.delete(key);
  state.entries.set(key, entry);
  return entry.bytes;
}

/**
 * Keeps a record fetched after the refresh that gave `epoch`, unless a purge
 * was seen since: the fetch may have come before the purged record's fold
 * was written, and no later refresh would drop the copy.
 */
export function keepChunk(key: string, partition: number, epoch: number, bytes: Uint8Array): void {
  if (purgeEpoch(partition) !== epoch) return;
  forget(key);
  // A copy: the value is a view of a network buffer the cache would keep alive.
  const entry = { bytes: bytes.slice(), partition, generation: state.generations.get(partition) ?? 0 };
  state.entries.set(key, entry);
  state.bytes += entry.bytes.byteLength + ENTRY_OVERHEAD;
  while (state.bytes > READ_CACHE_BUDGET && state.entries.size > 0) forget(state.entries.keys().next().value!);
}

/** Drops the copies of the hourly chunks that purged records (`refs`, their entries) were folded into. */
export function forgetFolded(partition: number, refs: Iterable<ChunkRef>): void {
  bump(state.epochs, partition);
  if (state.entries.size === 0) return;
  for (const ref of refs) if (cachedTier(ref.tier)) forget(chunkKey(ref));
}

/** Drops every copy of the partition's chunks: records were purged unseen, or the log was numbered again. */
export function forgetPartition(partition: number): void {
  bump(state.epochs, partition);
  bump(state.generations, partition);
}

/** What the cache holds now, in bytes, for the memory report and tests. */
export const readCacheBytes = (): number => state.bytes;

function forget(key: string): void {
  const entry = state.entries.get(key);
  if (!entry) return;
  state.entries.delete(key);
  state.bytes -= entry.bytes.byteLength + ENTRY_OVERHEAD;
}

const bump = (counters: Map<number, number>, partition: number) => counters.set(partition, (counters.get(partition) ?? 0) + 1);
