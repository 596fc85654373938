/**
 * CloudWatch statistics: parsing the statistic names clients send and
 * computing them from an Aggregate.
 *
 * Definitions follow AWS's "CloudWatch statistics definitions"
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html):
 *
 * - SampleCount, Sum, Average (= Sum/SampleCount), Minimum, Maximum: exact.
 * - pNN.NN — percentile, by nearest rank: the smallest value with at least
 *   NN.NN% of the values at or below it (p0 = Minimum, p100 = Maximum).
 * - TM trimmed mean, WM winsorized mean, TC trimmed count, TS trimmed sum
 *   (= TM × TC), with bounds `(lo:hi)`, either may be empty:
 *   - percentages `TM(10%:90%)`: the values ranked between the 10th and the
 *     90th percentile. The values are treated as a continuous mass (each value
 *     one unit), so a boundary can cut a value in part; that is why TC "can
 *     return a decimal value" (AWS): TC(10%:90%) of 15 values is 12.
 *   - absolute values `TM(150:1000)`: the values v with 150 < v ≤ 1000 (AWS:
 *     the lower bound is exclusive, the upper inclusive).
 *   - one number without parentheses is an upper percentage: tm90 = TM(:90%).
 *   WM keeps the values outside the bounds but counts them as the value at the
 *   boundary: for percentages, the value at that rank; for absolute bounds,
 *   the bound itself.
 * - PR(lo:hi) percentile rank: the percentage (0–100) of the values with
 *   lo < v ≤ hi; absolute bounds only.
 * - IQM interquartile mean = TM(25%:75%).
 *
 * Availability (the "Requirements" section of the same page): all of the
 * extended statistics need the distribution, so they are unavailable
 * (undefined) when a bucket got a statistic set that was not equivalent to raw
 * values (Aggregate.hasDistribution false), and "when any of the metric values
 * are negative numbers" (Minimum < 0). Nothing is available for an empty bucket.
 *
 * Accuracy of the extended statistics, computed from the DDSketch bins (1%
 * relative accuracy):
 * - percentiles: within 1% of the exact value, exact at p0/p100 and when all
 *   values are equal.
 * - TC with percentage bounds: exact. TS, TM and WM with percentage bounds:
 *   within 1% (each value is replaced by its bin's representative, at most 1%
 *   away; the bounds' ranks are exact). When more is kept than trimmed, TS is
 *   computed as Sum minus the trimmed part, so trimming little gives nearly the
 *   exact Sum (TM(0%:100%) = Average exactly).
 * - absolute bounds: values in a bin that straddles a bound are split in
 *   proportion to the part of the bin on each side (linear interpolation), so
 *   only values within about 2% of a bound can be misattributed; the result is
 *   exact when the bounds lie outside [Minimum, Maximum] or all values are equal.
 */

import { invalidParameterValue } from "../../errors.js";
import type { Aggregate } from "./aggregate.js";
import { RANK_EPSILON } from "./sketch.js";

/** One end of a range: a percentage (0–100) or an absolute value; null = open. */
export type Bound = { value: number; percent: boolean } | null;

export type BasicStatisticName = "SampleCount" | "Average" | "Sum" | "Minimum" | "Maximum";
export type TrimmedKind = "TM" | "WM" | "PR" | "TC" | "TS";

export type Statistic =
  | { kind: BasicStatisticName }
  | { kind: "percentile"; p: number }
  | { kind: TrimmedKind; lo: Bound; hi: Bound }
  | { kind: "IQM" };

export const BASIC_STATISTICS: readonly BasicStatisticName[] = ["SampleCount", "Average", "Sum", "Minimum", "Maximum"];

const NUMBER = /^-?\d+(?:\.\d+)?$/;
const PERCENT = /^(\d+(?:\.\d{1,10})?)%$/;
const PERCENTILE = /^p(\d+(?:\.\d{1,10})?)$/i;
const SHORT_TRIMMED = /^(tm|wm|tc|ts)(\d+(?:\.\d{1,10})?)$/i;
const RANGE = /^(tm|wm|tc|ts|pr)\(([^():]*):([^():]*)\)$/i;

/**
 * Parse a statistic name: one of the five basic statistics (exact spelling), a
 * percentile ("p99", "p99.9"), a trimmed statistic ("TM(10%:90%)", "tm90",
 * "WM(:95%)", "TC(0.005:0.030)", "TS(80%:)"), a percentile rank ("PR(:300)")
 * or "IQM". Case is not significant in the extended forms (AWS documents
 * lowercase for the one-number form and uppercase for ranges; both are taken).
 *
 * @param parameter the request parameter named in the error message
 * @throws ServiceError InvalidParameterValue (400) for anything else
 */
