/**
 * PutMetricData and ListMetrics end to end: the real HTTP endpoint, SigV4,
 * nats-server (ingest log, aggregator, chunks, series index), driven by the AWS
 * SDK for JavaScript in CloudWatch's three wire protocols and by Debian's aws
 * CLI (awsQuery). Every expected value is computed here from what was sent.
 */
import {
  GetMetricStatisticsCommand,
  ListMetricsCommand,
  PutMetricDataCommand,
  type CloudWatchClient,
  type Datapoint,
  type Dimension,
  type ListMetricsCommandInput,
  type Metric,
  type MetricDatum,
  type StandardUnit,
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

/** A run-unique prefix keeps tests apart in a shared stack. */
const RUN = `mp${Date.now().toString(36)}`;
/** A whole minute ten minutes ago: every test's data lives around it. */
const { at } = minuteGrid(10);

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "metrics-put-"));
  stack = await startStack();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

interface Expected {
  SampleCount: number;
  Sum: number;
  Average: number;
  Minimum: number;
  Maximum: number;
}

/**
 * The five statistics of raw observations, computed independently. Tests use
 * values that are multiples of 1/4 and small, so every sum is exact in any
 * order of addition.
 */
function expectedOf(parts: Array<{ values: number[]; counts?: number[] } | { set: [number, number, number, number] }>): Expected {
  let n = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const p of parts) {
    if ("set" in p) {
      const [c, s, lo, hi] = p.set;
      n += c;
      sum += s;
      min = Math.min(min, lo);
      max = Math.max(max, hi);
      continue;
    }
    p.values.forEach((v, i) => {
      const c = p.counts ? p.counts[i] : 1;
      if (c <= 0) return;
      n += c;
      sum += v * c;
      min = Math.min(min, v);
      max = Math.max(max, v);
    });
  }
  return { SampleCount: n, Sum: sum, Average: sum / n, Minimum: min, Maximum: max };
}

const pick = (dp: Datapoint): Expected => ({
  SampleCount: dp.SampleCount!,
  Sum: dp.Sum!,
  Average: dp.Average!,
  Minimum: dp.Minimum!,
  Maximum: dp.Maximum!,
});

async function stats(
  cw: CloudWatchClient,
  q: { ns: string; name: string; dims?: Dimension[]; start: Date; end: Date; period?: number; unit?: StandardUnit },
): Promise<Datapoint[]> {
  const out = await cw.send(
    new GetMetricStatisticsCommand({
      Namespace: q.ns,
      MetricName: q.name,
      Dimensions: q.dims,
      StartTime: q.start,
      EndTime: q.end,
      Period: q.period ?? 60,
      Statistics: [...ALL_STATS],
      Unit: q.unit,
    }),
  );
  return [...(out.Datapoints ?? [])].sort((a, b) => a.Timestamp!.getTime() - b.Timestamp!.getTime());
}

/**
 * The SDK's smithy-rpc-v2-cbor protocol sets Content-Length from the
 * uncompressed body, and its request-compression middleware then gzips the body
 * without updating it: the server is told 38,747 bytes and gets 2,852, and waits
 * for the rest until its request timeout (an SDK bug: @smithy/core's
 * SmithyRpcV2CborProtocol.serializeRequest + @smithy/middleware-compression).
 * This sets the length of what is actually sent, so CBOR + gzip still reaches
 * the server as AWS's own fixed SDK would send it.
 */
function fixCompressedContentLength(cw: CloudWatchClient): void {
  cw.middlewareStack.add(
    (next) => async (args: any) => {
      const body = args.request?.body;
      if (args.request?.headers?.["content-encoding"] && body instanceof Uint8Array) {
        args.request.headers["content-length"] = String(body.byteLength);
      }
      return next(args);
    },
    // after the compression middleware (build, high), before signing (finalizeRequest)
    { step: "build", priority: "low", name: "fixCompressedContentLength" },
  );
}

/** Every page of ListMetrics. */
async function listAll(cw: CloudWatchClient, input: ListMetricsCommandInput): Promise<{ metrics: Metric[]; pages: number[]; tokens: number }> {
  const metrics: Metric[] = [];
  const pages: number[] = [];
  let tokens = 0;
  let token: string | undefined;
  do {
    const out = await cw.send(new ListMetricsCommand({ ...input, NextToken: token }));
    metrics.push(...(out.Metrics ?? []));
    pages.push(out.Metrics?.length ?? 0);
    token = out.NextToken;
    if (token) tokens++;
  } while (token);
  return { metrics, pages, tokens };
}

/** A metric as one comparable string: name and sorted dimensions. */
const metricKey = (m: Metric) =>
  `${m.Namespace}|${m.MetricName}|${[...(m.Dimensions ?? [])]
    .map((d) => `${d.Name}=${d.Value}`)
    .sort()
    .join(",")}`;

