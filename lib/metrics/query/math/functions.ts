/**
 * The metric math functions: arity and keyword arguments (which the parser
 * checks) and their semantics, after AWS's "Metric math syntax and functions"
 * table (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html).
 *
 * Conventions shared by the implementations:
 * - A function AWS types "TS TS[]" applies to each series of an array.
 * - Aggregates (AVG, MAX, MIN, STDDEV, SUM, DATAPOINT_COUNT) of one series are a
 *   scalar; of an array, a series with one value per timestamp that any of the
 *   series has. AVG of an array treats a missing value as 0, as AWS documents
 *   (so it divides by the number of series); MIN, MAX and STDDEV look only at
 *   the values present; STDDEV is the population standard deviation.
 * - A transform of one series keeps its label and metric identity (so the
 *   elements of FILL(METRICS(), 0) keep their metric labels); a series that
 *   combines several is labelled with the expression text that made it.
 * - "Non-sparse" results (FILL, TIME_SERIES, MINUTE...) cover the query's time
 *   range, aligned with the input series' timestamps, at the input series' own
 *   period when it has one (a metric query's, a SEARCH's: AWS's "take the
 *   period and range of the time series"), else at the query's period. A
 *   transform of one series keeps its period.
 */
import { INSIGHT_RULE_METRICS, isInsightRuleMetric } from "../../../contributor-insights/period-stats.js";
import type { Series } from "../../types.js";
import type { Expr } from "./ast.js";
import type { MathContext } from "./context.js";
import {
  avgOf,
  fillConstant,
  fillLinear,
  fillRepeat,
  indexInto,
  makeSeries,
  mapPoints,
  maxOf,
  minOf,
  normalize,
  overlay,
  stddevOf,
  sumOf,
  unionTimestamps,
} from "./series.js";
import { arrayValue, describeKind, MathError, mathError, scalar, seriesValue, type Value } from "./values.js";

export type CallExpr = Extract<Expr, { kind: "call" }>;

/** What a function implementation sees besides its argument values. */
export interface CallEnv {
  ctx: MathContext;
  call: CallExpr;
  /** Timestamps of the query's time range at `periodSeconds` (default: the query's period), aligned with `anchor` when given. */
  grid(anchor?: number, periodSeconds?: number): number[];
}

export interface FunctionSpec {
  minArgs: number;
  maxArgs: number;
  /** Keywords allowed as the argument at each index (the parser rejects keywords anywhere else). */
  keywords?: Record<number, readonly string[]>;
  /** False for functions that fail before looking at their arguments. */
  evaluateArgs?: boolean;
  apply(args: Value[], env: CallEnv): Value | Promise<Value>;
}

// ---------------------------------------------------------------------------
// Argument checks

function argError(env: CallEnv, k: number, want: string, got: Value): MathError {
  const node = env.call.args[k] ?? env.call;
  return mathError(node.start, `${env.call.name} expects ${want} as argument ${k + 1}, but got ${describeKind(got)}`);
}

function scalarArg(args: Value[], k: number, env: CallEnv): number {
  const v = args[k]!;
  if (v.kind !== "scalar") throw argError(env, k, "a scalar", v);
  return v.value;
}

function stringArg(args: Value[], k: number, env: CallEnv): string {
  const v = args[k]!;
  if (v.kind !== "string") throw argError(env, k, "a string", v);
  return v.value;
}

function seriesArg(args: Value[], k: number, env: CallEnv): Series {
  const v = args[k]!;
  if (v.kind !== "series") throw argError(env, k, "a time series", v);
  return v.series;
}

/** An array of time series; a single series counts as an array of one. */
function arrayArg(args: Value[], k: number, env: CallEnv): Series[] {
  const v = args[k]!;
  if (v.kind === "array") return v.items;
  if (v.kind === "series") return [v.series];
  throw argError(env, k, "an array of time series", v);
}

/** f on a series, or on each series of an array. */
function perSeries(args: Value[], k: number, env: CallEnv, f: (s: Series) => Series): Value {
  const v = args[k]!;
  if (v.kind === "series") return seriesValue(f(v.series));
  if (v.kind === "array") return arrayValue(v.items.map(f));
  throw argError(env, k, "a time series or an array of time series", v);
}

const emptySeries = (label: string): Series => makeSeries(label, [], []);

// ---------------------------------------------------------------------------
// Function families

/** ABS, CEIL, FLOOR, LOG, LOG10: a function of each value (a scalar argument gives a scalar). */
function pointwise(f: (x: number) => number): FunctionSpec {
  return {
    minArgs: 1,
    maxArgs: 1,
    apply(args, env) {
      const v = args[0]!;
      if (v.kind === "scalar") return scalar(f(v.value));
      return perSeries(args, 0, env, (s) => mapPoints(s, f));
    },
  };
}

