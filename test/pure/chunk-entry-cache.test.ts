import { describe, expect, it } from "vitest";
import { CHUNK_ENTRY_CACHE_BYTES, cachedEntry, chunkEntryCacheBytes, keepEntry } from "../../lib/logs/events/chunk-entry-cache.js";
import type { ChunkEntry } from "../../lib/logs/events/chunk-index.js";

const entry = (n: number, blocks = 8): ChunkEntry => ({
  v: 2,
  n,
  key: `111111111111/g/s/2026/12/07/03/chunk-${n}.log.gz`,
  minTimestamp: 1,
  maxTimestamp: 2,
  minSeq: 1,
  maxSeq: 2,
  minIngestionTime: 1,
  maxIngestionTime: 2,
  count: 2,
  rawBytes: 10,
  size: 5,
  blocks: Array.from({ length: blocks }, (_, b) => ({ offset: b, firstTimestamp: 1, lastTimestamp: 2, count: 1, rawBytes: 1, messageBytes: 1 })),
  written: 0,
});

describe("the chunk entry cache", () => {
  it("answers an entry only for the token sets it was kept with, and keeps a few sets an entry", () => {
    const key = `k-sets-${Math.random()}`;
    keepEntry(key, entry(1), "", new Uint8Array([1, 1]));
    expect(cachedEntry(key, "")?.passes).toEqual(new Uint8Array([1, 1]));
    expect(cachedEntry(key, '[["a"],[]]')).toBeUndefined();
    for (const t of ["a", "b", "c", "d"]) keepEntry(key, entry(1), t, new Uint8Array([0, 1]));
    // Four sets an entry: the oldest ("") went when the fifth came.
    expect(cachedEntry(key, "")).toBeUndefined();
    expect(cachedEntry(key, "d")?.entry.n).toBe(1);
  });

  it("stays within its bound in bytes, dropping the least recently used entries first", () => {
    const first = `k-bound-first-${Math.random()}`;
    const second = `k-bound-second-${Math.random()}`;
    keepEntry(first, entry(1), "", new Uint8Array(8));
    keepEntry(second, entry(2), "", new Uint8Array(8));
    // Enough entries to pass the bound several times over; the first is read (used) every so often, the second never.
    for (let i = 0; i < 60_000; i++) {
      keepEntry(`k-bound-${i}`, entry(i), "", new Uint8Array(8));
      if (i % 1000 === 0) expect(cachedEntry(first, "")).toBeDefined();
      expect(chunkEntryCacheBytes()).toBeLessThanOrEqual(CHUNK_ENTRY_CACHE_BYTES);
    }
    expect(chunkEntryCacheBytes()).toBeGreaterThan(CHUNK_ENTRY_CACHE_BYTES / 2);
    expect(cachedEntry(first, "")).toBeDefined();
    expect(cachedEntry(second, "")).toBeUndefined();
  });
});