/** Polls until `check` passes (the aggregator indexes series asynchronously). */
async function eventually<T>(what: string, f: () => Promise<T>, check: (x: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  for (;;) {
    last = await f();
    if (check(last)) return last;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms; last: ${JSON.stringify(last).slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

// ---------------------------------------------------------------------------

describe.each<Protocol>(["json", "cbor", "query"])("PutMetricData over %s", (protocol) => {
  const p = `${RUN}/${protocol}`;
  let cw: CloudWatchClient;

  beforeAll(() => {
    cw = cloudWatchClient(stack, { protocol });
    if (protocol === "cbor") fixCompressedContentLength(cw);
  });

  it("accepts every form of datum and a read right after the put sees it exactly", async () => {
    const ns = `${p}/forms`;
    const t = at(1);
    const window = { start: at(-2), end: at(4) };
    const data: MetricDatum[] = [
      { MetricName: "Single", Timestamp: t, Value: 7.5, Unit: "Count" },
      { MetricName: "Paired", Timestamp: t, Values: [1, 2, 3, 4.5], Counts: [2, 1, 3, 1], Unit: "Milliseconds" },
      { MetricName: "Unpaired", Timestamp: t, Values: [10, 20, 20.5, 0.25] },
      { MetricName: "Set", Timestamp: t, StatisticValues: { SampleCount: 4, Sum: 30, Minimum: 2, Maximum: 12 }, Unit: "Bytes" },
      // all forms folded into one series in one request
      { MetricName: "Mixed", Timestamp: t, Value: 5 },
      { MetricName: "Mixed", Timestamp: new Date(t.getTime() + 30_000), Values: [1, 9], Counts: [3, 1] },
      { MetricName: "Mixed", Timestamp: new Date(t.getTime() + 59_999), StatisticValues: { SampleCount: 2, Sum: 8, Minimum: 3, Maximum: 5 } },
      { MetricName: "Mixed", Timestamp: t, Values: [100, 200], Counts: [0, 1] },
    ];
    await cw.send(new PutMetricDataCommand({ Namespace: ns, MetricData: data }));

    const expectations: Array<[string, Expected, string]> = [
      ["Single", expectedOf([{ values: [7.5] }]), "Count"],
      ["Paired", expectedOf([{ values: [1, 2, 3, 4.5], counts: [2, 1, 3, 1] }]), "Milliseconds"],
      ["Unpaired", expectedOf([{ values: [10, 20, 20.5, 0.25] }]), "None"],
      ["Set", expectedOf([{ set: [4, 30, 2, 12] }]), "Bytes"],
      [
        "Mixed",
        expectedOf([{ values: [5] }, { values: [1, 9], counts: [3, 1] }, { set: [2, 8, 3, 5] }, { values: [100, 200], counts: [0, 1] }]),
        "None",
      ],
    ];
    for (const [name, want, unit] of expectations) {
      const dps = await stats(cw, { ns, name, ...window });
      expect(dps, name).toHaveLength(1);
      expect(dps[0].Timestamp!.getTime(), name).toBe(t.getTime());
      expect(dps[0].Unit, name).toBe(unit);
      expect(pick(dps[0]), name).toEqual(want);
    }
  });

  it("accepts EntityMetricData (the entity is taken, its datums stored like MetricData's) alongside MetricData", async () => {
    const ns = `${p}/entity`;
    const t = at(1);
    await cw.send(
      new PutMetricDataCommand({
        Namespace: ns,
        MetricData: [{ MetricName: "Plain", Timestamp: t, Value: 1 }],
        EntityMetricData: [
          {
            Entity: { KeyAttributes: { Type: "Service", Name: "checkout", Environment: "prod" }, Attributes: { "EC2.InstanceId": "i-1" } },
            MetricData: [
              { MetricName: "FromEntity", Timestamp: t, Value: 4 },
              { MetricName: "FromEntity", Timestamp: t, Values: [2, 6], Counts: [1, 2] },
            ],
          },
        ],
      }),
    );
    const window = { start: at(-2), end: at(4) };
    expect(pick((await stats(cw, { ns, name: "Plain", ...window }))[0])).toEqual(expectedOf([{ values: [1] }]));
    const dps = await stats(cw, { ns, name: "FromEntity", ...window });
    expect(dps).toHaveLength(1);
    expect(pick(dps[0])).toEqual(expectedOf([{ values: [4] }, { values: [2, 6], counts: [1, 2] }]));
  });

  it("puts with the current time when Timestamp is absent, and into the datum's minute when present", async () => {
    const ns = `${p}/timestamp`;
    const before = Date.now();
    await cw.send(new PutMetricDataCommand({ Namespace: ns, MetricData: [{ MetricName: "Now", Value: 3 }] }));
    const after = Date.now();
    const dps = await stats(cw, { ns, name: "Now", start: new Date(before - 5 * MIN), end: new Date(after + 5 * MIN) });
    expect(dps).toHaveLength(1);
    const minute = dps[0].Timestamp!.getTime();
    expect([Math.floor(before / MIN) * MIN, Math.floor(after / MIN) * MIN]).toContain(minute);
    expect(pick(dps[0])).toEqual(expectedOf([{ values: [3] }]));

    // Within a minute, a datum counts in that minute's bucket only.
    await cw.send(
      new PutMetricDataCommand({
        Namespace: ns,
        MetricData: [
          { MetricName: "Given", Timestamp: at(2, 59_999), Value: 1 },
          { MetricName: "Given", Timestamp: at(3), Value: 2 },
          { MetricName: "Given", Timestamp: at(3, 1), Value: 4 },
        ],
      }),
    );
    const given = await stats(cw, { ns, name: "Given", start: at(0), end: at(6) });
    expect(given.map((d) => [d.Timestamp!.getTime(), d.SampleCount, d.Sum])).toEqual([
      [at(2).getTime(), 1, 1],
      [at(3).getTime(), 2, 6],
    ]);
  });

  it("keeps 1-second buckets of high-resolution data; a period-1 query sees them", async () => {
    const ns = `${p}/highres`;
    const t = at(4).getTime();
    const hi = (ms: number, v: number): MetricDatum => ({ MetricName: "Fast", Timestamp: new Date(t + ms), Value: v, StorageResolution: 1 });
    await cw.send(
      new PutMetricDataCommand({
        Namespace: ns,
        MetricData: [
          hi(200, 1),
          hi(1_500, 2),
          hi(1_700, 4),
          hi(10_000, 8),
          { MetricName: "Fast", Timestamp: new Date(t + 1_000), Values: [16, 32], StorageResolution: 1 },
          // standard resolution, explicitly 60
          { MetricName: "Slow", Timestamp: new Date(t + 1_500), Value: 5, StorageResolution: 60 },
        ],
      }),
    );
    const perSecond = await stats(cw, { ns, name: "Fast", start: new Date(t), end: new Date(t + MIN), period: 1 });
    expect(perSecond.map((d) => [d.Timestamp!.getTime() - t, pick(d)])).toEqual([
      [0, expectedOf([{ values: [1] }])],
      [1_000, expectedOf([{ values: [2, 4, 16, 32] }])],
      [10_000, expectedOf([{ values: [8] }])],
    ]);
    const perFive = await stats(cw, { ns, name: "Fast", start: new Date(t), end: new Date(t + MIN), period: 5 });
    expect(perFive.map((d) => [d.Timestamp!.getTime() - t, d.SampleCount, d.Sum])).toEqual([
      [0, 5, 55],
      [10_000, 1, 8],
    ]);
    const perMinute = await stats(cw, { ns, name: "Fast", start: new Date(t), end: new Date(t + MIN) });
    expect(perMinute).toHaveLength(1);
    expect(pick(perMinute[0])).toEqual(expectedOf([{ values: [1, 2, 4, 8, 16, 32] }]));
    const slow = await stats(cw, { ns, name: "Slow", start: new Date(t), end: new Date(t + MIN) });
    expect(slow.map((d) => [d.Timestamp!.getTime() - t, d.SampleCount, d.Sum])).toEqual([[0, 1, 5]]);
  });

  it("takes 30 dimensions, in any order, as one series", async () => {
    const ns = `${p}/dims`;
    const dims: Dimension[] = Array.from({ length: 30 }, (_, i) => ({ Name: `D${String(i + 1).padStart(2, "0")}`, Value: `v${i}` }));
    const shuffled = [...dims].sort((a, b) => (a.Value! < b.Value! ? 1 : -1));
    await cw.send(
      new PutMetricDataCommand({
        Namespace: ns,
        MetricData: [
          { MetricName: "Wide", Dimensions: dims, Timestamp: at(1), Value: 2 },
          { MetricName: "Wide", Dimensions: shuffled, Timestamp: at(1), Value: 3 },
          // one dimension fewer is another series
          { MetricName: "Wide", Dimensions: dims.slice(1), Timestamp: at(1), Value: 100 },
        ],
      }),
    );
    const dps = await stats(cw, { ns, name: "Wide", dims: [...dims].reverse(), start: at(0), end: at(2) });
    expect(dps.map(pick)).toEqual([expectedOf([{ values: [2, 3] }])]);
    const fewer = await stats(cw, { ns, name: "Wide", dims: dims.slice(1), start: at(0), end: at(2) });
    expect(fewer.map(pick)).toEqual([expectedOf([{ values: [100] }])]);
    // no dimensions at all is yet another series: nothing there
    expect(await stats(cw, { ns, name: "Wide", start: at(0), end: at(2) })).toEqual([]);
  });

  it("takes 1000 datums in one request, compressed by the SDK", async () => {
    const ns = `${p}/big`;
    const encodings: Array<string | undefined> = [];
    const sizes: number[] = [];
    cw.middlewareStack.add(
      (next, context) => async (args: any) => {
        if (context.commandName === "PutMetricDataCommand") {
          const headers = args.request.headers;
          encodings.push(headers["content-encoding"]);
          sizes.push(Number(headers["content-length"]));
        }
        return next(args);
      },
      { step: "finalizeRequest", name: `captureEncoding-${protocol}` },
    );
    const metrics = ["A", "B", "C", "D"];
    const data: MetricDatum[] = [];
    const sent = new Map<string, number[]>(metrics.map((m) => [m, []]));
    for (let i = 0; i < 1000; i++) {
      const name = metrics[i % 4];
      const v = (i % 97) * 0.25 + 1;
      sent.get(name)!.push(v);
      data.push({ MetricName: name, Dimensions: [{ Name: "Shard", Value: `s${i % 2}` }], Timestamp: at(1 + (i % 3)), Value: v, Unit: "Count" });
    }
    await cw.send(new PutMetricDataCommand({ Namespace: ns, MetricData: data }));
    cw.middlewareStack.remove(`captureEncoding-${protocol}`);
    expect(encodings).toEqual(["gzip"]);
    expect(sizes[0]).toBeGreaterThan(0);

    let total = 0;
    for (const name of metrics) {
      for (const shard of ["s0", "s1"]) {
        const dps = await stats(cw, { ns, name, dims: [{ Name: "Shard", Value: shard }], start: at(0), end: at(5) });
        // expected per minute from what was sent
        const byMinute = new Map<number, number[]>();
        data.forEach((d) => {
          if (d.MetricName !== name || d.Dimensions![0].Value !== shard) return;
          const m = d.Timestamp!.getTime();
          byMinute.set(m, [...(byMinute.get(m) ?? []), d.Value!]);
        });
        const want = [...byMinute.entries()].sort((a, b) => a[0] - b[0]).map(([m, vs]) => [m, expectedOf([{ values: vs }])]);
        expect(dps.map((d) => [d.Timestamp!.getTime(), pick(d)]), `${name}/${shard}`).toEqual(want);
        total += dps.reduce((n, d) => n + d.SampleCount!, 0);
      }
    }
    expect(total).toBe(1000);
  });

  it("keeps data per unit: a Unit filter selects, no filter returns a datapoint per unit", async () => {
    const ns = `${p}/units`;
    await cw.send(
      new PutMetricDataCommand({
        Namespace: ns,
        MetricData: [
          { MetricName: "Time", Timestamp: at(1), Value: 2, Unit: "Seconds" },
          { MetricName: "Time", Timestamp: at(1), Value: 1500, Unit: "Milliseconds" },
          { MetricName: "Time", Timestamp: at(1), Value: 3, Unit: "Seconds" },
        ],
      }),
    );
    const seconds = await stats(cw, { ns, name: "Time", start: at(0), end: at(2), unit: "Seconds" });
    expect(seconds.map((d) => [d.Unit, pick(d)])).toEqual([["Seconds", expectedOf([{ values: [2, 3] }])]]);
    const ms = await stats(cw, { ns, name: "Time", start: at(0), end: at(2), unit: "Milliseconds" });
    expect(ms.map((d) => [d.Unit, pick(d)])).toEqual([["Milliseconds", expectedOf([{ values: [1500] }])]]);
    expect(await stats(cw, { ns, name: "Time", start: at(0), end: at(2), unit: "Bytes" })).toEqual([]);
    const all = await stats(cw, { ns, name: "Time", start: at(0), end: at(2) });
    expect(all.map((d) => [d.Unit, d.SampleCount, d.Sum]).sort()).toEqual([
      ["Milliseconds", 1, 1500],
      ["Seconds", 2, 5],
    ]);
  });

  describe("rejects what AWS rejects, naming the parameter", () => {
    const ok = (extra: Partial<MetricDatum> = {}): MetricDatum => ({ MetricName: "M", Timestamp: at(1), Value: 1, ...extra });
    const long = "x".repeat(256);
    const cases: Array<[string, () => { Namespace?: string; MetricData: MetricDatum[] }, string, RegExp]> = [
      ["a NaN value", () => ({ Namespace: "N", MetricData: [ok(), ok({ Value: NaN })] }), "InvalidParameterValue", /MetricData\.member\.2\.Value\b/],
      ["an Infinity value", () => ({ Namespace: "N", MetricData: [ok({ Value: Infinity })] }), "InvalidParameterValue", /MetricData\.member\.1\.Value\b/],
      ["a -Infinity in Values", () => ({ Namespace: "N", MetricData: [ok({ Value: undefined, Values: [1, -Infinity] })] }), "InvalidParameterValue", /MetricData\.member\.1\.Values\.member\.2\b/],
      ["a NaN in Values", () => ({ Namespace: "N", MetricData: [ok({ Value: undefined, Values: [NaN] })] }), "InvalidParameterValue", /MetricData\.member\.1\.Values\.member\.1\b/],
      ["a value out of range (2^361)", () => ({ Namespace: "N", MetricData: [ok({ Value: 2 ** 361 })] }), "InvalidParameterValue", /MetricData\.member\.1\.Value\b/],
      ["a negative value out of range (-2^361)", () => ({ Namespace: "N", MetricData: [ok({ Value: -(2 ** 361) })] }), "InvalidParameterValue", /MetricData\.member\.1\.Value\b/],
      ["a statistic set with NaN", () => ({ Namespace: "N", MetricData: [ok({ Value: undefined, StatisticValues: { SampleCount: 1, Sum: NaN, Minimum: 1, Maximum: 1 } })] }), "InvalidParameterValue", /MetricData\.member\.1\.StatisticValues\.Sum\b/],
      ["151 values", () => ({ Namespace: "N", MetricData: [ok({ Value: undefined, Values: Array.from({ length: 151 }, (_, i) => i) })] }), "InvalidParameterValue", /MetricData\.member\.1\.Values\b/],
      ["Values and Counts of different lengths", () => ({ Namespace: "N", MetricData: [ok({ Value: undefined, Values: [1, 2, 3], Counts: [1, 1] })] }), "InvalidParameterValue", /MetricData\.member\.1\.Values.*MetricData\.member\.1\.Counts/],
      ["Value and Values together", () => ({ Namespace: "N", MetricData: [ok({ Values: [1, 2] })] }), "InvalidParameterCombination", /MetricData\.member\.1\.Value\b.*MetricData\.member\.1\.Values/],
      ["Value and StatisticValues together", () => ({ Namespace: "N", MetricData: [ok({ StatisticValues: { SampleCount: 1, Sum: 1, Minimum: 1, Maximum: 1 } })] }), "InvalidParameterCombination", /MetricData\.member\.1\.Value\b.*MetricData\.member\.1\.StatisticValues/],
      ["31 dimensions", () => ({ Namespace: "N", MetricData: [ok({ Dimensions: Array.from({ length: 31 }, (_, i) => ({ Name: `d${i}`, Value: "v" })) })] }), "InvalidParameterValue", /MetricData\.member\.1\.Dimensions\b/],
      ["an empty metric name", () => ({ Namespace: "N", MetricData: [ok({ MetricName: "" })] }), "InvalidParameterValue", /MetricData\.member\.1\.MetricName\b/],
      ["a 256-character metric name", () => ({ Namespace: "N", MetricData: [ok({ MetricName: long })] }), "InvalidParameterValue", /MetricData\.member\.1\.MetricName\b/],
      ["an empty namespace", () => ({ Namespace: "", MetricData: [ok()] }), "InvalidParameterValue", /\bNamespace\b/],
      ["a 256-character namespace", () => ({ Namespace: long, MetricData: [ok()] }), "InvalidParameterValue", /\bNamespace\b/],
      ["an empty dimension value", () => ({ Namespace: "N", MetricData: [ok({ Dimensions: [{ Name: "Host", Value: "" }] })] }), "InvalidParameterValue", /MetricData\.member\.1\.Dimensions\.member\.1\.Value\b/],
      ["a 256-character dimension name", () => ({ Namespace: "N", MetricData: [ok({ Dimensions: [{ Name: long, Value: "v" }] })] }), "InvalidParameterValue", /MetricData\.member\.1\.Dimensions\.member\.1\.Name\b/],
      ["an invalid unit", () => ({ Namespace: "N", MetricData: [ok({ Unit: "Furlongs" as StandardUnit })] }), "InvalidParameterValue", /MetricData\.member\.1\.Unit\b/],
      ["StorageResolution 30", () => ({ Namespace: "N", MetricData: [ok({ StorageResolution: 30 })] }), "InvalidParameterValue", /MetricData\.member\.1\.StorageResolution\b/],
      ["a timestamp more than two weeks old", () => ({ Namespace: "N", MetricData: [ok({ Timestamp: new Date(Date.now() - 15 * 86_400_000) })] }), "InvalidParameterValue", /MetricData\.member\.1\.Timestamp\b/],
      ["a timestamp more than two hours ahead", () => ({ Namespace: "N", MetricData: [ok({ Timestamp: new Date(Date.now() + 2 * 3_600_000 + 10 * MIN) })] }), "InvalidParameterValue", /MetricData\.member\.1\.Timestamp\b/],
      ["the reserved AWS/ namespace", () => ({ Namespace: "AWS/EC2", MetricData: [ok()] }), "InvalidParameterValue", /\bNamespace\b/],
      ["1001 datums", () => ({ Namespace: "N", MetricData: Array.from({ length: 1001 }, () => ok()) }), "InvalidParameterValue", /\bMetricData\b/],
      ["no Namespace", () => ({ MetricData: [ok()] }), "MissingParameter", /\bNamespace\b/],
      ["no MetricData", () => ({ Namespace: "N", MetricData: [] }), "MissingParameter", /\bMetricData\b/],
    ];

    it.each(cases)("%s", async (_what, input, code, message) => {
      const f = await awsFailure(cw.send(new PutMetricDataCommand(input() as any)));
      expect(f).toMatchObject({ code, status: 400 });
      expect(f.message).toMatch(message);
    });

    it("stores nothing of a rejected request", async () => {
      const ns = `${p}/rejected`;
      const f = await awsFailure(
        cw.send(new PutMetricDataCommand({ Namespace: ns, MetricData: [ok({ MetricName: "Good" }), ok({ MetricName: "Bad", Value: NaN })] })),
      );
      expect(f.code).toBe("InvalidParameterValue");
      expect(await stats(cw, { ns, name: "Good", start: at(0), end: at(2) })).toEqual([]);
    });

    it("accepts the edges: 150 values, 2^360, 30 dimensions, 255-character names, two weeks minus a minute", async () => {
      const ns = `${p}/edges`;
      const name = "n".repeat(255);
      const twoWeeksAgo = Math.floor((Date.now() - 14 * 86_400_000 + 5 * MIN) / MIN) * MIN;
      const values = Array.from({ length: 150 }, (_, i) => i * 0.5);
      await cw.send(
        new PutMetricDataCommand({
          Namespace: ns,
          MetricData: [
            { MetricName: "Many", Timestamp: at(1), Values: values },
            { MetricName: "Huge", Timestamp: at(1), Value: 2 ** 360 },
            { MetricName: name, Timestamp: at(1), Value: 1, Dimensions: [{ Name: "d".repeat(255), Value: "v".repeat(1024) }] },
            { MetricName: "Old", Timestamp: new Date(twoWeeksAgo), Value: 4 },
          ],
        }),
      );
      expect((await stats(cw, { ns, name: "Many", start: at(0), end: at(2) })).map(pick)).toEqual([expectedOf([{ values }])]);
      expect((await stats(cw, { ns, name: "Huge", start: at(0), end: at(2) })).map((d) => d.Maximum)).toEqual([2 ** 360]);
      const named = await stats(cw, { ns, name, dims: [{ Name: "d".repeat(255), Value: "v".repeat(1024) }], start: at(0), end: at(2) });
      expect(named.map((d) => d.Sum)).toEqual([1]);
      // Old data may already be rolled up to 5-minute buckets (roll-off runs every 5 minutes): ask for a whole 5 minutes.
      const five = Math.floor(twoWeeksAgo / (5 * MIN)) * 5 * MIN;
      const old = await stats(cw, { ns, name: "Old", start: new Date(five), end: new Date(five + 5 * MIN), period: 300 });
      expect(old.map((d) => [d.Timestamp!.getTime(), d.Sum])).toEqual([[five, 4]]);
    });
  });
});

// ---------------------------------------------------------------------------

describe("PutMetricData retried by the client", () => {
  /** A client whose every call carries `id` as its invocation id, as the attempts of one retried call do. */
  function pinnedTo(id: string, protocol: Protocol) {
    const cw = cloudWatchClient(stack, { protocol });
    cw.middlewareStack.addRelativeTo(
      (next: any) => (args: any) => {
        args.request.headers["amz-sdk-invocation-id"] = id;
        return next(args);
      },
      { relation: "before", toMiddleware: "httpSigningMiddleware", name: "pinInvocationId" },
    );
    return cw;
  }

  it.each<Protocol>(["json", "cbor", "query"])("stores a repeated attempt of one call once, and other calls with the same body again (%s)", async (protocol) => {
    const ns = `${RUN}/retry-${protocol}`;
    // series in several ingest partitions
    const request = (value: number) => ({
      Namespace: ns,
      MetricData: Array.from({ length: 12 }, (_, i) => ({ MetricName: "Hits", Dimensions: [{ Name: "Host", Value: `h${i}` }], Timestamp: at(1), Value: value })),
    });
    const total = async () => {
      let sum = 0;
      for (let i = 0; i < 12; i++) for (const d of await stats(cloudWatchClient(stack), { ns, name: "Hits", dims: [{ Name: "Host", Value: `h${i}` }], start: at(0), end: at(2) })) sum += d.Sum!;
      return sum;
    };
    const first = pinnedTo(`0000000${protocol.length}-1111-4111-8111-${protocol.padEnd(12, "0").slice(0, 12)}`, protocol);
    await first.send(new PutMetricDataCommand(request(5)));
    await first.send(new PutMetricDataCommand(request(5))); // the same call again: an SDK retry
    expect(await total()).toBe(12 * 5);
    await first.send(new PutMetricDataCommand(request(7))); // the same id with another body is another request
    expect(await total()).toBe(12 * 12);
    const other = pinnedTo(`0000000${protocol.length}-2222-4222-8222-${protocol.padEnd(12, "0").slice(0, 12)}`, protocol);
    await other.send(new PutMetricDataCommand(request(5))); // another call with the same body
    expect(await total()).toBe(12 * 17);
    await cloudWatchClient(stack, { protocol }).send(new PutMetricDataCommand(request(5))); // unpinned: a fresh id per call
    await cloudWatchClient(stack, { protocol }).send(new PutMetricDataCommand(request(5)));
    expect(await total()).toBe(12 * 27);
  });
});

describe("PutMetricData over JSON: text that is not Unicode", () => {
  it("refuses a name with a lone UTF-16 surrogate (JSON can spell one as \\ud800) and stores nothing of the request", async () => {
    const cw = cloudWatchClient(stack);
    const ns = `${RUN}/surrogate`;
    for (const bad of [{ MetricName: "cpu\ud800" }, { Dimensions: [{ Name: "Host", Value: "\udc00web" }] }]) {
      const f = await awsFailure(
        cw.send(new PutMetricDataCommand({ Namespace: ns, MetricData: [{ MetricName: "Good", Timestamp: at(1), Value: 1 }, { MetricName: "cpu", Timestamp: at(1), Value: 2, ...bad }] })),
      );
      expect(f).toMatchObject({ code: "InvalidParameterValue", status: 400 });
      expect(f.message).toMatch(/not valid Unicode/);
    }
    expect(await stats(cw, { ns, name: "Good", start: at(0), end: at(2) })).toEqual([]);
    // a surrogate pair is ordinary text
    await cw.send(new PutMetricDataCommand({ Namespace: ns, MetricData: [{ MetricName: "globe 🌏", Timestamp: at(1), Value: 3 }] }));
    expect((await stats(cw, { ns, name: "globe 🌏", start: at(0), end: at(2) })).map((d) => d.Sum)).toEqual([3]);
  });
});

describe("PutMetricData with Debian's aws CLI (awsQuery)", () => {
  const cli = (args: string[], account: 0 | 1 = 0) => awsCli(stack, ["cloudwatch", ...args], { account });
  let cw: CloudWatchClient;
  beforeAll(() => {
    cw = cloudWatchClient(stack);
  });

  it("puts --metric-data from a file, every form of datum", async () => {
    const ns = `${RUN}/cli/file`;
    const data = [
      { MetricName: "Single", Timestamp: at(1).toISOString(), Value: 2.5, Unit: "Seconds", Dimensions: [{ Name: "Host", Value: "a" }] },
      { MetricName: "Paired", Timestamp: at(1).toISOString(), Values: [1, 2, 8], Counts: [4, 1, 2] },
      { MetricName: "Set", Timestamp: at(1).toISOString(), StatisticValues: { SampleCount: 3, Sum: 12, Minimum: 1, Maximum: 6 } },
      { MetricName: "Fast", Timestamp: at(1, 2_500).toISOString(), Value: 1, StorageResolution: 1 },
      { MetricName: "Fast", Timestamp: at(1, 2_900).toISOString(), Value: 2, StorageResolution: 1 },
    ];
    const file = join(tmp, "metric-data.json");
    writeFileSync(file, JSON.stringify(data));
    const put = await cli(["put-metric-data", "--namespace", ns, "--metric-data", `file://${file}`]);
    expect(put.code, put.stderr).toBe(0);

    const single = await stats(cw, { ns, name: "Single", dims: [{ Name: "Host", Value: "a" }], start: at(0), end: at(2) });
    expect(single.map((d) => [d.Unit, pick(d)])).toEqual([["Seconds", expectedOf([{ values: [2.5] }])]]);
    const paired = await stats(cw, { ns, name: "Paired", start: at(0), end: at(2) });
    expect(paired.map(pick)).toEqual([expectedOf([{ values: [1, 2, 8], counts: [4, 1, 2] }])]);
    const set = await stats(cw, { ns, name: "Set", start: at(0), end: at(2) });
    expect(set.map(pick)).toEqual([expectedOf([{ set: [3, 12, 1, 6] }])]);
    const fast = await stats(cw, { ns, name: "Fast", start: at(1), end: at(2), period: 1 });
    expect(fast.map((d) => [d.Timestamp!.getTime() - at(1).getTime(), d.SampleCount, d.Sum])).toEqual([[2_000, 2, 3]]);
  });

  it("puts with --metric-name/--value and reads it back with get-metric-statistics", async () => {
    const ns = `${RUN}/cli/flags`;
    const put = await cli([
      "put-metric-data",
      "--namespace", ns,
      "--metric-name", "Requests",
      "--value", "3",
      "--unit", "Count",
      "--timestamp", at(2).toISOString(),
      "--dimensions", "Host=a,Zone=z1",
    ]);
    expect(put.code, put.stderr).toBe(0);
    const put2 = await cli(["put-metric-data", "--namespace", ns, "--metric-name", "Requests", "--value", "4.5", "--unit", "Count", "--timestamp", at(2, 10_000).toISOString(), "--dimensions", "Zone=z1,Host=a"]);
    expect(put2.code, put2.stderr).toBe(0);

    const got = await cli([
      "get-metric-statistics",
      "--namespace", ns,
      "--metric-name", "Requests",
      "--dimensions", "Name=Host,Value=a", "Name=Zone,Value=z1",
      "--start-time", at(0).toISOString(),
      "--end-time", at(4).toISOString(),
      "--period", "60",
      "--statistics", "SampleCount", "Sum", "Average", "Minimum", "Maximum",
    ]);
    expect(got.code, got.stderr).toBe(0);
    expect(got.json.Label).toBe("Requests");
    expect(got.json.Datapoints).toHaveLength(1);
    const dp = got.json.Datapoints[0];
    expect(new Date(dp.Timestamp).getTime()).toBe(at(2).getTime());
    expect({ SampleCount: dp.SampleCount, Sum: dp.Sum, Average: dp.Average, Minimum: dp.Minimum, Maximum: dp.Maximum }).toEqual(
      expectedOf([{ values: [3, 4.5] }]),
    );
    expect(dp.Unit).toBe("Count");
  });

  it("reports validation errors with the AWS code", async () => {
    const reserved = await cli(["put-metric-data", "--namespace", "AWS/EC2", "--metric-name", "M", "--value", "1"]);
    expect(reserved.code).not.toBe(0);
    expect(reserved.stderr).toMatch(/\(InvalidParameterValue\) when calling the PutMetricData operation.*Namespace/);
    const resolution = await cli(["put-metric-data", "--namespace", `${RUN}/cli/bad`, "--metric-name", "M", "--value", "1", "--storage-resolution", "30"]);
    expect(resolution.code).not.toBe(0);
    expect(resolution.stderr).toMatch(/\(InvalidParameterValue\) when calling the PutMetricData operation.*MetricData\.member\.1\.StorageResolution/);
    const nan = await cli(["put-metric-data", "--namespace", `${RUN}/cli/bad`, "--metric-name", "M", "--value", "NaN"]);
    expect(nan.code).not.toBe(0);
    expect(nan.stderr).toMatch(/\(InvalidParameterValue\) when calling the PutMetricData operation.*MetricData\.member\.1\.Value/);
  });
});

// ---------------------------------------------------------------------------

describe("ListMetrics", () => {
  const ns = `${RUN}/list`;
  const other = `${RUN}/list-other`;
  let cw: CloudWatchClient;
  const series: Array<{ ns: string; name: string; dims: Record<string, string> }> = [
    { ns, name: "Requests", dims: { Host: "a" } },
    { ns, name: "Requests", dims: { Host: "ab" } },
    { ns, name: "Requests", dims: { Host: "a", Zone: "z1" } },
    { ns, name: "Requests", dims: {} },
    { ns, name: "Errors", dims: { Host: "a" } },
    { ns, name: "Latency", dims: { Zone: "z1" } },
    { ns: other, name: "Requests", dims: { Host: "a" } },
  ];
  const keyOf = (s: (typeof series)[number]) =>
    `${s.ns}|${s.name}|${Object.entries(s.dims)
      .map(([k, v]) => `${k}=${v}`)
      .sort()
      .join(",")}`;
  const expectedKeys = (f: (s: (typeof series)[number]) => boolean) => series.filter(f).map(keyOf).sort();

  beforeAll(async () => {
    cw = cloudWatchClient(stack);
    for (const target of [ns, other]) {
      await cw.send(
        new PutMetricDataCommand({
          Namespace: target,
          MetricData: series
            .filter((s) => s.ns === target)
            .map((s) => ({
              MetricName: s.name,
              Dimensions: Object.entries(s.dims).map(([Name, Value]) => ({ Name, Value })),
              Timestamp: at(1),
              Value: 1,
            })),
        }),
      );
    }
    // The series index is written by the aggregator, shortly after the put.
    await eventually(
      "the aggregator indexes the series",
      async () => (await listAll(cw, { Namespace: ns })).metrics.length + (await listAll(cw, { Namespace: other })).metrics.length,
      (n) => n === series.length,
    );
  });

  const keys = async (input: ListMetricsCommandInput, client = cw) => (await listAll(client, input)).metrics.map(metricKey).sort();

  it("filters by namespace and metric name, exactly", async () => {
    expect(await keys({ Namespace: ns })).toEqual(expectedKeys((s) => s.ns === ns));
    expect(await keys({ Namespace: other })).toEqual(expectedKeys((s) => s.ns === other));
    expect(await keys({ Namespace: ns, MetricName: "Requests" })).toEqual(expectedKeys((s) => s.ns === ns && s.name === "Requests"));
    expect(await keys({ Namespace: ns, MetricName: "Request" })).toEqual([]);
    expect(await keys({ Namespace: `${ns}/` })).toEqual([]);
    // without a namespace, every namespace: both of ours are in there
    const everywhere = await keys({ MetricName: "Requests", Dimensions: [{ Name: "Host", Value: "a" }] });
    expect(everywhere.filter((k) => k.startsWith(`${RUN}/list`))).toEqual(
      expectedKeys((s) => s.name === "Requests" && s.dims.Host === "a"),
    );
  });

  it("filters by dimension name and value, exactly: Host=a never matches Host=ab", async () => {
    expect(await keys({ Namespace: ns, Dimensions: [{ Name: "Host", Value: "a" }] })).toEqual(
      expectedKeys((s) => s.ns === ns && s.dims.Host === "a"),
    );
    expect(await keys({ Namespace: ns, Dimensions: [{ Name: "Host", Value: "ab" }] })).toEqual(
      expectedKeys((s) => s.ns === ns && s.dims.Host === "ab"),
    );
    expect(await keys({ Namespace: ns, Dimensions: [{ Name: "Host", Value: "A" }] })).toEqual([]);
    expect(await keys({ Namespace: ns, Dimensions: [{ Name: "Host" }] })).toEqual(expectedKeys((s) => s.ns === ns && "Host" in s.dims));
    expect(await keys({ Namespace: ns, Dimensions: [{ Name: "Zone" }, { Name: "Host", Value: "a" }] })).toEqual(
      expectedKeys((s) => s.ns === ns && s.dims.Host === "a" && "Zone" in s.dims),
    );
    expect(await keys({ Namespace: ns, MetricName: "Requests", Dimensions: [{ Name: "Host", Value: "ab" }] })).toEqual(
      expectedKeys((s) => s.ns === ns && s.name === "Requests" && s.dims.Host === "ab"),
    );
    expect(await keys({ Namespace: ns, Dimensions: [{ Name: "Nope" }] })).toEqual([]);
  });

  it("lists recently active metrics with RecentlyActive=PT3H and rejects other values", async () => {
    expect(await keys({ Namespace: ns, RecentlyActive: "PT3H" })).toEqual(expectedKeys((s) => s.ns === ns));
    const f = await awsFailure(cw.send(new ListMetricsCommand({ Namespace: ns, RecentlyActive: "PT1H" as "PT3H" })));
    // The model's enum, answered as AWS's request validation does (lib/validation).
    expect(f).toMatchObject({ code: "ValidationError", status: 400 });
    expect(f.message).toBe(
      "1 validation error detected: Value 'PT1H' at 'recentlyActive' failed to satisfy constraint: Member must satisfy enum value set: [PT3H]",
    );
  });

  it("lists over the query protocol and the CLI the same", async () => {
    const query = cloudWatchClient(stack, { protocol: "query" });
    const cbor = cloudWatchClient(stack, { protocol: "cbor" });
    const want = expectedKeys((s) => s.ns === ns && s.dims.Host === "a");
    expect(await keys({ Namespace: ns, Dimensions: [{ Name: "Host", Value: "a" }] }, query)).toEqual(want);
    expect(await keys({ Namespace: ns, Dimensions: [{ Name: "Host", Value: "a" }] }, cbor)).toEqual(want);
    const cli = async (...args: string[]) => {
      const res = await awsCli(stack, ["cloudwatch", "list-metrics", "--namespace", ns, ...args]);
      expect(res.code, res.stderr).toBe(0);
      const keys = (res.json.Metrics as Metric[]).map(metricKey).sort();
      expect(keys.length, `list-metrics ${args.join(" ")} finds something`).toBeGreaterThan(0);
      return keys;
    };
    expect(await cli("--dimensions", "Name=Host,Value=a")).toEqual(want);
    // the other filters: metric name, a dimension by name only, several dimensions, recently active
    expect(await cli("--metric-name", "Requests")).toEqual(expectedKeys((s) => s.ns === ns && s.name === "Requests"));
    expect(await cli("--dimensions", "Name=Zone")).toEqual(expectedKeys((s) => s.ns === ns && "Zone" in s.dims));
    expect(await cli("--dimensions", "Name=Zone", "Name=Host,Value=a")).toEqual(expectedKeys((s) => s.ns === ns && s.dims.Host === "a" && "Zone" in s.dims));
    expect(await cli("--metric-name", "Requests", "--dimensions", "Name=Host,Value=ab")).toEqual(
      expectedKeys((s) => s.ns === ns && s.name === "Requests" && s.dims.Host === "ab"),
    );
    expect(await cli("--recently-active", "PT3H")).toEqual(expectedKeys((s) => s.ns === ns));
  });

  it("shows one account none of another's metrics", async () => {
    const b = cloudWatchClient(stack, { account: 1 });
    expect(await keys({ Namespace: ns }, b)).toEqual([]);
    const everything = await keys({}, b);
    expect(everything.filter((k) => k.startsWith(RUN))).toEqual([]);
  });

  it("pages 500 at a time with NextToken, every metric exactly once", async () => {
    const pns = `${RUN}/pages`;
    const hosts = Array.from({ length: 523 }, (_, i) => `h${String(i).padStart(4, "0")}`);
    await cw.send(
      new PutMetricDataCommand({
        Namespace: pns,
        MetricData: hosts.map((h, i) => ({ MetricName: i % 2 ? "Odd" : "Even", Dimensions: [{ Name: "Host", Value: h }], Timestamp: at(1), Value: i })),
      }),
    );
    const want = hosts.map((h, i) => `${pns}|${i % 2 ? "Odd" : "Even"}|Host=${h}`).sort();
    const listed = await eventually(
      "the aggregator indexes 523 series",
      () => listAll(cw, { Namespace: pns }),
      (r) => r.metrics.length >= want.length,
      30_000,
    );
    expect(listed.pages).toEqual([500, 23]);
    expect(listed.tokens).toBe(1);
    const got = listed.metrics.map(metricKey);
    expect(new Set(got).size).toBe(got.length);
    expect(got.sort()).toEqual(want);

    // a filter pages over what it matches
    const even = await listAll(cw, { Namespace: pns, MetricName: "Even" });
    expect(even.pages).toEqual([262]);
    expect(even.metrics.map(metricKey).sort()).toEqual(want.filter((k) => k.includes("|Even|")));

    // over awsQuery too
    const q = await listAll(cloudWatchClient(stack, { protocol: "query" }), { Namespace: pns });
    expect(q.pages).toEqual([500, 23]);
    expect(q.metrics.map(metricKey).sort()).toEqual(want);

    // Debian's CLI: one page and its NextToken with --no-paginate; following the tokens itself otherwise
    const one = await awsCli(stack, ["cloudwatch", "list-metrics", "--namespace", pns, "--no-paginate"]);
    expect(one.code, one.stderr).toBe(0);
    expect(one.json.Metrics).toHaveLength(500);
    expect(typeof one.json.NextToken).toBe("string");
    const rest = await awsCli(stack, ["cloudwatch", "list-metrics", "--namespace", pns, "--no-paginate", "--next-token", one.json.NextToken]);
    expect(rest.code, rest.stderr).toBe(0);
    expect(rest.json.NextToken).toBeUndefined();
    expect([...one.json.Metrics, ...rest.json.Metrics].map(metricKey).sort()).toEqual(want);
    const cli = await awsCli(stack, ["cloudwatch", "list-metrics", "--namespace", pns]);
    expect(cli.code, cli.stderr).toBe(0);
    expect((cli.json.Metrics as Metric[]).map(metricKey).sort()).toEqual(want);
  });

  // The model declares only InvalidParameterValue for ListMetrics; the text is moto's test_list_metrics_paginated.
  it("rejects an invalid NextToken", async () => {
    for (const token of ["not-a-token", Buffer.from('{"v":2}').toString("base64url")]) {
      const f = await awsFailure(cw.send(new ListMetricsCommand({ Namespace: ns, NextToken: token })));
      expect(f).toMatchObject({ code: "InvalidParameterValue", status: 400, message: "Request parameter NextToken is invalid" });
    }
  });
});
