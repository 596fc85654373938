/**
 * Roll-off with a test clock, over a real nats-server and S3 server: data
 * written "days ago" moves hot → warm → cold and stays queryable with the
 * right periods, late data lands in the right tier, an interrupted move is
 * neither lost nor counted twice, and everything is purged after retention.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServers, type TestServers } from "../support/servers.js";

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const ACCOUNT = "000000000000";
const NS = "RollOff/Test";

let servers: TestServers;
let lib: {
  putMetricData: typeof import("../../lib/metrics/put-metric-data.js").putMetricData;
  getMetricStatistics: typeof import("../../lib/metrics/get-metric-statistics.js").getMetricStatistics;
  drainIngest: typeof import("../../lib/metrics/drain.js").drainIngest;
  rollOff: typeof import("../../lib/metrics/rolloff.js").rollOff;
  chunkBucket: typeof import("../../lib/metrics/chunk-store.js").chunkBucket;
  listKeys: typeof import("../../lib/storage/s3.js").listKeys;
};

beforeAll(async () => {
  servers = await startTestServers("rolloff");
  lib = {
    ...(await import("../../lib/metrics/put-metric-data.js")),
    ...(await import("../../lib/metrics/get-metric-statistics.js")),
    ...(await import("../../lib/metrics/drain.js")),
    ...(await import("../../lib/metrics/rolloff.js")),
    ...(await import("../../lib/metrics/chunk-store.js")),
    ...(await import("../../lib/storage/s3.js")),
  };
});

afterAll(() => servers?.stop());

/** The test clock starts 30 days ago, on an hour boundary. */
const T0 = Math.floor((Date.now() - 30 * DAY) / HOUR) * HOUR;
const dims = [{ Name: "Host", Value: "web-1" }];

async function put(now: number, points: Array<[number, number]>) {
  await lib.putMetricData(
    { Namespace: NS, MetricData: points.map(([t, v]) => ({ MetricName: "Requests", Dimensions: dims, Timestamp: new Date(t), Value: v, Unit: "Count" })) },
    { accountId: ACCOUNT, now },
  );
}

async function stats(now: number, start: number, end: number, period: number) {
  const out = await lib.getMetricStatistics(
    ACCOUNT,
    { Namespace: NS, MetricName: "Requests", Dimensions: dims, StartTime: new Date(start), EndTime: new Date(end), Period: period, Statistics: ["Sum", "SampleCount", "Minimum", "Maximum"] },
    now,
  );
  return out.Datapoints ?? [];
}

const total = (dps: Array<{ Sum?: number; SampleCount?: number }>) => ({
  sum: dps.reduce((s, d) => s + (d.Sum ?? 0), 0),
  count: dps.reduce((s, d) => s + (d.SampleCount ?? 0), 0),
});

async function chunkKeys(tier: string): Promise<string[]> {
  const kv = await lib.chunkBucket();
  const keys: string[] = [];
  for await (const k of await kv.keys()) if (k.split(".")[3] === tier) keys.push(k);
  return keys;
}

