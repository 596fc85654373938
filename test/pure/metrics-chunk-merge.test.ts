/**
 * Compaction's merge of encoded chunks (chunk-merge.ts) against the one it
 * replaced: each chunk decoded into Aggregates, merged into a Map by bucket
 * time in the order given (Aggregate.merge) and encoded. Random chunks of
 * every kind of bucket, at overlapping times, must merge to the same bytes.
 */
import { describe, expect, it } from "vitest";
import { Aggregate } from "../../lib/metrics/read/aggregate.js";
import { decodeChunk, encodeChunk, type Bucket } from "../../lib/metrics/encoding/chunk.js";
import { ChunkMerge } from "../../lib/metrics/encoding/chunk-merge.js";
import { rng } from "../support/random.js";

const MINUTE = 60_000;
const HOUR0 = Date.UTC(2026, 10, 25, 6);

/** compaction.ts before chunk-merge.ts: decode, merge into the first bucket of each time, encode. */
function referenceMerge(chunks: Uint8Array[], res: number, level: number): Uint8Array {
  const target = new Map<number, Aggregate>();
  for (const bytes of chunks) {
    for (const { t, agg } of decodeChunk(bytes).buckets) {
      const cur = target.get(t);
      if (cur) cur.merge(agg);
      else target.set(t, agg);
    }
  }
  return encodeChunk([...target].map(([t, agg]) => ({ t, agg })), res, level);
}

function merged(chunks: Uint8Array[], res: number, level: number, merge = new ChunkMerge()): Uint8Array {
  merge.reset();
  for (const c of chunks) merge.add(c);
  return merge.encode(res, level);
}

/** An aggregate of one random form: one value, equal values, spread values (some negative, some zero), a statistic set, fractional counts, empty. */
function randomAggregate(random: () => number, fractional: boolean): Aggregate {
  const a = new Aggregate();
  const form = Math.floor(random() * 9);
  const value = () => [() => Math.round(random() * 10_000) / 100, () => -Math.round(random() * 1000) / 10, () => 0, () => Math.exp((random() - 0.5) * 40), () => 42][Math.floor(random() * 5)]();
  if (form === 0) a.add(value());
  else if (form === 1) a.add(7.5, 1 + Math.floor(random() * 5));
  else if (form === 2) for (let i = 0, n = 2 + Math.floor(random() * 40); i < n; i++) a.add(value());
  else if (form === 3) a.addStatisticSet({ SampleCount: 3, Sum: 10, Minimum: 1, Maximum: 5 });
  else if (form === 4) a.addStatisticSet({ SampleCount: 4, Sum: 8, Minimum: 2, Maximum: 2 });
  else if (form === 5) for (let i = 0; i < 3; i++) a.add(value(), fractional ? 0.1 + random() * 3 : 1 + Math.floor(random() * 3));
  else if (form === 6) a.add(42, fractional ? 0.3 : 2);
  else if (form === 7) a.add(0);
  // form 8: empty
  return a;
}

/** A chunk of random buckets at some of `slots` minutes (so chunks overlap in time), encoded. */
function randomChunk(random: () => number, slots: number, fractional: boolean, res = MINUTE): Uint8Array {
  const buckets: Bucket[] = [];
  for (let s = 0; s < slots; s++) if (random() < 0.6) buckets.push({ t: HOUR0 + s * res, agg: randomAggregate(random, fractional) });
  return encodeChunk(buckets, res, random() < 0.3 ? 9 : 0);
}

describe("ChunkMerge: merges encoded chunks as decoding, merging and encoding them does", () => {
  it.each([
    ["whole-number counts", false],
    ["fractional counts", true],
  ])("gives the same bytes for random chunks of every kind of bucket at overlapping times (%s)", (_, fractional) => {
    const random = rng(fractional ? 9002 : 9001);
    const merge = new ChunkMerge();
    for (let round = 0; round < 250; round++) {
      // Up to 20 buckets: past the merge's scan limit, into its map of bucket times.
      const slots = 1 + Math.floor(random() * 20);
      const chunks = Array.from({ length: 1 + Math.floor(random() * 5) }, () => randomChunk(random, slots, fractional));
      const level = round % 3 === 0 ? 9 : 0;
      expect(merged(chunks, MINUTE, level, merge)).toEqual(referenceMerge(chunks, MINUTE, level));
    }
  });

  it("merges a chunk of 1-second buckets with thousands of values a bucket", () => {
    const random = rng(9003);
    const chunks = Array.from({ length: 3 }, () => {
      const buckets: Bucket[] = Array.from({ length: 200 }, (_, i) => ({ t: HOUR0 + i * 1000, agg: Aggregate.of(...Array.from({ length: 40 }, () => Math.exp(random() * 12) * (random() < 0.1 ? -1 : 1))) }));
      return encodeChunk(buckets, 1000, 0);
    });
    expect(merged(chunks, 1000, 0)).toEqual(referenceMerge(chunks, 1000, 0));
  });

  it("merges one chunk into itself unchanged, and nothing into an empty chunk", () => {
    const one = randomChunk(rng(9004), 30, false);
    expect(merged([one], MINUTE, 0)).toEqual(referenceMerge([one], MINUTE, 0));
    expect(merged([], MINUTE, 0)).toEqual(encodeChunk([], MINUTE, 0));
  });

  it("refuses a corrupt chunk as decodeChunk does (InternalFailure)", () => {
    const bytes = randomChunk(rng(9005), 10, false);
    bytes[0] = 0x7f;
    expect(() => merged([bytes], MINUTE, 0)).toThrow(expect.objectContaining({ code: "InternalFailure" }));
  });
});
