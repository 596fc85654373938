import { describe, expect, it } from "vitest";
import { Aggregate } from "../../lib/metrics/read/aggregate.js";
import type { ChunkRef } from "../../lib/metrics/store/chunk-store.js";
import { decodeChunk } from "../../lib/metrics/encoding/chunk.js";
import { decodeDelta, encodeDelta } from "../../lib/metrics/encoding/delta-codec.js";
import { rng } from "../support/random.js";

const T0 = Date.UTC(2026, 10, 25, 0, 0, 0);

/** Chunks given as bucket start → aggregate, as the codec takes them. */
const listed = (chunks: Array<{ ref: ChunkRef; buckets: Map<number, Aggregate> }>) =>
  chunks.map(({ ref, buckets }) => ({ ref, buckets: [...buckets].map(([t, agg]) => ({ t, agg })) }));

describe("delta records: a batch's buckets per chunk, with the sequences they cover", () => {
  it("carries every chunk's buckets, names and range exactly", () => {
    const random = rng(7);
    const wide = new Aggregate();
    for (let i = 0; i < 1000; i++) wide.add(Math.exp(random() * 10));
    const set = new Aggregate();
    set.addStatisticSet({ SampleCount: 4, Sum: 10, Minimum: 1, Maximum: 4 });
    const chunks: Array<{ ref: ChunkRef; buckets: Map<number, Aggregate> }> = [
      { ref: { account: "111111111111", seriesId: "s-a", unit: "Count", tier: "m1", start: T0 }, buckets: new Map([[T0 + 60_000, Aggregate.of(1, 2, 3)], [T0, wide]]) },
      { ref: { account: "111111111111", seriesId: "s-a", unit: "Count", tier: "s1", start: T0 }, buckets: new Map([[T0 + 1000, Aggregate.of(-0.5)]]) },
      { ref: { account: "222222222222", seriesId: "s-a", unit: "Bytes/Second", tier: "m5", start: T0 - 86_400_000 }, buckets: new Map([[T0 - 300_000, set]]) },
      { ref: { account: "111111111111", seriesId: "é 🌏", unit: "Count", tier: "m1", start: T0 }, buckets: new Map([[T0, Aggregate.of(7)]]) },
    ];
    const back = decodeDelta(encodeDelta(9_007_199_254_740_000, 9_007_199_254_740_991, listed(chunks)));
    expect(back.from).toBe(9_007_199_254_740_000);
    expect(back.to).toBe(9_007_199_254_740_991);
    expect(back.entries.map(({ body: _, ...ref }) => ref)).toEqual(chunks.map((c) => c.ref));
    back.entries.forEach((e, i) => {
      const buckets = decodeChunk(e.body).buckets;
      const want = [...chunks[i].buckets].sort((a, b) => a[0] - b[0]);
      expect(buckets.map((b) => b.t)).toEqual(want.map(([t]) => t));
      buckets.forEach((b, j) => {
        const w = want[j][1];
        expect([b.agg.count, b.agg.sum, b.agg.min, b.agg.max, b.agg.hasDistribution]).toEqual([w.count, w.sum, w.min, w.max, w.hasDistribution]);
        for (const q of [0.5, 0.9, 0.99]) expect(b.agg.quantile(q)).toBe(w.quantile(q));
      });
    });
  });

  it("indexes the entries it writes: the same bodies a decode finds", () => {
    const chunks = Array.from({ length: 300 }, (_, i) => ({
      ref: { account: "1", seriesId: `s${i}`, unit: "None", tier: "m1" as const, start: T0 },
      // Bodies of every size around the varint boundaries of their length.
      buckets: new Map(Array.from({ length: 1 + (i % 40) }, (_, k) => [T0 + k * 60_000, Aggregate.of(k, k * i + 0.5)] as [number, Aggregate])),
    }));
    const index: import("../../lib/metrics/encoding/delta-codec.js").DeltaEntry[] = [];
    const bytes = encodeDelta(3, 4, listed(chunks), index);
    const decoded = decodeDelta(bytes).entries;
    expect(index).toHaveLength(300);
    index.forEach((e, i) => {
      expect([...e.body]).toEqual([...decoded[i].body]);
      expect(e.seriesId).toBe(`s${i}`);
    });
  });

  it("records an empty batch range", () => {
    expect(decodeDelta(encodeDelta(5, 9, []))).toEqual({ from: 5, to: 9, entries: [] });
  });

  it("refuses truncated or unknown bytes instead of inventing buckets", () => {
    const bytes = encodeDelta(1, 2, listed([{ ref: { account: "1", seriesId: "s", unit: "None", tier: "m1", start: T0 }, buckets: new Map([[T0, Aggregate.of(1, 5)]]) }]));
    for (let cut = 1; cut < bytes.length; cut++) expect(() => decodeDelta(bytes.subarray(0, cut))).toThrow(/^Stored metric delta could not be decoded: /);
    expect(() => decodeDelta(Uint8Array.of(7))).toThrow("Stored metric delta could not be decoded: unknown format 7.");
  });
});
