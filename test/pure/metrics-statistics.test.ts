import { describe, expect, it } from "vitest";
import { Aggregate } from "../../lib/metrics/read/aggregate.js";
import { ServiceError } from "../../lib/errors.js";
import { computeStatistic, isExtendedStatistic, parseStatistic, type Statistic } from "../../lib/metrics/read/statistics.js";
import { rng } from "../support/random.js";

// ---------------------------------------------------------------------------
// Exact reference definitions over raw values (AWS's Statistics-definitions),
// independent of the code under test.


const sortedOf = (values: number[]) => [...values].sort((a, b) => a - b);

/** Nearest rank. */
function percentile(values: number[], p: number): number {
  const s = sortedOf(values);
  return p === 0 ? s[0] : s[Math.ceil((p / 100) * s.length - 1e-9) - 1];
}

/** Percentage bounds: each value is one unit of mass; keep the mass between ranks lo%·n and hi%·n. */
function byRank(values: number[], lo: number, hi: number) {
  const s = sortedOf(values);
  const n = s.length;
  const A = (lo / 100) * n;
  const B = (hi / 100) * n;
  let ts = 0;
  s.forEach((x, i) => (ts += Math.max(0, Math.min(i + 1, B) - Math.max(i, A)) * x));
  const tc = B - A;
  const first = s[Math.floor(A)];
  const last = s[Math.ceil(B) - 1];
  return { tc, ts, tm: ts / tc, wm: (A * first + ts + (n - B) * last) / n };
}

/** Absolute bounds: keep the values lo < v ≤ hi. */
function byValue(values: number[], lo = -Infinity, hi = Infinity) {
  const kept = values.filter((v) => v > lo && v <= hi);
  const ts = kept.reduce((a, b) => a + b, 0);
  const clamped = values.map((v) => Math.min(hi, Math.max(lo, v)));
  return {
    tc: kept.length,
    ts,
    tm: ts / kept.length,
    pr: (100 * kept.length) / values.length,
    wm: clamped.reduce((a, b) => a + b, 0) / values.length,
  };
}

function expectWithin(got: number | undefined, exact: number, rel = 0.01): void {
  expect(got).toBeTypeOf("number");
  expect(Math.abs(got! - exact)).toBeLessThanOrEqual(rel * Math.abs(exact) + 1e-9);
}

const stat = (a: Aggregate, text: string) => computeStatistic(a, parseStatistic(text));

function lognormals(seed: number, n: number, median = 100, sigma = 0.8): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => Math.exp(Math.log(median) + sigma * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())));
}

// ---------------------------------------------------------------------------

