/**
 * Metrics Insights: parser and executor, as AWS documents them
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-querylanguage.html,
 * ...-insights-inference.html, ...-insights-limits.html).
 *
 * The MetricSource here is a test double of the internal interface: it keeps
 * raw observations and computes per-bucket statistics on fetch. Every expected
 * value is computed from the raw observations directly, never through the
 * statistics the executor asks for.
 */
import { describe, expect, it } from "vitest";
import { ServiceError } from "../../lib/errors.js";
import {
  parseInsightsQuery,
  runInsightsQuery,
  type InsightsMessage,
  type InsightsQuery,
} from "../../lib/metrics/query/insights/index.js";
import type { Dimension, MetricIdentity, MetricSource, Series } from "../../lib/metrics/types.js";

// ---------------------------------------------------------------------------
// Test double: raw observations in memory

interface Obs {
  t: number;
  v: number;
}
interface Stored {
  id: MetricIdentity;
  obs: Obs[];
}

const T0 = Date.UTC(2026, 10, 25, 6, 0, 0);
const MIN = 60_000;
const NOW = new Date(T0 + 3 * 3600_000);

function metric(namespace: string, metricName: string, dims: Record<string, string> = {}): MetricIdentity {
  const dimensions: Dimension[] = Object.entries(dims)
    .map(([name, value]) => ({ name, value }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  return { namespace, metricName, dimensions };
}

function statOf(stat: string, vs: number[]): number {
  switch (stat) {
    case "Sum":
      return vs.reduce((a, b) => a + b, 0);
    case "SampleCount":
      return vs.length;
    case "Minimum":
      return Math.min(...vs);
    case "Maximum":
      return Math.max(...vs);
    case "Average":
      return vs.reduce((a, b) => a + b, 0) / vs.length;
    default:
      throw new Error(`test source: unsupported stat ${stat}`);
  }
}

class MemorySource implements MetricSource {
  listCalls: { namespace?: string; metricName?: string }[] = [];
  fetchCalls: { stat: string; count: number; period: number; start: number; end: number }[] = [];
  /** Return fetched series in reverse order (each carries its metric). */
  reverse = false;

  private readonly byId: Map<string, Stored>;

  constructor(readonly stored: Stored[]) {
    this.byId = new Map(stored.map((s) => [JSON.stringify(s.id), s]));
  }

  async listMetrics(filter: { namespace?: string; metricName?: string }): Promise<MetricIdentity[]> {
    this.listCalls.push(filter);
    return this.stored
      .filter((s) => filter.namespace === undefined || s.id.namespace === filter.namespace)
      .filter((s) => filter.metricName === undefined || s.id.metricName === filter.metricName)
      .map((s) => s.id);
  }

  async fetch(metrics: MetricIdentity[], stat: string, period: number, start: Date, end: Date): Promise<Series[]> {
    this.fetchCalls.push({ stat, count: metrics.length, period, start: start.getTime(), end: end.getTime() });
    const p = period * 1000;
    const out = metrics.map((m) => {
      const s = this.byId.get(JSON.stringify(m));
      const buckets = new Map<number, number[]>();
      for (const o of s?.obs ?? []) {
        if (o.t < start.getTime() || o.t >= end.getTime()) continue;
        const b = start.getTime() + Math.floor((o.t - start.getTime()) / p) * p;
        buckets.set(b, [...(buckets.get(b) ?? []), o.v]);
      }
      const ts = [...buckets.keys()].sort((a, b) => a - b);
      return { label: m.metricName, timestamps: ts, values: ts.map((t) => statOf(stat, buckets.get(t)!)), metric: m };
    });
    return this.reverse ? out.reverse() : out;
  }
}

/** Deterministic pseudo-random numbers. */
function rng(seed: number) {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

/** 1 to 4 observations per minute for `minutes` minutes, some minutes empty. */
function observations(seed: number, minutes: number, from = T0): Obs[] {
  const r = rng(seed);
  const obs: Obs[] = [];
  for (let i = 0; i < minutes; i++) {
    if (r() < 0.15) continue;
    const n = 1 + Math.floor(r() * 4);
    for (let k = 0; k < n; k++) obs.push({ t: from + i * MIN + Math.floor(r() * 59_000), v: Math.round(r() * 1000) / 10 });
  }
  return obs;
}

// The fleet: App/Latency with several dimension sets, plus look-alikes that must never match.
const FLEET: Stored[] = [
  { id: metric("App", "Latency", { Host: "h1", AZ: "a" }), obs: observations(1, 30) },
  { id: metric("App", "Latency", { Host: "h2", AZ: "a" }), obs: observations(2, 30) },
  { id: metric("App", "Latency", { Host: "h3", AZ: "b" }), obs: observations(3, 30) },
  { id: metric("App", "Latency", { Host: "h4", AZ: "b" }), obs: observations(4, 30) },
  { id: metric("App", "Latency", { Host: "h1" }), obs: observations(5, 30) },
  { id: metric("App", "Latency", { Host: "web-2" }), obs: observations(6, 30) },
  { id: metric("App", "Latency", { AZ: "a" }), obs: observations(7, 30) },
  { id: metric("App", "Latency"), obs: observations(8, 30) },
  { id: metric("App", "Latency", { Host: "h1", AZ: "a", Shard: "s1" }), obs: observations(9, 30) },
  // Never matched by queries on App/Latency:
  { id: metric("App", "latency", { Host: "h1" }), obs: observations(10, 30) },
  { id: metric("App", "Errors", { Host: "h1" }), obs: observations(11, 30) },
  { id: metric("Other", "Latency", { Host: "h1" }), obs: observations(12, 30) },
];

const latency = (pred: (dims: Record<string, string>) => boolean = () => true) =>
  FLEET.filter((s) => s.id.namespace === "App" && s.id.metricName === "Latency").filter((s) =>
    pred(Object.fromEntries(s.id.dimensions.map((d) => [d.name, d.value]))),
  );

type Fn = "SUM" | "AVG" | "MIN" | "MAX" | "COUNT";

/** Expected series from raw observations: every observation of every metric in a bucket. */
function expected(fn: Fn, stored: Stored[], periodSec = 60, start = T0, end = T0 + 30 * MIN) {
  const p = periodSec * 1000;
  const buckets = new Map<number, number[]>();
  for (const s of stored) {
    for (const o of s.obs) {
      if (o.t < start || o.t >= end) continue;
      const b = start + Math.floor((o.t - start) / p) * p;
      buckets.set(b, [...(buckets.get(b) ?? []), o.v]);
    }
  }
  const timestamps = [...buckets.keys()].sort((a, b) => a - b);
  const values = timestamps.map((t) => {
    const vs = buckets.get(t)!;
    switch (fn) {
      case "SUM":
        return vs.reduce((a, b) => a + b, 0);
      case "COUNT":
        return vs.length;
      case "MIN":
        return Math.min(...vs);
      case "MAX":
        return Math.max(...vs);
      case "AVG":
        return vs.reduce((a, b) => a + b, 0) / vs.length;
    }
  });
  return { timestamps, values };
}

function expectSeries(actual: Series, exp: { timestamps: number[]; values: number[] }) {
  expect(actual.timestamps).toEqual(exp.timestamps);
  expect(actual.values.length).toBe(exp.values.length);
  actual.values.forEach((v, i) => expect(v).toBeCloseTo(exp.values[i], 9));
}

const RANGE = { periodSeconds: 60, start: new Date(T0), end: new Date(T0 + 30 * MIN), now: NOW };

async function run(sql: string | InsightsQuery, source: MetricSource = new MemorySource(FLEET), extra = {}) {
  return runInsightsQuery(sql, source, { ...RANGE, ...extra });
}

function syntaxErrorOf(sql: string): ServiceError {
  try {
    parseInsightsQuery(sql);
  } catch (e) {
    expect(e).toBeInstanceOf(ServiceError);
    return e as ServiceError;
  }
  throw new Error(`expected a syntax error for: ${sql}`);
}

// ---------------------------------------------------------------------------

describe("parseInsightsQuery", () => {
  it("parses every clause; keywords are case-insensitive, identifiers keep their case", () => {
    const q = parseInsightsQuery(
      `select Sum(RequestCount) from SCHEMA("AWS/ApplicationELB", LoadBalancer, AvailabilityZone)
       where LoadBalancer = 'app/load-balancer-1' group by AvailabilityZone order by max() desc limit 5`,
    );
    expect(q).toEqual({
      func: "SUM",
      metricName: "RequestCount",
      namespace: "AWS/ApplicationELB",
      schemaKeys: ["LoadBalancer", "AvailabilityZone"],
      where: { kind: "compare", key: "LoadBalancer", op: "=", value: "app/load-balancer-1" },
      groupBy: ["AvailabilityZone"],
      orderBy: { func: "MAX", direction: "DESC" },
      limit: 5,
    });
  });

  it("FROM a bare namespace has no schema; SCHEMA(ns) alone means no dimensions", () => {
    expect(parseInsightsQuery("SELECT AVG(CPUUtilization) FROM \"AWS/EC2\"").schemaKeys).toBeUndefined();
    expect(parseInsightsQuery("SELECT AVG(CPUUtilization) FROM SCHEMA(\"AWS/EC2\")").schemaKeys).toEqual([]);
    expect(parseInsightsQuery("SELECT AVG(CPUUtilization) FROM MyNamespace").namespace).toBe("MyNamespace");
  });

  it("ORDER BY defaults to ASC; GROUP BY takes several keys", () => {
    const q = parseInsightsQuery("SELECT COUNT(x) FROM ns GROUP BY ServiceName, Operation ORDER BY AVG()");
    expect(q.groupBy).toEqual(["ServiceName", "Operation"]);
    expect(q.orderBy).toEqual({ func: "AVG", direction: "ASC" });
    expect(q.limit).toBeUndefined();
  });

  it("double-quoted identifiers take backslash escapes; reserved words must be quoted", () => {
    expect(parseInsightsQuery('SELECT AVG("Bytes\\"Input\\"") FROM ns').metricName).toBe('Bytes"Input"');
    expect(parseInsightsQuery('SELECT AVG("My.Metric") FROM ns').metricName).toBe("My.Metric");
    expect(parseInsightsQuery('SELECT AVG("LIMIT") FROM ns').metricName).toBe("LIMIT");
    expect(syntaxErrorOf("SELECT AVG(LIMIT) FROM ns").message).toMatch(/^Query syntax error at line 1, column 12\b/);
  });

  it("label values are single-quoted, with backslash escapes", () => {
    const q = parseInsightsQuery("SELECT MAX(CPUUtilization) FROM \"AWS/EC2\" WHERE AutoScalingGroupName = 'my-production-fleet' AND Name = 'O\\'Brien'");
    expect(q.where).toEqual({
      kind: "and",
      left: { kind: "compare", key: "AutoScalingGroupName", op: "=", value: "my-production-fleet" },
      right: { kind: "compare", key: "Name", op: "=", value: "O'Brien" },
    });
  });

  it("WHERE: != , IN, NOT IN, LIKE, NOT LIKE, OR and parentheses (AND binds tighter than OR)", () => {
    const q = parseInsightsQuery(
      "SELECT SUM(x) FROM ns WHERE a != '1' AND (b IN ('2', '3') OR c NOT IN ('4')) OR d LIKE 'w%' AND e NOT LIKE '%z'",
    );
    expect(q.where).toEqual({
      kind: "or",
      left: {
        kind: "and",
        left: { kind: "compare", key: "a", op: "!=", value: "1" },
        right: {
          kind: "or",
          left: { kind: "in", key: "b", values: ["2", "3"], negated: false },
          right: { kind: "in", key: "c", values: ["4"], negated: true },
        },
      },
      right: {
        kind: "and",
        left: { kind: "like", key: "d", pattern: "w%", negated: false },
        right: { kind: "like", key: "e", pattern: "%z", negated: true },
      },
    });
  });

  it("reports syntax errors with AWS's line/column phrasing as ValidationError 400", () => {
    const e = syntaxErrorOf("SELECT AVG(CPU) FORM ns");
    expect(e.code).toBe("ValidationError");
    expect(e.status).toBe(400);
    expect(e.message).toMatch(/^Query syntax error at line 1, column 17\b/);

    expect(syntaxErrorOf("SELECT AVG(CPU)\nFROM ns\n  WHERE Host == 'a'").message).toMatch(
      /^Query syntax error at line 3, column 15\b/,
    );
  });

  it.each([
    ["an unknown function", "SELECT P99(CPU) FROM ns", 8],
    ["a double-quoted label value", 'SELECT AVG(CPU) FROM ns WHERE Host = "a"', 38],
    ["a single-quoted namespace", "SELECT AVG(CPU) FROM 'AWS/EC2'", 22],
    ["an unquoted namespace with a slash", "SELECT AVG(CPU) FROM AWS/EC2", 25],
    ["an empty SCHEMA()", "SELECT AVG(CPU) FROM SCHEMA()", 29],
    ["ORDER BY with an argument", "SELECT AVG(CPU) FROM ns ORDER BY MAX(CPU)", 38],
    ["a missing ORDER BY function", "SELECT AVG(CPU) FROM ns ORDER BY DESC", 34],
    ["a non-numeric LIMIT", "SELECT AVG(CPU) FROM ns LIMIT ten", 31],
    ["trailing text", "SELECT AVG(CPU) FROM ns LIMIT 5 5", 33],
    ["an unterminated string", "SELECT AVG(CPU) FROM ns WHERE a = 'x", 35],
    ["a missing metric", "SELECT AVG() FROM ns", 12],
    ["a missing FROM", "SELECT AVG(CPU)", 16],
    ["a dangling AND", "SELECT AVG(CPU) FROM ns WHERE a = 'x' AND", 42],
  ])("rejects %s", (_what, sql, column) => {
    expect(syntaxErrorOf(sql).message).toMatch(new RegExp(`^Query syntax error at line 1, column ${column}\\b`));
  });

  it("LIMIT must be 1..500", () => {
    expect(parseInsightsQuery("SELECT AVG(CPU) FROM ns LIMIT 500").limit).toBe(500);
    expect(syntaxErrorOf("SELECT AVG(CPU) FROM ns LIMIT 501").message).toMatch(/LIMIT must be between 1 and 500/);
    expect(syntaxErrorOf("SELECT AVG(CPU) FROM ns LIMIT 0").message).toMatch(/LIMIT must be between 1 and 500/);
  });

  it("rejects an empty query", () => {
    expect(syntaxErrorOf("   ").code).toBe("ValidationError");
  });
});

describe("runInsightsQuery: aggregation across series", () => {
  it("SUM over a bare namespace aggregates every App/Latency metric whatever its dimensions", async () => {
    const [s, ...rest] = await run("SELECT SUM(Latency) FROM App");
    expect(rest).toEqual([]);
    expect(s.label).toBe("SUM(Latency)");
    expectSeries(s, expected("SUM", latency()));
  });

  it("AVG is the mean of all observations in the bucket (Σ sums / Σ counts), not a mean of per-series means", async () => {
    const [s] = await run("SELECT AVG(Latency) FROM App");
    const exp = expected("AVG", latency());
    expectSeries(s, exp);
    // The data discriminates: the mean of per-series averages differs somewhere.
    const perSeries = latency().map((m) => expected("AVG", [m]));
    const meanOfMeans = exp.timestamps.map((t) => {
      const vs = perSeries.map((x) => x.values[x.timestamps.indexOf(t)]).filter((v) => v !== undefined);
      return vs.reduce((a, b) => a + b, 0) / vs.length;
    });
    expect(meanOfMeans.some((v, i) => Math.abs(v - exp.values[i]) > 1e-6)).toBe(true);
  });

  it.each(["MIN", "MAX", "COUNT"] as const)("%s across series", async (fn) => {
    const [s] = await run(`SELECT ${fn}(Latency) FROM App`);
    expect(s.label).toBe(`${fn}(Latency)`);
    expectSeries(s, expected(fn, latency()));
  });

  it("asks the source for mergeable statistics: AVG fetches Sum and SampleCount", async () => {
    const want: Record<Fn, string[]> = {
      SUM: ["Sum"],
      AVG: ["Sum", "SampleCount"],
      MIN: ["Minimum"],
      MAX: ["Maximum"],
      COUNT: ["SampleCount"],
    };
    for (const fn of Object.keys(want) as Fn[]) {
      const src = new MemorySource(FLEET);
      await run(`SELECT ${fn}(Latency) FROM App`, src);
      expect(src.fetchCalls.map((c) => c.stat).sort()).toEqual([...want[fn]].sort());
      expect(src.fetchCalls.every((c) => c.count === latency().length && c.period === 60)).toBe(true);
      expect(src.listCalls).toEqual([{ namespace: "App", metricName: "Latency" }]);
    }
  });

  it("lines fetched series up with metrics by identity, not by position", async () => {
    const src = new MemorySource(FLEET);
    src.reverse = true;
    const [s] = await run("SELECT AVG(Latency) FROM App GROUP BY Host ORDER BY MAX() DESC LIMIT 1", src);
    const ref = await run("SELECT AVG(Latency) FROM App GROUP BY Host ORDER BY MAX() DESC LIMIT 1");
    expect(s).toEqual(ref[0]);
  });

  it("timestamps are bucket starts, ascending; buckets without data are omitted", async () => {
    const stored: Stored[] = [
      { id: metric("N", "M"), obs: [{ t: T0 + 5 * MIN + 30_000, v: 2 }, { t: T0 + 1 * MIN + 1, v: 1 }] },
      { id: metric("N", "M", { K: "v" }), obs: [{ t: T0 + 5 * MIN + 59_999, v: 4 }] },
    ];
    const [s] = await run("SELECT SUM(M) FROM N", new MemorySource(stored));
    expect(s.timestamps).toEqual([T0 + MIN, T0 + 5 * MIN]);
    expect(s.values).toEqual([1, 6]);
  });

  it("uses the requested period; periods under a minute are aggregated at one minute", async () => {
    const [five] = await run("SELECT SUM(Latency) FROM App", undefined, { periodSeconds: 300 });
    expectSeries(five, expected("SUM", latency(), 300));
    const src = new MemorySource(FLEET);
    const [ten] = await run("SELECT SUM(Latency) FROM App", src, { periodSeconds: 10 });
    expect(src.fetchCalls[0].period).toBe(60);
    expectSeries(ten, expected("SUM", latency(), 60));
  });

  it("accepts an already parsed query", async () => {
    const q = parseInsightsQuery("SELECT MAX(Latency) FROM App WHERE Host = 'h2'");
    const [s] = await run(q);
    expectSeries(s, expected("MAX", latency((d) => d.Host === "h2")));
  });

  it("metric and namespace names are case-sensitive; no match without GROUP BY is one empty series", async () => {
    const res = await run("SELECT SUM(latency) FROM app");
    expect(res).toEqual([{ label: "SUM(latency)", timestamps: [], values: [] }]);
    expect(await run("SELECT SUM(Nope) FROM App GROUP BY Host")).toEqual([]);
  });
});

describe("runInsightsQuery: SCHEMA and WHERE", () => {
  it("SCHEMA(ns) keeps only metrics without dimensions", async () => {
    const [s] = await run("SELECT SUM(Latency) FROM SCHEMA(App)");
    expectSeries(s, expected("SUM", latency((d) => Object.keys(d).length === 0)));
  });

  it("SCHEMA(ns, keys) keeps metrics with exactly those dimension names, in any order", async () => {
    const exact = latency((d) => Object.keys(d).sort().join() === "AZ,Host");
    expect(exact).toHaveLength(4);
    for (const sql of ["SELECT SUM(Latency) FROM SCHEMA(App, Host, AZ)", 'SELECT SUM(Latency) FROM SCHEMA("App", AZ, "Host")']) {
      const [s] = await run(sql);
      expectSeries(s, expected("SUM", exact));
    }
    const [host] = await run("SELECT SUM(Latency) FROM SCHEMA(App, Host)");
    expectSeries(host, expected("SUM", latency((d) => Object.keys(d).join() === "Host")));
  });

  it("= and != ; != keeps metrics that lack the label", async () => {
    const [eq] = await run("SELECT SUM(Latency) FROM App WHERE Host = 'h1'");
    expectSeries(eq, expected("SUM", latency((d) => d.Host === "h1")));
    const [ne] = await run("SELECT SUM(Latency) FROM App WHERE Host != 'h1'");
    expectSeries(ne, expected("SUM", latency((d) => d.Host !== "h1")));
  });

  it("AND of several conditions, with SCHEMA", async () => {
    const [s] = await run("SELECT SUM(Latency) FROM SCHEMA(App, AZ, Host) WHERE AZ = 'a' AND Host != 'h2'");
    expectSeries(s, expected("SUM", latency((d) => Object.keys(d).length === 2 && d.AZ === "a" && d.Host === "h1")));
  });

  it("IN / NOT IN / LIKE / NOT LIKE / OR / parentheses", async () => {
    const cases: [string, (d: Record<string, string>) => boolean][] = [
      ["Host IN ('h1', 'h3')", (d) => d.Host === "h1" || d.Host === "h3"],
      ["Host NOT IN ('h1', 'h3')", (d) => !(d.Host === "h1" || d.Host === "h3")],
      ["Host LIKE 'web%'", (d) => d.Host?.startsWith("web") ?? false],
      ["Host LIKE 'h_'", () => false], // only % is a wildcard
      ["Host NOT LIKE 'h%'", (d) => !(d.Host?.startsWith("h") ?? false)],
      ["AZ = 'b' OR Host = 'web-2'", (d) => d.AZ === "b" || d.Host === "web-2"],
      ["(AZ = 'b' OR AZ = 'a') AND Host = 'h1'", (d) => (d.AZ === "b" || d.AZ === "a") && d.Host === "h1"],
      ["NOT (AZ = 'a')", (d) => d.AZ !== "a"],
    ];
    for (const [where, pred] of cases) {
      const [s] = await run(`SELECT COUNT(Latency) FROM App WHERE ${where}`);
      expectSeries(s, expected("COUNT", latency(pred)));
    }
  });
});

describe("runInsightsQuery: GROUP BY, ORDER BY, LIMIT", () => {
  it("GROUP BY: one series per value, labelled with it, alphabetical; metrics without the key form `Other`", async () => {
    const res = await run("SELECT AVG(Latency) FROM App GROUP BY Host");
    expect(res.map((s) => s.label)).toEqual(["Other", "h1", "h2", "h3", "h4", "web-2"]);
    for (const s of res) {
      const host = s.label === "Other" ? undefined : s.label;
      expectSeries(s, expected("AVG", latency((d) => d.Host === host)));
      expect(s.metric).toBeUndefined();
    }
  });

  it("GROUP BY several keys: labels join the values with a space, ordered key by key", async () => {
    const res = await run("SELECT SUM(Latency) FROM App GROUP BY AZ, Host");
    expect(res.map((s) => s.label)).toEqual(["Other Other", "Other h1", "Other web-2", "a Other", "a h1", "a h2", "b h3", "b h4"]);
    const [, , , , ah1] = res;
    expectSeries(ah1, expected("SUM", latency((d) => d.AZ === "a" && d.Host === "h1")));
  });

  it("ORDER BY FUNCTION() orders groups by that function over each returned series; LIMIT keeps the top N", async () => {
    for (const [order, dir] of [
      ["MAX", "DESC"],
      ["MIN", "ASC"],
      ["SUM", "DESC"],
      ["AVG", "ASC"],
      ["COUNT", "DESC"],
    ] as const) {
      const res = await run(`SELECT AVG(Latency) FROM SCHEMA(App, AZ, Host) GROUP BY Host ORDER BY ${order}() ${dir} LIMIT 3`);
      const all = ["h1", "h2", "h3", "h4"].map((h) => {
        const exp = expected("AVG", latency((d) => Object.keys(d).length === 2 && d.Host === h));
        const vs = exp.values;
        const k =
          order === "MAX" ? Math.max(...vs)
          : order === "MIN" ? Math.min(...vs)
          : order === "SUM" ? vs.reduce((a, b) => a + b, 0)
          : order === "AVG" ? vs.reduce((a, b) => a + b, 0) / vs.length
          : vs.length;
        return { h, k, exp };
      });
      all.sort((a, b) => (dir === "DESC" ? b.k - a.k : a.k - b.k) || (a.h < b.h ? -1 : 1));
      expect(res.map((s) => s.label)).toEqual(all.slice(0, 3).map((x) => x.h));
      res.forEach((s, i) => expectSeries(s, all[i].exp));
    }
  });

  it("LIMIT without ORDER BY keeps the first groups alphabetically", async () => {
    const res = await run("SELECT SUM(Latency) FROM App GROUP BY Host LIMIT 2");
    expect(res.map((s) => s.label)).toEqual(["Other", "h1"]);
  });

  it("groups without data in the range are not returned", async () => {
    const stored: Stored[] = [
      { id: metric("N", "M", { K: "x" }), obs: [{ t: T0, v: 1 }] },
      { id: metric("N", "M", { K: "y" }), obs: [{ t: T0 - 10 * MIN, v: 1 }] },
    ];
    const res = await run("SELECT SUM(M) FROM N GROUP BY K", new MemorySource(stored));
    expect(res.map((s) => s.label)).toEqual(["x"]);
  });
});

describe("runInsightsQuery: AWS limits", () => {
  const wide = (n: number, obsPerMetric = 1): Stored[] =>
    Array.from({ length: n }, (_, i) => ({
      id: metric("Wide", "M", { Id: `i-${String(i).padStart(5, "0")}` }),
      obs: Array.from({ length: obsPerMetric }, (_, k) => ({ t: T0 + k * MIN, v: i })),
    }));

  it("returns at most 500 series and says so (MaxQueryResultsExceeded)", async () => {
    const messages: InsightsMessage[] = [];
    const res = await run("SELECT MAX(M) FROM Wide GROUP BY Id ORDER BY MAX() DESC", new MemorySource(wide(600)), { messages });
    expect(res).toHaveLength(500);
    expect(res[0].label).toBe("i-00599");
    expect(res[499].label).toBe("i-00100");
    expect(messages.map((m) => m.Code)).toEqual(["MaxQueryResultsExceeded"]);
  });

  it("without ORDER BY, the 500 returned are the first alphabetically", async () => {
    const messages: InsightsMessage[] = [];
    const res = await run("SELECT SUM(M) FROM Wide GROUP BY Id", new MemorySource(wide(501)), { messages });
    expect(res.map((s) => s.label)).toEqual(Array.from({ length: 500 }, (_, i) => `i-${String(i).padStart(5, "0")}`));
    expect(messages.map((m) => m.Code)).toEqual(["MaxQueryResultsExceeded"]);
    const exactly: InsightsMessage[] = [];
    expect(await run("SELECT SUM(M) FROM Wide GROUP BY Id", new MemorySource(wide(500)), { messages: exactly })).toHaveLength(500);
    expect(exactly).toEqual([]);
  });

  it("an explicit smaller LIMIT is not a limit message", async () => {
    const messages: InsightsMessage[] = [];
    const res = await run("SELECT MAX(M) FROM Wide GROUP BY Id LIMIT 10", new MemorySource(wide(600)), { messages });
    expect(res).toHaveLength(10);
    expect(messages).toEqual([]);
  });

  it("processes only the first 10,000 matching metrics (MaxMatchingResultsExceeded)", async () => {
    const messages: InsightsMessage[] = [];
    const src = new MemorySource(wide(10_050));
    const [s] = await run("SELECT COUNT(M) FROM Wide", src, { messages });
    expect(s.values).toEqual([10_000]);
    expect(src.fetchCalls[0].count).toBe(10_000);
    expect(messages.map((m) => m.Code)).toEqual(["MaxMatchingResultsExceeded"]);
  });

  it("queries at most two weeks back: an older start moves forward by whole periods (MaxQueryTimeRangeExceeded)", async () => {
    const messages: InsightsMessage[] = [];
    const src = new MemorySource(FLEET);
    const now = new Date(T0 + 14 * 24 * 3600_000 + 10 * MIN + 30_000);
    const res = await run("SELECT SUM(Latency) FROM App", src, { start: new Date(T0 - 60 * MIN), now, messages });
    expect(src.fetchCalls[0].start).toBe(T0 + 11 * MIN);
    expectSeries(res[0], expected("SUM", latency(), 60, T0 + 11 * MIN));
    expect(messages.map((m) => m.Code)).toEqual(["MaxQueryTimeRangeExceeded"]);
  });
});

describe("runInsightsQuery: speed", () => {
  it("GROUP BY over 10,000 series × 180 points (timing printed, not asserted)", async () => {
    const N = 10_000;
    const P = 180;
    const ids = Array.from({ length: N }, (_, i) => metric("Big", "M", { Host: `h${i}`, Fleet: `g${i % 100}` }));
    const ts = Array.from({ length: P }, (_, k) => T0 + k * MIN);
    const make = (i: number, f: (i: number, k: number) => number) => ts.map((_, k) => f(i, k));
    const precomputed: Record<string, Series[]> = {
      Sum: ids.map((m, i) => ({ label: "M", timestamps: ts, values: make(i, (i, k) => ((i * 7 + k * 13) % 97) * 2), metric: m })),
      SampleCount: ids.map((m) => ({ label: "M", timestamps: ts, values: ts.map(() => 2), metric: m })),
    };
    const source: MetricSource = {
      listMetrics: async () => ids,
      fetch: async (_ms, stat) => precomputed[stat],
    };
    const opts = { periodSeconds: 60, start: new Date(T0), end: new Date(T0 + P * MIN), now: new Date(T0 + P * MIN) };
    const sql = "SELECT AVG(M) FROM Big GROUP BY Fleet ORDER BY MAX() DESC";
    let res: Series[] = [];
    const times: number[] = [];
    for (let r = 0; r < 4; r++) {
      const t = performance.now();
      res = await runInsightsQuery(sql, source, opts);
      times.push(performance.now() - t);
    }
    console.log(
      `[timing] Metrics Insights GROUP BY over ${N} series × ${P} points: ` +
        `first ${times[0].toFixed(1)} ms, best of the next 3 ${Math.min(...times.slice(1)).toFixed(1)} ms`,
    );
    expect(res).toHaveLength(100);
    // g1 holds i = 1, 101, 201, ...; each bucket has Sum = 2·v and SampleCount = 2, so AVG = mean of v.
    const g1 = res.find((s) => s.label === "g1")!;
    const v = (i: number, k: number) => (i * 7 + k * 13) % 97;
    for (const k of [0, 1, 179]) {
      const exp = Array.from({ length: 100 }, (_, j) => v(1 + 100 * j, k)).reduce((a, b) => a + b, 0) / 100;
      expect(g1.values[k]).toBeCloseTo(exp, 9);
    }
    expect(g1.timestamps).toEqual(ts);
  });
});