/** DIFF, DIFF_TIME, RATE: a function of each value and the one before it; the first value has none. */
function consecutive(f: (v0: number, v1: number, t0: number, t1: number) => number): FunctionSpec {
  return {
    minArgs: 1,
    maxArgs: 1,
    apply: (args, env) =>
      perSeries(args, 0, env, (s) => {
        const { timestamps: t, values: v } = s;
        const ts: number[] = [];
        const vs: number[] = [];
        for (let i = 1; i < t.length; i++) {
          const r = f(v[i - 1]!, v[i]!, t[i - 1]!, t[i]!);
          if (Number.isFinite(r)) {
            ts.push(t[i]!);
            vs.push(r);
          }
        }
        return makeSeries(s.label, ts, vs, s.metric, s.periodSeconds);
      }),
  };
}

type Aggregate = "SUM" | "AVG" | "MIN" | "MAX" | "STDDEV" | "DATAPOINT_COUNT";

const OF_VALUES: Record<Aggregate, (v: number[]) => number> = {
  SUM: sumOf,
  AVG: avgOf,
  MIN: minOf,
  MAX: maxOf,
  STDDEV: stddevOf,
  DATAPOINT_COUNT: (v) => v.length,
};

/** One value per timestamp that any series of `items` has: linear in the points (plus a k-way merge). */
function aggregateArray(items: Series[], agg: Aggregate, label: string): Series {
  if (items.length === 0) return emptySeries(label);
  const union = unionTimestamps(items.map((s) => s.timestamps));
  const index = indexInto(union, items);
  const n = union.length;
  const sum = new Float64Array(n);
  const count = new Float64Array(n);
  const min = new Float64Array(n).fill(Infinity);
  const max = new Float64Array(n).fill(-Infinity);
  items.forEach((s, k) => {
    const at = index[k]!;
    const v = s.values;
    for (let i = 0; i < v.length; i++) {
      const j = at(i);
      const x = v[i]!;
      sum[j] += x;
      count[j]++;
      if (x < min[j]!) min[j] = x;
      if (x > max[j]!) max[j] = x;
    }
  });
  let squares: Float64Array | undefined;
  if (agg === "STDDEV") {
    squares = new Float64Array(n);
    items.forEach((s, k) => {
      const at = index[k]!;
      const v = s.values;
      for (let i = 0; i < v.length; i++) {
        const j = at(i);
        squares![j] += (v[i]! - sum[j]! / count[j]!) ** 2;
      }
    });
  }
  const values = new Array<number>(n);
  for (let j = 0; j < n; j++) {
    switch (agg) {
      case "SUM":
        values[j] = sum[j]!;
        break;
      case "AVG":
        values[j] = sum[j]! / items.length; // a series without a value here counts as 0
        break;
      case "MIN":
        values[j] = min[j]!;
        break;
      case "MAX":
        values[j] = max[j]!;
        break;
      case "STDDEV":
        values[j] = Math.sqrt(squares![j]! / count[j]!);
        break;
      case "DATAPOINT_COUNT":
        values[j] = count[j]!;
        break;
    }
  }
  return makeSeries(label, union.slice(), values);
}

/** AVG, MAX, MIN, STDDEV, SUM, DATAPOINT_COUNT: a scalar of one series, a series of an array. */
function aggregate(agg: Aggregate): FunctionSpec {
  return {
    minArgs: 1,
    maxArgs: 1,
    apply(args, env) {
      const v = args[0]!;
      if (v.kind === "series") return scalar(OF_VALUES[agg](v.series.values));
      if (v.kind === "array") return seriesValue(aggregateArray(v.items, agg, env.call.text));
      throw argError(env, 0, "a time series or an array of time series", v);
    },
  };
}

/** MINUTE, HOUR, DAY, DATE, MONTH, YEAR, EPOCH: a non-sparse series of a property of each timestamp (UTC). */
function calendar(f: (d: Date, t: number) => number): FunctionSpec {
  return {
    minArgs: 1,
    maxArgs: 1,
    apply: (args, env) =>
      perSeries(args, 0, env, (s) => {
        const ts = env.grid(s.timestamps[0], s.periodSeconds);
        return makeSeries(s.label, ts, ts.map((t) => f(new Date(t), t)), s.metric, s.periodSeconds);
      }),
  };
}

