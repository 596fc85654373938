/**
 * Linear-time kernels over time series: per-point maps, two-pointer merges of
 * two series (union, overlay), k-way unions for arrays, and the regular
 * grid of a query's time range. Every kernel drops a result that is not a
 * finite number: AWS drops a data point whose computation divides by zero, and
 * CloudWatch has no NaN or infinite values to return (LOG(0), LOG(-1) too).
 *
 * Inputs are never mutated. Timestamps are epoch ms, ascending.
 */
import type { MetricIdentity, Series } from "../../types.js";

export function makeSeries(label: string, timestamps: number[], values: number[], metric?: MetricIdentity, periodSeconds?: number): Series {
  const s: Series = metric ? { label, timestamps, values, metric } : { label, timestamps, values };
  if (periodSeconds !== undefined) s.periodSeconds = periodSeconds;
  return s;
}

/**
 * A series as math wants it: ascending unique timestamps, finite values only.
 * Returns the input itself when it already is (the common case: one O(n) scan).
 */
export function normalize(s: Series): Series {
  const { timestamps: t, values: v } = s;
  let clean = t.length === v.length;
  for (let i = 0; clean && i < t.length; i++) {
    if (!Number.isFinite(v[i]!) || !Number.isFinite(t[i]!) || (i > 0 && t[i]! <= t[i - 1]!)) clean = false;
  }
  if (clean) return s;
  const n = Math.min(t.length, v.length);
  const order: number[] = [];
  for (let i = 0; i < n; i++) if (Number.isFinite(v[i]!) && Number.isFinite(t[i]!)) order.push(i);
  order.sort((a, b) => t[a]! - t[b]! || a - b);
  const ts: number[] = [];
  const vs: number[] = [];
  for (const i of order) {
    if (ts.length > 0 && ts[ts.length - 1] === t[i]) continue; // the first value at a timestamp wins
    ts.push(t[i]!);
    vs.push(v[i]!);
  }
  return makeSeries(s.label, ts, vs, s.metric, s.periodSeconds);
}

/** f applied to every point; points whose result is not finite are dropped. */
export function mapPoints(s: Series, f: (v: number, t: number) => number, label = s.label, keepMetric = true): Series {
  const { timestamps: t, values: v } = s;
  const ts = new Array<number>(t.length);
  const vs = new Array<number>(t.length);
  let k = 0;
  for (let i = 0; i < t.length; i++) {
    const r = f(v[i]!, t[i]!);
    if (Number.isFinite(r)) {
      ts[k] = t[i]!;
      vs[k++] = r;
    }
  }
  ts.length = vs.length = k;
  return keepMetric ? makeSeries(label, ts, vs, s.metric, s.periodSeconds) : makeSeries(label, ts, vs);
}

/** f at every timestamp either series has, the missing side taking `fill`. */
export function zipUnion(a: Series, b: Series, f: (x: number, y: number) => number, fill: number, label: string): Series {
  const at = a.timestamps, av = a.values, bt = b.timestamps, bv = b.values;
  const ts = new Array<number>(at.length + bt.length);
  const vs = new Array<number>(at.length + bt.length);
  let k = 0;
  let i = 0;
  let j = 0;
  while (i < at.length || j < bt.length) {
    let t: number, r: number;
    if (j >= bt.length || (i < at.length && at[i]! < bt[j]!)) {
      t = at[i]!;
      r = f(av[i++]!, fill);
    } else if (i >= at.length || bt[j]! < at[i]!) {
      t = bt[j]!;
      r = f(fill, bv[j++]!);
    } else {
      t = at[i]!;
      r = f(av[i++]!, bv[j++]!);
    }
    if (Number.isFinite(r)) {
      ts[k] = t;
      vs[k++] = r;
    }
  }
  ts.length = vs.length = k;
  return makeSeries(label, ts, vs);
}

/** Points of `primary`, and of `secondary` where `primary` has none. */
export function overlay(primary: Series, secondary: Series): Series {
  const at = primary.timestamps, av = primary.values, bt = secondary.timestamps, bv = secondary.values;
  const ts = new Array<number>(at.length + bt.length);
  const vs = new Array<number>(at.length + bt.length);
  let k = 0;
  let i = 0;
  let j = 0;
  while (i < at.length || j < bt.length) {
    if (j >= bt.length || (i < at.length && at[i]! <= bt[j]!)) {
      if (j < bt.length && bt[j] === at[i]) j++;
      ts[k] = at[i]!;
      vs[k++] = av[i++]!;
    } else {
      ts[k] = bt[j]!;
      vs[k++] = bv[j++]!;
    }
  }
  ts.length = vs.length = k;
  return makeSeries(primary.label, ts, vs, primary.metric, primary.periodSeconds);
}

