import { describe, expect, it } from "vitest";
import { Aggregate } from "../../lib/metrics/read/aggregate.js";
import { decodeChunk, decodeChunkBasic, encodeChunk, mergeChunks, viewChunkBasic, type Bucket } from "../../lib/metrics/encoding/chunk.js";
import { rng } from "../support/random.js";

const MINUTE = 60_000;
const HOUR0 = Date.UTC(2026, 10, 25, 6);


/** Everything an aggregate holds, for bit-exact comparison (Object.is via toEqual on numbers). */
function snapshot(a: Aggregate) {
  const s = a.count > 0 && a.hasDistribution ? a.clone().sketch! : undefined;
  return {
    count: a.count,
    sum: a.sum,
    min: a.min,
    max: a.max,
    hasDistribution: a.hasDistribution,
    sketch: s && {
      zero: s.zero,
      count: s.count,
      positive: [...s.positive].sort((x, y) => x[0] - y[0]),
      negative: [...s.negative].sort((x, y) => x[0] - y[0]),
    },
  };
}

function expectSameBuckets(got: Bucket[], want: Bucket[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((b, i) => {
    expect(b.t).toBe(want[i].t);
    expect(b.unit).toBe(want[i].unit);
    expect("unit" in b).toBe(want[i].unit !== undefined);
    expect(snapshot(b.agg)).toEqual(snapshot(want[i].agg));
    for (const q of [0, 0.5, 0.9, 0.99, 1]) expect(b.agg.quantile(q)).toBe(want[i].agg.quantile(q));
  });
}

function roundTrip(buckets: Bucket[], res = MINUTE): Bucket[] {
  const bytes = encodeChunk(buckets, res);
  const back = decodeChunk(bytes);
  expect(back.resolutionMs).toBe(res);
  return back.buckets;
}

/** One value a minute for an hour: a random walk with 2 decimals. */
function cpuHour(seed: number, unit: string | undefined = "Percent"): Bucket[] {
  const r = rng(seed);
  let v = 40;
  return Array.from({ length: 60 }, (_, m) => {
    v = Math.min(100, Math.max(0, v + (r() - 0.5) * 4));
    const b: Bucket = { t: HOUR0 + m * MINUTE, agg: Aggregate.of(Number(v.toFixed(2))) };
    if (unit !== undefined) b.unit = unit;
    return b;
  });
}

describe("encodeChunk / decodeChunk: lossless", () => {
  it("round-trips an hour of single-value buckets bit for bit", () => {
    const buckets = cpuHour(1);
    expectSameBuckets(roundTrip(buckets), buckets);
  });

  it("round-trips a chunk of 720 buckets of every kind (12 hours of minutes), larger than any buffer the encoder starts with", () => {
    const random = rng(720);
    const buckets: Bucket[] = Array.from({ length: 720 }, (_, i) => {
      const agg = new Aggregate();
      const k = i % 4;
      if (k === 0) agg.add(Math.round(random() * 10_000) / 100);
      else if (k === 1) for (let j = 0; j < 50; j++) agg.add(Math.exp(random() * 8));
      else if (k === 2) agg.addStatisticSet({ SampleCount: 3, Sum: 10 + i, Minimum: 1, Maximum: 5 + i });
      else agg.add(i, 3);
      return { t: HOUR0 + i * MINUTE, agg };
    });
    // Twice: the second encode runs with the buffers the first one grew.
    for (let round = 0; round < 2; round++) expectSameBuckets(decodeChunk(encodeChunk(buckets, MINUTE, 0)).buckets, buckets);
  });

  it("decodes only the buckets reaching into a range, exactly as the whole decode has them, for every kind and both count modes", () => {
    const random = rng(721);
    for (const fractionalCounts of [false, true]) {
      const buckets: Bucket[] = Array.from({ length: 720 }, (_, i) => {
        const agg = new Aggregate();
        const k = i % 6;
        if (k === 0) agg.add(Math.round(random() * 10_000) / 100);
        else if (k === 1) for (let j = 0; j < 50; j++) agg.add(Math.exp(random() * 8) * (j % 7 === 0 ? -1 : 1));
        else if (k === 2) agg.addStatisticSet({ SampleCount: 3, Sum: 10 + i, Minimum: 1, Maximum: 5 + i });
        else if (k === 3) agg.add(i, fractionalCounts ? 2.5 : 3);
        else if (k === 4) agg.add(1.5, 4);
        return { t: HOUR0 + i * MINUTE, agg, unit: i % 2 ? "Count" : undefined };
      });
      const bytes = encodeChunk(buckets, MINUTE, 0);
      const whole = decodeChunk(bytes).buckets;
      // The last hour of twelve; a range starting mid-bucket keeps the bucket it starts in; one past the end; none.
      for (const [from, to] of [
        [HOUR0 + 660 * MINUTE, HOUR0 + 720 * MINUTE],
        [HOUR0 + 100 * MINUTE + 30_000, HOUR0 + 163 * MINUTE],
        [HOUR0 + 719 * MINUTE, Infinity],
        [HOUR0 - MINUTE, HOUR0],
      ]) {
        const want = whole.filter((b) => b.t + MINUTE > from && b.t < to);
        expectSameBuckets(decodeChunk(bytes, from, to).buckets, want);
      }
    }
  });

  it("round-trips every kind of bucket", () => {
    const r = rng(2);
    const full = Aggregate.of(...Array.from({ length: 500 }, () => Math.exp(r() * 8)));
    const uniform = new Aggregate();
    uniform.add(7.5, 12);
    const uniformOddSum = new Aggregate();
    for (let i = 0; i < 10; i++) uniformOddSum.add(0.1); // sum 0.9999999999999999, not 0.1 × 10
    expect(uniformOddSum.sum).not.toBe(uniformOddSum.min * uniformOddSum.count);
    const twoValues = Aggregate.of(1.25, 2.5);
    const noDist = Aggregate.of(3);
    noDist.addStatisticSet({ SampleCount: 5, Sum: 30, Minimum: 2, Maximum: 10 });
    const negatives = Aggregate.of(-3.5, 0, 0, 12, -1e6, 1e-7);
    const fractional = new Aggregate();
    fractional.add(10, 0.5);
    fractional.add(20, 2.25);
    const extremes = Aggregate.of(2 ** 360, 2 ** -360, 1e300, 1e-300);
    const raw = Aggregate.of(Math.PI, Math.E, Math.SQRT2);
    const buckets: Bucket[] = [full, uniform, uniformOddSum, twoValues, noDist, negatives, fractional, extremes, raw, new Aggregate(), Aggregate.of(0)].map(
      (agg, i) => ({ t: HOUR0 + i * MINUTE, agg, unit: "None" }),
    );
    expectSameBuckets(roundTrip(buckets), buckets);
  });

  it("keeps the units per bucket: none, one, or several", () => {
    const noUnit = cpuHour(3, undefined);
    expectSameBuckets(roundTrip(noUnit), noUnit);
    const mixed = cpuHour(4);
    mixed[5].unit = "Count";
    delete mixed[6].unit;
    mixed[7].unit = "Gigabytes/Second";
    expectSameBuckets(roundTrip(mixed), mixed);
  });

  it("keeps timestamps: gaps, sparse data, unaligned times and 1-second resolution", () => {
    const gappy = cpuHour(5).filter((_, i) => i % 7 !== 3);
    expectSameBuckets(roundTrip(gappy), gappy);
    const sparse = [0, 17, 3599].map((s, i) => ({ t: HOUR0 + s * 1000, agg: Aggregate.of(i) }));
    expectSameBuckets(roundTrip(sparse, 1000), sparse);
    const unaligned = [1, 60_001, 120_500].map((d) => ({ t: HOUR0 + d, agg: Aggregate.of(d) }));
    expectSameBuckets(roundTrip(unaligned), unaligned);
    const early = [{ t: -MINUTE, agg: Aggregate.of(1) }, { t: 0, agg: Aggregate.of(2) }];
    expectSameBuckets(roundTrip(early), early);
  });

  it("sorts the buckets by time", () => {
    const buckets = cpuHour(6);
    const shuffled = [...buckets].reverse();
    expectSameBuckets(roundTrip(shuffled), buckets);
  });

  it("keeps two buckets of one time with different units", () => {
    const buckets: Bucket[] = [
      { t: HOUR0, agg: Aggregate.of(1), unit: "Count" },
      { t: HOUR0, agg: Aggregate.of(2), unit: "Percent" },
      { t: HOUR0 + MINUTE, agg: Aggregate.of(3), unit: "Count" },
    ];
    expectSameBuckets(roundTrip(buckets), buckets);
  });

  it("round-trips an empty chunk", () => {
    expect(decodeChunk(encodeChunk([], 1000))).toEqual({ resolutionMs: 1000, buckets: [] });
  });

  it("rejects a resolution that is not a positive integer", () => {
    expect(() => encodeChunk([], 0)).toThrow(RangeError);
    expect(() => encodeChunk([], 1.5)).toThrow(RangeError);
  });

  it("refuses bytes it does not understand with InternalFailure (a corrupt stored chunk is the service's fault)", () => {
    const corrupt = (detail: string) => expect.objectContaining({ code: "InternalFailure", status: 500, message: `Stored chunk could not be decoded: ${detail}.` });
    expect(() => decodeChunk(new Uint8Array([]))).toThrow(corrupt("empty"));
    expect(() => decodeChunk(new Uint8Array([0x0f, 1, 2]))).toThrow(corrupt("unknown version 15"));
    const plain = encodeChunk(cpuHour(7), MINUTE, 0);
    expect(() => decodeChunk(plain.subarray(0, plain.length - 5))).toThrow(corrupt("truncated"));
    // A bucket count the bytes cannot hold must not size the decode's buffers.
    expect(() => decodeChunk(Uint8Array.of(1, 60, 0xff, 0xff, 0xff, 0xff, 0x0f))).toThrow(corrupt("a count of 4294967295 exceeds the bytes left"));
    expect(() => decodeChunk(Uint8Array.of(0x81, 0xff, 0xfe))).toThrow(expect.objectContaining({ code: "InternalFailure" }));
  });
});

describe("encodeChunk: size", () => {
  it("stores a one-value-a-minute series in at most 6 bytes a bucket (2-decimal random walk)", () => {
    for (let seed = 10; seed < 20; seed++) {
      const bytes = encodeChunk(cpuHour(seed), MINUTE);
      expect(bytes.length).toBeLessThanOrEqual(6 * 60);
    }
  });

  it("stores integer counters and 3-decimal latencies in at most 6 bytes a bucket", () => {
    const r = rng(21);
    let count = 500;
    const counters = Array.from({ length: 60 }, (_, m) => ({
      t: HOUR0 + m * MINUTE,
      agg: Aggregate.of((count = Math.max(0, count + Math.round((r() - 0.5) * 60)))),
      unit: "Count",
    }));
    expect(encodeChunk(counters, MINUTE).length).toBeLessThanOrEqual(6 * 60);
    const latencies = Array.from({ length: 60 }, (_, m) => ({
      t: HOUR0 + m * MINUTE,
      agg: Aggregate.of(Number((50 + r() * 200).toFixed(3))),
      unit: "Milliseconds",
    }));
    expect(encodeChunk(latencies, MINUTE).length).toBeLessThanOrEqual(6 * 60);
  });

  it("a bucket of two values needs no sketch: far smaller than 8 bytes × 4 numbers", () => {
    const buckets = Array.from({ length: 60 }, (_, m) => ({ t: HOUR0 + m * MINUTE, agg: Aggregate.of(10 + m / 4, 20 + m / 4) }));
    expect(encodeChunk(buckets, MINUTE).length).toBeLessThanOrEqual(8 * 60);
  });
});

describe("mergeChunks", () => {
  it("merges buckets of the same time and keeps the others, in time order", () => {
    const a: Bucket[] = [
      { t: HOUR0, agg: Aggregate.of(1, 2), unit: "Count" },
      { t: HOUR0 + 2 * MINUTE, agg: Aggregate.of(10), unit: "Count" },
    ];
    const b: Bucket[] = [
      { t: HOUR0 + MINUTE, agg: Aggregate.of(5), unit: "Count" },
      { t: HOUR0, agg: Aggregate.of(3, 100), unit: "Count" },
    ];
    const m = mergeChunks(a, b);
    expect(m.map((x) => x.t)).toEqual([HOUR0, HOUR0 + MINUTE, HOUR0 + 2 * MINUTE]);
    expect([m[0].agg.count, m[0].agg.sum, m[0].agg.min, m[0].agg.max]).toEqual([4, 106, 1, 100]);
    expect(m[0].agg.quantile(0.5)).toBe(Aggregate.of(1, 2, 3, 100).quantile(0.5));
    expect(m[1].agg.sum).toBe(5);
    expect(m[2].agg.sum).toBe(10);
    expect(m.every((x) => x.unit === "Count")).toBe(true);
  });

  it("leaves its inputs untouched", () => {
    const a: Bucket[] = [{ t: HOUR0, agg: Aggregate.of(1) }];
    const b: Bucket[] = [{ t: HOUR0, agg: Aggregate.of(2) }];
    const m = mergeChunks(a, b);
    expect(m[0].agg.count).toBe(2);
    expect(a[0].agg.count).toBe(1);
    expect(b[0].agg.count).toBe(1);
    m[0].agg.add(5);
    expect(a[0].agg.count).toBe(1);
  });

  it("keeps buckets of one time with different units apart (units filter queries)", () => {
    const m = mergeChunks([{ t: HOUR0, agg: Aggregate.of(1), unit: "Seconds" }], [{ t: HOUR0, agg: Aggregate.of(2), unit: "Milliseconds" }, { t: HOUR0, agg: Aggregate.of(3) }]);
    expect(m.map((x) => [x.unit, x.agg.sum])).toEqual([[undefined, 3], ["Milliseconds", 2], ["Seconds", 1]]);
  });

  it("merged, encoded and decoded chunks equal merging the decoded ones", () => {
    const a = cpuHour(30);
    const b = cpuHour(31).filter((_, i) => i % 2 === 0);
    const viaBytes = mergeChunks(decodeChunk(encodeChunk(a, MINUTE)).buckets, decodeChunk(encodeChunk(b, MINUTE)).buckets);
    const direct = mergeChunks(a, b);
    expectSameBuckets(roundTrip(viaBytes), direct);
  });
});

describe("decodeChunkBasic: count, sum, min and max without distributions", () => {
  it("gives exactly what the full decode gives, for every kind of bucket", () => {
    const random = rng(7);
    const buckets: Bucket[] = [];
    for (let i = 0; i < 200; i++) {
      const t = Date.UTC(2026, 10, 25) + i * 60_000 * (1 + (i % 3));
      const kind = i % 5;
      let agg: Aggregate;
      if (kind === 0) agg = Aggregate.of(Math.round(random() * 10_000) / 100); // one value
      else if (kind === 1) agg = Aggregate.of(5, 5, 5); // all equal
      else if (kind === 2) agg = Aggregate.of(...Array.from({ length: 20 }, () => random() * 100)); // a distribution
      else if (kind === 3) {
        agg = new Aggregate();
        agg.addStatisticSet({ SampleCount: 4, Sum: 10, Minimum: 1, Maximum: 4 }); // no distribution
      } else agg = new Aggregate(); // empty
      buckets.push({ t, agg });
    }
    const bytes = encodeChunk(buckets, 60_000);
    const full = decodeChunk(bytes).buckets;
    const basic = decodeChunkBasic(bytes);
    expect(Array.from(basic.t)).toEqual(full.map((b) => b.t));
    const view = viewChunkBasic(bytes);
    const viewed = Array.from({ length: view.n }, (_, i) => [view.t[i], view.count[i], view.sum[i], view.min[i], view.max[i]]).filter((b) => b[1] > 0);
    expect(viewed).toEqual(full.filter((b) => b.agg.count > 0).map((b) => [b.t, b.agg.count, b.agg.sum, b.agg.min, b.agg.max]));
    // Decodes share their scratch buffers: what decodeChunkBasic returned must not change under a later decode.
    decodeChunk(encodeChunk([{ t: 0, agg: Aggregate.of(-1) }], 60_000));
    expect(Array.from(basic.t)).toEqual(full.map((b) => b.t));
    full.forEach((b, i) => {
      expect(basic.count[i]).toBe(b.agg.count);
      if (b.agg.count === 0) return;
      expect(basic.sum[i]).toBe(b.agg.sum);
      expect(basic.min[i]).toBe(b.agg.min);
      expect(basic.max[i]).toBe(b.agg.max);
    });
  });
});
