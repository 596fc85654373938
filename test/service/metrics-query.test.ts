/**
 * GetMetricStatistics and GetMetricData end to end: the real endpoint, SigV4,
 * nats-server (ingest log, aggregator, chunks, series index), driven by the AWS
 * SDK for JavaScript over awsJson1_0 and smithy-rpc-v2-cbor (everything), over
 * awsQuery and Debian's aws CLI (a representative part). Every expected value
 * is computed in this file from the raw values sent: exactly for SampleCount,
 * Sum, Minimum, Maximum and Average (the values are multiples of 1/8, so every
 * sum is exact in any order), within 1% for what the DDSketch estimates.
 */
import {
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  ListMetricsCommand,
  PutMetricDataCommand,
  type CloudWatchClient,
  type Datapoint,
  type Dimension,
  type GetMetricDataCommandInput,
  type MetricDataQuery,
  type MetricDataResult,
  type MetricDatum,
} from "@aws-sdk/client-cloudwatch";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsCli, cloudWatchClient, startStack, type Protocol, type Stack } from "../support/stack.js";
import { ALL_STATS, MIN, minuteGrid } from "../support/minutes.js";
import { awsFailure } from "../support/failure.js";

let stack: Stack;
let tmp: string;

const RUN = `mq${Date.now().toString(36)}`;
/** A whole minute, ten minutes ago. */
const { T0, at } = minuteGrid(10);
type BasicStat = (typeof ALL_STATS)[number];

/** |actual - expected| within `rel` of |expected|: the sketch's guarantee for estimated statistics. */
function expectWithin(actual: number | undefined, expected: number, rel: number, what: string): void {
  expect(actual, what).toBeTypeOf("number");
  const tolerance = rel * Math.abs(expected) + 1e-12;
  expect(Math.abs(actual! - expected), `${what}: ${actual} vs ${expected} (±${tolerance})`).toBeLessThanOrEqual(tolerance);
}

// ---------------------------------------------------------------------------
// Independent statistics of raw values

function basic(values: number[]): Record<BasicStat, number> {
  let sum = 0;
  for (const v of values) sum += v;
  return {
    SampleCount: values.length,
    Sum: sum,
    Average: sum / values.length,
    Minimum: Math.min(...values),
    Maximum: Math.max(...values),
  };
}

const sorted = (values: number[]) => [...values].sort((a, b) => a - b);

/** Nearest rank: the smallest value with at least p% of the values at or below it. */
function percentile(values: number[], p: number): number {
  const s = sorted(values);
  return s[Math.max(0, Math.ceil((p / 100) * s.length - 1e-9) - 1)];
}

/**
 * Trimmed statistics with percentage bounds, the values ranked in (lo%, hi%]
 * of n: with n = 100 and 10%:90%, the 80 values ranked 11th to 90th (AWS:
 * "ignores the lowest 10% and the highest 10%"). WM counts the trimmed values
 * as the first and last kept value.
 */
function trimmed(values: number[], lo: number, hi: number) {
  const s = sorted(values);
  const n = s.length;
  const A = (lo / 100) * n;
  const B = (hi / 100) * n;
  let ts = 0;
  s.forEach((v, i) => {
    const w = Math.max(0, Math.min(i + 1, B) - Math.max(i, A));
    ts += w * v;
  });
  const tc = B - A;
  const atLo = s[Math.floor(A)];
  const atHi = s[Math.ceil(B) - 1];
  return { TM: ts / tc, TC: tc, TS: ts, WM: (A * atLo + ts + (n - B) * atHi) / n };
}

function extendedOf(values: number[]): Record<string, number> {
  const t = trimmed(values, 10, 90);
  return {
    p50: percentile(values, 50),
    p90: percentile(values, 90),
    p99: percentile(values, 99),
    "p99.9": percentile(values, 99.9),
    "TM(10%:90%)": t.TM,
    "WM(10%:90%)": t.WM,
    "TC(10%:90%)": t.TC,
    "TS(10%:90%)": t.TS,
    "PR(:5)": (100 * values.filter((v) => v <= 5).length) / values.length,
    IQM: trimmed(values, 25, 75).TM,
  };
}
const EXTENDED = ["p50", "p90", "p99", "p99.9", "TM(10%:90%)", "WM(10%:90%)", "TC(10%:90%)", "TS(10%:90%)", "PR(:5)", "IQM"];
/** Exact statistics among the extended ones (p99.9 of 100 values is the maximum; TC is a count of ranks; PR's bound is far from every value). */
const EXACT_EXTENDED = new Set(["TC(10%:90%)", "PR(:5)"]);

// ---------------------------------------------------------------------------
// The data

/** 100 distinct values a minute, multiples of 1/8, none within 2% of 5 (PR(:5) is exact). */
const DIST_SCALE = [1, 2, 3, 1.5, 2.5];
const distValues = (m: number) => Array.from({ length: 100 }, (_, i) => (1.25 + 0.5 * ((i * 37 + m * 11) % 100)) * DIST_SCALE[m]);

interface SeriesDef {
  name: string;
  dims: Record<string, string>;
  /** Raw values at minute m (0..5), undefined = none. */
  raw: (m: number) => number[] | undefined;
}
const MINUTES = [0, 1, 2, 3, 4, 5];
/** The GetMetricData data set: `Req` by Host (b has a gap at minute 2), a Req with two dimensions, and `Err`. */
const SERIES: SeriesDef[] = [
  { name: "Req", dims: { Host: "a" }, raw: (m) => [m + 1, 2 * (m + 1), 10] },
  { name: "Req", dims: { Host: "b" }, raw: (m) => (m === 2 ? undefined : [5 * m + 0.5]) },
  { name: "Req", dims: { Host: "c" }, raw: (m) => [100 - m] },
  { name: "Req", dims: { Host: "ab" }, raw: () => [7, 9] },
  { name: "Req", dims: { Host: "a", Zone: "z" }, raw: () => [1000] },
  { name: "Err", dims: { Host: "a" }, raw: (m) => (m % 2 === 0 ? [m] : undefined) },
];
const def = (name: string, dims: Record<string, string>) =>
  SERIES.find((s) => s.name === name && JSON.stringify(s.dims) === JSON.stringify(dims))!;

type Points = Array<[number, number]>;

/** One statistic per minute of a series, ascending. */
function statPoints(s: SeriesDef, stat: string): Points {
  const out: Points = [];
  for (const m of MINUTES) {
    const vs = s.raw(m);
    if (!vs) continue;
    const v = stat in basic([1]) ? basic(vs)[stat as BasicStat] : percentile(vs, Number(stat.slice(1)));
    out.push([at(m).getTime(), v]);
  }
  return out;
}

const dimsOf = (d: Record<string, string>): Dimension[] => Object.entries(d).map(([Name, Value]) => ({ Name, Value }));

