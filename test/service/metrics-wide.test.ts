/**
 * Wide reads: SEARCH and Metrics Insights over more series than the per-series
 * read path handles (they stream every chunk of a span once and fold it into
 * per-series grids). The data is half aggregated into chunks and half still
 * in the ingest tail (the service first runs without its aggregator, then
 * with it, then without it again), and the answers must equal what is
 * computed here from the raw values, and what one-metric queries return.
 */
import { GetMetricDataCommand, PutMetricDataCommand, type CloudWatchClient, type MetricDatum } from "@aws-sdk/client-cloudwatch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cloudWatchClient, startStack, templateWithoutAggregator, type Stack } from "../support/stack.js";
import { MIN, minuteGrid } from "../support/minutes.js";

const RUN = `wide${Date.now().toString(36)}`;
const NS = `Wide/${RUN}`;
const SERIES = 100;
const GROUPS = 5;
const MINUTES = 10;
/** A whole 10 minutes, 40 minutes ago. */
const { T0 } = minuteGrid(40, 10);

const host = (s: number) => `h-${String(s).padStart(3, "0")}`;
const group = (s: number) => `g-${s % GROUPS}`;
/** Multiples of 1/4: every sum is exact in any order. Series 7 has no data in minute 3. */
const value = (s: number, m: number) => ((s * 7 + m * 3) % 50) / 4 + s / 100;
const has = (s: number, m: number) => !(s === 7 && m === 3);

let stack: Stack;
let cw: CloudWatchClient;
let noAggregator: string;

async function putMinutes(from: number, to: number) {
  const data: MetricDatum[] = [];
  for (let m = from; m < to; m++) {
    for (let s = 0; s < SERIES; s++) {
      if (!has(s, m)) continue;
      data.push({
        MetricName: "Latency",
        Dimensions: [{ Name: "Host", Value: host(s) }, { Name: "Group", Value: group(s) }],
        Timestamp: new Date(T0 + m * MIN),
        Value: value(s, m),
        Unit: "Milliseconds",
      });
    }
  }
  for (let i = 0; i < data.length; i += 1000) await cw.send(new PutMetricDataCommand({ Namespace: NS, MetricData: data.slice(i, i + 1000) }));
}

/** Until the aggregator has folded every ingest message (with it running). */
async function aggregated() {
  process.env.HIVE_CLOUDWATCH_NATS_URL = stack.natsUrl;
  process.env.HIVE_CLOUDWATCH_LOCAL = "true";
  const { ingestBacklog } = await import("../../lib/metrics/write/backlog.js");
  const deadline = Date.now() + 60_000;
  while ((await ingestBacklog()) > 0) {
    if (Date.now() > deadline) throw new Error("the aggregator did not catch up within 60 s");
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  noAggregator = templateWithoutAggregator();
  // With no aggregator the tail only grows: no throttling for lag in this suite.
  stack = await startStack({ env: { HIVE_CLOUDWATCH_TEMPLATE: noAggregator, HIVE_CLOUDWATCH_MAX_INGEST_LAG: "1d" } });
  cw = cloudWatchClient(stack);
  // Minutes 0-5 go to chunks, 6-9 stay in the tail (and share chunks with them).
  await putMinutes(0, 6);
  await stack.stopService();
  await stack.startService({ HIVE_CLOUDWATCH_TEMPLATE: "template.yaml" });
  await aggregated();
  await stack.stopService();
  await stack.startService({ HIVE_CLOUDWATCH_TEMPLATE: noAggregator });
  await putMinutes(6, MINUTES);
}, 180_000);

afterAll(async () => {
  cw?.destroy();
  const { closeNats } = await import("../../lib/storage/nats.js");
  await closeNats();
  await stack?.stop();
});

/** Independent: per-period sum and count of one series. */
function expected(s: number, periodMin: number) {
  const out = new Map<number, { sum: number; count: number; max: number }>();
  for (let m = 0; m < MINUTES; m++) {
    if (!has(s, m)) continue;
    const p = T0 + Math.floor(m / periodMin) * periodMin * MIN;
    const cur = out.get(p) ?? { sum: 0, count: 0, max: -Infinity };
    cur.sum += value(s, m);
    cur.count += 1;
    cur.max = Math.max(cur.max, value(s, m));
    out.set(p, cur);
  }
  return out;
}

