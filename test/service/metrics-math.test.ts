/**
 * Metric math over the wire: every function of lib/metrics/query/math/functions.ts
 * and every operator, evaluated by GetMetricData on data put with
 * PutMetricData, over awsJson1_0, smithy-rpc-v2-cbor and Debian's aws CLI
 * (awsQuery; the error cases it shares with the SDK are run over the SDK
 * only, with three of them through the CLI). Every expected value is
 * computed in this file from the raw values sent, with plain loops over
 * [timestamp, value] pairs (nothing from lib/), following the semantics the
 * unit tests (test/pure/metrics-math-*.test.ts) pin down after AWS's "Metric math
 * syntax and functions".
 *
 * The data: five series of the metric Req, one datapoint a minute at whole
 * minutes over ten minutes that end 20 to 30 minutes ago:
 *   a  Sum of 1-2 values a minute, negative and fractional values, no gaps
 *   b  Sum, positive values, gaps at minutes 2, 5 and 6
 *   c  Maximum, a counter 0, 10, 30 ... (a 0 first, repeated values)
 *   e  Sum, only at minutes 1, 4 and 8
 *   z  no data at all
 */
import {
  GetMetricDataCommand,
  PutMetricDataCommand,
  type CloudWatchClient,
  type GetMetricDataCommandInput,
  type MetricDataQuery,
  type MetricDataResult,
  type MetricDatum,
} from "@aws-sdk/client-cloudwatch";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsFailure } from "../support/failure.js";
import { awsCli, cloudWatchClient, startStack, type Stack } from "../support/stack.js";
import { MIN, minuteGrid } from "../support/minutes.js";

let stack: Stack;
let tmp: string;

const RUN = `mm${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36)}`;
const NS = `${RUN}/math`;
/** A whole ten minutes, 30 to 40 minutes ago: the ten data minutes never cross an hour. */
const { T0, at } = minuteGrid(30, 10);
const MINUTES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
/** The query's time range at its period of 60 s. */
const GRID = MINUTES.map((m) => T0 + m * MIN);

// ---------------------------------------------------------------------------
// The data, and its statistics computed here

const _ = undefined;
type Raw = Array<number[] | undefined>;

interface SeriesDef {
  id: "a" | "b" | "c" | "e" | "z";
  host: string;
  stat: "Sum" | "Maximum";
  /** The query Label, which METRICS() and array results keep. */
  label: string;
  /** Raw values sent at minute m. */
  raw: Raw;
}

const SERIES: SeriesDef[] = [
  // Sums: 3, -1.5, 4.25, 1, -5, 9, 2, 6, -5.25, 3.5
  { id: "a", host: "a", stat: "Sum", label: "host a", raw: [[2, 1], [-1.5], [4.25], [0.5, 0.5], [-5], [9], [1, 1], [6], [-5.25], [3.5]] },
  // Sums: 4, 8, _, 1, 16, _, _, 1, 0.5, 10
  { id: "b", host: "b", stat: "Sum", label: "host b", raw: [[4], [8], _, [0.25, 0.75], [16], _, _, [1], [0.5], [10]] },
  // Maxima: 0, 10, 30, 30, 70, 100, 100, 160, 250, 250
  { id: "c", host: "c", stat: "Maximum", label: "host c", raw: [[0], [4, 10], [30], [30, 12], [70], [100, 99], [100], [160, 150], [250], [250, 1]] },
  // Sums: _, 7, _, _, 1, _, _, _, 13, _
  { id: "e", host: "e", stat: "Sum", label: "host e", raw: [_, [7], _, _, [1], _, _, _, [13], _] },
  { id: "z", host: "nobody", stat: "Sum", label: "nobody", raw: MINUTES.map(() => _) },
];

type Points = Array<[number, number]>;
interface Labelled {
  label: string;
  points: Points;
}

const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
const mean = (xs: number[]) => sum(xs) / xs.length;
const pstddev = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
};

function statPoints(s: SeriesDef, stat: string = s.stat): Points {
  const out: Points = [];
  s.raw.forEach((vs, m) => {
    if (!vs) return;
    out.push([GRID[m], stat === "Sum" ? sum(vs) : stat === "Maximum" ? Math.max(...vs) : NaN]);
  });
  return out;
}

const def = (id: SeriesDef["id"]) => SERIES.find((s) => s.id === id)!;
const A = statPoints(def("a"));
const B = statPoints(def("b"));
const C = statPoints(def("c"));
const E = statPoints(def("e"));
const Z: Points = [];
const labelled = (id: SeriesDef["id"], points?: Points): Labelled => ({ label: def(id).label, points: points ?? statPoints(def(id)) });

// ---------------------------------------------------------------------------
// Reference math over points (ascending [t, v]); a non-finite result is no point

const finite = (p: Points): Points => p.filter(([, v]) => Number.isFinite(v));
const vals = (p: Points) => p.map(([, v]) => v);
const pmap = (p: Points, f: (v: number, t: number) => number): Points => finite(p.map(([t, v]) => [t, f(v, t)]));
const timesOf = (...ps: Points[]) => [...new Set(ps.flatMap((p) => p.map(([t]) => t)))].sort((x, y) => x - y);
/**
 * f where either has a point, a missing value counting as 0 (arithmetic, comparison and logical operators): the
 * metric math guide, https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html.
 */
function punion(p: Points, q: Points, f: (x: number, y: number) => number): Points {
  const mp = new Map(p);
  const mq = new Map(q);
  return finite(timesOf(p, q).map((t) => [t, f(mp.get(t) ?? 0, mq.get(t) ?? 0)]));
}
/** f of the values present at each timestamp any series has. */
function across(list: Points[], f: (present: number[]) => number): Points {
  const maps = list.map((p) => new Map(p));
  return finite(timesOf(...list).map((t) => [t, f(maps.flatMap((m) => (m.has(t) ? [m.get(t)!] : [])))]));
}
const onGrid = (f: (t: number) => number, grid = GRID): Points => grid.map((t) => [t, f(t)]);
const constant = (v: number, grid = GRID): Points => onGrid(() => v, grid);
const b01 = (x: boolean) => (x ? 1 : 0);
/** Each point against the one before it. */
const consecutive = (p: Points, f: (v0: number, v1: number, t0: number, t1: number) => number): Points =>
  finite(p.slice(1).map(([t, v], i) => [t, f(p[i][1], v, p[i][0], t)]));
