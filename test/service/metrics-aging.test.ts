/**
 * Roll-off through the service, with a test clock: data put now is read
 * back through the HTTP endpoint after the service's clock is moved on by
 * 2 days (warm tier, 5-minute rollups in KV), 20 days (cold tier, 1-hour
 * rollups in S3) and 400 days (purged, past the 365 days of cold retention).
 *
 * The clock: the service is restarted under libfaketime (Debian's
 * `faketime` package), which moves its wall clock and leaves its monotonic
 * clock alone, so timers behave. The SDK client signs with the same offset
 * (systemClockOffset), as a client whose clock agrees with the server's.
 * nats-server and the S3 server keep real time; nothing the service stores
 * depends on their clocks.
 *
 * Every expected value is computed here from the values sent.
 */
import { CloudWatchClient, GetMetricDataCommand, GetMetricStatisticsCommand, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { existsSync, readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_STATS, MIN } from "../support/minutes.js";
import { cloudWatchClient, startStack, type Stack } from "../support/stack.js";

/** Debian's libfaketime, in the machine's multiarch directory. */
const LIBFAKETIME =
  readdirSync("/usr/lib")
    .map((dir) => `/usr/lib/${dir}/faketime/libfaketimeMT.so.1`)
    .find((path) => existsSync(path)) ?? "/usr/lib/<multiarch>/faketime/libfaketimeMT.so.1";
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const NS = "Test/Aging";

let stack: Stack;
let kvKeys: () => Promise<string[]>;
let coldKeys: () => Promise<string[]>;

/** Two whole hours of data that ended at least an hour ago: three values a minute. */
const X = Math.floor((Date.now() - 3 * HOUR) / HOUR) * HOUR;
const valuesOf = (m: number) => [m, m + 0.5, 2 * m + 1];
const MINUTES = Array.from({ length: 120 }, (_, m) => m);
/** How many chunks (or cold objects) of `spanMs` the two hours of data fall in: one or two, by the time of day. */
const spans = (spanMs: number) => new Set(MINUTES.map((m) => Math.floor((X + m * MIN) / spanMs))).size;

/** The five statistics of the minutes [from, to), as a datapoint would carry them. */
function expected(from: number, to: number) {
  const values = MINUTES.filter((m) => m >= from && m < to).flatMap(valuesOf);
  const sum = values.reduce((a, b) => a + b, 0);
  return { SampleCount: values.length, Sum: sum, Average: sum / values.length, Minimum: Math.min(...values), Maximum: Math.max(...values) };
}

/** Restarts the service with its clock `offsetMs` ahead; returns a client that agrees with it. */
async function moveClock(offsetMs: number): Promise<CloudWatchClient> {
  await stack.stopService();
  await stack.startService({
    LD_PRELOAD: LIBFAKETIME,
    FAKETIME: `+${offsetMs / 1000}s`,
    FAKETIME_DONT_FAKE_MONOTONIC: "1",
    FAKETIME_NO_CACHE: "1",
  });
  const cw = cloudWatchClient(stack);
  cw.config.systemClockOffset = offsetMs;
  return cw;
}

async function statistics(cw: CloudWatchClient, period: number) {
  const out = await cw.send(
    new GetMetricStatisticsCommand({
      Namespace: NS,
      MetricName: "Aged",
      Dimensions: [{ Name: "Host", Value: "web-1" }],
      StartTime: new Date(X),
      EndTime: new Date(X + 2 * HOUR),
      Period: period,
      Statistics: [...ALL_STATS],
    }),
  );
  return [...out.Datapoints!]
    .sort((a, b) => a.Timestamp!.getTime() - b.Timestamp!.getTime())
    .map((d) => ({ t: d.Timestamp!.getTime() - X, SampleCount: d.SampleCount, Sum: d.Sum, Average: d.Average, Minimum: d.Minimum, Maximum: d.Maximum }));
}

/** The expected datapoints at `period`: one per period, offsets from X. */
const grid = (period: number) =>
  Array.from({ length: (2 * HOUR) / (period * 1000) }, (_, i) => {
    const minutes = period / 60;
    return { t: i * period * 1000, ...expected(i * minutes, (i + 1) * minutes) };
  });

/** Statistics equal to the expected ones, sums and averages to 12 digits (they are added in another order). */
function expectDatapoints(actual: Awaited<ReturnType<typeof statistics>>, want: ReturnType<typeof grid>, what: string) {
  expect(actual.map((d) => d.t), `${what}: timestamps`).toEqual(want.map((d) => d.t));
  actual.forEach((d, i) => {
    const w = want[i];
    expect([d.SampleCount, d.Minimum, d.Maximum], `${what} @${d.t / MIN}m`).toEqual([w.SampleCount, w.Minimum, w.Maximum]);
    expect(d.Sum!, `${what} @${d.t / MIN}m Sum`).toBeCloseTo(w.Sum, 9);
    expect(d.Average!, `${what} @${d.t / MIN}m Average`).toBeCloseTo(w.Average, 9);
  });
}

beforeAll(async () => {
  if (!existsSync(LIBFAKETIME)) throw new Error(`${LIBFAKETIME} is missing: scripts/test.sh installs Debian's faketime package`);
  stack = await startStack();
  process.env.HIVE_CLOUDWATCH_NATS_URL = stack.natsUrl;
  process.env.HIVE_CLOUDWATCH_STORAGE_ENDPOINT = stack.s3Endpoint;
  process.env.HIVE_CLOUDWATCH_LOCAL = "true";
  const { getBucket, BUCKETS } = await import("../../lib/storage/nats.js");
  const { scanEntries } = await import("../../lib/storage/kv.js");
  const { listKeys } = await import("../../lib/storage/s3.js");
  const { getConfig } = await import("../../lib/config/config.js");
  kvKeys = async () => (await scanEntries(await getBucket(BUCKETS.metricChunks), ">")).map((e) => e.key);
  coldKeys = () => listKeys(getConfig().storage.bucket, "metrics/");

  const cw = cloudWatchClient(stack);
  await cw.send(
    new PutMetricDataCommand({
      Namespace: NS,
      MetricData: MINUTES.map((m) => ({
        MetricName: "Aged",
        Dimensions: [{ Name: "Host", Value: "web-1" }],
        Timestamp: new Date(X + m * MIN + 17_000),
        Values: valuesOf(m),
        Unit: "Count",
      })),
    }),
  );
  // the aggregator's batching window is a second, and compaction folds the batch into the chunks within seconds
  for (let i = 0; i < 150 && (await kvKeys()).filter((k) => k.includes(".m1s.")).length < spans(12 * HOUR); i++) await new Promise((r) => setTimeout(r, 100));
}, 120_000);

afterAll(async () => {
  const { closeNats } = await import("../../lib/storage/nats.js");
  await closeNats();
  await stack?.stop();
});

describe("metric roll-off through the service, with its clock moved on", () => {
  it("today: 1-minute buckets in the hot tier, every period exact", async () => {
    const cw = cloudWatchClient(stack);
    expectDatapoints(await statistics(cw, 60), grid(60), "now, period 60");
    expectDatapoints(await statistics(cw, 300), grid(300), "now, period 300");
    // Hours closed a while ago go straight to their sealed (12-hour) chunks, not to hourly ones.
    const keys = await kvKeys();
    expect(keys.filter((k) => k.includes(".m1s."))).toHaveLength(spans(12 * HOUR));
    expect(keys.filter((k) => k.includes(".m1."))).toEqual([]);
  });

  it("2 days later: rolled into 5-minute buckets in the warm tier, read at 5 minutes and an hour", async () => {
    const cw = await moveClock(2 * DAY);
    await stack.fireSchedule("MetricRollOff");
    const keys = await kvKeys();
    expect(keys.filter((k) => /\.m1s?\./.test(k)), "hot chunks left").toEqual([]);
    expect(keys.filter((k) => k.includes(".m5.")), "warm chunks").toHaveLength(spans(DAY));
    expect(await coldKeys()).toEqual([]);
    expectDatapoints(await statistics(cw, 300), grid(300), "2 days on, period 300");
    expectDatapoints(await statistics(cw, 3600), grid(3600), "2 days on, period 3600");
    // The hot tier keeps 1-minute buckets for 24 hours (the seed's MetricRolloffConfig, shorter
    // than AWS's 15 days): a 1-minute query gets the finest buckets left, at their own resolution.
    expectDatapoints(await statistics(cw, 60), grid(300), "2 days on, period 60");
  }, 180_000);

  it("20 days later: archived as 1-hour buckets in S3, read at an hour; a 1-minute period has no datapoints, as in AWS", async () => {
    const cw = await moveClock(20 * DAY);
    await stack.fireSchedule("MetricRollOff");
    expect((await kvKeys()).filter((k) => /\.(m1|m1s|m5)\./.test(k)), "chunks left in KV").toEqual([]);
    expect(await coldKeys()).toHaveLength(spans(DAY));
    expectDatapoints(await statistics(cw, 3600), grid(3600), "20 days on, period 3600");
    // AWS: a StartTime more than 15 days ago needs a multiple of 300 s, "or no data points in that time range is returned"
    expect(await statistics(cw, 60)).toEqual([]);
    // GetMetricData follows the same rule for each MetricStat
    const metric = { Namespace: NS, MetricName: "Aged", Dimensions: [{ Name: "Host", Value: "web-1" }] };
    const gmd = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(X),
        EndTime: new Date(X + 2 * HOUR),
        ScanBy: "TimestampAscending",
        MetricDataQueries: [
          { Id: "minute", MetricStat: { Metric: metric, Period: 60, Stat: "Sum" } },
          { Id: "hour", MetricStat: { Metric: metric, Period: 3600, Stat: "Sum" } },
        ],
      }),
    );
    const [minute, hour] = gmd.MetricDataResults!;
    expect([minute.Id, minute.StatusCode, minute.Values]).toEqual(["minute", "Complete", []]);
    expect(hour.Timestamps!.map((t) => t.getTime() - X)).toEqual([0, HOUR]);
    hour.Values!.forEach((v, i) => expect(v).toBeCloseTo(grid(3600)[i].Sum, 9));
    // Likewise 5-minute buckets are archived as hourly ones after 15 days (AWS keeps them 63).
    expectDatapoints(await statistics(cw, 300), grid(3600), "20 days on, period 300");
  }, 180_000);

  it("400 days later: purged, past the 365 days of cold retention", async () => {
    const cw = await moveClock(400 * DAY);
    await stack.fireSchedule("MetricRollOff");
    expect(await coldKeys()).toEqual([]);
    expect(await statistics(cw, 3600)).toEqual([]);
  }, 180_000);
});