async function gmd(expression: string, period: number) {
  const out = await cw.send(
    new GetMetricDataCommand({
      MetricDataQueries: [{ Id: "q", Expression: expression, Period: period }],
      StartTime: new Date(T0),
      EndTime: new Date(T0 + MINUTES * MIN),
      ScanBy: "TimestampAscending",
    }),
  );
  return out.MetricDataResults ?? [];
}

describe("wide reads over chunks and the unaggregated tail", () => {
  it("SEARCH over 100 series: each series' sums per 5 minutes equal the raw values' (chunks and tail together)", async () => {
    const results = await gmd(`SEARCH('{${NS},Group,Host} MetricName="Latency"', 'Sum', 300)`, 300);
    expect(results).toHaveLength(SERIES);
    const seen = new Set<string>();
    for (const r of results) {
      const s = Number(/h-(\d{3})/.exec(r.Label!)![1]);
      seen.add(host(s));
      const want = expected(s, 5);
      expect(r.Timestamps!.map((t) => t.getTime()), r.Label).toEqual([...want.keys()]);
      expect(r.Values, r.Label).toEqual([...want.values()].map((x) => x.sum));
    }
    expect(seen.size).toBe(SERIES);
  });

  it("SEARCH per minute: Maximum and SampleCount, with series 7's missing minute left out", async () => {
    const [max, count] = await Promise.all([
      gmd(`SEARCH('{${NS},Group,Host} MetricName="Latency"', 'Maximum', 60)`, 60),
      gmd(`SEARCH('{${NS},Group,Host} MetricName="Latency"', 'SampleCount', 60)`, 60),
    ]);
    expect(max).toHaveLength(SERIES);
    for (const r of max) {
      const s = Number(/h-(\d{3})/.exec(r.Label!)![1]);
      const want = expected(s, 1);
      expect(r.Timestamps!.map((t) => t.getTime())).toEqual([...want.keys()]);
      expect(r.Values).toEqual([...want.values()].map((x) => x.max));
    }
    const seven = count.find((r) => r.Label!.includes(host(7)))!;
    expect(seven.Values).toEqual(Array(MINUTES - 1).fill(1));
  });

  it("Metrics Insights GROUP BY over the 100 series equals the per-group average computed here", async () => {
    const results = await gmd(`SELECT AVG(Latency) FROM SCHEMA("${NS}", "Group", Host) GROUP BY "Group" ORDER BY AVG() DESC`, 300);
    expect(results).toHaveLength(GROUPS);
    for (const r of results) {
      const g = Number(/g-(\d)/.exec(r.Label!)![1]);
      const sums = new Map<number, { sum: number; count: number }>();
      for (let s = g; s < SERIES; s += GROUPS) {
        for (const [t, x] of expected(s, 5)) {
          const cur = sums.get(t) ?? { sum: 0, count: 0 };
          cur.sum += x.sum;
          cur.count += x.count;
          sums.set(t, cur);
        }
      }
      expect(r.Timestamps!.map((t) => t.getTime())).toEqual([...sums.keys()]);
      r.Values!.forEach((v, i) => expect(v).toBeCloseTo([...sums.values()][i].sum / [...sums.values()][i].count, 10));
    }
    // ORDER BY AVG() DESC: the groups by their average over the whole range, highest first.
    const overall = results.map((r) => r.Values!.reduce((a, b) => a + b, 0) / r.Values!.length);
    expect([...overall].sort((a, b) => b - a)).toEqual(overall);
  });

  it("a one-metric query returns the same as the wide read for the same series", async () => {
    const out = await cw.send(
      new GetMetricDataCommand({
        MetricDataQueries: [
          {
            Id: "one",
            MetricStat: {
              Metric: { Namespace: NS, MetricName: "Latency", Dimensions: [{ Name: "Host", Value: host(42) }, { Name: "Group", Value: group(42) }] },
              Period: 300,
              Stat: "Sum",
            },
          },
        ],
        StartTime: new Date(T0),
        EndTime: new Date(T0 + MINUTES * MIN),
        ScanBy: "TimestampAscending",
      }),
    );
    const wide = (await gmd(`SEARCH('{${NS},Group,Host} Host="${host(42)}"', 'Sum', 300)`, 300))[0];
    expect(out.MetricDataResults![0].Values).toEqual(wide.Values);
    expect(out.MetricDataResults![0].Values).toEqual([...expected(42, 5).values()].map((x) => x.sum));
  });
});