export function parseStatistic(text: string, parameter = "ExtendedStatistic"): Statistic {
  const s = tryParseStatistic(text);
  if (!s) throw invalidParameterValue(`The value ${text} for parameter ${parameter} is not supported.`);
  return s;
}

/** SampleCount, Sum, Average, Minimum or Maximum. */
export const isBasicStatistic = (name: string): name is BasicStatisticName => (BASIC_STATISTICS as readonly string[]).includes(name);

/** True for a valid statistic that is not one of the five basic ones. */
export function isExtendedStatistic(text: string): boolean {
  const s = tryParseStatistic(text);
  return s !== undefined && !isBasicStatistic(s.kind);
}

/** True for a valid statistic name of any kind. */
export function isValidStatistic(text: string): boolean {
  return tryParseStatistic(text) !== undefined;
}

function tryParseStatistic(raw: string): Statistic | undefined {
  if (typeof raw !== "string") return undefined;
  const text = raw.trim() === raw ? raw : undefined;
  if (text === undefined || text === "") return undefined;
  if (isBasicStatistic(text)) return { kind: text };
  if (/^iqm$/i.test(text)) return { kind: "IQM" };

  let m = PERCENTILE.exec(text);
  if (m) {
    const p = Number(m[1]);
    return p >= 0 && p <= 100 ? { kind: "percentile", p } : undefined;
  }

  m = SHORT_TRIMMED.exec(text);
  if (m) {
    const p = Number(m[2]);
    if (!(p > 0 && p <= 100)) return undefined;
    return { kind: m[1].toUpperCase() as TrimmedKind, lo: null, hi: { value: p, percent: true } };
  }

  m = RANGE.exec(text);
  if (m) {
    const kind = m[1].toUpperCase() as TrimmedKind;
    const lo = parseBound(m[2]);
    const hi = parseBound(m[3]);
    if (lo === undefined || hi === undefined) return undefined;
    if (lo === null && hi === null) return undefined;
    if (lo && hi) {
      if (lo.percent !== hi.percent) return undefined;
      if (!(lo.value < hi.value)) return undefined;
    }
    const percent = (lo ?? hi)!.percent;
    if (kind === "PR" && percent) return undefined; // a rank of a rank is meaningless: PR takes values
    if (percent) {
      // an empty range of ranks
      if (lo === null && hi!.value === 0) return undefined;
      if (hi === null && lo!.value === 100) return undefined;
    }
    return { kind, lo, hi };
  }
  return undefined;
}

/** "" → null (open), "10%" → percent, "150" → absolute, anything else → undefined (invalid). */
function parseBound(text: string): Bound | undefined {
  if (text === "") return null;
  const p = PERCENT.exec(text);
  if (p) {
    const value = Number(p[1]);
    return value >= 0 && value <= 100 ? { value, percent: true } : undefined;
  }
  if (NUMBER.test(text)) {
    const value = Number(text);
    return Number.isFinite(value) ? { value, percent: false } : undefined;
  }
  return undefined;
}

/** The value of a statistic for one aggregate; undefined = not available. */
export function computeStatistic(a: Aggregate, s: Statistic): number | undefined {
  if (!(a.count > 0)) return undefined;
  switch (s.kind) {
    case "SampleCount":
      return a.count;
    case "Sum":
      return a.sum;
    case "Average":
      return a.sum / a.count;
    case "Minimum":
      return a.min;
    case "Maximum":
      return a.max;
  }
  // Extended statistics need the distribution and no negative values (AWS).
  if (!a.hasDistribution || a.min < 0) return undefined;
  switch (s.kind) {
    case "percentile":
      return a.quantile(s.p / 100);
    case "IQM":
      return trimmed(a, "TM", { value: 25, percent: true }, { value: 75, percent: true });
    default:
      return trimmed(a, s.kind, s.lo, s.hi);
  }
}

/** Bins of an aggregate's distribution in ascending order, clamped to [min, max]. */
interface Bin {
  lo: number;
  hi: number;
  value: number;
  count: number;
}

/**
 * The distribution as bins in ascending order, refined with what is known
 * exactly: Minimum and Maximum are values (one unit of mass each, as point
 * bins), and every bin is clamped to [Minimum, Maximum].
 */