let NS: string; // GetMetricData data set
let DIST: string; // GetMetricStatistics distributions

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "metrics-query-"));
  stack = await startStack();
  NS = `${RUN}/gmd`;
  DIST = `${RUN}/dist`;
  const cw = cloudWatchClient(stack);
  const data: MetricDatum[] = [];
  for (const s of SERIES) {
    for (const m of MINUTES) {
      const vs = s.raw(m);
      if (vs) data.push({ MetricName: s.name, Dimensions: dimsOf(s.dims), Timestamp: at(m, 1_000 * m), Values: vs, Unit: "Count" });
    }
  }
  await cw.send(new PutMetricDataCommand({ Namespace: NS, MetricData: data }));
  await cw.send(
    new PutMetricDataCommand({
      Namespace: DIST,
      MetricData: [0, 1, 2, 3, 4].map((m) => ({ MetricName: "Latency", Dimensions: [{ Name: "Host", Value: "a" }], Timestamp: at(m, 30_000), Values: distValues(m), Unit: "Milliseconds" })),
    }),
  );
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------

async function gms(cw: CloudWatchClient, input: Partial<ConstructorParameters<typeof GetMetricStatisticsCommand>[0]>): Promise<Datapoint[]> {
  const out = await cw.send(
    new GetMetricStatisticsCommand({
      Namespace: DIST,
      MetricName: "Latency",
      Dimensions: [{ Name: "Host", Value: "a" }],
      StartTime: at(0),
      EndTime: at(5),
      Period: 60,
      ...input,
    } as any),
  );
  return [...(out.Datapoints ?? [])].sort((a, b) => a.Timestamp!.getTime() - b.Timestamp!.getTime());
}

describe.each<Protocol>(["json", "cbor", "query"])("GetMetricStatistics over %s", (protocol) => {
  let cw: CloudWatchClient;
  beforeAll(() => {
    cw = cloudWatchClient(stack, { protocol });
  });

  it("returns the five statistics of every minute exactly", async () => {
    const dps = await gms(cw, { Statistics: [...ALL_STATS] });
    expect(dps.map((d) => d.Timestamp!.getTime())).toEqual([0, 1, 2, 3, 4].map((m) => at(m).getTime()));
    dps.forEach((d, m) => {
      expect({ SampleCount: d.SampleCount, Sum: d.Sum, Average: d.Average, Minimum: d.Minimum, Maximum: d.Maximum }, `minute ${m}`).toEqual(
        basic(distValues(m)),
      );
      expect(d.Unit).toBe("Milliseconds");
    });
  });

  it("returns the extended statistics within the sketch's 1%", async () => {
    const dps = await gms(cw, { ExtendedStatistics: EXTENDED });
    expect(dps).toHaveLength(5);
    dps.forEach((d, m) => {
      const want = extendedOf(distValues(m));
      expect(Object.keys(d.ExtendedStatistics ?? {}).sort(), `minute ${m}`).toEqual([...EXTENDED].sort());
      for (const name of EXTENDED) {
        expectWithin(d.ExtendedStatistics![name], want[name], EXACT_EXTENDED.has(name) ? 1e-9 : 0.01, `minute ${m} ${name}`);
      }
      // no basic statistics when only extended ones were asked for
      expect(d.Sum).toBeUndefined();
    });
  });

  it("merges minutes into longer periods exactly (period 120, period 300)", async () => {
    const two = await gms(cw, { Statistics: [...ALL_STATS], Period: 120 });
    expect(two.map((d) => [d.Timestamp!.getTime(), { SampleCount: d.SampleCount, Sum: d.Sum, Average: d.Average, Minimum: d.Minimum, Maximum: d.Maximum }])).toEqual([
      [at(0).getTime(), basic([...distValues(0), ...distValues(1)])],
      [at(2).getTime(), basic([...distValues(2), ...distValues(3)])],
      [at(4).getTime(), basic(distValues(4))],
    ]);
    const all = [0, 1, 2, 3, 4].flatMap(distValues);
    const five = await gms(cw, { Statistics: [...ALL_STATS], Period: 300 });
    expect(five.map((d) => [d.Timestamp!.getTime(), d.SampleCount, d.Sum, d.Minimum, d.Maximum, d.Average])).toEqual([
      [at(0).getTime(), ...Object.values((({ SampleCount, Sum, Minimum, Maximum, Average }) => ({ SampleCount, Sum, Minimum, Maximum, Average }))(basic(all)))],
    ]);
    const fiveExt = await gms(cw, { ExtendedStatistics: EXTENDED, Period: 300 });
    const want = extendedOf(all);
    for (const name of EXTENDED) expectWithin(fiveExt[0].ExtendedStatistics![name], want[name], EXACT_EXTENDED.has(name) ? 1e-9 : 0.01, `5 min ${name}`);
  });

  it("filters by Unit", async () => {
    expect(await gms(cw, { Statistics: ["Sum"], Unit: "Seconds" })).toEqual([]);
    const ms = await gms(cw, { Statistics: ["Sum"], Unit: "Milliseconds", Period: 300 });
    expect(ms.map((d) => d.Sum)).toEqual([basic([0, 1, 2, 3, 4].flatMap(distValues)).Sum]);
  });

  it("has no percentiles for statistic sets that hide the distribution, as AWS", async () => {
    const ns = `${RUN}/${protocol}/sets`;
    await cw.send(
      new PutMetricDataCommand({
        Namespace: ns,
        MetricData: [
          { MetricName: "Set", Timestamp: at(1), StatisticValues: { SampleCount: 10, Sum: 100, Minimum: 1, Maximum: 30 } },
          // a set equivalent to raw values (SampleCount 1, Min = Max = Sum) keeps them
          { MetricName: "One", Timestamp: at(1), StatisticValues: { SampleCount: 1, Sum: 7, Minimum: 7, Maximum: 7 } },
          { MetricName: "One", Timestamp: at(1), Value: 9 },
          // raw values and a real set in one bucket: no distribution
          { MetricName: "Mixed", Timestamp: at(1), Values: [1, 2, 3] },
          { MetricName: "Mixed", Timestamp: at(1), StatisticValues: { SampleCount: 2, Sum: 10, Minimum: 4, Maximum: 6 } },
        ],
      }),
    );
    const q = (name: string, ext: string[]) =>
      gms(cw, { Namespace: ns, MetricName: name, Dimensions: undefined, StartTime: at(0), EndTime: at(3), ExtendedStatistics: ext });
    const set = await q("Set", ["p50", "p99"]);
    expect(set).toHaveLength(1);
    expect(set[0].ExtendedStatistics?.p50).toBeUndefined();
    expect(set[0].ExtendedStatistics?.p99).toBeUndefined();
    const one = await q("One", ["p0", "p100", "p50"]);
    expect(Object.keys(one[0].ExtendedStatistics ?? {}).sort()).toEqual(["p0", "p100", "p50"]);
    expect(one[0].ExtendedStatistics!.p0).toBe(7); // the minimum, exact
    expect(one[0].ExtendedStatistics!.p100).toBe(9); // the maximum, exact
    expectWithin(one[0].ExtendedStatistics!.p50, percentile([7, 9], 50), 0.01, "p50 of {7, 9}");
    const mixed = await q("Mixed", ["p50"]);
    expect(mixed).toHaveLength(1);
    expect(mixed[0].ExtendedStatistics?.p50).toBeUndefined();
    // the basic statistics stay exact
    const basics = await gms(cw, { Namespace: ns, MetricName: "Mixed", Dimensions: undefined, StartTime: at(0), EndTime: at(3), Statistics: [...ALL_STATS] });
    expect(basics.map((d) => [d.SampleCount, d.Sum, d.Minimum, d.Maximum, d.Average])).toEqual([[5, 16, 1, 6, 16 / 5]]);
  });

  it("applies AWS's period and range rules", async () => {
    const cases: Array<[string, any, string, RegExp]> = [
      ["period 61", { Statistics: ["Sum"], Period: 61 }, "InvalidParameterValue", /\bPeriod\b/],
      // The model's minimum (1), answered by the validation stage in AWS's request-validation words.
      ["period 0", { Statistics: ["Sum"], Period: 0 }, "ValidationError", /Value '0' at 'period' failed to satisfy constraint/],
      ["period 7", { Statistics: ["Sum"], Period: 7 }, "InvalidParameterValue", /\bPeriod\b/],
      [
        "1441 datapoints",
        { Statistics: ["Sum"], Period: 60, StartTime: new Date(T0 - 1441 * MIN), EndTime: new Date(T0) },
        "InvalidParameterCombination",
        /1,?441/,
      ],
      ["Statistics and ExtendedStatistics", { Statistics: ["Sum"], ExtendedStatistics: ["p99"] }, "InvalidParameterCombination", /Statistics/],
      ["StartTime = EndTime", { Statistics: ["Sum"], StartTime: at(3), EndTime: at(3) }, "InvalidParameterValue", /StartTime/],
      ["StartTime > EndTime", { Statistics: ["Sum"], StartTime: at(4), EndTime: at(3) }, "InvalidParameterValue", /StartTime/],
      // The model's enum, answered the same way.
      ["an unknown statistic", { Statistics: ["Median"] }, "ValidationError", /Value '\[Median\]' at 'statistics' failed to satisfy constraint/],
      ["an invalid percentile", { ExtendedStatistics: ["p101"] }, "InvalidParameterValue", /p101/],
    ];
    for (const [what, input, code, message] of cases) {
      const f = await awsFailure(gms(cw, input));
      expect(f, what).toMatchObject({ code, status: 400 });
      expect(f.message, what).toMatch(message);
    }
    // 1440 datapoints is the limit, not beyond it
    const ok = await gms(cw, { Statistics: ["Sum"], Period: 60, StartTime: new Date(T0 - 1435 * MIN), EndTime: new Date(T0 + 5 * MIN) });
    expect(ok.map((d) => d.Sum)).toEqual([0, 1, 2, 3, 4].map((m) => basic(distValues(m)).Sum));
  });
});

