import { describe, expect, it } from "vitest";
import { Aggregate } from "../../lib/metrics/read/aggregate.js";
import { DDSketch, RELATIVE_ACCURACY } from "../../lib/metrics/read/sketch.js";
import { rng } from "../support/random.js";

// ---------------------------------------------------------------------------
// Helpers: exact answers computed from the raw values, independently of the
// code under test.


/** Nearest rank: the smallest value with at least q·n values at or below it. */
function exactQuantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  if (q === 0) return s[0];
  return s[Math.ceil(q * s.length - 1e-9) - 1];
}

function expectWithin(got: number | undefined, exact: number, rel = RELATIVE_ACCURACY): void {
  expect(got).toBeTypeOf("number");
  expect(Math.abs(got! - exact)).toBeLessThanOrEqual(rel * Math.abs(exact) + 1e-12);
}

const lognormal = (r: () => number) => () =>
  Math.exp(Math.log(100) + Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()));

// ---------------------------------------------------------------------------

describe("Aggregate: SampleCount, Sum, Minimum, Maximum", () => {
  it("starts empty", () => {
    const a = new Aggregate();
    expect(a.count).toBe(0);
    expect(a.sum).toBe(0);
    expect(a.hasDistribution).toBe(true);
    expect(a.quantile(0.5)).toBeUndefined();
  });

  it("is exact for single values", () => {
    const values = [12.5, 3.25, 99.75, 0, 41];
    const a = new Aggregate();
    for (const v of values) a.add(v);
    expect(a.count).toBe(5);
    expect(a.sum).toBe(12.5 + 3.25 + 99.75 + 0 + 41);
    expect(a.min).toBe(0);
    expect(a.max).toBe(99.75);
  });

  it("takes a Values/Counts pair as that many copies of the value", () => {
    const a = new Aggregate();
    a.add(10, 3);
    a.add(20, 1);
    a.add(30, 2);
    const b = Aggregate.of(10, 10, 10, 20, 30, 30);
    expect([a.count, a.sum, a.min, a.max]).toEqual([6, 10 * 3 + 20 + 30 * 2, 10, 30]);
    for (const q of [0, 0.25, 0.5, 0.51, 0.75, 0.9, 1]) expect(a.quantile(q)).toBe(b.quantile(q));
  });

  it("ignores a pair whose count is zero", () => {
    const a = Aggregate.of(5);
    a.add(1000, 0);
    expect([a.count, a.sum, a.min, a.max]).toEqual([1, 5, 5, 5]);
  });

  it("keeps negative values and zero", () => {
    const a = Aggregate.of(-5, 0, 7);
    expect([a.count, a.sum, a.min, a.max]).toEqual([3, 2, -5, 7]);
  });
});

describe("Aggregate.quantile (DDSketch, nearest rank, 1% relative)", () => {
  it("is exact for one value at every q", () => {
    const a = Aggregate.of(37.42);
    for (const q of [0, 0.01, 0.5, 0.99, 1]) expect(a.quantile(q)).toBe(37.42);
  });

  it("is exact when all values are equal", () => {
    const a = new Aggregate();
    a.add(0.125, 40);
    a.add(0.125);
    expect(a.quantile(0.5)).toBe(0.125);
    expect(a.quantile(0.99)).toBe(0.125);
  });

  it("is exact at q = 0 (Minimum) and q = 1 (Maximum)", () => {
    const values = [3.3, 1.7, 250, 42, 8];
    const a = Aggregate.of(...values);
    expect(a.quantile(0)).toBe(1.7);
    expect(a.quantile(1)).toBe(250);
  });

  it("is within 1% of the exact percentile for 10,000 lognormal values", () => {
    const draw = lognormal(rng(1));
    const values = Array.from({ length: 10_000 }, draw);
    const a = Aggregate.of(...values);
    for (const q of [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999]) {
      expectWithin(a.quantile(q), exactQuantile(values, q));
    }
  });

  it("uses nearest rank: p50 of 1..10 is 5, p51 is 6, p95 is 10", () => {
    const a = Aggregate.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
    expectWithin(a.quantile(0.5), 5);
    expectWithin(a.quantile(0.51), 6);
    expectWithin(a.quantile(0.95), 10);
    expectWithin(a.quantile(0.07), 1); // 0.07 × 10 is 7.000000000000001 in floating point
  });

  it("handles negative values and zeros within 1% of their magnitude", () => {
    const r = rng(2);
    const values = Array.from({ length: 5000 }, () => (r() < 0.1 ? 0 : (r() - 0.5) * 2000));
    const a = Aggregate.of(...values);
    for (const q of [0.05, 0.2, 0.5, 0.8, 0.95]) expectWithin(a.quantile(q), exactQuantile(values, q));
  });

  it("is undefined outside 0..1", () => {
    const a = Aggregate.of(1, 2);
    expect(a.quantile(-0.1)).toBeUndefined();
    expect(a.quantile(1.1)).toBeUndefined();
    expect(a.quantile(NaN)).toBeUndefined();
  });

  it("keeps one sketch bin per 2% of value range, not per value", () => {
    const values = Array.from({ length: 10_000 }, (_, i) => 100 + i / 100); // 100..200
    const a = Aggregate.of(...values);
    const bins = a.sketch!.positive.size;
    expect(bins).toBeLessThanOrEqual(Math.ceil(Math.log(2) / Math.log((1 + 0.01) / (1 - 0.01))) + 1);
  });
});