/** Functions this service cannot compute: the data they read does not exist here. */
function unsupported(minArgs: number, maxArgs: number, why: string): FunctionSpec {
  return {
    minArgs,
    maxArgs,
    evaluateArgs: false,
    apply(_args, env) {
      throw mathError(env.call.start, `${env.call.name} is not supported: ${why}`);
    },
  };
}

// ---------------------------------------------------------------------------
// IF

const truthy = (x: number) => x !== 0;

/** A branch of IF over a series condition: a constant, a series, or absent. */
type Branch = number | Series | undefined;

/** Where a series condition holds a timestamp, a walking cursor into a branch series. */
function cursor(s: Series) {
  let j = 0;
  return (t: number): number | undefined => {
    while (j < s.timestamps.length && s.timestamps[j]! < t) j++;
    return s.timestamps[j] === t ? s.values[j]! : undefined;
  };
}

/** IF with a series condition, evaluated at each of the condition's timestamps (AWS's rules). */
function ifSeries(cond: Series, a: Branch, b: Branch, label: string, metric?: Series["metric"]): Series {
  const ct = cond.timestamps, cv = cond.values;
  const atA = typeof a === "object" ? cursor(a) : undefined;
  const atB = typeof b === "object" ? cursor(b) : undefined;
  const ts: number[] = [];
  const vs: number[] = [];
  for (let i = 0; i < ct.length; i++) {
    const t = ct[i]!;
    let r: number | undefined;
    if (truthy(cv[i]!)) r = atA ? (atA(t) ?? 0) : (a as number); // true, but no value in the true branch: 0
    else r = atB ? atB(t) : (b as number | undefined); // false: the false branch's value, if any, else dropped
    if (r !== undefined && Number.isFinite(r)) {
      ts.push(t);
      vs.push(r);
    }
  }
  return makeSeries(label, ts, vs, metric, cond.periodSeconds);
}

function branch(args: Value[], k: number, env: CallEnv): Branch {
  const v = args[k];
  if (v === undefined) return undefined;
  if (v.kind === "scalar") return v.value;
  if (v.kind === "series") return v.series;
  throw argError(env, k, "a scalar or a time series", v);
}

const IF: FunctionSpec = {
  minArgs: 2,
  maxArgs: 3,
  apply(args, env) {
    const cond = args[0]!;
    const label = env.call.text;
    if (cond.kind === "scalar") {
      // The whole of one branch (which may be an array), or nothing.
      for (const k of [1, 2]) {
        const v = args[k];
        if (v && (v.kind === "string" || v.kind === "keyword")) throw argError(env, k, "a scalar or a time series", v);
      }
      const [a, b] = [args[1]!, args[2]];
      const pick = Number.isNaN(cond.value) ? undefined : truthy(cond.value) ? a : b;
      if (pick) return pick;
      return a.kind === "scalar" && (!b || b.kind === "scalar") ? scalar(NaN) : seriesValue(emptySeries(label));
    }
    const a = branch(args, 1, env);
    const b = branch(args, 2, env);
    if (cond.kind === "series") return seriesValue(ifSeries(cond.series, a, b, label));
    if (cond.kind === "array") return arrayValue(cond.items.map((c) => ifSeries(c, a, b, c.label, c.metric)));
    throw argError(env, 0, "a scalar, a time series or an array of time series", cond);
  },
};

// ---------------------------------------------------------------------------
// FILL

const FILL: FunctionSpec = {
  minArgs: 2,
  maxArgs: 2,
  keywords: { 1: ["REPEAT", "LINEAR"] },
  apply(args, env) {
    const filler = args[1]!;
    let fill: (s: Series) => Series;
    switch (filler.kind) {
      case "scalar":
        fill = (s) => fillConstant(s, env.grid(s.timestamps[0], s.periodSeconds), filler.value);
        break;
      case "series":
        fill = (s) => overlay(s, filler.series);
        break;
      case "keyword":
        fill = (s) => (filler.name === "REPEAT" ? fillRepeat : fillLinear)(s, env.grid(s.timestamps[0], s.periodSeconds));
        break;
      default:
        throw argError(env, 1, "a scalar, a time series, REPEAT or LINEAR", filler);
    }
    return perSeries(args, 0, env, fill);
  },
};

// ---------------------------------------------------------------------------
// Arrays: METRICS, SORT, SLICE, FIRST, LAST, REMOVE_EMPTY, METRIC_COUNT, CONCAT