describe("GetMetricStatistics on data older than the hot tier", () => {
  it("still finds datapoints 2 days old, in a 1-minute query and in 5-minute periods", async () => {
    const cw = cloudWatchClient(stack);
    const ns = `${RUN}/aged`;
    const X = Math.floor((Date.now() - 2 * 86_400_000) / (5 * MIN)) * 5 * MIN;
    await cw.send(
      new PutMetricDataCommand({
        Namespace: ns,
        MetricData: [
          { MetricName: "Old", Timestamp: new Date(X + 2 * MIN), Value: 4 },
          { MetricName: "Old", Timestamp: new Date(X + 7 * MIN + 5_000), Value: 6 },
        ],
      }),
    );
    const read = async (start: number, end: number, period: number) =>
      (
        await cw.send(new GetMetricStatisticsCommand({ Namespace: ns, MetricName: "Old", StartTime: new Date(start), EndTime: new Date(end), Period: period, Statistics: ["Sum", "SampleCount"] }))
      ).Datapoints!.map((d): [number, number] => [d.Timestamp!.getTime(), d.Sum!]).sort((a, b) => a[0] - b[0]);
    const check = async (when: string) => {
      expect(await read(X, X + 10 * MIN, 300), when).toEqual([
        [X, 4],
        [X + 5 * MIN, 6],
      ]);
      // A minute that holds a datapoint: AWS keeps 1-minute data for 15 days, so it is there.
      const minute = await read(X + 2 * MIN, X + 3 * MIN, 60);
      expect.soft(minute.reduce((s, [, v]) => s + v, 0), `${when}: Sum of [X+2m, X+3m)`).toBe(4);
    };
    await check("right after the put");
    // after the aggregator folded it (and the roll-off ran, as it does every 5 minutes)
    await new Promise((r) => setTimeout(r, 2_500));
    await stack.fireSchedule("MetricRollOff");
    await check("after aggregation and roll-off");
  });

  it("finds a late datapoint older than everything its series had (reads skip only chunks before a series' first datapoint)", async () => {
    const cw = cloudWatchClient(stack);
    const ns = `${RUN}/late`;
    const now = Math.floor(Date.now() / MIN) * MIN;
    const late = now - 3 * 86_400_000;
    const put = (t: number, v: number) => cw.send(new PutMetricDataCommand({ Namespace: ns, MetricData: [{ MetricName: "L", Timestamp: new Date(t), Value: v }] }));
    const sum = async (start: number, end: number, period: number) =>
      (await cw.send(new GetMetricStatisticsCommand({ Namespace: ns, MetricName: "L", StartTime: new Date(start), EndTime: new Date(end), Period: period, Statistics: ["Sum"] })))
        .Datapoints!.reduce((s, d) => s + d.Sum!, 0);
    await put(now - 2 * MIN, 1);
    await new Promise((r) => setTimeout(r, 2_500)); // aggregated: the series is indexed from that minute
    await put(late, 10);
    expect(await sum(late - 5 * MIN, late + 5 * MIN, 300), "from the tail").toBe(10);
    await new Promise((r) => setTimeout(r, 2_500)); // aggregated into a chunk of three days ago
    expect(await sum(late - 5 * MIN, late + 5 * MIN, 300), "from its chunk").toBe(10);
    expect(await sum(late - 3600_000, now, 3600), "both, over three days").toBe(11);
  });
});

// ---------------------------------------------------------------------------
// GetMetricData

interface Result {
  id: string;
  label: string;
  points: Points;
  status: string;
}

/** One GetMetricData call that must fit one page; results with points ascending. */
async function gmd(cw: CloudWatchClient, queries: MetricDataQuery[], extra: Partial<GetMetricDataCommandInput> = {}): Promise<Result[]> {
  const out = await cw.send(new GetMetricDataCommand({ StartTime: at(0), EndTime: at(6), MetricDataQueries: queries, ...extra }));
  expect(out.NextToken).toBeUndefined();
  return (out.MetricDataResults ?? []).map(toResult);
}

function toResult(r: MetricDataResult): Result {
  const ts = (r.Timestamps ?? []).map((t) => t.getTime());
  const points = ts.map((t, i) => [t, r.Values![i]] as [number, number]).sort((a, b) => a[0] - b[0]);
  return { id: r.Id!, label: r.Label!, points, status: r.StatusCode! };
}

const stat = (id: string, name: string, dims: Record<string, string>, s: string, extra: Partial<MetricDataQuery> = {}, ns?: string): MetricDataQuery => ({
  Id: id,
  MetricStat: { Metric: { Namespace: ns ?? NS, MetricName: name, Dimensions: dimsOf(dims) }, Period: 60, Stat: s },
  ...extra,
});
const expr = (id: string, expression: string, extra: Partial<MetricDataQuery> = {}): MetricDataQuery => ({ Id: id, Expression: expression, ...extra });