describe("parseStatistic", () => {
  it("takes the five basic statistics by their exact names", () => {
    for (const s of ["SampleCount", "Average", "Sum", "Minimum", "Maximum"]) expect(parseStatistic(s)).toEqual({ kind: s });
  });

  it("takes percentiles pNN and pNN.NN between p0 and p100", () => {
    expect(parseStatistic("p99")).toEqual({ kind: "percentile", p: 99 });
    expect(parseStatistic("p99.9")).toEqual({ kind: "percentile", p: 99.9 });
    expect(parseStatistic("p95.45")).toEqual({ kind: "percentile", p: 95.45 });
    expect(parseStatistic("p0")).toEqual({ kind: "percentile", p: 0 });
    expect(parseStatistic("p100")).toEqual({ kind: "percentile", p: 100 });
  });

  it("takes ranges of percentages", () => {
    expect(parseStatistic("TM(10%:90%)")).toEqual({ kind: "TM", lo: { value: 10, percent: true }, hi: { value: 90, percent: true } });
    expect(parseStatistic("WM(:95%)")).toEqual({ kind: "WM", lo: null, hi: { value: 95, percent: true } });
    expect(parseStatistic("TS(80%:)")).toEqual({ kind: "TS", lo: { value: 80, percent: true }, hi: null });
    expect(parseStatistic("TM(2.5%:97.5%)")).toEqual({ kind: "TM", lo: { value: 2.5, percent: true }, hi: { value: 97.5, percent: true } });
  });

  it("takes ranges of absolute values", () => {
    expect(parseStatistic("PR(:300)")).toEqual({ kind: "PR", lo: null, hi: { value: 300, percent: false } });
    expect(parseStatistic("TC(0.005:0.030)")).toEqual({ kind: "TC", lo: { value: 0.005, percent: false }, hi: { value: 0.03, percent: false } });
    expect(parseStatistic("TM(150:1000)")).toEqual({ kind: "TM", lo: { value: 150, percent: false }, hi: { value: 1000, percent: false } });
    expect(parseStatistic("PR(100:)")).toEqual({ kind: "PR", lo: { value: 100, percent: false }, hi: null });
  });

  it("reads one number without parentheses as an upper percentage: tm90 = TM(:90%)", () => {
    const tm = { kind: "TM", lo: null, hi: { value: 90, percent: true } };
    expect(parseStatistic("tm90")).toEqual(tm);
    expect(parseStatistic("TM90")).toEqual(tm);
    expect(parseStatistic("wm98")).toEqual({ kind: "WM", lo: null, hi: { value: 98, percent: true } });
    expect(parseStatistic("tc99.5")).toEqual({ kind: "TC", lo: null, hi: { value: 99.5, percent: true } });
    expect(parseStatistic("ts50")).toEqual({ kind: "TS", lo: null, hi: { value: 50, percent: true } });
  });

  it("takes IQM", () => {
    expect(parseStatistic("IQM")).toEqual({ kind: "IQM" });
  });

  it.each([
    "average", "AVERAGE", "Avg", "", " p99", "p99 ", "p", "p100.1", "p101", "p-1", "p99.",
    "TM(90%:10%)", "TM(50%:50%)", "TM(:)", "TM()", "TM(10%:500)", "TM(101%:)", "TM(:100.5%)", "TM(10%)",
    "PR(10%:90%)", "PR(:95%)", "pr90", "TC(500:100)", "TC(abc:1)", "TM(1e3:)", "tm0", "tm101", "XX(1:2)",
    "TM(10%:90%", "IQM(25%:75%)", "TM(0.00000000001%:)",
  ])("rejects %j with InvalidParameterValue", (text) => {
    let err: unknown;
    try {
      parseStatistic(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ServiceError);
    expect((err as ServiceError).code).toBe("InvalidParameterValue");
    expect((err as ServiceError).status).toBe(400);
    expect((err as ServiceError).message).toBe(`The value ${text} for parameter ExtendedStatistic is not supported.`);
  });

  it("names the request parameter it was given", () => {
    expect(() => parseStatistic("p200", "ExtendedStatistics")).toThrow("The value p200 for parameter ExtendedStatistics is not supported.");
  });
});

describe("isExtendedStatistic", () => {
  it("is true for valid extended statistics only", () => {
    for (const s of ["p99", "p99.9", "tm90", "TM(10%:90%)", "WM(:95%)", "PR(:300)", "TC(0.005:0.030)", "TS(80%:)", "IQM"]) {
      expect(isExtendedStatistic(s)).toBe(true);
    }
    for (const s of ["Average", "SampleCount", "Sum", "Minimum", "Maximum", "p101", "nonsense", "PR(1%:2%)"]) {
      expect(isExtendedStatistic(s)).toBe(false);
    }
  });
});

describe("computeStatistic: basic statistics", () => {
  it("are exact", () => {
    const values = [1.5, 2.25, 100, 0.75, 3];
    const a = Aggregate.of(...values);
    expect(stat(a, "SampleCount")).toBe(5);
    expect(stat(a, "Sum")).toBe(1.5 + 2.25 + 100 + 0.75 + 3);
    expect(stat(a, "Average")).toBe((1.5 + 2.25 + 100 + 0.75 + 3) / 5);
    expect(stat(a, "Minimum")).toBe(0.75);
    expect(stat(a, "Maximum")).toBe(100);
  });

  it("are available for statistic sets and negative values", () => {
    const a = new Aggregate();
    a.addStatisticSet({ SampleCount: 4, Sum: -2, Minimum: -5, Maximum: 3 });
    expect(stat(a, "SampleCount")).toBe(4);
    expect(stat(a, "Sum")).toBe(-2);
    expect(stat(a, "Average")).toBe(-0.5);
    expect(stat(a, "Minimum")).toBe(-5);
    expect(stat(a, "Maximum")).toBe(3);
  });

  it("nothing is available for an empty bucket", () => {
    for (const s of ["SampleCount", "Sum", "Average", "p50", "TC(:10)"]) expect(stat(new Aggregate(), s)).toBeUndefined();
  });
});

describe("computeStatistic: percentiles", () => {
  const values = lognormals(11, 20_000);
  const a = Aggregate.of(...values);

  it("are within 1% of the exact nearest-rank percentile", () => {
    for (const p of [1, 10, 50, 90, 95, 99, 99.9, 99.99]) expectWithin(stat(a, `p${p}`), percentile(values, p));
  });

  it("p0 is Minimum and p100 is Maximum, exactly", () => {
    expect(stat(a, "p0")).toBe(Math.min(...values));
    expect(stat(a, "p100")).toBe(Math.max(...values));
  });

  it("are exact for a single value", () => {
    expect(stat(Aggregate.of(0.042), "p99")).toBe(0.042);
    expect(stat(Aggregate.of(0.042), "p1")).toBe(0.042);
  });
});

describe("computeStatistic: trimmed statistics with percentage bounds", () => {
  const values = lognormals(12, 10_000);
  const a = Aggregate.of(...values);

  it.each([
    ["TM(10%:90%)", 10, 90],
    ["tm99", 0, 99],
    ["TM(:95%)", 0, 95],
    ["TM(25%:)", 25, 100],
    ["TM(2.5%:97.5%)", 2.5, 97.5],
  ])("%s is within 1% of the exact trimmed mean", (text, lo, hi) => {
    expectWithin(stat(a, text), byRank(values, lo, hi).tm);
  });

  it("IQM = TM(25%:75%)", () => {
    expectWithin(stat(a, "IQM"), byRank(values, 25, 75).tm);
    expect(stat(a, "IQM")).toBe(stat(a, "TM(25%:75%)"));
  });

  it("TC is exact, and may be a decimal number", () => {
    expect(stat(a, "TC(10%:90%)")).toBeCloseTo(8000, 9);
    expect(stat(a, "tc99")).toBeCloseTo(9900, 9);
    const fifteen = Aggregate.of(...values.slice(0, 15));
    expect(stat(fifteen, "TC(10%:90%)")).toBeCloseTo(12, 12);
    const seven = Aggregate.of(...values.slice(0, 7));
    expect(stat(seven, "TC(10%:90%)")).toBeCloseTo(5.6, 12);
  });

  it("TS = TM × TC, within 1%", () => {
    for (const [text, lo, hi] of [["TS(80%:)", 80, 100], ["ts90", 0, 90], ["TS(5%:95%)", 5, 95]] as const) {
      expectWithin(stat(a, text), byRank(values, lo, hi).ts);
      expectWithin(stat(a, text), stat(a, text.replace(/^ts/i, "TM"))! * stat(a, text.replace(/^ts/i, "TC"))!, 1e-9);
    }
  });

  it("WM treats the values beyond a bound as the value at that bound, within 1%", () => {
    expectWithin(stat(a, "WM(10%:90%)"), byRank(values, 10, 90).wm);
    expectWithin(stat(a, "wm98"), byRank(values, 0, 98).wm);
    expectWithin(stat(a, "WM(5%:)"), byRank(values, 5, 100).wm);
  });

  it("trimming nothing gives Sum and Average exactly", () => {
    expect(stat(a, "TS(0%:100%)")).toBe(a.sum);
    expect(stat(a, "tm100")).toBe(a.sum / a.count);
    expect(stat(a, "WM(0%:100%)")).toBe(a.sum / a.count);
  });

  it("is exact on small sets of spread-out values", () => {
    const small = [3, 10, 40, 100, 400, 1000, 4000];
    const s = Aggregate.of(...small);
    for (const [lo, hi] of [[0, 50], [10, 90], [20, 80], [50, 100]]) {
      const exact = byRank(small, lo, hi);
      expectWithin(stat(s, `TM(${lo}%:${hi}%)`), exact.tm);
      expectWithin(stat(s, `TS(${lo}%:${hi}%)`), exact.ts);
      expectWithin(stat(s, `WM(${lo}%:${hi}%)`), exact.wm);
    }
  });
});

describe("computeStatistic: statistics with absolute bounds", () => {
  // No value within 3% of a bound: a value that close shares a sketch bin with
  // the bound and is interpolated (see the next test).
  const bounds = [50, 150, 300, 1000];
  const values = lognormals(13, 10_000, 200, 1).filter((v) => bounds.every((b) => Math.abs(v - b) > 0.03 * b));
  const a = Aggregate.of(...values);

  it("PR is the percentage of values with lo < v ≤ hi, exact", () => {
    expect(stat(a, "PR(:300)")).toBeCloseTo(byValue(values, -Infinity, 300).pr, 9);
    expect(stat(a, "PR(150:1000)")).toBeCloseTo(byValue(values, 150, 1000).pr, 9);
    expect(stat(a, "PR(1000:)")).toBeCloseTo(byValue(values, 1000).pr, 9);
  });

  it("TC counts the values with lo < v ≤ hi, exact", () => {
    expect(stat(a, "TC(150:1000)")).toBeCloseTo(byValue(values, 150, 1000).tc, 9);
    expect(stat(a, "TC(:50)")).toBeCloseTo(byValue(values, -Infinity, 50).tc, 9);
  });

  it("TM and TS within 1%", () => {
    expectWithin(stat(a, "TM(150:1000)"), byValue(values, 150, 1000).tm);
    expectWithin(stat(a, "TS(150:1000)"), byValue(values, 150, 1000).ts);
    expectWithin(stat(a, "TM(:300)"), byValue(values, -Infinity, 300).tm);
    expectWithin(stat(a, "TS(50:)"), byValue(values, 50).ts);
  });

  it("WM clamps the values to [lo, hi], within 1%", () => {
    expectWithin(stat(a, "WM(150:1000)"), byValue(values, 150, 1000).wm);
    expectWithin(stat(a, "WM(:300)"), byValue(values, -Infinity, 300).wm);
  });

  it("values close to a bound are split in proportion: TC off by at most the values within 2% of it", () => {
    const near = lognormals(14, 5000, 300, 0.3);
    const b = Aggregate.of(...near);
    const closeToBound = near.filter((v) => Math.abs(v - 300) <= 0.021 * 300).length;
    const got = stat(b, "TC(:300)")!;
    expect(Math.abs(got - byValue(near, -Infinity, 300).tc)).toBeLessThanOrEqual(closeToBound);
  });

  it("excludes the lower bound and includes the upper one", () => {
    const s = Aggregate.of(150, 500, 1000);
    expect(stat(s, "TC(150:1000)")).toBe(2);
    expect(stat(s, "TS(150:1000)")).toBe(1500);
    expect(stat(s, "PR(:150)")).toBeCloseTo(100 / 3, 12);
    expect(stat(s, "PR(1000:)")).toBe(0);
    expect(stat(Aggregate.of(300), "PR(:300)")).toBe(100);
    expect(stat(Aggregate.of(300), "PR(300:)")).toBe(0);
    expect(stat(Aggregate.of(300), "PR(299.99:300)")).toBe(100);
  });

  it("bounds outside [Minimum, Maximum] keep everything exactly", () => {
    expect(stat(a, "TS(0:1000000)")).toBe(a.sum);
    expect(stat(a, "TC(0:1000000)")).toBe(a.count);
    expect(stat(a, "PR(:1000000)")).toBe(100);
  });

  it("an empty range gives TC 0, TS 0, PR 0 and no TM", () => {
    const s = Aggregate.of(10, 20, 30);
    expect(stat(s, "TC(1000:2000)")).toBe(0);
    expect(stat(s, "TS(1000:2000)")).toBe(0);
    expect(stat(s, "PR(1000:2000)")).toBe(0);
    expect(stat(s, "TM(1000:2000)")).toBeUndefined();
  });
});

describe("computeStatistic: when extended statistics are unavailable (AWS)", () => {
  const extended = ["p50", "p99", "tm90", "IQM", "WM(10%:90%)", "PR(:5)", "TC(:5)", "TS(10%:)"];

  it("after a statistic set that is not raw values", () => {
    const a = Aggregate.of(1, 2, 3);
    a.addStatisticSet({ SampleCount: 10, Sum: 50, Minimum: 1, Maximum: 9 });
    for (const s of extended) expect(stat(a, s)).toBeUndefined();
    expect(stat(a, "Sum")).toBe(56);
  });

  it("still available after statistic sets equivalent to raw values", () => {
    const a = new Aggregate();
    a.addStatisticSet({ SampleCount: 1, Sum: 4, Minimum: 4, Maximum: 4 });
    a.addStatisticSet({ SampleCount: 3, Sum: 6, Minimum: 2, Maximum: 2 });
    expectWithin(stat(a, "p50"), percentile([4, 2, 2, 2], 50));
    expect(stat(a, "TC(:3)")).toBe(3);
  });

  it("when any value is negative", () => {
    const a = Aggregate.of(5, 10, -0.5, 20);
    for (const s of extended) expect(stat(a, s)).toBeUndefined();
    expect(stat(a, "Minimum")).toBe(-0.5);
  });

  it("zero is not negative", () => {
    const a = Aggregate.of(0, 0, 10, 20);
    expect(stat(a, "p50")).toBe(0);
    expect(stat(a, "p100")).toBe(20);
    expect(stat(a, "PR(:0)")).toBe(50);
  });
});

describe("Statistic type", () => {
  it("is a plain value the caller can build", () => {
    const s: Statistic = { kind: "TC", lo: { value: 1, percent: false }, hi: null };
    expect(computeStatistic(Aggregate.of(1, 2, 3), s)).toBe(2);
  });
});
