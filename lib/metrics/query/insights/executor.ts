/**
 * Executes a Metrics Insights query over a MetricSource.
 *
 * 1. List the metrics of the namespace + metric name, keep those in the
 *    SCHEMA/WHERE scope; AWS processes at most the first 10,000 it finds.
 * 2. Fetch the mergeable per-series statistics the function needs (planner.ts)
 *    for the period buckets of the range.
 * 3. Per group, fold every series into one bucket-aligned accumulator
 *    (typed arrays, reused across groups) and emit the buckets that have data.
 * 4. Order the groups (alphabetically by GROUP BY values, or by ORDER BY
 *    FUNCTION() over each returned series), then cut at LIMIT / 500 series.
 *
 * Limits that AWS reports as GetMetricData messages rather than errors are
 * pushed to `opts.messages` when given ({Code, Value}, the SDK's MessageData).
 */
import { validationError } from "../../../errors.js";
import { metricKey } from "../../store/identity.js";
import type { MetricIdentity, MetricSource, Series } from "../../types.js";
import type { InsightsFunction, InsightsQuery } from "./ast.js";
import { parseInsightsQuery } from "./parser.js";
import { compileMatcher, groupValues, statsFor } from "./planner.js";

/** AWS: "A single query can process no more than 10,000 metrics." */
export const MAX_METRICS_PROCESSED = 10_000;
/** AWS: "A single query can return no more than 500 time series." */
export const MAX_SERIES_RETURNED = 500;
/** AWS: "Query up to two weeks of data". */
export const MAX_QUERY_AGE_MS = 14 * 24 * 3600 * 1000;
/** AWS: high-resolution data is aggregated at one-minute granularity. */
export const MIN_PERIOD_SECONDS = 60;

/** A GetMetricData message (the SDK's MessageData shape). */
export interface InsightsMessage {
  Code: string;
  Value: string;
}

export interface InsightsRunOptions {
  periodSeconds: number;
  start: Date;
  end: Date;
  /** Receives AWS's non-fatal limit messages (MaxMatchingResultsExceeded, …). */
  messages?: InsightsMessage[];
  /** "Now" for the two-week horizon; defaults to the clock. */
  now?: Date;
}

export const MESSAGES = {
  maxMatching: {
    Code: "MaxMatchingResultsExceeded",
    Value: `The query matched more than ${MAX_METRICS_PROCESSED} metrics; only the first ${MAX_METRICS_PROCESSED} were processed.`,
  },
  maxResults: {
    Code: "MaxQueryResultsExceeded",
    Value: `Only the first ${MAX_SERIES_RETURNED} time series can be returned by a query.`,
  },
  maxRange: {
    Code: "MaxQueryTimeRangeExceeded",
    Value: "Metrics Insights queries can query up to two weeks of data; the start of the range was moved.",
  },
} as const satisfies Record<string, InsightsMessage>;


/** The label of the only series of a query without GROUP BY. */
export const ungroupedLabel = (q: InsightsQuery): string => `${q.func}(${q.metricName})`;