/** Points compared exactly by timestamp and to 12 significant digits by value. */
function expectPoints(actual: Points | undefined, expected: Points, what: string): void {
  expect(actual, what).toBeDefined();
  expect(actual!.map((p) => p[0]), `${what}: timestamps`).toEqual(expected.map((p) => p[0]));
  actual!.forEach(([, v], i) => expectWithin(v, expected[i][1], 1e-12, `${what} @${i}`));
}

const byId = (results: Result[], id: string) => results.filter((r) => r.id === id);
const one = (results: Result[], id: string) => {
  const rs = byId(results, id);
  expect(rs, id).toHaveLength(1);
  return rs[0];
};

// Expected math over Points

const mapP = (p: Points, f: (v: number) => number): Points => p.map(([t, v]) => [t, f(v)]);
/**
 * f at every timestamp either has, a missing value counting as 0 (metric math's arithmetic); a non-finite result is no
 * point ("the data point is dropped"): https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html.
 */
function zipP(a: Points, b: Points, f: (x: number, y: number) => number): Points {
  const ma = new Map(a);
  const mb = new Map(b);
  const times = [...new Set([...ma.keys(), ...mb.keys()])].sort((x, y) => x - y);
  return times.map((t): [number, number] => [t, f(ma.get(t) ?? 0, mb.get(t) ?? 0)]).filter(([, v]) => Number.isFinite(v));
}
function unionSum(list: Points[]): Points {
  const m = new Map<number, number>();
  for (const p of list) for (const [t, v] of p) m.set(t, (m.get(t) ?? 0) + v);
  return [...m.entries()].sort((a, b) => a[0] - b[0]);
}
const GRID = MINUTES.map((m) => at(m).getTime());
const constant = (v: number): Points => GRID.map((t) => [t, v]);
const valuesOf = (p: Points) => p.map(([, v]) => v);
const avg = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const fmt = (x: number) => String(Number.isInteger(x) ? x : Number(x.toPrecision(15)));