/** p's points, plus f(t) at each grid timestamp p lacks (when f gives a value). */
function fillWith(p: Points, f: (t: number) => number | undefined): Points {
  const m = new Map(p);
  const out: Points = [];
  for (const t of timesOf(p, GRID.map((g) => [g, 0]))) {
    const v = m.has(t) ? m.get(t) : f(t);
    if (v !== undefined) out.push([t, v]);
  }
  return out;
}
const before = (p: Points, t: number) => p.filter(([x]) => x < t).pop();
const after = (p: Points, t: number) => p.find(([x]) => x > t);
/** IF after AWS's rules: true takes the true branch (0 where it has no value), false the false branch (nothing where it has none). */
function ifRef(cond: Points, yes: number | Points, no?: number | Points): Points {
  const pick = (b: number | Points | undefined, t: number) => (typeof b === "number" ? b : b === undefined ? undefined : new Map(b).get(t));
  return cond.flatMap(([t, c]): Points => {
    const r = c !== 0 ? (pick(yes, t) ?? 0) : pick(no, t);
    return r === undefined ? [] : [[t, r]];
  });
}
/** SORT: by a statistic of the values, series without data last, ties in input order. */
function sortRef(items: Labelled[], by: (xs: number[]) => number, desc: boolean, limit?: number): Labelled[] {
  const keyed = items.map((s, i) => ({ s, i, k: s.points.length ? by(vals(s.points)) : NaN }));
  keyed.sort((x, y) => {
    if (Number.isNaN(x.k) || Number.isNaN(y.k)) return Number.isNaN(x.k) === Number.isNaN(y.k) ? x.i - y.i : Number.isNaN(x.k) ? 1 : -1;
    return (desc ? y.k - x.k : x.k - y.k) || x.i - y.i;
  });
  const out = keyed.map((k) => k.s);
  return limit === undefined ? out : out.slice(0, limit);
}
const BY = {
  AVG: mean,
  SUM: sum,
  MIN: (xs: number[]) => Math.min(...xs),
  MAX: (xs: number[]) => Math.max(...xs),
  STDDEV: pstddev,
};

// ---------------------------------------------------------------------------
// Requests and checks

const metricQuery = (s: SeriesDef, id: string = s.id, extra: Partial<MetricDataQuery> = {}): MetricDataQuery => ({
  Id: id,
  MetricStat: { Metric: { Namespace: NS, MetricName: "Req", Dimensions: [{ Name: "Host", Value: s.host }] }, Period: 60, Stat: s.stat },
  Label: s.label,
  ReturnData: false,
  ...extra,
});
/** a, b, c, e, z: the inputs of most expressions, not returned themselves. */
const BASE: MetricDataQuery[] = SERIES.map((s) => metricQuery(s));

interface Result {
  id: string;
  label: string;
  points: Points;
  status: string;
}

function toResult(r: MetricDataResult): Result {
  const points = (r.Timestamps ?? []).map((t, i) => [t.getTime(), r.Values![i]] as [number, number]).sort((x, y) => x[0] - y[0]);
  return { id: r.Id!, label: r.Label!, points, status: r.StatusCode! };
}

async function gmd(cw: CloudWatchClient, queries: MetricDataQuery[], extra: Partial<GetMetricDataCommandInput> = {}): Promise<Result[]> {
  const out = await cw.send(new GetMetricDataCommand({ StartTime: at(0), EndTime: at(10), MetricDataQueries: queries, ...extra }));
  expect(out.NextToken).toBeUndefined();
  return (out.MetricDataResults ?? []).map(toResult);
}

const byId = (results: Result[], id: string) => results.filter((r) => r.id === id);

/** Timestamps exactly, values to 12 significant digits. */
function expectPoints(actual: Points, expected: Points, what: string): void {
  expect(
    actual.map(([t]) => new Date(t).toISOString()),
    `${what}: timestamps`,
  ).toEqual(expected.map(([t]) => new Date(t).toISOString()));
  actual.forEach(([, v], i) => {
    const want = expected[i][1];
    const tolerance = 1e-12 * Math.abs(want) + 1e-12;
    expect(Math.abs(v - want), `${what} @${new Date(expected[i][0]).toISOString()}: ${v} vs ${want}`).toBeLessThanOrEqual(tolerance);
  });
}

/** An expression and what it must return: one series, or an array of labelled series. */
type Case = { id: string; expr: string; label?: string } & ({ want: Points; wantLabel?: string } | { array: Labelled[] });

/** Sends the cases as expressions over `base` in one request and checks every result. */
/** Debian's aws CLI (awsQuery): get-metric-data over the ten minutes of data, the queries from a file. */
async function cliGetMetricData(fileName: string, queries: MetricDataQuery[]) {
  const file = join(tmp, fileName);
  writeFileSync(file, JSON.stringify(queries));
  return awsCli(stack, [
    "cloudwatch",
    "get-metric-data",
    "--metric-data-queries", `file://${file}`,
    "--start-time", at(0).toISOString(),
    "--end-time", at(10).toISOString(),
  ]);
}

/** One GetMetricData request through some client, its results as `Result`s. */
type Fetch = (queries: MetricDataQuery[], extra?: Partial<GetMetricDataCommandInput>) => Promise<Result[]>;
const sdkFetch = (cw: CloudWatchClient): Fetch => (queries, extra) => gmd(cw, queries, extra);

let cliCalls = 0;
/** Debian's aws CLI (awsQuery): get-metric-data with the queries from a file. */
const cliFetch: Fetch = async (queries, extra = {}) => {
  const { StartTime = at(0), EndTime = at(10), ScanBy, ...rest } = extra;
  expect(Object.keys(rest), "request members the CLI fetch does not pass on").toEqual([]);
  const file = join(tmp, `queries-${++cliCalls}.json`);
  writeFileSync(file, JSON.stringify(queries));
  const res = await awsCli(stack, [
    "cloudwatch",
    "get-metric-data",
    "--metric-data-queries", `file://${file}`,
    "--start-time", StartTime.toISOString(),
    "--end-time", EndTime.toISOString(),
    ...(ScanBy ? ["--scan-by", ScanBy] : []),
  ]);
  expect(res.code, res.stderr).toBe(0);
  expect(res.json.NextToken).toBeUndefined();
  return (res.json.MetricDataResults as any[]).map((r) => ({
    id: r.Id,
    label: r.Label,
    status: r.StatusCode,
    points: (r.Timestamps as string[]).map((t, i) => [new Date(t).getTime(), r.Values[i]] as [number, number]).sort((x, y) => x[0] - y[0]),
  }));
};