describe("metric roll-off across tiers", () => {
  // 60 one-a-minute points in the hour before T0: values 1..60.
  const points: Array<[number, number]> = Array.from({ length: 60 }, (_, i) => [T0 - HOUR + i * 60_000, i + 1]);
  const expectedSum = (60 * 61) / 2;

  it("serves fresh data from the hot tier at 1-minute resolution", async () => {
    await put(T0, points);
    await lib.drainIngest(T0);
    const dps = await stats(T0, T0 - HOUR, T0, 60);
    expect(dps).toHaveLength(60);
    expect(total(dps)).toEqual({ sum: expectedSum, count: 60 });
    expect((await chunkKeys("m1")).length).toBe(1);
  });

  it("rolls 1-minute chunks into 5-minute rollups after the hot retention", async () => {
    const now = T0 + 2 * DAY;
    const m1Before = await chunkKeys("m1");
    const kv = await lib.chunkBucket();
    const m1Record = (await kv.get(m1Before[0]))!.value;

    const report = await lib.rollOff(now);
    expect(report.rolledToWarm).toBe(1);
    expect(await chunkKeys("m1")).toEqual([]);
    expect((await chunkKeys("m5")).length).toBe(1);

    const dps = await stats(now, T0 - HOUR, T0, 300);
    expect(dps).toHaveLength(12);
    expect(dps[0]).toMatchObject({ Sum: 1 + 2 + 3 + 4 + 5, SampleCount: 5, Minimum: 1, Maximum: 5 });
    expect(total(dps)).toEqual({ sum: expectedSum, count: 60 });

    // A move interrupted after the rollup was written: the source chunk is
    // back, but its rollup has absorbed it, so nothing is counted twice...
    await kv.put(m1Before[0], m1Record);
    expect(total(await stats(now, T0 - HOUR, T0, 300))).toEqual({ sum: expectedSum, count: 60 });
    // ...and the next run finishes the move without folding it again.
    await lib.rollOff(now);
    expect(await chunkKeys("m1")).toEqual([]);
    expect(total(await stats(now, T0 - HOUR, T0, 300))).toEqual({ sum: expectedSum, count: 60 });
  });

  it("sends late datapoints for rolled spans straight to the warm tier", async () => {
    const now = T0 + 2 * DAY;
    await put(now, [[T0 - 30 * 60_000 + 10_000, 1000]]);
    // Readable before aggregation (from the ingest tail)...
    expect(total(await stats(now, T0 - HOUR, T0, 300))).toEqual({ sum: expectedSum + 1000, count: 61 });
    await lib.drainIngest(now);
    // ...and after it, exactly once.
    expect(total(await stats(now, T0 - HOUR, T0, 300))).toEqual({ sum: expectedSum + 1000, count: 61 });
    expect(await chunkKeys("m1")).toEqual([]);
  });

  it("archives warm chunks to S3 as 1-hour rollups once the late-data window has closed", async () => {
    const now = T0 + 16 * DAY;
    const report = await lib.rollOff(now);
    expect(report.archivedToCold).toBe(1);
    expect(await chunkKeys("m5")).toEqual([]);
    const objects = await lib.listKeys("hive-cloudwatch-metrics", `metrics/${ACCOUNT}/`);
    expect(objects).toHaveLength(1);

    const dps = await stats(now, T0 - HOUR, T0, 3600);
    expect(dps).toHaveLength(1);
    expect(dps[0]).toMatchObject({ Sum: expectedSum + 1000, SampleCount: 61, Minimum: 1, Maximum: 1000 });
  });

  it("answers no datapoints, not an error, for a period finer than AWS keeps at the data's age", async () => {
    // AWS: a StartTime more than 15 days ago needs a multiple of 300 s, more than 63 days of 3600 s
    let now = T0 + 16 * DAY;
    expect(await stats(now, T0 - HOUR, T0, 30)).toEqual([]);
    expect(await stats(now, T0 - HOUR, T0, 60)).toEqual([]);
    expect(total(await stats(now, T0 - HOUR, T0, 300))).toEqual({ sum: expectedSum + 1000, count: 61 });
    now = T0 + 64 * DAY;
    expect(await stats(now, T0 - HOUR, T0, 300)).toEqual([]);
    expect(total(await stats(now, T0 - HOUR, T0, 3600))).toEqual({ sum: expectedSum + 1000, count: 61 });
  });

  it("purges cold data after the cold retention", async () => {
    const now = T0 + 400 * DAY;
    const report = await lib.rollOff(now);
    expect(report.purgedCold).toBe(1);
    expect(await lib.listKeys("hive-cloudwatch-metrics", `metrics/${ACCOUNT}/`)).toEqual([]);
    expect(await stats(T0 + 16 * DAY, T0 - HOUR, T0, 3600)).toEqual([]);
  });
});