const METRICS: FunctionSpec = {
  minArgs: 0,
  maxArgs: 1,
  apply(args, env) {
    const filter = args.length ? stringArg(args, 0, env) : undefined;
    const { ctx } = env;
    const items: Series[] = [];
    for (const id of ctx.allIds) {
      if (ctx.isExpression?.(id)) continue;
      if (filter !== undefined && !id.includes(filter)) continue;
      const found = ctx.lookup(id);
      if (found === undefined) continue;
      if (Array.isArray(found)) items.push(...found.map(normalize));
      else items.push(normalize(found));
    }
    return arrayValue(items);
  },
};

const SORT_BY: Record<string, (v: number[]) => number> = { AVG: avgOf, SUM: sumOf, MIN: minOf, MAX: maxOf, STDDEV: stddevOf };

const SORT: FunctionSpec = {
  minArgs: 3,
  maxArgs: 4,
  keywords: { 1: Object.keys(SORT_BY), 2: ["ASC", "DESC"] },
  apply(args, env) {
    const items = arrayArg(args, 0, env);
    const by = SORT_BY[(args[1] as { name: string }).name]!;
    const descending = (args[2] as { name: string }).name === "DESC";
    const keyed = items.map((s, i) => ({ s, i, key: by(s.values) }));
    // Series without data have no statistic: they go last either way. Ties keep their order.
    keyed.sort((x, y) => {
      const xn = Number.isNaN(x.key), yn = Number.isNaN(y.key);
      if (xn || yn) return xn === yn ? x.i - y.i : xn ? 1 : -1;
      return (descending ? y.key - x.key : x.key - y.key) || x.i - y.i;
    });
    let sorted = keyed.map((k) => k.s);
    if (args.length > 3) {
      const limit = scalarArg(args, 3, env);
      if (!(limit >= 0)) throw mathError(env.call.args[3]!.start, "The SORT limit must be a number of 0 or more");
      sorted = sorted.slice(0, Math.floor(limit));
    }
    return arrayValue(sorted);
  },
};

const SLICE: FunctionSpec = {
  minArgs: 2,
  maxArgs: 3,
  apply(args, env) {
    const items = arrayArg(args, 0, env);
    const bound = (k: number) => {
      const x = scalarArg(args, k, env);
      if (Number.isNaN(x)) throw mathError(env.call.args[k]!.start, "SLICE bounds must be numbers");
      return Math.min(items.length, Math.max(0, Math.floor(x)));
    };
    return arrayValue(items.slice(bound(1), args.length > 2 ? bound(2) : items.length));
  },
};

function pick(which: "first" | "last"): FunctionSpec {
  return {
    minArgs: 1,
    maxArgs: 1,
    apply(args, env) {
      const items = arrayArg(args, 0, env);
      const s = which === "first" ? items[0] : items[items.length - 1];
      return seriesValue(s ?? emptySeries(env.call.text));
    },
  };
}

const CONCAT: FunctionSpec = {
  minArgs: 1,
  maxArgs: Infinity,
  apply(args, env) {
    if (args.every((a) => a.kind === "string")) return { kind: "string", value: args.map((a) => (a as { value: string }).value).join("") };
    const items: Series[] = [];
    args.forEach((a, k) => {
      if (a.kind === "series") items.push(a.series);
      else if (a.kind === "array") items.push(...a.items);
      else throw argError(env, k, "a time series or an array of time series (or only strings)", a);
    });
    return arrayValue(items);
  },
};

// ---------------------------------------------------------------------------
// The table