describe.each<Protocol>(["json", "cbor"])("GetMetricData over %s", (protocol) => {
  let cw: CloudWatchClient;
  beforeAll(() => {
    cw = cloudWatchClient(stack, { protocol });
  });

  const A = () => def("Req", { Host: "a" });
  const B = () => def("Req", { Host: "b" });
  const C = () => def("Req", { Host: "c" });

  it("returns each statistic of a MetricStat, newest first by default", async () => {
    const stats = ["SampleCount", "Sum", "Average", "Minimum", "Maximum", "p50"];
    const out = await cw.send(
      new GetMetricDataCommand({
        StartTime: at(0),
        EndTime: at(6),
        MetricDataQueries: stats.map((s, i) => stat(`q${i}`, "Req", { Host: "a" }, s)),
      }),
    );
    expect(out.MetricDataResults!.map((r) => r.Id)).toEqual(stats.map((_, i) => `q${i}`));
    for (const [i, s] of stats.entries()) {
      const r = out.MetricDataResults![i];
      expect(r.StatusCode).toBe("Complete");
      // Queries on one metric are labelled by the statistic that tells them apart (localstack's
      // test_label_generation, recorded against AWS).
      expect(r.Label).toBe(`Req ${s}`);
      const ts = r.Timestamps!.map((t) => t.getTime());
      expect(ts, "TimestampDescending by default").toEqual([...ts].sort((a, b) => b - a));
      const want = statPoints(A(), s);
      if (s === "p50") {
        const got = toResult(r).points;
        expect(got.map((p) => p[0])).toEqual(want.map((p) => p[0]));
        got.forEach(([, v], k) => expectWithin(v, want[k][1], 0.01, `p50 @${k}`));
      } else {
        expectPoints(toResult(r).points, want, s);
      }
    }
  });

  it("orders by ScanBy, hides ReturnData false and reads a Unit filter", async () => {
    const asc = await cw.send(
      new GetMetricDataCommand({
        StartTime: at(0),
        EndTime: at(6),
        ScanBy: "TimestampAscending",
        MetricDataQueries: [stat("m1", "Req", { Host: "a" }, "Sum", { ReturnData: false }), expr("e1", "m1 * 2")],
      }),
    );
    expect(asc.MetricDataResults!.map((r) => r.Id)).toEqual(["e1"]);
    const ts = asc.MetricDataResults![0].Timestamps!.map((t) => t.getTime());
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
    expectPoints(toResult(asc.MetricDataResults![0]).points, mapP(statPoints(A(), "Sum"), (v) => v * 2), "m1 * 2");

    const desc = await cw.send(
      new GetMetricDataCommand({ StartTime: at(0), EndTime: at(6), ScanBy: "TimestampDescending", MetricDataQueries: [stat("m1", "Req", { Host: "a" }, "Sum")] }),
    );
    const dts = desc.MetricDataResults![0].Timestamps!.map((t) => t.getTime());
    expect(dts).toEqual([...ts].reverse());

    const units = await gmd(cw, [
      { ...stat("count", "Req", { Host: "a" }, "Sum"), MetricStat: { ...stat("x", "Req", { Host: "a" }, "Sum").MetricStat!, Unit: "Count" } },
      { ...stat("secs", "Req", { Host: "a" }, "Sum"), MetricStat: { ...stat("x", "Req", { Host: "a" }, "Sum").MetricStat!, Unit: "Seconds" } },
    ]);
    expectPoints(one(units, "count").points, statPoints(A(), "Sum"), "Unit Count");
    expect(one(units, "secs").points).toEqual([]);
  });

  it("fills labels: given, default and dynamic, in the LabelOptions timezone", async () => {
    const sums = statPoints(A(), "Sum");
    const vs = valuesOf(sums);
    const out = await gmd(
      cw,
      [
        stat("plain", "Req", { Host: "a" }, "Sum"),
        stat("given", "Req", { Host: "a" }, "Sum", { Label: "requests on a" }),
        stat("dyn", "Req", { Host: "a" }, "Sum", { Label: "avg ${AVG} max ${MAX} last ${LAST} host ${PROP('Dim.Host')} of ${PROP('MetricName')} ${PROP('Stat')}" }),
        stat("times", "Req", { Host: "a" }, "Sum", { Label: "${FIRST_TIME}|${LAST_TIME}" }),
        expr("e1", "m1 + 1", { Label: "plus one ${SUM}" }),
        stat("m1", "Req", { Host: "b" }, "Sum", { ReturnData: false }),
      ],
      { LabelOptions: { Timezone: "+0130" } },
    );
    expect(one(out, "plain").label).toBe("Req");
    expect(one(out, "given").label).toBe("requests on a");
    expect(one(out, "dyn").label).toBe(`avg ${fmt(avg(vs))} max ${fmt(Math.max(...vs))} last ${fmt(vs[vs.length - 1])} host a of Req Sum`);
    const local = (t: number) => `${new Date(t + 90 * MIN).toISOString().slice(0, 19)}+01:30`;
    expect(one(out, "times").label).toBe(`${local(sums[0][0])}|${local(sums[sums.length - 1][0])}`);
    const plusOne = mapP(statPoints(B(), "Sum"), (v) => v + 1);
    expect(one(out, "e1").label).toBe(`plus one ${fmt(valuesOf(plusOne).reduce((s, x) => s + x, 0))}`);

    const utc = await gmd(cw, [stat("times", "Req", { Host: "a" }, "Sum", { Label: "${LAST_TIME}" })]);
    expect(utc[0].label).toBe(`${new Date(sums[sums.length - 1][0]).toISOString().slice(0, 19)}Z`);

    const bad = await awsFailure(
      cw.send(
        new GetMetricDataCommand({
          StartTime: at(0),
          EndTime: at(6),
          MetricDataQueries: [stat("m1", "Req", { Host: "a" }, "Sum", { Label: "${MAX_TIME}" })],
          LabelOptions: { Timezone: "+2500" },
        }),
      ),
    );
    expect(bad).toMatchObject({ code: "InvalidParameterValue", status: 400 });
    expect(bad.message).toMatch(/Timezone/);
  });

  it("computes metric math: arithmetic, scalar functions, METRICS(), FILL, RATE, DIFF, RUNNING_SUM, IF", async () => {
    const m1 = statPoints(A(), "Sum");
    const m2 = statPoints(B(), "Sum");
    const m3 = statPoints(C(), "Sum");
    const out = await gmd(cw, [
      stat("m1", "Req", { Host: "a" }, "Sum", { ReturnData: false }),
      stat("m2", "Req", { Host: "b" }, "Sum", { ReturnData: false }),
      stat("m3", "Req", { Host: "c" }, "Sum", { ReturnData: false }),
      expr("add", "m1 + m2"),
      expr("sub", "m3 - m1 / 2"),
      expr("mul", "m1 * 2"),
      expr("avgm", "AVG(m1)"),
      expr("summ", "SUM(m1)"),
      expr("minm", "MIN(m2)"),
      expr("maxm", "MAX(m3)"),
      expr("total", "SUM(METRICS())"),
      expr("fill", "FILL(m2, 0)"),
      expr("repeat", "FILL(m2, REPEAT)"),
      expr("rate", "RATE(m1)"),
      expr("diff", "DIFF(m2)"),
      expr("running", "RUNNING_SUM(m1)"),
      expr("cond", "IF(m1 > 20, m1, 0)"),
      // expressions over other expressions: a single series stays a single series
      expr("chain", "add * 10"),
      expr("avgchain", "AVG(add)"),
    ]);
    expect(out.map((r) => r.id)).toEqual(["add", "sub", "mul", "avgm", "summ", "minm", "maxm", "total", "fill", "repeat", "rate", "diff", "running", "cond", "chain", "avgchain"]);
    // the default label of an expression is its id (soft: the values below are checked even when this fails)
    for (const r of out) expect.soft(r.label, r.id).toBe(r.id);

    const add = zipP(m1, m2, (x, y) => x + y);
    expectPoints(one(out, "add").points, add, "m1 + m2 (a gap in m2 counts as 0)");
    expect(one(out, "add").points).toHaveLength(new Set([...m1, ...m2].map(([t]) => t)).size);
    expectPoints(one(out, "sub").points, zipP(m3, m1, (x, y) => x - y / 2), "m3 - m1 / 2");
    expectPoints(one(out, "mul").points, mapP(m1, (v) => v * 2), "m1 * 2");
    expectPoints(one(out, "avgm").points, constant(avg(valuesOf(m1))), "AVG(m1)");
    expectPoints(one(out, "summ").points, constant(valuesOf(m1).reduce((s, x) => s + x, 0)), "SUM(m1)");
    expectPoints(one(out, "minm").points, constant(Math.min(...valuesOf(m2))), "MIN(m2)");
    expectPoints(one(out, "maxm").points, constant(Math.max(...valuesOf(m3))), "MAX(m3)");
    expectPoints(one(out, "total").points, unionSum([m1, m2, m3]), "SUM(METRICS())");
    const gapT = at(2).getTime();
    expectPoints(one(out, "fill").points, GRID.map((t) => [t, new Map(m2).get(t) ?? 0]), "FILL(m2, 0)");
    expectPoints(one(out, "repeat").points, GRID.map((t) => [t, new Map(m2).get(t) ?? new Map(m2).get(gapT - MIN)!]), "FILL(m2, REPEAT)");
    expectPoints(
      one(out, "rate").points,
      m1.slice(1).map(([t, v], i) => [t, (v - m1[i][1]) / ((t - m1[i][0]) / 1000)]),
      "RATE(m1)",
    );
    expectPoints(one(out, "diff").points, m2.slice(1).map(([t, v], i) => [t, v - m2[i][1]]), "DIFF(m2)");
    let acc = 0;
    expectPoints(one(out, "running").points, mapP(m1, (v) => (acc += v)), "RUNNING_SUM(m1)");
    expectPoints(one(out, "cond").points, mapP(m1, (v) => (v > 20 ? v : 0)), "IF(m1 > 20, m1, 0)");
    expectPoints(one(out, "chain").points, mapP(add, (v) => v * 10), "add * 10");
    expectPoints(one(out, "avgchain").points, constant(avg(valuesOf(add))), "AVG(add): a scalar of one series");
  });

  it("returns arrays: REMOVE_EMPTY, SORT(..., MAX, DESC, 2) keep each series' label", async () => {
    const m1 = statPoints(A(), "Sum");
    const m2 = statPoints(B(), "Sum");
    const m3 = statPoints(C(), "Sum");
    const out = await gmd(cw, [
      stat("m1", "Req", { Host: "a" }, "Sum", { ReturnData: false, Label: "host a" }),
      stat("m2", "Req", { Host: "b" }, "Sum", { ReturnData: false, Label: "host b" }),
      stat("m3", "Req", { Host: "c" }, "Sum", { ReturnData: false, Label: "host c" }),
      stat("none", "Req", { Host: "nobody" }, "Sum", { ReturnData: false, Label: "host nobody" }),
      expr("nonempty", "REMOVE_EMPTY(METRICS())"),
      expr("top", "SORT(METRICS(), MAX, DESC, 2)"),
      expr("bottom", "SORT(METRICS(), SUM, ASC)"),
    ]);
    const nonempty = byId(out, "nonempty");
    expect.soft(nonempty.map((r) => r.label)).toEqual(["host a", "host b", "host c"]);
    [m1, m2, m3].forEach((p, i) => expectPoints(nonempty[i].points, p, `REMOVE_EMPTY #${i}`));

    const top = byId(out, "top");
    // by MAX, descending: c (100), a (28), b (25.5)
    expect.soft(top.map((r) => r.label)).toEqual(["host c", "host a"]);
    expectPoints(top[0].points, m3, "SORT #0");
    expectPoints(top[1].points, m1, "SORT #1");

    // by SUM ascending: b (67.5), a (123), c (585); the empty one last
    const bottom = byId(out, "bottom");
    expect.soft(bottom.map((r) => r.label)).toEqual(["host b", "host a", "host c", "host nobody"]);
    expect(bottom).toHaveLength(4);
    expectPoints(bottom[0].points, m2, "SORT ASC #0");
    expectPoints(bottom[1].points, m1, "SORT ASC #1");
    expectPoints(bottom[2].points, m3, "SORT ASC #2");
    expect(bottom[3].points).toEqual([]);
  });

  it("SEARCH matches exactly the expected series, one labelled result each", async () => {
    const ns = JSON.stringify(NS);
    const out = await gmd(cw, [
      expr("byhost", `SEARCH('{${ns},Host} MetricName="Req"', 'Sum', 60)`),
      expr("exact", `SEARCH('Namespace=${ns} MetricName="Req" Host="a"', 'Maximum', 60)`),
      expr("names", `SEARCH('{${ns},Host} Host="a"', 'SampleCount', 60)`),
      expr("nothing", `SEARCH('{${ns},Host} MetricName="Nope"', 'Sum', 60)`),
      expr("total", `SUM(SEARCH('{${ns},Host} MetricName="Req"', 'Sum', 60))`),
    ]);
    // schema {ns, Host}: the four one-dimension Req series, not the {Host, Zone} one, labelled by Host
    const byhost = byId(out, "byhost");
    const hosts = ["a", "ab", "b", "c"];
    expect(byhost.map((r) => r.label).sort()).toEqual(hosts);
    for (const h of hosts) expectPoints(byhost.find((r) => r.label === h)!.points, statPoints(def("Req", { Host: h }), "Sum"), `SEARCH Host=${h}`);

    // Host="a" is an exact match: not ab; both Req{Host=a} and Req{Host=a,Zone=z}
    const exact = byId(out, "exact");
    expect(exact).toHaveLength(2);
    const wantExact = [statPoints(def("Req", { Host: "a" }), "Maximum"), statPoints(def("Req", { Host: "a", Zone: "z" }), "Maximum")];
    const gotExact = exact.map((r) => r.points).sort((x, y) => x[0][1] - y[0][1]);
    wantExact.forEach((p, i) => expectPoints(gotExact[i], p, `exact #${i}`));
    expect(exact.map((r) => r.label).sort()).toEqual(["a", "a z"]);

    // two metric names: each label names its metric
    const names = byId(out, "names");
    expect(names).toHaveLength(2);
    const err = names.find((r) => /\bErr\b/.test(r.label))!;
    const req = names.find((r) => /\bReq\b/.test(r.label))!;
    expect(err.label).toMatch(/\ba\b/);
    expectPoints(err.points, statPoints(def("Err", { Host: "a" }), "SampleCount"), "SEARCH Err a");
    expectPoints(req.points, statPoints(def("Req", { Host: "a" }), "SampleCount"), "SEARCH Req a");

    expect(byId(out, "nothing")).toEqual([]);
    expectPoints(
      one(out, "total").points,
      unionSum(hosts.map((h) => statPoints(def("Req", { Host: h }), "Sum"))),
      "SUM(SEARCH(...))",
    );
  });

  it("answers Metrics Insights queries: functions, WHERE, GROUP BY, ORDER BY, LIMIT", async () => {
    const ns = JSON.stringify(NS);
    const schemaHost = SERIES.filter((s) => s.name === "Req" && Object.keys(s.dims).join() === "Host");
    type Fn = "AVG" | "SUM" | "MAX" | "MIN" | "COUNT";
    const combine = (fn: Fn, vs: number[]) =>
      fn === "SUM" ? vs.reduce((s, x) => s + x, 0) : fn === "COUNT" ? vs.length : fn === "MAX" ? Math.max(...vs) : fn === "MIN" ? Math.min(...vs) : avg(vs);
    /** One group's series: per minute, the function over every raw value of its members. */
    const groupPoints = (fn: Fn, members: SeriesDef[]): Points =>
      MINUTES.flatMap((m) => {
        const vs = members.flatMap((s) => s.raw(m) ?? []);
        return vs.length ? [[at(m).getTime(), combine(fn, vs)] as [number, number]] : [];
      });
    const orderKey = (fn: Fn, p: Points) => (fn === "COUNT" ? p.length : combine(fn, valuesOf(p)));
    const grouped = (fn: Fn, members: SeriesDef[], order?: { fn: Fn; desc: boolean }, limit?: number) => {
      const groups = [...new Set(members.map((s) => s.dims.Host))].sort();
      let rows = groups.map((g) => ({ label: g, points: groupPoints(fn, members.filter((s) => s.dims.Host === g)) }));
      if (order) rows.sort((x, y) => (orderKey(order.fn, x.points) - orderKey(order.fn, y.points)) * (order.desc ? -1 : 1));
      if (limit !== undefined) rows = rows.slice(0, limit);
      return rows;
    };
    const queries = [
      { id: "sum", sql: `SELECT SUM(Req) FROM SCHEMA(${ns}, Host) GROUP BY Host ORDER BY SUM() DESC`, want: grouped("SUM", schemaHost, { fn: "SUM", desc: true }) },
      {
        id: "avg",
        sql: `SELECT AVG(Req) FROM SCHEMA(${ns}, Host) WHERE Host != 'c' GROUP BY Host ORDER BY MAX() ASC LIMIT 2`,
        want: grouped("AVG", schemaHost.filter((s) => s.dims.Host !== "c"), { fn: "MAX", desc: false }, 2),
      },
      { id: "max", sql: `SELECT MAX(Req) FROM SCHEMA(${ns}, Host) GROUP BY Host`, want: grouped("MAX", schemaHost) },
      {
        id: "min",
        sql: `select min(Req) from schema(${ns}, Host) where Host != 'ab' group by Host order by min() desc limit 1`,
        want: grouped("MIN", schemaHost.filter((s) => s.dims.Host !== "ab"), { fn: "MIN", desc: true }, 1),
      },
      { id: "count", sql: `SELECT COUNT(Req) FROM SCHEMA(${ns}, Host) GROUP BY Host ORDER BY COUNT() DESC LIMIT 3`, want: grouped("COUNT", schemaHost, { fn: "COUNT", desc: true }, 3) },
    ];
    const out = await gmd(cw, queries.map((q) => ({ Id: q.id, Expression: q.sql, Period: 60 })));
    for (const q of queries) {
      const got = byId(out, q.id);
      // COUNT(): a tie between a, ab and c (6 points each) keeps their alphabetical order
      expect(got.map((r) => r.label), q.sql).toEqual(q.want.map((w) => w.label));
      q.want.forEach((w, i) => expectPoints(got[i].points, w.points, `${q.id} ${w.label}`));
    }

    // without GROUP BY: one series over every matching metric (FROM a bare namespace includes Req{Host,Zone})
    const flat = await gmd(cw, [
      { Id: "all", Expression: `SELECT SUM(Req) FROM ${ns}`, Period: 60 },
      { Id: "few", Expression: `SELECT AVG(Req) FROM SCHEMA(${ns}, Host) WHERE Host = 'a'`, Period: 60 },
    ]);
    expectPoints(one(flat, "all").points, groupPoints("SUM", SERIES.filter((s) => s.name === "Req")), "SUM over the namespace");
    expectPoints(one(flat, "few").points, groupPoints("AVG", [def("Req", { Host: "a" })]), "AVG where Host = a");
  });

  it("pages with MaxDatapoints and NextToken, every datapoint exactly once", async () => {
    const ns = JSON.stringify(NS);
    const queries = [
      stat("m1", "Req", { Host: "a" }, "Sum"),
      stat("m2", "Req", { Host: "b" }, "Average"),
      expr("s", `SEARCH('{${ns},Host} MetricName="Req"', 'Maximum', 60)`),
      expr("e", "m1 - m2"),
    ];
    const base = { StartTime: at(0), EndTime: at(6), MetricDataQueries: queries };
    const key = (r: MetricDataResult, i: number) => `${r.Id}|${r.Label}|${r.Timestamps![i].getTime()}|${r.Values![i]}`;
    const full = await cw.send(new GetMetricDataCommand(base));
    expect(full.NextToken).toBeUndefined();
    const want = full.MetricDataResults!.flatMap((r) => r.Values!.map((_, i) => key(r, i))).sort();
    expect(want).toHaveLength(6 + 5 + (6 + 6 + 5 + 6) + 6); // m1 - m2 has m1's 6 minutes, m2's gap counting as 0

    const got: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await cw.send(new GetMetricDataCommand({ ...base, MaxDatapoints: 5, NextToken: token }));
      const n = page.MetricDataResults!.reduce((s, r) => s + r.Values!.length, 0);
      expect(n).toBeLessThanOrEqual(5);
      for (const r of page.MetricDataResults!) r.Values!.forEach((_, i) => got.push(key(r, i)));
      token = page.NextToken;
      if (token) expect(page.MetricDataResults!.some((r) => r.StatusCode === "PartialData")).toBe(true);
      pages++;
      expect(pages).toBeLessThan(50);
    } while (token);
    expect(pages).toBe(Math.ceil(want.length / 5));
    expect(got.sort()).toEqual(want);

    const bad = await awsFailure(cw.send(new GetMetricDataCommand({ ...base, NextToken: "garbage" })));
    expect(bad).toMatchObject({ code: "InvalidNextToken", status: 400 });
  });

  it("rejects bad requests with AWS's codes and a clear message", async () => {
    const m1 = stat("m1", "Req", { Host: "a" }, "Sum");
    const cases: Array<[string, MetricDataQuery[], string, RegExp, Partial<GetMetricDataCommandInput>?]> = [
      ["a syntax error", [m1, expr("e1", "m1 +")], "ValidationError", /Syntax error at position \d+/],
      ["unbalanced parentheses", [m1, expr("e1", "(m1 * 2")], "ValidationError", /Syntax error/],
      ["an unknown id", [m1, expr("e1", "m1 + zz")], "InvalidParameterValue", /\bzz\b/],
      ["an unknown function", [m1, expr("e1", "FROB(m1)")], "ValidationError", /FROB/],
      ["a wrong argument type", [m1, expr("e1", "RATE(5)")], "ValidationError", /RATE/],
      ["a circular reference", [m1, expr("e1", "e2 + 1"), expr("e2", "e1 * 2")], "InvalidParameterValue", /Circular.*e1.*e2|Circular.*e2.*e1/],
      ["a self reference", [m1, expr("e1", "e1 + m1")], "InvalidParameterValue", /Circular.*e1/],
      ["duplicate ids", [m1, stat("m1", "Req", { Host: "b" }, "Sum")], "ValidationError", /^The values for parameter id in MetricDataQueries are not unique\.\n$/],
      ["an id with an uppercase first letter", [stat("M1", "Req", { Host: "a" }, "Sum")], "ValidationError", /^The value M1 for parameter MetricDataQueries\.member\.1\.Id is not matching/],
      ["an id with a dash", [stat("m-1", "Req", { Host: "a" }, "Sum")], "ValidationError", /\bm-1\b.*\.Id\b/],
      ["501 queries", Array.from({ length: 501 }, (_, i) => stat(`m${i}`, "Req", { Host: "a" }, "Sum")), "InvalidParameterValue", /MetricDataQueries/],
      ["no queries", [], "InvalidParameterValue", /MetricDataQueries/],
      ["both MetricStat and Expression", [{ ...m1, Expression: "1" }], "InvalidParameterValue", /MetricStat.*Expression|Expression.*MetricStat/],
      ["a period of 61", [{ ...m1, MetricStat: { ...m1.MetricStat!, Period: 61 } }], "InvalidParameterValue", /Period/],
      ["an unknown statistic", [{ ...m1, MetricStat: { ...m1.MetricStat!, Stat: "Avg" } }], "ValidationError", /^The value Avg for parameter MetricDataQueries\.member\.1\.MetricStat\.Stat is not a valid statistic\.\n$/],
      ["no returned data", [{ ...m1, ReturnData: false }], "InvalidParameterValue", /ReturnData/],
      ["a bad SEARCH", [expr("s", `SEARCH('{"ns"', 'Sum', 60)`)], "ValidationError", /search expression/i],
      ["a bad Metrics Insights query", [{ Id: "q", Expression: "SELECT AVG(Req) FROM", Period: 60 }], "ValidationError", /syntax error/i],
      ["a Metrics Insights query without a period", [{ Id: "q", Expression: `SELECT AVG(Req) FROM "x"` }], "InvalidParameterValue", /Period/],
      // GetMetricData's own code and message (elastic/beats#32687 and YACE#729 quote AWS's "must not equal" one).
      ["StartTime after EndTime", [m1], "ValidationError", /^The parameter EndTime must be greater than StartTime\.\n$/, { StartTime: at(5), EndTime: at(1) }],
    ];
    for (const [what, queries, code, message, extra] of cases) {
      const f = await awsFailure(cw.send(new GetMetricDataCommand({ StartTime: at(0), EndTime: at(6), MetricDataQueries: queries, ...extra })));
      expect(f, what).toMatchObject({ code, status: 400 });
      expect(f.message, what).toMatch(message);
    }
    // 500 queries is the limit, not beyond it
    const many = await cw.send(
      new GetMetricDataCommand({ StartTime: at(0), EndTime: at(6), MetricDataQueries: Array.from({ length: 500 }, (_, i) => stat(`m${i}`, "Req", { Host: "c" }, "Sum")) }),
    );
    expect(many.MetricDataResults).toHaveLength(500);
    expect(many.MetricDataResults!.every((r) => r.Values!.length === 6)).toBe(true);
  });
});