export async function runInsightsQuery(
  sql: string | InsightsQuery,
  source: MetricSource,
  opts: InsightsRunOptions,
): Promise<Series[]> {
  const q = typeof sql === "string" ? parseInsightsQuery(sql) : sql;

  if (!Number.isFinite(opts.periodSeconds) || opts.periodSeconds <= 0) {
    throw validationError("The period must be a positive number of seconds.");
  }
  const periodSeconds = Math.max(MIN_PERIOD_SECONDS, Math.floor(opts.periodSeconds));
  const p = periodSeconds * 1000;
  let start = opts.start.getTime();
  const end = opts.end.getTime();

  // Two-week horizon: move the start forward by whole periods (keeps alignment).
  const earliest = (opts.now?.getTime() ?? Date.now()) - MAX_QUERY_AGE_MS;
  if (start < earliest) {
    start += Math.ceil((earliest - start) / p) * p;
    opts.messages?.push({ ...MESSAGES.maxRange });
  }

  const grouped = q.groupBy.length > 0;
  const emptyResult = (): Series[] => (grouped ? [] : [{ label: ungroupedLabel(q), timestamps: [], values: [] }]);
  if (!(end > start)) return emptyResult();

  // 1. Scope.
  const matches = compileMatcher(q);
  const listed = await source.listMetrics({ namespace: q.namespace, metricName: q.metricName });
  let metrics: MetricIdentity[] = [];
  for (const m of listed) if (matches(m)) metrics.push(m);
  if (metrics.length > MAX_METRICS_PROCESSED) {
    metrics = metrics.slice(0, MAX_METRICS_PROCESSED);
    opts.messages?.push({ ...MESSAGES.maxMatching });
  }
  if (metrics.length === 0) return emptyResult();

  // Groups: metric indices per group, in first-seen order.
  const groupIndex = new Map<string, number>();
  const groupVals: string[][] = [];
  const members: number[][] = [];
  for (let i = 0; i < metrics.length; i++) {
    const vals = grouped ? groupValues(metrics[i], q.groupBy) : [];
    const key = vals.join("\u0000");
    let g = groupIndex.get(key);
    if (g === undefined) {
      g = groupVals.length;
      groupIndex.set(key, g);
      groupVals.push(vals);
      members.push([]);
    }
    members[g].push(i);
  }

  // 2. Fetch, and line each returned series up with its metric.
  const stats = statsFor(q.func);
  const fetched = await Promise.all(stats.map((s) => source.fetch(metrics, s, periodSeconds, new Date(start), new Date(end))));
  const aligned = fetched.map((list) => alignToMetrics(list, metrics));

  // 3./4. Fold, order, limit. Bucket origin covers sources aligned to `start`
  // and to epoch multiples of the period. Only the groups that are returned are
  // materialized as series.
  const origin = Math.min(start, Math.floor(start / p) * p);
  const nb = Math.max(1, Math.ceil((end - origin) / p));
  const acc = new Accumulator(q.func, nb);
  const fold = (g: number): void => {
    acc.reset();
    if (q.func === "AVG") {
      for (const i of members[g]) acc.addAvg(aligned[0][i], aligned[1][i], origin, p);
    } else {
      for (const i of members[g]) acc.add(aligned[0][i], origin, p);
    }
  };

  if (!grouped) {
    fold(0);
    return [acc.emit(ungroupedLabel(q))];
  }

  const limit = Math.min(q.limit ?? MAX_SERIES_RETURNED, MAX_SERIES_RETURNED);
  const label = (g: number) => groupVals[g].join(" ");
  let result: Series[];
  let more = false;
  if (q.orderBy) {
    // ORDER BY FUNCTION(): one scalar per returned series over the whole range.
    // Few groups: keep every series from the single pass; many: refold only the top ones.
    const { func, direction } = q.orderBy;
    const sign = direction === "DESC" ? -1 : 1;
    const keepAll = members.length <= limit;
    const key = new Float64Array(members.length);
    const kept: (Series | undefined)[] = [];
    const live: number[] = [];
    for (let g = 0; g < members.length; g++) {
      fold(g);
      if (acc.points() === 0) continue;
      key[g] = acc.scalar(func);
      live.push(g);
      if (keepAll) kept[g] = acc.emit(label(g));
    }
    live.sort((a, b) => {
      const ka = key[a];
      const kb = key[b];
      if (ka !== kb) {
        if (Number.isNaN(ka)) return 1;
        if (Number.isNaN(kb)) return -1;
        return (ka - kb) * sign;
      }
      return compareValues(groupVals[a], groupVals[b]);
    });
    more = live.length > limit;
    result = live.slice(0, limit).map((g) => {
      const done = kept[g];
      if (done) return done;
      fold(g);
      return acc.emit(label(g));
    });
  } else {
    // Alphabetical by the GROUP BY values: fold in that order, stop after the limit (+1 to know).
    const order = members.map((_, g) => g).sort((a, b) => compareValues(groupVals[a], groupVals[b]));
    result = [];
    for (const g of order) {
      fold(g);
      if (acc.points() === 0) continue;
      if (result.length === limit) {
        more = true;
        break;
      }
      result.push(acc.emit(label(g)));
    }
  }
  if (more && limit === MAX_SERIES_RETURNED) opts.messages?.push({ ...MESSAGES.maxResults });
  return result;
}