export const FUNCTIONS: Record<string, FunctionSpec> = {
  ABS: pointwise(Math.abs),
  ANOMALY_DETECTION_BAND: {
    minArgs: 1,
    maxArgs: 2,
    async apply(args, env) {
      const series = seriesArg(args, 0, env);
      const stdDevs = args.length > 1 ? scalarArg(args, 1, env) : 2;
      const { ctx, call } = env;
      if (!ctx.anomalyDetectionBand) {
        throw mathError(call.start, "ANOMALY_DETECTION_BAND needs an anomaly detection model for its metric, and none is available");
      }
      const arg = call.args[0]!;
      const band = await ctx.anomalyDetectionBand({ id: arg.kind === "id" ? arg.name : undefined, expression: arg.text, series, stdDevs });
      return arrayValue(band.map(normalize));
    },
  },
  AVG: aggregate("AVG"),
  CEIL: pointwise(Math.ceil),
  CONCAT,
  DATAPOINT_COUNT: aggregate("DATAPOINT_COUNT"),
  DATE: calendar((d) => d.getUTCDate()),
  DAY: calendar((d) => d.getUTCDay() || 7), // 1 = Monday ... 7 = Sunday
  DB_PERF_INSIGHTS: unsupported(2, Infinity, "this service has no Performance Insights data"),
  DIFF: consecutive((v0, v1) => v1 - v0),
  DIFF_TIME: consecutive((_v0, _v1, t0, t1) => (t1 - t0) / 1000),
  EPOCH: calendar((_d, t) => Math.floor(t / 1000)),
  FILL,
  FIRST: pick("first"),
  FLOOR: pointwise(Math.floor),
  HOUR: calendar((d) => d.getUTCHours()),
  IF,
  INSIGHT_RULE_METRIC: {
    minArgs: 2,
    maxArgs: 2,
    async apply(args, env) {
      const { ctx, call } = env;
      const rule = stringArg(args, 0, env);
      const metric = stringArg(args, 1, env);
      // AWS's answers to an unknown rule or metric name were not found recorded: both are the
      // ValidationError every other expression error is, naming the argument and where it is.
      if (!isInsightRuleMetric(metric)) {
        throw mathError(call.args[1]!.start, `INSIGHT_RULE_METRIC: the metric name ${metric} is not valid. Valid values are ${INSIGHT_RULE_METRICS.join(", ")}`);
      }
      if (!ctx.insightRuleMetric) throw mathError(call.start, "INSIGHT_RULE_METRIC is not available here");
      const found = await ctx.insightRuleMetric(rule, metric);
      if (!found) throw mathError(call.args[0]!.start, `INSIGHT_RULE_METRIC: the Contributor Insights rule ${rule} does not exist`);
      return seriesValue(makeSeries(call.text, found.timestamps, found.values, undefined, ctx.periodSeconds));
    },
  },
  // LAMBDA(function name, arguments...): a custom data source, which AWS runs as a Lambda function.
  LAMBDA: unsupported(1, Infinity, "this service does not call Lambda data sources"),
  LABEL: {
    minArgs: 1,
    maxArgs: 1,
    apply: (args, env) => ({ kind: "string", value: seriesArg(args, 0, env).label }),
  },
  LAST: pick("last"),
  LOG: pointwise(Math.log),
  LOG10: pointwise(Math.log10),
  MAX: aggregate("MAX"),
  METRIC_COUNT: { minArgs: 1, maxArgs: 1, apply: (args, env) => scalar(arrayArg(args, 0, env).length) },
  METRICS,
  MIN: aggregate("MIN"),
  MINUTE: calendar((d) => d.getUTCMinutes()),
  MONTH: calendar((d) => d.getUTCMonth() + 1),
  PERIOD: {
    minArgs: 1,
    maxArgs: 1,
    apply(args, env) {
      const series = seriesArg(args, 0, env);
      const arg = env.call.args[0]!;
      const own = arg.kind === "id" ? env.ctx.periodOf?.(arg.name) : undefined;
      return scalar(own ?? series.periodSeconds ?? env.ctx.periodSeconds);
    },
  },
  RATE: consecutive((v0, v1, t0, t1) => (v1 - v0) / ((t1 - t0) / 1000)),
  REMOVE_EMPTY: { minArgs: 1, maxArgs: 1, apply: (args, env) => arrayValue(arrayArg(args, 0, env).filter((s) => s.timestamps.length > 0)) },
  RUNNING_SUM: {
    minArgs: 1,
    maxArgs: 1,
    apply: (args, env) =>
      perSeries(args, 0, env, (s) => {
        let total = 0;
        return mapPoints(s, (v) => (total += v));
      }),
  },
  SEARCH: {
    minArgs: 2,
    maxArgs: 3,
    async apply(args, env) {
      const { ctx, call } = env;
      const expression = stringArg(args, 0, env);
      const stat = stringArg(args, 1, env);
      const period = args.length > 2 ? scalarArg(args, 2, env) : ctx.periodSeconds;
      if (!(period > 0)) throw mathError((call.args[2] ?? call).start, "The SEARCH period must be a positive number of seconds");
      if (!ctx.search) throw mathError(call.start, "SEARCH is not available here (an alarm cannot use a search expression)");
      return arrayValue((await ctx.search(expression, stat, period)).map((s) => ({ ...normalize(s), periodSeconds: period })));
    },
  },
  SERVICE_QUOTA: unsupported(1, 1, "this service has no service quota data"),
  SLICE,
  SORT,
  STDDEV: aggregate("STDDEV"),
  SUM: aggregate("SUM"),
  TIME_SERIES: {
    minArgs: 1,
    maxArgs: 1,
    apply(args, env) {
      const x = scalarArg(args, 0, env);
      const ts = Number.isNaN(x) ? [] : env.grid();
      return seriesValue(makeSeries(env.call.text, ts, ts.map(() => x)));
    },
  },
  YEAR: calendar((d) => d.getUTCFullYear()),
};
