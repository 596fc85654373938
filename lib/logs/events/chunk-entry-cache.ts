/**
 * Committed chunk index entries, parsed, kept across reads: every page of a
 * FilterLogEvents search (nextToken) and every refresh of a query read the
 * same ~960 entries of a GB, ~60 KB of JSON each (mostly token filters), from
 * KV again. A committed entry never changes (its number is reserved by
 * compare-and-set and written once, chunk-index.ts), so a process may keep it
 * under its key and its stream's incarnation (a stream made again after its
 * state was purged numbers its chunks from 1 again); which numbers count is
 * still read from the stream's state on every read.
 *
 * An entry is kept without its token filters (most of its bytes); what they
 * answered for a read's tokens is kept beside it as one flag a block, per set
 * of tokens (a read with other tokens reads the entry again). Bounded in
 * bytes (docs/memory.md), least recently used dropped first. The key holds
 * the account and the group's id (chunkEntryKey): one tenant's read never
 * finds another's entry.
 */
import type { ChunkEntry } from "./chunk-index.js";

/** Bytes of entries kept, estimated (about 10 GB of chunks' index). */
export const CHUNK_ENTRY_CACHE_BYTES = 16 * 1024 * 1024;
/** Token sets whose answers an entry keeps, the oldest dropped first. */
const TOKEN_SETS = 4;

interface Cached {
  entry: ChunkEntry;
  /** Per token set (tokenSetKey): 1 a block, where the filters leave it (all 0: the chunk's own filter rules it out). */
  passes: Map<string, Uint8Array>;
  bytes: number;
}

const SHARED = Symbol.for("hive.cloudwatch.chunk-entry-cache");
const state = ((globalThis as any)[SHARED] ??= { entries: new Map<string, Cached>(), bytes: 0 }) as { entries: Map<string, Cached>; bytes: number };

/** What an entry without its filters holds, about: its fields, each block's, and the key (2 B a character). */
const sizeOf = (key: string, entry: ChunkEntry) => 2 * (key.length + entry.key.length) + 300 + entry.blocks.length * 120;

/** The answers of an entry's token filters for `tokenSet` (tokenSetKey), and the entry; undefined when not kept. */
export function cachedEntry(key: string, tokenSet: string): { entry: ChunkEntry; passes: Uint8Array } | undefined {
  const c = state.entries.get(key);
  const passes = c?.passes.get(tokenSet);
  if (!c || !passes) return undefined;
  // Most recently used last: the Map's order is the eviction order.
  state.entries.delete(key);
  state.entries.set(key, c);
  return { entry: c.entry, passes };
}

/** Keeps a committed entry (its filters already dropped) with its filters' answers for `tokenSet`. */
export function keepEntry(key: string, entry: ChunkEntry, tokenSet: string, passes: Uint8Array): void {
  let c = state.entries.get(key);
  if (c) state.entries.delete(key);
  else {
    c = { entry, passes: new Map(), bytes: sizeOf(key, entry) };
    state.bytes += c.bytes;
  }
  if (!c.passes.has(tokenSet) && c.passes.size >= TOKEN_SETS) {
    const [oldest, flags] = c.passes.entries().next().value!;
    c.passes.delete(oldest);
    c.bytes -= 64 + 2 * oldest.length + flags.length;
    state.bytes -= 64 + 2 * oldest.length + flags.length;
  }
  if (!c.passes.has(tokenSet)) {
    c.bytes += 64 + 2 * tokenSet.length + passes.length;
    state.bytes += 64 + 2 * tokenSet.length + passes.length;
  }
  c.passes.set(tokenSet, passes);
  state.entries.set(key, c);
  for (const [k, old] of state.entries) {
    if (state.bytes <= CHUNK_ENTRY_CACHE_BYTES) break;
    state.entries.delete(k);
    state.bytes -= old.bytes;
  }
}

/** The bytes kept, estimated (tests). */
export const chunkEntryCacheBytes = () => state.bytes;