/** Code-unit order of GROUP BY value tuples, element by element. */
function compareValues(a: string[], b: string[]): number {
  for (let i = 0; i < a.length && i < b.length; i++) {
    if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return a.length - b.length;
}

/** Index-aligned view of a fetch result: by `series.metric` when present, else by position. */
function alignToMetrics(list: Series[], metrics: MetricIdentity[]): (Series | undefined)[] {
  const res: (Series | undefined)[] = new Array(metrics.length);
  let index: Map<string, number> | undefined;
  for (let j = 0; j < list.length; j++) {
    const s = list[j];
    if (s.metric) {
      if (j < metrics.length && sameIdentity(s.metric, metrics[j])) {
        res[j] = s;
        continue;
      }
      if (!index) {
        index = new Map();
        for (let i = 0; i < metrics.length; i++) index.set(metricKey(metrics[i]), i);
      }
      const i = index.get(metricKey(s.metric));
      if (i !== undefined) res[i] = s;
    } else if (j < metrics.length) {
      res[j] = s;
    }
  }
  return res;
}

function sameIdentity(a: MetricIdentity, b: MetricIdentity): boolean {
  if (a === b) return true;
  if (a.namespace !== b.namespace || a.metricName !== b.metricName || a.dimensions.length !== b.dimensions.length) {
    return false;
  }
  for (let i = 0; i < a.dimensions.length; i++) {
    if (a.dimensions[i].name !== b.dimensions[i].name || a.dimensions[i].value !== b.dimensions[i].value) return false;
  }
  return true;
}

/**
 * One group's buckets: a primary accumulator (sum / min / max / count) and,
 * for AVG, the sample counts. Reset only touches the buckets that were used.
 */
class Accumulator {
  private readonly val: Float64Array;
  private readonly cnt: Float64Array;
  private readonly has: Uint8Array;
  private readonly ts: Float64Array;
  private lo: number;
  private hi: number;

  constructor(
    private readonly func: InsightsFunction,
    private readonly nb: number,
  ) {
    this.val = new Float64Array(nb);
    this.cnt = new Float64Array(func === "AVG" ? nb : 0);
    this.has = new Uint8Array(nb);
    this.ts = new Float64Array(nb);
    this.lo = nb;
    this.hi = -1;
    this.val.fill(this.initial());
  }

  private initial(): number {
    return this.func === "MIN" ? Infinity : this.func === "MAX" ? -Infinity : 0;
  }

  reset(): void {
    if (this.hi < this.lo) return;
    this.val.fill(this.initial(), this.lo, this.hi + 1);
    if (this.cnt.length) this.cnt.fill(0, this.lo, this.hi + 1);
    this.has.fill(0, this.lo, this.hi + 1);
    this.lo = this.nb;
    this.hi = -1;
  }

  add(s: Series | undefined, origin: number, p: number): void {
    if (!s) return;
    const { timestamps, values } = s;
    const n = Math.min(timestamps.length, values.length);
    const { nb, val, has, ts, func } = this;
    const min = func === "MIN";
    const max = func === "MAX";
    for (let k = 0; k < n; k++) {
      const v = values[k];
      if (v !== v) continue; // NaN
      const t = timestamps[k];
      const b = Math.floor((t - origin) / p);
      if (b < 0 || b >= nb) continue;
      if (!has[b]) {
        has[b] = 1;
        ts[b] = t;
        if (b < this.lo) this.lo = b;
        if (b > this.hi) this.hi = b;
      }
      if (min) {
        if (v < val[b]) val[b] = v;
      } else if (max) {
        if (v > val[b]) val[b] = v;
      } else {
        val[b] += v;
      }
    }
  }

  /** AVG: Σ Sum and Σ SampleCount, matched by bucket (the two series need not be index-aligned). */
  addAvg(sum: Series | undefined, count: Series | undefined, origin: number, p: number): void {
    if (!sum || !count) return;
    this.add(sum, origin, p);
    const n = Math.min(count.timestamps.length, count.values.length);
    const { nb, cnt } = this;
    const { timestamps, values } = count;
    for (let k = 0; k < n; k++) {
      const v = values[k];
      if (v !== v) continue;
      const b = Math.floor((timestamps[k] - origin) / p);
      if (b < 0 || b >= nb) continue;
      cnt[b] += v;
    }
  }

  /** The value of bucket b as the returned series would hold it, NaN when it holds none. */
  private value(b: number): number {
    if (!this.has[b]) return NaN;
    if (this.func === "AVG") return this.cnt[b] > 0 ? this.val[b] / this.cnt[b] : NaN;
    return this.val[b];
  }

  /** Number of datapoints of the series emit() would return. */
  points(): number {
    let n = 0;
    for (let b = this.lo; b <= this.hi; b++) if (this.value(b) === this.value(b)) n++;
    return n;
  }

  /** ORDER BY FUNCTION() over the series emit() would return (NaN when empty). */
  scalar(func: InsightsFunction): number {
    let n = 0;
    let r = func === "MIN" ? Infinity : func === "MAX" ? -Infinity : 0;
    for (let b = this.lo; b <= this.hi; b++) {
      const v = this.value(b);
      if (v !== v) continue;
      n++;
      if (func === "MIN") r = v < r ? v : r;
      else if (func === "MAX") r = v > r ? v : r;
      else r += v;
    }
    if (func === "COUNT") return n;
    if (n === 0) return NaN;
    return func === "AVG" ? r / n : r;
  }

  emit(label: string): Series {
    const avg = this.func === "AVG";
    const { has, cnt, val, ts } = this;
    let n = 0;
    for (let b = this.lo; b <= this.hi; b++) if (has[b] && (!avg || cnt[b] > 0)) n++;
    // Sized once: no growth copies (the results of a 10,000-group query are large).
    const timestamps: number[] = new Array(n);
    const values: number[] = new Array(n);
    let j = 0;
    for (let b = this.lo; b <= this.hi; b++) {
      if (!has[b]) continue;
      if (avg) {
        if (!(cnt[b] > 0)) continue;
        values[j] = val[b] / cnt[b];
      } else {
        values[j] = val[b];
      }
      timestamps[j++] = ts[b];
    }
    return { label, timestamps, values };
  }
}