describe("Aggregate.merge", () => {
  it("is exact for count/sum/min/max and equals the sketch of all values", () => {
    const draw = lognormal(rng(3));
    const pieces = Array.from({ length: 12 }, () => Array.from({ length: 200 }, draw));
    const merged = new Aggregate();
    let sum = 0;
    for (const p of pieces) {
      const a = Aggregate.of(...p);
      sum += a.sum;
      merged.merge(a);
    }
    const all = pieces.flat();
    expect(merged.count).toBe(all.length);
    expect(merged.sum).toBe(sum);
    expect(merged.min).toBe(Math.min(...all));
    expect(merged.max).toBe(Math.max(...all));
    const whole = Aggregate.of(...all);
    for (const q of [0.1, 0.5, 0.9, 0.99]) {
      expect(merged.quantile(q)).toBe(whole.quantile(q));
      expectWithin(merged.quantile(q), exactQuantile(all, q));
    }
  });

  it("merges single-value buckets (no sketch held) into a distribution", () => {
    const values = [5, 5, 9, 1, 5, 120];
    const merged = new Aggregate();
    for (const v of values) merged.merge(Aggregate.of(v));
    expect([merged.count, merged.sum, merged.min, merged.max]).toEqual([6, 145, 1, 120]);
    expectWithin(merged.quantile(0.5), exactQuantile(values, 0.5));
    expectWithin(merged.quantile(0.8), exactQuantile(values, 0.8));
  });

  it("merging an empty aggregate changes nothing, and into an empty one copies", () => {
    const a = Aggregate.of(1, 2, 3);
    a.merge(new Aggregate());
    expect([a.count, a.sum, a.min, a.max]).toEqual([3, 6, 1, 3]);
    const e = new Aggregate();
    e.merge(a);
    expect([e.count, e.sum, e.min, e.max]).toEqual([3, 6, 1, 3]);
    expect(e.quantile(0.5)).toBe(a.quantile(0.5));
  });

  it("does not alias the other aggregate's sketch", () => {
    const a = Aggregate.of(1, 2, 3);
    const e = new Aggregate();
    e.merge(a);
    e.add(1000);
    expect(a.count).toBe(3);
    expect(a.sketch!.count).toBe(3);
  });
});

