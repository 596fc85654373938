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
  drainIngest: typeof import("../../lib/metrics/write/drain.js").drainIngest;
  rollOff: typeof import("../../lib/metrics/store/roll-off.js").rollOff;
  chunkBucket: typeof import("../../lib/metrics/store/chunk-store.js").chunkBucket;
  markSealedThrough: typeof import("../../lib/metrics/store/sealing.js").markSealedThrough;
  listKeys: typeof import("../../lib/storage/s3.js").listKeys;
  listSeries: typeof import("../../lib/metrics/store/series-index.js").listSeries;
};

beforeAll(async () => {
  servers = await startTestServers("rolloff");
  lib = {
    ...(await import("../../lib/metrics/put-metric-data.js")),
    ...(await import("../../lib/metrics/get-metric-statistics.js")),
    ...(await import("../../lib/metrics/write/drain.js")),
    ...(await import("../../lib/metrics/store/roll-off.js")),
    ...(await import("../../lib/metrics/store/chunk-store.js")),
    ...(await import("../../lib/metrics/store/sealing.js")),
    ...(await import("../../lib/storage/s3.js")),
    ...(await import("../../lib/metrics/store/series-index.js")),
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

  it("purges cold data after the cold retention, and the series with it unless it has newer data", async () => {
    const now = T0 + 400 * DAY;
    // A series with data at the test clock's now: it stays.
    await lib.putMetricData(
      { Namespace: NS, MetricData: [{ MetricName: "Fresh", Timestamp: new Date(now - HOUR), Value: 1, Unit: "Count" }] },
      { accountId: ACCOUNT, now },
    );
    await lib.drainIngest(now);
    const before = (await lib.listSeries(ACCOUNT)).map((s) => s.metricName).sort();
    expect(before).toEqual(["Fresh", "Requests"]);

    const report = await lib.rollOff(now);
    expect(report.purgedCold).toBe(1);
    // AWS: metrics "automatically expire after 15 months if no new data is published to them"
    // (CloudWatch User Guide, "Metrics retention"); here after the cold retention (365 days by default).
    expect(report.expiredSeries).toBe(1);
    expect((await lib.listSeries(ACCOUNT)).map((s) => s.metricName)).toEqual(["Fresh"]);
    expect(await lib.listKeys("hive-cloudwatch-metrics", `metrics/${ACCOUNT}/`)).toEqual([]);
    expect(await stats(T0 + 16 * DAY, T0 - HOUR, T0, 3600)).toEqual([]);

    // Both walk the whole store, so once a day: a second run that day does neither.
    expect(await lib.rollOff(now + HOUR)).toMatchObject({ purgedCold: 0, expiredSeries: 0 });
  });
});

describe("sealing closed hours into 12-hour chunks", () => {
  const MIN = 60_000;
  // Six hours into a 12-hour span, so the two hours before T1 share one sealed chunk.
  const T1 = Math.floor((T0 + 5 * DAY) / (12 * HOUR)) * 12 * HOUR + 6 * HOUR;
  const metric = { Namespace: NS, MetricName: "Sealed", Dimensions: dims };
  // One value a minute over the two hours before T1: 1..120.
  const points = Array.from({ length: 120 }, (_, i) => ({ t: T1 - 2 * HOUR + i * MIN, v: i + 1 }));
  let late = 0;

  async function putSealed(now: number, at: Array<{ t: number; v: number }>) {
    await lib.putMetricData(
      { Namespace: NS, MetricData: at.map(({ t, v }) => ({ ...metric, Dimensions: dims, Timestamp: new Date(t), Value: v, Unit: "Count" })) },
      { accountId: ACCOUNT, now },
    );
  }

  /** Per minute, from the basic-statistics path and from the distributions' path, both exact. */
  async function expectEveryMinute(now: number, what: string) {
    const input = { ...metric, StartTime: new Date(T1 - 2 * HOUR), EndTime: new Date(T1), Period: 60 };
    const basic = (await lib.getMetricStatistics(ACCOUNT, { ...input, Statistics: ["Sum", "SampleCount", "Maximum"] }, now)).Datapoints ?? [];
    const counted = (await lib.getMetricStatistics(ACCOUNT, { ...input, ExtendedStatistics: ["TC(0%:100%)"] }, now)).Datapoints ?? [];
    const want = new Map(points.map(({ t, v }) => [t, { sum: v, count: 1 }]));
    if (late) want.set(T1 - 30 * MIN, { sum: 91 + late, count: 2 });
    const byTime = <T extends { Timestamp?: Date }>(xs: T[]) => [...xs].sort((a, b) => a.Timestamp!.getTime() - b.Timestamp!.getTime());
    expect(byTime(basic).map((d) => [d.Timestamp!.getTime(), d.Sum, d.SampleCount]), `${what}: basic`).toEqual([...want].map(([t, w]) => [t, w.sum, w.count]));
    expect(byTime(counted).map((d) => [d.Timestamp!.getTime(), d.ExtendedStatistics!["TC(0%:100%)"]]), `${what}: distributions`).toEqual(
      [...want].map(([t, w]) => [t, w.count]),
    );
  }

  const keysOf = async (tier: string) => (await chunkKeys(tier)).filter((k) => k.endsWith(`.${tier}.${Math.floor((tier === "m1" ? T1 - HOUR : T1 - 6 * HOUR) / 1000)}`));

  it("writes an hour closed a while ago to its sealed chunk, and the open hour to an hourly one", async () => {
    const now = T1 + 10 * MIN;
    await putSealed(now, points);
    await expectEveryMinute(now, "from the ingest tail");
    await lib.drainIngest(now);
    await expectEveryMinute(now, "from chunks");
    // The first hour closed 70 minutes before: sealed at once. The second closed 10 minutes before: still hourly.
    expect(await chunkKeys("m1")).toHaveLength(1);
    expect(await keysOf("m1")).toHaveLength(1);
    expect(await keysOf("m1s")).toHaveLength(1);
  });

  it("seals an hourly chunk once its hour has been closed half an hour, and reads it the same", async () => {
    const now = T1 + 40 * MIN;
    const kv = await lib.chunkBucket();
    const [hourly] = await keysOf("m1");
    const record = (await kv.get(hourly))!.value;
    const report = await lib.rollOff(now);
    expect(report.sealed).toBe(1);
    expect(await keysOf("m1")).toEqual([]);
    await expectEveryMinute(now, "sealed");

    // A move interrupted after the sealed chunk took the hour in: the hour is
    // back, read by a reader that still looks for it (its clock is before the
    // mark roll-off left), and skipped as absorbed...
    await kv.put(hourly, record);
    await expectEveryMinute(T1 + 20 * MIN, "hour back, read as unsealed");
    await expectEveryMinute(now, "hour back, read as sealed");
    // ...and the next run finishes the move without folding it again.
    expect((await lib.rollOff(now)).sealed).toBe(1);
    expect(await keysOf("m1")).toEqual([]);
    await expectEveryMinute(T1 + 20 * MIN, "moved again");
  });

  it("sends a late datapoint for a sealed hour to the sealed chunk, readable at once and counted once", async () => {
    const now = T1 + 45 * MIN;
    late = 1000;
    await putSealed(now, [{ t: T1 - 30 * MIN + 5_000, v: late }]);
    await expectEveryMinute(now, "late, from the ingest tail");
    await lib.drainIngest(now);
    await expectEveryMinute(now, "late, from chunks");
    expect(await keysOf("m1")).toEqual([]);
  });

  it("does not trust a sealed mark ahead of the reader's clock", async () => {
    // A roll-off whose clock ran a year ahead left its mark there.
    await lib.markSealedThrough(T1 + 365 * DAY);
    const now = T1 + 3 * HOUR + 20 * MIN;
    const open = [{ t: T1 + 3 * HOUR + 60_000, v: 7 }];
    await putSealed(now, open);
    await lib.drainIngest(now);
    const out = await lib.getMetricStatistics(
      ACCOUNT,
      { ...metric, StartTime: new Date(T1 + 3 * HOUR), EndTime: new Date(T1 + 4 * HOUR), Period: 60, Statistics: ["Sum"] },
      now + 10_000,
    );
    expect(out.Datapoints!.map((d) => d.Sum)).toEqual([7]);
  });
});