function binsOf(a: Aggregate): Bin[] {
  if (a.min === a.max) return [{ lo: a.min, hi: a.min, value: a.min, count: a.count }];
  const raw = a.sketch!.bins();
  const out: Bin[] = [];
  const last = raw.length - 1;
  raw.forEach((b, i) => {
    let c = b.count;
    const lo = Math.max(b.lo, a.min);
    const hi = Math.min(b.hi, a.max);
    let pMax = 0;
    if (i === 0) {
      const pMin = Math.min(1, last === 0 ? c / 2 : c);
      out.push({ lo: a.min, hi: a.min, value: a.min, count: pMin });
      c -= pMin;
    }
    if (i === last) {
      pMax = Math.min(1, c);
      c -= pMax;
    }
    if (c > 0) out.push({ lo, hi, value: Math.min(hi, Math.max(lo, b.value)), count: c });
    if (pMax > 0) out.push({ lo: a.max, hi: a.max, value: a.max, count: pMax });
  });
  return out;
}

function trimmed(a: Aggregate, kind: TrimmedKind, lo: Bound, hi: Bound): number | undefined {
  const bins = binsOf(a);
  const n = a.count;
  const percent = (lo ?? hi)!.percent;
  return percent ? byRank(a, bins, kind, lo ? (lo.value / 100) * n : 0, hi ? (hi.value / 100) * n : n) : byValue(a, bins, kind, lo ? lo.value : -Infinity, hi ? hi.value : Infinity);
}

/** Sum kept after trimming, from whichever side is estimated more precisely. */
function keptSum(a: Aggregate, kept: number, dropped: number): number {
  return kept <= dropped ? kept : a.sum - dropped;
}

/** Percentage bounds: the mass between ranks A and B (0 ≤ A < B ≤ n). */
function byRank(a: Aggregate, bins: Bin[], kind: TrimmedKind, A: number, B: number): number | undefined {
  const n = a.count;
  const eps = RANK_EPSILON * Math.max(1, n);
  if (A < eps) A = 0;
  if (B > n - eps) B = n;
  let cum = 0;
  let kept = 0;
  let dropped = 0;
  let atLo: number | undefined; // the first kept value
  let atHi: number | undefined; // the last kept value
  for (const b of bins) {
    const c0 = cum;
    const c1 = (cum += b.count);
    const w = Math.max(0, Math.min(c1, B) - Math.max(c0, A));
    kept += w * b.value;
    dropped += (b.count - w) * b.value;
    if (atLo === undefined && c1 > A + eps) atLo = b.value;
    if (atHi === undefined && c1 >= B - eps) atHi = b.value;
  }
  // exact extremes
  if (A === 0) atLo = a.min;
  if (B === n) atHi = a.max;
  const tc = B - A;
  const ts = keptSum(a, kept, dropped);
  switch (kind) {
    case "TC":
      return tc;
    case "TS":
      return ts;
    case "TM":
      return tc > 0 ? ts / tc : undefined;
    case "WM":
      return (A * atLo! + ts + (n - B) * atHi!) / n;
    case "PR":
      return undefined; // rejected by the parser
  }
}

/** Absolute bounds: the values v with L < v ≤ H. */
function byValue(a: Aggregate, bins: Bin[], kind: TrimmedKind, L: number, H: number): number | undefined {
  const n = a.count;
  let count = 0;
  let kept = 0;
  let dropped = 0;
  let below = 0; // mass ≤ L
  let above = 0; // mass > H
  for (const b of bins) {
    const fBelow = fractionAtOrBelow(b, L);
    const fAtOrBelowH = fractionAtOrBelow(b, H);
    const f = Math.max(0, fAtOrBelowH - fBelow);
    below += fBelow * b.count;
    above += (1 - fAtOrBelowH) * b.count;
    const m = f * b.count;
    count += m;
    if (f === 1) {
      kept += m * b.value;
    } else if (f > 0) {
      // the kept part of a straddling bin: the middle of its kept sub-range
      const lo = Math.max(b.lo, L);
      const hi = Math.min(b.hi, H);
      kept += m * ((lo + hi) / 2);
      dropped += (b.count - m) * b.value;
    } else {
      dropped += b.count * b.value;
    }
  }
  if (below < 1e-12 * n) below = 0;
  if (above < 1e-12 * n) above = 0;
  const ts = below === 0 && above === 0 ? a.sum : keptSum(a, kept, dropped);
  switch (kind) {
    case "TC":
      return count;
    case "TS":
      return ts;
    case "TM":
      return count > 0 ? ts / count : undefined;
    case "PR":
      return (100 * count) / n;
    case "WM": {
      // values ≤ L count as L, values > H as H
      return (ts + (below > 0 ? below * L : 0) + (above > 0 ? above * H : 0)) / n;
    }
  }
}

/**
 * The part (0..1) of a bin's mass at or below x: a point bin is exact; other
 * bins are assumed spread evenly over (lo, hi].
 */
function fractionAtOrBelow(b: Bin, x: number): number {
  if (x >= b.hi) return 1;
  if (x <= b.lo) return 0;
  return (x - b.lo) / (b.hi - b.lo);
}