// ---------------------------------------------------------------------------

describe("GetMetricData over awsQuery", () => {
  it("returns MetricStat, math, SEARCH and Metrics Insights results as over JSON", async () => {
    const json = cloudWatchClient(stack, { protocol: "json" });
    const query = cloudWatchClient(stack, { protocol: "query" });
    const ns = JSON.stringify(NS);
    const queries: MetricDataQuery[] = [
      stat("m1", "Req", { Host: "a" }, "Sum", { Label: "a ${MAX}" }),
      stat("m2", "Req", { Host: "b" }, "p50"),
      expr("e1", "FILL(m2, 0) + m1"),
      expr("s", `SEARCH('{${ns},Host} MetricName="Req"', 'Average', 60)`),
      { Id: "q", Expression: `SELECT SUM(Req) FROM SCHEMA(${ns}, Host) GROUP BY Host ORDER BY SUM() DESC LIMIT 2`, Period: 60 },
    ];
    const viaQuery = await gmd(query, queries);
    const viaJson = await gmd(json, queries);
    expect(viaQuery).toEqual(viaJson);
    expect(viaQuery.map((r) => r.id)).toEqual(["m1", "m2", "e1", "s", "s", "s", "s", "q", "q"]);
    const m1 = statPoints(def("Req", { Host: "a" }), "Sum");
    expect(one(viaQuery, "m1").label).toBe(`a ${Math.max(...valuesOf(m1))}`);
    expectPoints(one(viaQuery, "m1").points, m1, "query m1");
  });
});