async function runCases(fetch: Fetch, cases: Case[], base: MetricDataQuery[] = BASE, extra: Partial<GetMetricDataCommandInput> = {}) {
  const out = await fetch([...base, ...cases.map((c) => ({ Id: c.id, Expression: c.expr, ...(c.label ? { Label: c.label } : {}) }))], extra);
  expect(out.map((r) => r.status).filter((s) => s !== "Complete")).toEqual([]);
  // every returned result belongs to a case, in request order
  const returned = base.filter((q) => q.ReturnData !== false).map((q) => q.Id);
  expect([...new Set(out.map((r) => r.id))]).toEqual(
    [...returned, ...cases.map((c) => c.id)].filter((id) => out.some((r) => r.id === id)),
  );
  for (const c of cases) {
    const got = byId(out, c.id);
    if ("want" in c) {
      expect(got, `${c.expr}: one series`).toHaveLength(1);
      // a single series is labelled with the expression's id unless the query gives a Label
      expect(got[0].label, `${c.expr}: label`).toBe(c.wantLabel ?? c.id);
      expectPoints(got[0].points, c.want, c.expr);
    } else {
      expect(got.map((r) => r.label), `${c.expr}: labels`).toEqual(c.array.map((s) => s.label));
      c.array.forEach((s, i) => expectPoints(got[i].points, s.points, `${c.expr} #${i} (${s.label})`));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// The cases, family by family

const ARITHMETIC: Case[] = [
  { id: "add", expr: "a + b", want: punion(A, B, (x, y) => x + y) },
  { id: "sub", expr: "a - b", want: punion(A, B, (x, y) => x - y) },
  { id: "mul", expr: "a * b", want: punion(A, B, (x, y) => x * y) },
  { id: "div", expr: "a / b", want: punion(A, B, (x, y) => x / y) },
  { id: "pow", expr: "b ^ c", want: punion(B, C, (x, y) => Math.pow(x, y)) },
  { id: "square", expr: "a ^ 2", want: pmap(A, (x) => x * x) },
  { id: "root", expr: "a ^ 0.5", want: pmap(A, Math.sqrt) }, // negative values have no real root: dropped
  { id: "exp2", expr: "2 ^ b", want: pmap(B, (x) => Math.pow(2, x)) },
  { id: "plusk", expr: "a + 10", want: pmap(A, (x) => x + 10) },
  { id: "kminus", expr: "10 - a", want: pmap(A, (x) => 10 - x) },
  { id: "kdiv", expr: "12 / b", want: pmap(B, (x) => 12 / x) },
  { id: "divzero", expr: "a / 0", want: [] },
  { id: "divc", expr: "a / c", want: punion(A, C, (x, y) => x / y) }, // c is 0 at minute 0: that point is dropped
  { id: "prec", expr: "a + b * 2 ^ 2 - c / 10", want: punion(punion(A, B, (x, y) => x + y * 4), C, (x, y) => x - y / 10) },
  { id: "rightassoc", expr: "2 ^ 3 ^ 2", want: constant(512) },
  { id: "leftassoc", expr: "100 - 10 - 1 + a / 2 / 2", want: pmap(A, (x) => 89 + x / 4) },
  { id: "paren", expr: "(a + b) * 2", want: punion(A, B, (x, y) => (x + y) * 2) },
  { id: "neg", expr: "-a", want: pmap(A, (x) => -x) },
  { id: "negparen", expr: "-(a - 1) * -2", want: pmap(A, (x) => 2 * (x - 1)) },
  { id: "negpow", expr: "-2 ^ 2", want: constant(-4) },
  { id: "scalars", expr: "(1 + 2) * 4 - 6 / 3", want: constant(10) },
  { id: "scalarzero", expr: "1 / 0", want: [] },
  { id: "decimals", expr: "a * 1.5e1 + .25", want: pmap(A, (x) => x * 15 + 0.25) },
  { id: "arrk", expr: "[a, b] * 2", array: [labelled("a", pmap(A, (x) => x * 2)), labelled("b", pmap(B, (x) => x * 2))] },
  { id: "karr", expr: "100 / [b, c]", array: [labelled("b", pmap(B, (x) => 100 / x)), labelled("c", pmap(C, (x) => 100 / x))] },
  { id: "arrser", expr: "[a, b] - c", array: [labelled("a", punion(A, C, (x, y) => x - y)), labelled("b", punion(B, C, (x, y) => x - y))] },
  { id: "serarr", expr: "c - [a, e]", array: [labelled("a", punion(C, A, (x, y) => x - y)), labelled("e", punion(C, E, (x, y) => x - y))] },
  { id: "negarr", expr: "-[a, e]", array: [labelled("a", pmap(A, (x) => -x)), labelled("e", pmap(E, (x) => -x))] },
  // expressions over expressions
  { id: "chain", expr: "add / 2", want: pmap(punion(A, B, (x, y) => x + y), (x) => x / 2) },
  {
    id: "chain2",
    expr: "chain + AVG(add)",
    want: pmap(punion(A, B, (x, y) => (x + y) / 2), (x) => x + mean(vals(punion(A, B, (p, q) => p + q)))),
  },
  // a dynamic label over a math result
  {
    id: "dyn",
    expr: "a * 2",
    label: "doubled sum ${SUM} max ${MAX} n ${DATAPOINT_COUNT}",
    want: pmap(A, (x) => x * 2),
    wantLabel: `doubled sum ${sum(vals(A)) * 2} max ${Math.max(...vals(A)) * 2} n ${A.length}`,
  },
];

const COMPARISONS: Case[] = [
  // between two series: every timestamp either has, a missing value counting as 0
  { id: "gt", expr: "a > b", want: punion(A, B, (x, y) => b01(x > y)) },
  { id: "ge", expr: "a >= b", want: punion(A, B, (x, y) => b01(x >= y)) },
  { id: "lt", expr: "a < b", want: punion(A, B, (x, y) => b01(x < y)) },
  { id: "le", expr: "a <= e", want: punion(A, E, (x, y) => b01(x <= y)) },
  { id: "eq", expr: "a == b", want: punion(A, B, (x, y) => b01(x === y)) },
  { id: "ne", expr: "a != b", want: punion(A, B, (x, y) => b01(x !== y)) },
  // with a scalar: the series' own points
  { id: "gtk", expr: "a > 2", want: pmap(A, (x) => b01(x > 2)) },
  { id: "kle", expr: "2 <= b", want: pmap(B, (x) => b01(2 <= x)) },
  { id: "eqk", expr: "c == 30", want: pmap(C, (x) => b01(x === 30)) },
  { id: "nek", expr: "c != 100", want: pmap(C, (x) => b01(x !== 100)) },
  { id: "ltk", expr: "a < -1.5", want: pmap(A, (x) => b01(x < -1.5)) },
  { id: "gek", expr: "a >= -1.5", want: pmap(A, (x) => b01(x >= -1.5)) },
  // logical operators
  { id: "and", expr: "a > 0 AND b > 2", want: punion(pmap(A, (x) => b01(x > 0)), pmap(B, (x) => b01(x > 2)), (x, y) => b01(x !== 0 && y !== 0)) },
  { id: "andsym", expr: "a > 0 && b > 2", want: punion(pmap(A, (x) => b01(x > 0)), pmap(B, (x) => b01(x > 2)), (x, y) => b01(x !== 0 && y !== 0)) },
  { id: "or", expr: "a < 0 OR b > 5", want: punion(pmap(A, (x) => b01(x < 0)), pmap(B, (x) => b01(x > 5)), (x, y) => b01(x !== 0 || y !== 0)) },
  { id: "orsym", expr: "a < 0 || b > 5", want: punion(pmap(A, (x) => b01(x < 0)), pmap(B, (x) => b01(x > 5)), (x, y) => b01(x !== 0 || y !== 0)) },
  { id: "andseries", expr: "c AND e", want: punion(C, E, (x, y) => b01(x !== 0 && y !== 0)) },
  { id: "orseries", expr: "b OR e", want: punion(B, E, (x, y) => b01(x !== 0 || y !== 0)) },
  { id: "notseries", expr: "NOT c", want: pmap(C, (x) => b01(x === 0)) },
  { id: "notcmp", expr: "NOT (a > 2)", want: pmap(A, (x) => b01(!(x > 2))) },
  // precedence: arithmetic, then comparisons, then NOT, AND, OR
  {
    id: "mixed",
    expr: "a + 1 > b * 2 OR NOT c > 50 AND e",
    want: punion(
      punion(pmap(A, (x) => x + 1), pmap(B, (y) => y * 2), (x, y) => b01(x > y)), // missing counts as 0 after the arithmetic
      punion(pmap(C, (x) => b01(!(x > 50))), E, (x, y) => b01(x !== 0 && y !== 0)),
      (x, y) => b01(x !== 0 || y !== 0),
    ),
  },
  { id: "kcmp", expr: "2 > 1", want: constant(1) },
  { id: "kcmp2", expr: "1 == 2 OR 3 != 3", want: constant(0) },
  { id: "knot", expr: "NOT 0", want: constant(1) },
  { id: "arrcmp", expr: "[a, b] > 2", array: [labelled("a", pmap(A, (x) => b01(x > 2))), labelled("b", pmap(B, (x) => b01(x > 2)))] },
];

const POINTWISE: Case[] = [
  { id: "abs", expr: "ABS(a)", want: pmap(A, Math.abs) },
  { id: "ceil", expr: "CEIL(a)", want: pmap(A, Math.ceil) },
  { id: "floor", expr: "FLOOR(a)", want: pmap(A, Math.floor) },
  { id: "ln", expr: "LOG(c)", want: pmap(C, Math.log) }, // LOG(0) is no number: minute 0 dropped
  { id: "lg", expr: "LOG10(c)", want: pmap(C, Math.log10) },
  { id: "lnneg", expr: "LOG(a)", want: pmap(A, Math.log) }, // negatives dropped
  { id: "lgb", expr: "LOG10(b)", want: pmap(B, Math.log10) },
  { id: "absarr", expr: "ABS([a, c - 100])", array: [labelled("a", pmap(A, Math.abs)), labelled("c", pmap(C, (x) => Math.abs(x - 100)))] },
  { id: "floorarr", expr: "FLOOR([a / 2, b / 3])", array: [labelled("a", pmap(A, (x) => Math.floor(x / 2))), labelled("b", pmap(B, (x) => Math.floor(x / 3)))] },
  { id: "absk", expr: "ABS(-3)", want: constant(3) },
  { id: "floork", expr: "FLOOR(2.5) + CEIL(-2.5)", want: constant(0) },
  { id: "lgk", expr: "LOG10(1000)", want: constant(3) },
  { id: "lnzero", expr: "LOG(0)", want: [] },
];

const AGGREGATES: Case[] = [
  // of one series: a scalar, a constant series as a final result
  { id: "sum1", expr: "SUM(a)", want: constant(sum(vals(A))) },
  { id: "avg1", expr: "AVG(a)", want: constant(mean(vals(A))) },
  { id: "min1", expr: "MIN(a)", want: constant(Math.min(...vals(A))) },
  { id: "max1", expr: "MAX(b)", want: constant(Math.max(...vals(B))) },
  { id: "std1", expr: "STDDEV(a)", want: constant(pstddev(vals(A))) },
  { id: "count1", expr: "DATAPOINT_COUNT(b)", want: constant(B.length) },
  { id: "centered", expr: "a - AVG(a)", want: pmap(A, (x) => x - mean(vals(A))) },
  { id: "scaled", expr: "b / MAX(b)", want: pmap(B, (x) => x / Math.max(...vals(B))) },
  { id: "zscore", expr: "(c - AVG(c)) / STDDEV(c)", want: pmap(C, (x) => (x - mean(vals(C))) / pstddev(vals(C))) },
  { id: "avgempty", expr: "a - AVG(z)", want: [] }, // no data, no average, no result
  { id: "countempty", expr: "TIME_SERIES(DATAPOINT_COUNT(z))", want: constant(0) },
  // of an array: one value per timestamp any series has
  { id: "sumarr", expr: "SUM([a, b, e])", want: across([A, B, E], sum) },
  { id: "avgarr", expr: "AVG([a, b, e])", want: across([A, B, E], (xs) => sum(xs) / 3) }, // a missing value counts as 0
  { id: "minarr", expr: "MIN([a, b, e])", want: across([A, B, E], (xs) => Math.min(...xs)) },
  { id: "maxarr", expr: "MAX([a, b, e])", want: across([A, B, E], (xs) => Math.max(...xs)) },
  { id: "stdarr", expr: "STDDEV([a, b, e])", want: across([A, B, E], pstddev) },
  { id: "countarr", expr: "DATAPOINT_COUNT([a, b, e])", want: across([A, B, E], (xs) => xs.length) },
  { id: "summetrics", expr: "SUM(METRICS())", want: across([A, B, C, E, Z], sum) },
  { id: "avgmetrics", expr: "AVG(METRICS())", want: across([A, B, C, E, Z], (xs) => sum(xs) / 5) },
  { id: "ratio", expr: "AVG([a, b] / c)", want: across([punion(A, C, (x, y) => x / y), punion(B, C, (x, y) => x / y)], (xs) => sum(xs) / 2) },
  { id: "labelarr", expr: "[SUM([a, b]), e]", array: [{ label: "SUM([a, b])", points: across([A, B], sum) }, labelled("e")] },
];

const isoDay = (t: number) => ((new Date(t).getUTCDay() + 6) % 7) + 1; // 1 = Monday ... 7 = Sunday
const minuteOf = (t: number) => new Date(t).getUTCMinutes();
const CALENDAR: Case[] = [
  // non-sparse: a value at every period of the range, whatever the input's gaps
  { id: "minute", expr: "MINUTE(b)", want: onGrid(minuteOf) },
  { id: "hour", expr: "HOUR(b)", want: onGrid((t) => new Date(t).getUTCHours()) },
  { id: "day", expr: "DAY(b)", want: onGrid(isoDay) },
  { id: "date", expr: "DATE(b)", want: onGrid((t) => new Date(t).getUTCDate()) },
  { id: "month", expr: "MONTH(b)", want: onGrid((t) => new Date(t).getUTCMonth() + 1) },
  { id: "year", expr: "YEAR(b)", want: onGrid((t) => new Date(t).getUTCFullYear()) },
  { id: "epoch", expr: "EPOCH(b)", want: onGrid((t) => t / 1000) },
  { id: "epochempty", expr: "EPOCH(z)", want: onGrid((t) => t / 1000) },
  { id: "minutearr", expr: "MINUTE([a, e])", array: [labelled("a", onGrid(minuteOf)), labelled("e", onGrid(minuteOf))] },
  // filtering by time, as in AWS's examples
  { id: "lasthalf", expr: `IF(MINUTE(a) >= ${minuteOf(GRID[5])}, a)`, want: A.filter(([t]) => t >= GRID[5]) },
  { id: "today", expr: `IF(DAY(a) == ${isoDay(GRID[0])} AND HOUR(a) == ${new Date(GRID[0]).getUTCHours()}, b)`, want: ifRef(onGrid(() => 1), B) },
  { id: "age", expr: "EPOCH(a) - MIN(EPOCH(e))", want: onGrid((t) => (t - GRID[0]) / 1000) }, // EPOCH of sparse e is non-sparse too
];

const CONSECUTIVE: Case[] = [
  { id: "diff", expr: "DIFF(b)", want: consecutive(B, (v0, v1) => v1 - v0) },
  { id: "difftime", expr: "DIFF_TIME(b)", want: consecutive(B, (_v0, _v1, t0, t1) => (t1 - t0) / 1000) },
  { id: "rate", expr: "RATE(c)", want: consecutive(C, (v0, v1, t0, t1) => (v1 - v0) / ((t1 - t0) / 1000)) },
  { id: "rateb", expr: "RATE(b)", want: consecutive(B, (v0, v1, t0, t1) => (v1 - v0) / ((t1 - t0) / 1000)) },
  { id: "running", expr: "RUNNING_SUM(b)", want: B.map(([t], i): [number, number] => [t, sum(vals(B.slice(0, i + 1)))]) },
  {
    id: "runningarr",
    expr: "RUNNING_SUM([a, e])",
    array: [A, E].map((p, k) => labelled(k ? "e" : "a", p.map(([t], i): [number, number] => [t, sum(vals(p.slice(0, i + 1)))]))),
  },
  { id: "diffarr", expr: "DIFF([a, e])", array: [labelled("a", consecutive(A, (v0, v1) => v1 - v0)), labelled("e", consecutive(E, (v0, v1) => v1 - v0))] },
  { id: "diffempty", expr: "DIFF(z)", want: [] },
];

function linearAt(p: Points, t: number): number | undefined {
  const x = before(p, t);
  const y = after(p, t);
  if (!x || !y) return undefined;
  return x[1] + ((y[1] - x[1]) * (t - x[0])) / (y[0] - x[0]);
}
const FILLS: Case[] = [
  { id: "fill0", expr: "FILL(b, 0)", want: fillWith(B, () => 0) },
  { id: "fillneg", expr: "FILL(b, -1.5)", want: fillWith(B, () => -1.5) },
  { id: "fillseries", expr: "FILL(b, a)", want: fillWith(B, (t) => new Map(A).get(t)) },
  { id: "fillsparse", expr: "FILL(e, b)", want: fillWith(E, (t) => new Map(B).get(t)) },
  { id: "repeat", expr: "FILL(e, REPEAT)", want: fillWith(E, (t) => before(E, t)?.[1]) },
  { id: "linear", expr: "FILL(e, LINEAR)", want: fillWith(E, (t) => linearAt(E, t)) },
  { id: "linearb", expr: "FILL(b, LINEAR)", want: fillWith(B, (t) => linearAt(B, t)) },
  { id: "fillempty", expr: "FILL(z, 7)", want: constant(7) },
  { id: "fillemptyrepeat", expr: "FILL(z, REPEAT)", want: [] },
  { id: "fillavg", expr: "FILL(b, AVG(b))", want: fillWith(B, () => mean(vals(B))) },
  { id: "fillarr", expr: "FILL([b, e], 0)", array: [labelled("b", fillWith(B, () => 0)), labelled("e", fillWith(E, () => 0))] },
  {
    id: "fillmetrics",
    expr: "FILL(METRICS(), 0)",
    array: SERIES.map((s) => labelled(s.id, fillWith(statPoints(s), () => 0))),
  },
  // the usual use: arithmetic over sparse series
  { id: "fillsum", expr: "FILL(b, 0) + FILL(e, 0)", want: punion(fillWith(B, () => 0), fillWith(E, () => 0), (x, y) => x + y) },
];

const IFS: Case[] = [
  { id: "ifk", expr: "IF(a > 2, a, 0)", want: ifRef(pmap(A, (x) => b01(x > 2)), A, 0) },
  { id: "iftwo", expr: "IF(a > 0, b)", want: ifRef(pmap(A, (x) => b01(x > 0)), B) }, // true where b has no value: 0; false: dropped
  { id: "ifseries", expr: "IF(a > 0, b, c)", want: ifRef(pmap(A, (x) => b01(x > 0)), B, C) },
  { id: "ifsparse", expr: "IF(a < 0, 100, e)", want: ifRef(pmap(A, (x) => b01(x < 0)), 100, E) }, // false where e has none: dropped
  { id: "ifconst", expr: "IF(b > 3, 1, -1)", want: ifRef(pmap(B, (x) => b01(x > 3)), 1, -1) },
  { id: "iftruthy", expr: "IF(c, b, e)", want: ifRef(C, B, E) },
  { id: "ifwhole", expr: "IF(MAX(a) > 5, a, b)", want: A }, // a scalar condition picks a whole branch
  { id: "ifother", expr: "IF(MAX(a) > 100, a, b)", want: B },
  { id: "ifnone", expr: "IF(MAX(a) > 100, a)", want: [] },
  { id: "ifscalar", expr: "IF(1, 5, 6)", want: constant(5) },
  { id: "ifscalarnone", expr: "IF(0, 5)", want: [] },
  { id: "ifarr", expr: "IF([a, b] > 2, 1, 0)", array: [labelled("a", ifRef(pmap(A, (x) => b01(x > 2)), 1, 0)), labelled("b", ifRef(pmap(B, (x) => b01(x > 2)), 1, 0))] },
  { id: "ifpickarr", expr: "IF(2 > 1, [a, e])", array: [labelled("a"), labelled("e")] },
];

// The array functions work on METRICS(): ids that filters can tell apart.
const ARRAY_BASE: MetricDataQuery[] = [
  metricQuery(def("a"), "errors_a"),
  metricQuery(def("b"), "errors_b"),
  metricQuery(def("c"), "latency_c"),
  metricQuery(def("e"), "errors_e"),
  metricQuery(def("z"), "empty_z"),
];
const ALL = SERIES.map((s) => labelled(s.id));
const [LA, LB, LC, LE] = ALL;
const ARRAYS: Case[] = [
  { id: "all", expr: "METRICS()", array: ALL },
  { id: "errors", expr: "METRICS('errors')", array: [LA, LB, LE] },
  { id: "filtered", expr: 'METRICS("_c")', array: [LC] },
  { id: "nothing", expr: "METRICS('nope')", array: [] },
  { id: "count", expr: "TIME_SERIES(METRIC_COUNT(METRICS()))", want: constant(5) },
  { id: "share", expr: "errors_a / METRIC_COUNT(METRICS('errors'))", want: pmap(A, (x) => x / 3) },
  { id: "nonempty", expr: "REMOVE_EMPTY(METRICS())", array: [LA, LB, LC, LE] },
  { id: "first", expr: "FIRST(METRICS())", want: A },
  { id: "last", expr: "LAST(METRICS())", want: Z },
  { id: "lastdata", expr: "LAST(REMOVE_EMPTY(METRICS()))", want: E },
  { id: "firstnone", expr: "FIRST(METRICS('nope'))", want: [] },
  { id: "sortavg", expr: "SORT(METRICS(), AVG, DESC)", array: sortRef(ALL, BY.AVG, true) },
  { id: "sortsum", expr: "SORT(METRICS(), SUM, ASC)", array: sortRef(ALL, BY.SUM, false) },
  { id: "sortmin", expr: "SORT(METRICS(), MIN, ASC)", array: sortRef(ALL, BY.MIN, false) },
  { id: "sortmax", expr: "SORT(METRICS(), MAX, DESC, 2)", array: sortRef(ALL, BY.MAX, true, 2) },
  { id: "sortstd", expr: "SORT(METRICS(), STDDEV, DESC)", array: sortRef(ALL, BY.STDDEV, true) },
  { id: "sortnone", expr: "SORT(METRICS(), SUM, DESC, 0)", array: [] },
  { id: "slice", expr: "SLICE(SORT(METRICS(), MAX, DESC), 1, 3)", array: sortRef(ALL, BY.MAX, true).slice(1, 3) },
  { id: "slicetail", expr: "SLICE(METRICS(), 3)", array: ALL.slice(3) },
  { id: "topfirst", expr: "IF(FIRST(SORT(METRICS(), AVG, DESC)) > 50, 1, 0)", want: ifRef(pmap(sortRef(ALL, BY.AVG, true)[0].points, (x) => b01(x > 50)), 1, 0) },
  { id: "concat", expr: "CONCAT([errors_a, errors_b], latency_c, METRICS('_e'))", array: [LA, LB, LC, LE] },
  { id: "concatstr", expr: "METRICS(CONCAT('lat', 'ency'))", array: [LC] },
  { id: "fillall", expr: "SUM(FILL(METRICS('errors'), 0))", want: across([A, B, E].map((p) => fillWith(p, () => 0)), sum) },
];

// ---------------------------------------------------------------------------

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "metrics-math-"));
  stack = await startStack();
  const data: MetricDatum[] = [];
  for (const s of SERIES) {
    s.raw.forEach((vs, m) => {
      if (vs) data.push({ MetricName: "Req", Dimensions: [{ Name: "Host", Value: s.host }], Timestamp: at(m), Values: vs, Unit: "Count" });
    });
  }
  await cloudWatchClient(stack).send(new PutMetricDataCommand({ Namespace: NS, MetricData: data }));
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe.each(["json", "cbor", "Debian's aws CLI (query)"] as const)("metric math through GetMetricData over %s", (client) => {
  let fetch: Fetch;
  beforeAll(() => {
    fetch = client === "json" || client === "cbor" ? sdkFetch(cloudWatchClient(stack, { protocol: client })) : cliFetch;
  });

  it("reads the inputs as sent (the basis of every expected value)", async () => {
    const out = await fetch(
      BASE.map((q) => ({ ...q, ReturnData: true })),
      { ScanBy: "TimestampAscending" },
    );
    expect(out.map((r) => [r.id, r.label])).toEqual(SERIES.map((s) => [s.id, s.label]));
    SERIES.forEach((s, i) => expectPoints(out[i].points, statPoints(s), `${s.id} as sent`));
    expect(out.map((r) => r.points.length)).toEqual([10, 7, 10, 3, 0]);
  });

  it.each<[string, Case[]]>([
    ["arithmetic operators + - * / ^ and unary minus, on scalars, series and arrays", ARITHMETIC],
    ["comparison operators == != < <= > >= and logical AND && OR || NOT", COMPARISONS],
    ["ABS, CEIL, FLOOR, LOG, LOG10", POINTWISE],
    ["SUM, AVG, MIN, MAX, STDDEV, DATAPOINT_COUNT of a series and of an array", AGGREGATES],
    ["MINUTE, HOUR, DAY, DATE, MONTH, YEAR, EPOCH", CALENDAR],
    ["DIFF, DIFF_TIME, RATE, RUNNING_SUM", CONSECUTIVE],
    ["FILL with a value, a series, REPEAT and LINEAR", FILLS],
    ["IF with series, scalar and array conditions", IFS],
  ])("%s", async (_, cases) => {
    await runCases(fetch, cases);
  });

  it("METRICS, METRIC_COUNT, REMOVE_EMPTY, FIRST, LAST, SORT, SLICE, CONCAT", async () => {
    await runCases(fetch, ARRAYS, ARRAY_BASE);
  });

  it("TIME_SERIES and PERIOD, with the period of each metric and of the request", async () => {
    await runCases(fetch, [
      { id: "ts", expr: "TIME_SERIES(10)", want: constant(10) },
      { id: "tsexpr", expr: "TIME_SERIES(SUM(a) / 10)", want: constant(sum(vals(A)) / 10) },
      { id: "tsnone", expr: "TIME_SERIES(AVG(z))", want: [] },
      { id: "period", expr: "PERIOD(a)", want: constant(60) },
      { id: "perminute", expr: "a / PERIOD(a)", want: pmap(A, (x) => x / 60) },
    ]);

    // a metric at a 5-minute period: expressions without a Period take the longest period of the request
    const five = [0, 5].map((m) => GRID[m]);
    const sumsOf5 = (p: Points): Points =>
      five.map((t) => [t, sum(vals(p.filter(([x]) => x >= t && x < t + 5 * MIN)))] as [number, number]).filter(([t]) => p.some(([x]) => x >= t && x < t + 5 * MIN));
    await runCases(
      fetch,
      [
        { id: "p5period", expr: "PERIOD(p5)", want: constant(300, five) },
        { id: "p1period", expr: "TIME_SERIES(PERIOD(p1))", want: constant(60, five) },
        { id: "persecond", expr: "p5 / PERIOD(p5)", want: pmap(sumsOf5(A), (x) => x / 300) },
        { id: "fill5", expr: "FILL(p5b, 0)", want: sumsOf5(B) },
        { id: "ts1", expr: "TIME_SERIES(1)", want: constant(1, five) },
        // non-sparse functions take the period and range of their time series (AWS), not the request's
        { id: "minute5", expr: "MINUTE(p5)", want: onGrid(minuteOf, five) },
        { id: "minute1", expr: "MINUTE(p1)", want: onGrid(minuteOf) },
        { id: "fill1", expr: "FILL(p1, 0)", want: fillWith(B, () => 0) },
        { id: "repeat1", expr: "FILL(p1, REPEAT)", want: fillWith(B, (t) => before(B, t)?.[1]) },
        { id: "fill1x", expr: "FILL(p1 * 2, 0)", want: fillWith(pmap(B, (x) => x * 2), () => 0) },
        { id: "hour1", expr: "HOUR(FILL(p1, 0))", want: onGrid((t) => new Date(t).getUTCHours()) },
        { id: "period1", expr: "PERIOD(FIRST([p1]))", want: constant(60, five) },
        {
          id: "searchfill",
          expr: `FILL(SEARCH('{${JSON.stringify(NS)},Host} MetricName="Req" Host=e', 'Sum', 60), 0)`,
          array: [{ label: "e", points: fillWith(E, () => 0) }],
        },
      ],
      [
        metricQuery(def("a"), "p5", { MetricStat: { ...metricQuery(def("a")).MetricStat!, Period: 300 } }),
        metricQuery(def("b"), "p5b", { MetricStat: { ...metricQuery(def("b")).MetricStat!, Period: 300 } }),
        metricQuery(def("b"), "p1"),
      ],
    );

    // an expression with its own Period
    const out = await fetch([
      metricQuery(def("a"), "p5", { MetricStat: { ...metricQuery(def("a")).MetricStat!, Period: 300 } }),
      { Id: "own", Expression: "TIME_SERIES(1)", Period: 60 },
      { Id: "default", Expression: "TIME_SERIES(1)" },
    ]);
    expectPoints(byId(out, "own")[0].points, constant(1), "TIME_SERIES(1) at Period 60");
    expectPoints(byId(out, "default")[0].points, constant(1, five), "TIME_SERIES(1) at the request's longest period");
  });

  it("SEARCH, LABEL and string CONCAT", async () => {
    const ns = JSON.stringify(NS);
    const search = `SEARCH('{${ns},Host} MetricName="Req"', 'Sum', 60)`;
    const sums = SERIES.filter((s) => s.id !== "z").map((s) => ({ label: s.host, points: statPoints(s, "Sum") }));
    await runCases(
      fetch,
      [
        { id: "found", expr: search, array: sums },
        { id: "total", expr: `SUM(${search})`, want: across(sums.map((s) => s.points), sum) },
        { id: "busiest", expr: `FIRST(SORT(${search}, SUM, DESC))`, want: sortRef(sums, BY.SUM, true)[0].points },
        // LABEL(r) is "Req", the metric name: the search string is built from it
        { id: "built", expr: `SEARCH(CONCAT('{${ns},Host} MetricName="', LABEL(r), '" Host=c'), 'Maximum', 60)`, array: [{ label: "c", points: C }] },
        { id: "labelled", expr: `SEARCH(CONCAT('{${ns},Host} Host=', LABEL(x)), 'Sum', 60)`, array: [{ label: "e", points: E }] },
      ],
      [...BASE, { ...metricQuery(def("a"), "r"), Label: undefined }, { ...metricQuery(def("b"), "x"), Label: "e" }],
    );
  });

  it("renders a dynamic Label for every series of an array result", async () => {
    const ns = JSON.stringify(NS);
    const fmt = (x: number) => String(Number.isInteger(x) ? x : Number(x.toPrecision(15)));
    const sums = SERIES.filter((s) => s.id !== "z").map((s) => ({ host: s.host, points: statPoints(s, "Sum") }));
    await runCases(fetch, [
      {
        // AWS's example: [max: ${MAX} Errors for Function Name ${LABEL}] on a search
        id: "found",
        expr: `SEARCH('{${ns},Host} MetricName="Req"', 'Sum', 60)`,
        label: "[max: ${MAX} for ${LABEL}] ${PROP('Dim.Host')} n=${DATAPOINT_COUNT}",
        array: sums.map((s) => ({ label: `[max: ${fmt(Math.max(...vals(s.points)))} for ${s.host}] ${s.host} n=${s.points.length}`, points: s.points })),
      },
      {
        id: "halved",
        expr: "REMOVE_EMPTY(METRICS()) / 2",
        label: "${LABEL} halved, avg ${AVG}, first ${FIRST}, last ${LAST}",
        array: [A, B, C, E].map((p, i) => {
          const h = pmap(p, (x) => x / 2);
          return { label: `${ALL[i].label} halved, avg ${fmt(mean(vals(h)))}, first ${fmt(h[0][1])}, last ${fmt(h[h.length - 1][1])}`, points: h };
        }),
      },
    ]);
  });

});

describe.each(["json", "cbor"] as const)("metric math errors over %s", (protocol) => {
  let cw: CloudWatchClient;
  beforeAll(() => {
    cw = cloudWatchClient(stack, { protocol });
  });

  // ANOMALY_DETECTION_BAND is answered: test/service/anomaly-detectors.test.ts; INSIGHT_RULE_METRIC: test/service/insight-rules.test.ts.
  it("SERVICE_QUOTA, DB_PERF_INSIGHTS, LAMBDA: a ValidationError naming the function", async () => {
    const cases: Array<[string, RegExp]> = [
      ["SERVICE_QUOTA(a)", /SERVICE_QUOTA is not supported/],
      ["LAMBDA('my-data-source', 'arg')", /LAMBDA is not supported/],
      ["DB_PERF_INSIGHTS('RDS', 'db-ABCDEFGHIJKLMNOPQRSTUVWXY1', 'db.load.avg')", /DB_PERF_INSIGHTS is not supported/],
      ["DB_PERF_INSIGHTS('RDS', 'db-ABCDEFGHIJKLMNOPQRSTUVWXY1', ['db.load.avg', 'os.cpuUtilization.total.avg'])", /DB_PERF_INSIGHTS is not supported/],
    ];
    for (const [expression, message] of cases) {
      const f = await awsFailure(gmd(cw, [...BASE, { Id: "e1", Expression: `a + ${expression}` }]));
      expect(f, expression).toMatchObject({ code: "ValidationError", status: 400 });
      expect(f.message, expression).toMatch(message);
      expect(f.message, expression).toMatch(/position 4\b/); // where the call starts in "a + ..."
    }
    // their argument counts are checked like any function's
    const arity = await awsFailure(gmd(cw, [...BASE, { Id: "e1", Expression: "INSIGHT_RULE_METRIC('my-rule')" }]));
    expect(arity).toMatchObject({ code: "ValidationError", status: 400 });
    expect(arity.message).toMatch(/Invalid number of arguments for INSIGHT_RULE_METRIC: expected 2, got 1/);
  });

  it("rejects bad expressions with a ValidationError that points at the problem", async () => {
    for (const c of BAD_EXPRESSIONS) {
      const f = await awsFailure(gmd(cw, [...BASE, { Id: "ok", Expression: "a + 1" }, { Id: "bad", Expression: c.expr }]));
      expect(f, c.expr).toMatchObject({ code: "ValidationError", status: 400 });
      expect(f.message, c.expr).toMatch(c.message);
      const position = Number(/position (\d+)/.exec(f.message)?.[1]);
      expect(position, `${c.expr}: ${f.message}`).toBeGreaterThanOrEqual(0);
      expect(c.expr.slice(position), `${c.expr}: the position in "${f.message}"`).toMatch(new RegExp(`^${c.pointsAt.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
      if (c.pointsAt === "") expect(position, c.expr).toBe(c.expr.length);
    }
    // an id no query has is an InvalidParameterValue naming it
    const unknown = await awsFailure(gmd(cw, [...BASE, { Id: "bad", Expression: "a + nope" }]));
    expect(unknown).toMatchObject({ code: "InvalidParameterValue", status: 400 });
    expect(unknown.message).toMatch(/\bnope\b/);
  });
});

/** Bad expressions, the message they get, and the text at the position the message names. */
const BAD_EXPRESSIONS: Array<{ expr: string; message: RegExp; pointsAt: string }> = [
  // syntax errors
  { expr: "a +", message: /Syntax error at position 3: unexpected end of expression/, pointsAt: "" },
  { expr: "a * (b + 2", message: /Syntax error at position 10: expected '\)' to close the '\(' at position 4/, pointsAt: "" },
  { expr: "a b", message: /Syntax error at position 2: unexpected 'b'/, pointsAt: "b" },
  { expr: "a = 2", message: /Syntax error at position 2: unexpected '=' \(use == to compare\)/, pointsAt: "= 2" },
  { expr: "a $ 2", message: /Syntax error at position 2: unexpected character '\$'/, pointsAt: "$" },
  { expr: "SUM([a, b)", message: /Syntax error at position 9: expected ',' or '\]' but found '\)'/, pointsAt: ")" },
  { expr: "METRICS('abc", message: /Syntax error at position 8: unterminated string/, pointsAt: "'abc" },
  { expr: "   ", message: /Syntax error at position 0: the expression is empty/, pointsAt: "   " },
  { expr: "a * REPEAT", message: /REPEAT can only be an argument of FILL/, pointsAt: "REPEAT" },
  { expr: "FILL(a, AVG)", message: /AVG is not valid here: argument 2 of FILL is one of REPEAT, LINEAR/, pointsAt: "AVG)" },
  { expr: "SORT(METRICS(), MEDIAN, ASC)", message: /MEDIAN is not valid here: argument 2 of SORT/, pointsAt: "MEDIAN" },
  { expr: "AVG + 1", message: /AVG is a function and needs parentheses/, pointsAt: "AVG" },
  // unknown functions
  { expr: "a + FROB(b)", message: /Unknown function FROB/, pointsAt: "FROB(b)" },
  { expr: "a + avg(b)", message: /Unknown function avg: function names are written in uppercase/, pointsAt: "avg(b)" },
  // wrong arity
  { expr: "AVG(a, b)", message: /Invalid number of arguments for AVG: expected 1, got 2/, pointsAt: "AVG(" },
  { expr: "a + IF(b)", message: /Invalid number of arguments for IF: expected 2 to 3, got 1/, pointsAt: "IF(" },
  { expr: "FILL(a)", message: /Invalid number of arguments for FILL: expected 2, got 1/, pointsAt: "FILL(" },
  { expr: "SORT(METRICS(), AVG)", message: /Invalid number of arguments for SORT: expected 3 to 4, got 2/, pointsAt: "SORT(" },
  { expr: "TIME_SERIES()", message: /Invalid number of arguments for TIME_SERIES: expected 1, got 0/, pointsAt: "TIME_SERIES(" },
  { expr: "SLICE(METRICS(), 1, 2, 3)", message: /Invalid number of arguments for SLICE: expected 2 to 3, got 4/, pointsAt: "SLICE(" },
  // wrong argument types, found while evaluating
  { expr: "a + RATE(5)", message: /RATE expects a time series or an array of time series as argument 1, but got a scalar/, pointsAt: "5)" },
  { expr: "TIME_SERIES(a)", message: /TIME_SERIES expects a scalar as argument 1, but got a time series/, pointsAt: "a)" },
  { expr: "METRICS(5)", message: /METRICS expects a string as argument 1, but got a scalar/, pointsAt: "5)" },
  { expr: "[a, b] + [c]", message: /The operator \+ cannot combine two arrays of time series/, pointsAt: "+" },
  { expr: "a * 'x'", message: /The operator \* applies to numbers and time series, not a string/, pointsAt: "*" },
  { expr: "LABEL(a)", message: /must produce a time series or an array of time series, not a string/, pointsAt: "LABEL(a)" },
  { expr: "[a, 1]", message: /An array holds time series, but this item is a scalar/, pointsAt: "1]" },
];

// ---------------------------------------------------------------------------

describe("metric math errors with Debian's aws CLI (awsQuery)", () => {
  it("get-metric-data fails with ValidationError and the problem's position for a bad expression", async () => {
    const cases: Array<[string, RegExp]> = [
      ["a * (b + 2", /Syntax error at position 10: expected '\)' to close the '\(' at position 4/],
      ["a + FROB(b)", /Unknown function FROB \(at position 4\)/],
      ["AVG(a, b)", /Invalid number of arguments for AVG: expected 1, got 2 \(at position 0\)/],
    ];
    for (const [expression, message] of cases) {
      const res = await cliGetMetricData("bad.json", [...BASE, { Id: "bad", Expression: expression }]);
      expect(res.code, expression).not.toBe(0);
      expect(res.stderr, expression).toMatch(/An error occurred \(ValidationError\) when calling the GetMetricData operation/);
      expect(res.stderr, expression).toMatch(message);
    }
  });
});