/** Sorted union of two sorted timestamp lists. */
export function mergeTimestamps(a: number[], b: number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]! < b[j]!)) out.push(a[i++]!);
    else if (i >= a.length || b[j]! < a[i]!) out.push(b[j++]!);
    else {
      out.push(a[i++]!);
      j++;
    }
  }
  return out;
}

function sameTimestamps(a: number[], b: number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Sorted union of k sorted lists, merged pairwise as a balanced tree: O(N log k). */
export function unionTimestamps(lists: number[][]): number[] {
  if (lists.length === 0) return [];
  if (lists.every((l) => sameTimestamps(l, lists[0]!))) return lists[0]!;
  let level = lists;
  while (level.length > 1) {
    const next: number[][] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? mergeTimestamps(level[i]!, level[i + 1]!) : level[i]!);
    level = next;
  }
  return level[0]!;
}

/**
 * For each series, the index in `union` of each of its points. Series that share
 * the union's timestamps map to the identity; others go through one hash map.
 */
export function indexInto(union: number[], items: Series[]): ((i: number) => number)[] {
  let position: Map<number, number> | undefined;
  return items.map((s) => {
    if (sameTimestamps(s.timestamps, union)) return (i: number) => i;
    if (!position) {
      position = new Map();
      for (let k = 0; k < union.length; k++) position.set(union[k]!, k);
    }
    const map = position;
    const t = s.timestamps;
    return (i: number) => map.get(t[i]!)!;
  });
}

/** A cap on the points a regular grid may have, against a tiny period over a huge range. */
export const MAX_GRID_POINTS = 1_000_000;

/**
 * The timestamps of [start, end) at `periodMs`: aligned with `anchor` (a
 * timestamp of the series the grid extends) when given, else with whole periods
 * since the epoch, which is how CloudWatch aligns its buckets.
 */
export function gridTimestamps(start: number, end: number, periodMs: number, anchor?: number): number[] {
  const first = anchor === undefined ? Math.ceil(start / periodMs) * periodMs : anchor - Math.floor((anchor - start) / periodMs) * periodMs;
  const out: number[] = [];
  for (let t = first; t < end; t += periodMs) out.push(t);
  return out;
}

/** `s` with the grid points it lacks filled with `value`. */
export function fillConstant(s: Series, grid: number[], value: number): Series {
  if (!Number.isFinite(value)) return s;
  return overlay(s, makeSeries("", grid, grid.map(() => value)));
}

/** `s` with each grid point it lacks filled with the latest value before it (none before the first value). */
export function fillRepeat(s: Series, grid: number[]): Series {
  const st = s.timestamps, sv = s.values;
  const ts: number[] = [];
  const vs: number[] = [];
  let j = 0;
  let last = NaN;
  for (const t of mergeTimestamps(grid, st)) {
    if (j < st.length && st[j] === t) last = sv[j++]!;
    if (Number.isNaN(last)) continue;
    ts.push(t);
    vs.push(last);
  }
  return makeSeries(s.label, ts, vs, s.metric, s.periodSeconds);
}

/**
 * `s` with each grid point that lies between two of its values filled by linear
 * interpolation in time between them; points before its first value or after
 * its last stay missing.
 */
export function fillLinear(s: Series, grid: number[]): Series {
  const st = s.timestamps, sv = s.values;
  const ts: number[] = [];
  const vs: number[] = [];
  let j = 0; // index of the first point of s at or after t
  for (const t of mergeTimestamps(grid, st)) {
    if (j < st.length && st[j] === t) {
      ts.push(t);
      vs.push(sv[j++]!);
    } else if (j > 0 && j < st.length) {
      const t0 = st[j - 1]!, t1 = st[j]!, v0 = sv[j - 1]!, v1 = sv[j]!;
      ts.push(t);
      vs.push(v0 + ((v1 - v0) * (t - t0)) / (t1 - t0));
    }
  }
  return makeSeries(s.label, ts, vs, s.metric, s.periodSeconds);
}

// ---------------------------------------------------------------------------
// Statistics of one series' values (NaN when there are none)

export function sumOf(v: number[]): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]!;
  return v.length ? s : NaN;
}

export function avgOf(v: number[]): number {
  return v.length ? sumOf(v) / v.length : NaN;
}

export function minOf(v: number[]): number {
  let m = Infinity;
  for (let i = 0; i < v.length; i++) if (v[i]! < m) m = v[i]!;
  return v.length ? m : NaN;
}

export function maxOf(v: number[]): number {
  let m = -Infinity;
  for (let i = 0; i < v.length; i++) if (v[i]! > m) m = v[i]!;
  return v.length ? m : NaN;
}

/** Population standard deviation (divides by n), two passes for accuracy. */
export function stddevOf(v: number[]): number {
  if (!v.length) return NaN;
  const mean = avgOf(v);
  let ss = 0;
  for (let i = 0; i < v.length; i++) ss += (v[i]! - mean) ** 2;
  return Math.sqrt(ss / v.length);
}