describe("GetMetricData and GetMetricStatistics with Debian's aws CLI", () => {
  it("get-metric-data --metric-data-queries file://...", async () => {
    const ns = JSON.stringify(NS);
    const file = join(tmp, "queries.json");
    writeFileSync(
      file,
      JSON.stringify([
        { Id: "m1", MetricStat: { Metric: { Namespace: NS, MetricName: "Req", Dimensions: [{ Name: "Host", Value: "a" }] }, Period: 60, Stat: "Sum" }, ReturnData: false },
        { Id: "m2", MetricStat: { Metric: { Namespace: NS, MetricName: "Req", Dimensions: [{ Name: "Host", Value: "c" }] }, Period: 60, Stat: "Maximum" } },
        { Id: "e1", Expression: "m1 * 2 + m2", Label: "doubled" },
        { Id: "s", Expression: `SEARCH('{${ns},Host} MetricName="Req"', 'SampleCount', 60)` },
        { Id: "q", Expression: `SELECT SUM(Req) FROM SCHEMA(${ns}, Host) GROUP BY Host ORDER BY SUM() DESC`, Period: 60 },
      ]),
    );
    const res = await awsCli(stack, [
      "cloudwatch",
      "get-metric-data",
      "--metric-data-queries", `file://${file}`,
      "--start-time", at(0).toISOString(),
      "--end-time", at(6).toISOString(),
      "--scan-by", "TimestampAscending",
    ]);
    expect(res.code, res.stderr).toBe(0);
    const results = (res.json.MetricDataResults as any[]).map((r) => ({
      id: r.Id,
      label: r.Label,
      points: (r.Timestamps as string[]).map((t, i) => [new Date(t).getTime(), r.Values[i]] as [number, number]),
    }));
    expect(results.map((r) => r.id)).toEqual(["m2", "e1", "s", "s", "s", "s", "q", "q", "q", "q"]);
    const m1 = statPoints(def("Req", { Host: "a" }), "Sum");
    const m2 = statPoints(def("Req", { Host: "c" }), "Maximum");
    expectPoints(results[0].points, m2, "cli m2");
    expect(results[1].label).toBe("doubled");
    expectPoints(results[1].points, zipP(m1, m2, (x, y) => x * 2 + y), "cli e1");
    for (const r of results.slice(2, 6)) expectPoints(r.points, statPoints(def("Req", { Host: r.label }), "SampleCount"), `cli SEARCH ${r.label}`);
    // Metrics Insights: SCHEMA(ns, Host) holds one series per host, so each group's SUM is that series' Sum;
    // groups come largest total first.
    const sums = results.slice(2, 6).map((r) => ({ host: r.label, points: statPoints(def("Req", { Host: r.label }), "Sum") }));
    const total = (p: Points) => p.reduce((t, [, v]) => t + v, 0);
    sums.sort((x, y) => total(y.points) - total(x.points));
    expect(results.slice(6).map((r) => r.label)).toEqual(sums.map((x) => x.host));
    results.slice(6).forEach((r, i) => expectPoints(r.points, sums[i].points, `cli Metrics Insights ${r.label}`));
  });

  it("get-metric-statistics with every statistic, basic and extended", async () => {
    const gmsCli = (period: number, ...statistics: string[]) =>
      awsCli(stack, [
        "cloudwatch",
        "get-metric-statistics",
        "--namespace", DIST,
        "--metric-name", "Latency",
        "--dimensions", "Name=Host,Value=a",
        "--start-time", at(0).toISOString(),
        "--end-time", at(5).toISOString(),
        "--period", String(period),
        ...statistics,
      ]);
    const basics = await gmsCli(60, "--statistics", ...ALL_STATS);
    expect(basics.code, basics.stderr).toBe(0);
    const minutes = [...basics.json.Datapoints].sort((a: any, b: any) => Date.parse(a.Timestamp) - Date.parse(b.Timestamp));
    expect(minutes.map((d: any) => Date.parse(d.Timestamp))).toEqual([0, 1, 2, 3, 4].map((m) => at(m).getTime()));
    minutes.forEach((d: any, m: number) => {
      expect({ SampleCount: d.SampleCount, Sum: d.Sum, Average: d.Average, Minimum: d.Minimum, Maximum: d.Maximum }, `cli minute ${m}`).toEqual(basic(distValues(m)));
      expect(d.Unit).toBe("Milliseconds");
    });

    const res = await gmsCli(300, "--extended-statistics", ...EXTENDED);
    expect(res.code, res.stderr).toBe(0);
    expect(res.json.Datapoints).toHaveLength(1);
    const want = extendedOf([0, 1, 2, 3, 4].flatMap(distValues));
    const got = res.json.Datapoints[0].ExtendedStatistics;
    expect(Object.keys(got).sort()).toEqual([...EXTENDED].sort());
    for (const name of EXTENDED) expectWithin(got[name], want[name], EXACT_EXTENDED.has(name) ? 1e-9 : 0.01, `cli ${name}`);

    const bad = await awsCli(stack, ["cloudwatch", "get-metric-statistics", "--namespace", DIST, "--metric-name", "Latency", "--start-time", at(0).toISOString(), "--end-time", at(5).toISOString(), "--period", "61", "--statistics", "Sum"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/\(InvalidParameterValue\) when calling the GetMetricStatistics operation.*Period/);
  });
});

// ---------------------------------------------------------------------------

describe("tenancy", () => {
  it("shows account 1 none of account 0's metrics: ListMetrics, GetMetricStatistics, GetMetricData, SEARCH, Metrics Insights", async () => {
    const ns = JSON.stringify(NS);
    for (const protocol of ["json", "cbor", "query"] as const) {
      const b = cloudWatchClient(stack, { protocol, account: 1 });
      const listed = await b.send(new ListMetricsCommand({ Namespace: NS }));
      expect(listed.Metrics, protocol).toEqual([]);
      const st = await b.send(
        new GetMetricStatisticsCommand({ Namespace: DIST, MetricName: "Latency", Dimensions: [{ Name: "Host", Value: "a" }], StartTime: at(0), EndTime: at(5), Period: 60, Statistics: ["Sum"] }),
      );
      expect(st.Datapoints ?? [], protocol).toEqual([]);
      const out = await gmd(b, [
        stat("m1", "Req", { Host: "a" }, "Sum"),
        expr("s", `SEARCH('{${ns},Host} MetricName="Req"', 'Sum', 60)`),
        expr("all", `SEARCH('Req', 'Sum', 60)`),
        { Id: "q", Expression: `SELECT SUM(Req) FROM SCHEMA(${ns}, Host) GROUP BY Host`, Period: 60 },
        { Id: "flat", Expression: `SELECT SUM(Req) FROM ${ns}`, Period: 60 },
      ]);
      expect(one(out, "m1").points, protocol).toEqual([]);
      expect(byId(out, "s"), protocol).toEqual([]);
      expect(byId(out, "all"), protocol).toEqual([]);
      expect(byId(out, "q"), protocol).toEqual([]);
      expect(byId(out, "flat").flatMap((r) => r.points), protocol).toEqual([]);
    }
    // and account 0 still sees them
    const a = cloudWatchClient(stack);
    const mine = await gmd(a, [expr("s", `SEARCH('{${ns},Host} MetricName="Req"', 'Sum', 60)`)]);
    expect(mine).toHaveLength(4);
  });
});