describe("Aggregate.addStatisticSet (AWS's rules for percentiles)", () => {
  it("folds the numbers in exactly", () => {
    const a = Aggregate.of(4);
    a.addStatisticSet({ SampleCount: 10, Sum: 55, Minimum: 1, Maximum: 10 });
    expect([a.count, a.sum, a.min, a.max]).toEqual([11, 59, 1, 10]);
  });

  it("a set with SampleCount 1 and Min = Max = Sum keeps percentiles", () => {
    const a = new Aggregate();
    a.addStatisticSet({ SampleCount: 1, Sum: 7.5, Minimum: 7.5, Maximum: 7.5 });
    expect(a.hasDistribution).toBe(true);
    expect(a.quantile(0.99)).toBe(7.5);
  });

  it("a set with Min = Max and Sum = Min × SampleCount keeps percentiles (it is raw values)", () => {
    const a = Aggregate.of(1, 2);
    a.addStatisticSet({ SampleCount: 8, Sum: 24, Minimum: 3, Maximum: 3 });
    expect(a.hasDistribution).toBe(true);
    expectWithin(a.quantile(0.5), exactQuantile([1, 2, 3, 3, 3, 3, 3, 3, 3, 3], 0.5));
  });

  it("any other set loses the distribution for good", () => {
    const a = Aggregate.of(1, 2);
    a.addStatisticSet({ SampleCount: 2, Sum: 7, Minimum: 3, Maximum: 4 });
    expect(a.hasDistribution).toBe(false);
    expect(a.quantile(0.5)).toBeUndefined();
    a.add(5);
    expect(a.hasDistribution).toBe(false);
    expect(a.count).toBe(5);
  });

  it("Min = Max but Sum ≠ Min × SampleCount is not raw values", () => {
    const a = new Aggregate();
    a.addStatisticSet({ SampleCount: 3, Sum: 10, Minimum: 3, Maximum: 3 });
    expect(a.hasDistribution).toBe(false);
  });

  it("merging with a bucket without distribution loses it", () => {
    const a = Aggregate.of(1, 2, 3);
    const b = new Aggregate();
    b.addStatisticSet({ SampleCount: 2, Sum: 3, Minimum: 1, Maximum: 2 });
    a.merge(b);
    expect(a.hasDistribution).toBe(false);
    expect([a.count, a.sum, a.min, a.max]).toEqual([5, 9, 1, 3]);
  });
});

describe("Aggregate.clone", () => {
  it("is a deep copy", () => {
    const a = Aggregate.of(1, 2, 3);
    const c = a.clone();
    c.add(100);
    expect([a.count, a.max]).toEqual([3, 3]);
    expect(a.sketch!.count).toBe(3);
    expect([c.count, c.max]).toEqual([4, 100]);
  });
});

describe("DDSketch", () => {
  it("merges exactly: the merged sketch equals the sketch of the union", () => {
    const r = rng(9);
    const xs = Array.from({ length: 500 }, () => r() * 100 - 20);
    const ys = Array.from({ length: 500 }, () => r() * 1e6);
    const a = new DDSketch();
    const b = new DDSketch();
    const u = new DDSketch();
    for (const x of xs) (a.add(x), u.add(x));
    for (const y of ys) (b.add(y), u.add(y));
    a.merge(b);
    expect(a.bins()).toEqual(u.bins());
    expect(a.count).toBe(1000);
  });

  it("answers each quantile with the value of the bin where the nearest rank falls in bins()' order, whatever the signs and weights", () => {
    const r = rng(31);
    const byBins = (s: DDSketch, q: number) => {
      const bins = s.bins();
      const target = q * s.count;
      let cum = 0;
      for (const b of bins) if ((cum += b.count) >= target - 1e-9 * Math.max(1, target)) return b.value;
      return bins[bins.length - 1].value;
    };
    const shapes: Array<() => number> = [
      () => r() * 100,
      () => -r() * 1e6,
      () => (r() < 0.2 ? 0 : r() < 0.5 ? -Math.exp(r() * 20) : Math.exp(r() * 20)),
      () => (r() < 0.5 ? 0 : -1),
      () => 0,
    ];
    for (const shape of shapes) {
      const s = new DDSketch();
      for (let i = 0; i < 700; i++) s.add(shape(), r() < 0.1 ? 0.25 + r() * 3 : 1);
      for (const q of [0, 1e-6, 0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1]) expect(s.quantile(q)).toBe(byBins(s, q));
    }
    expect(new DDSketch().quantile(0.5)).toBeUndefined();
  });

  it("every bin's representative is within 1% of everything in it", () => {
    const s = new DDSketch();
    const values = [1e-9, 0.003, 1, 1.0001, 17, 1e6, 2 ** 300, -4.2, -1e12];
    for (const v of values) s.add(v);
    for (const v of values) {
      const bin = s.bins().find((b) => v >= b.lo && v <= b.hi)!;
      expect(Math.abs(bin.value - v)).toBeLessThanOrEqual(RELATIVE_ACCURACY * Math.abs(v));
    }
  });
});
