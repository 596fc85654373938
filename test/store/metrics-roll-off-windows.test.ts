/**
 * Roll-off finds the chunks it moves in the directory of chunk windows
 * (lib/metrics/store/chunk-windows.ts), never by listing the chunk bucket,
 * which on nats-server 2.9 makes a consumer over the bucket's whole stream
 * and loads every block of it. Real nats-server and S3, with a test clock:
 * every chunk a writer creates is listed in its window first; a store
 * written before the directory is listed once; a run then makes no consumer
 * at all and moves every tier as before; a window's listings go once a run
 * finds none of their chunks.
 */
import { AckPolicy } from "nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServers, type TestServers } from "../support/servers.js";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const ACCOUNT = "000000000000";
const NS = "RollOff/Windows";

let servers: TestServers;
let lib: typeof import("../../lib/metrics/put-metric-data.js") &
  typeof import("../../lib/metrics/get-metric-statistics.js") &
  typeof import("../../lib/metrics/write/drain.js") &
  typeof import("../../lib/metrics/store/roll-off.js") &
  typeof import("../../lib/metrics/store/chunk-store.js") &
  typeof import("../../lib/metrics/store/chunk-windows.js") &
  typeof import("../../lib/storage/nats.js") &
  typeof import("../../lib/storage/s3.js");

beforeAll(async () => {
  servers = await startTestServers("rolloff-windows");
  lib = {
    ...(await import("../../lib/metrics/put-metric-data.js")),
    ...(await import("../../lib/metrics/get-metric-statistics.js")),
    ...(await import("../../lib/metrics/write/drain.js")),
    ...(await import("../../lib/metrics/store/roll-off.js")),
    ...(await import("../../lib/metrics/store/chunk-store.js")),
    ...(await import("../../lib/metrics/store/chunk-windows.js")),
    ...(await import("../../lib/storage/nats.js")),
    ...(await import("../../lib/storage/s3.js")),
  };
}, 60_000);

afterAll(() => servers?.stop());

/** The test clock: 06:00 two days ago (the hours before it in the same 12-hour chunk and day), and the aggregator's clock ten minutes on. */
const T = Math.floor((Date.now() - 2 * DAY) / DAY) * DAY + 6 * HOUR;
const WRITTEN = T + 10 * MIN;
/** A roll-off clock by which every window is due, and every listing older than the 15 minutes a listing is kept. */
const LATER = T + 30 * DAY;

/**
 * One datapoint a metric, each into another tier at WRITTEN: high resolution in
 * the open hour (s1 and m1), an hour closed long enough to go to its sealed
 * chunk (m1s), and three days old (m5).
 */
const METRICS = [
  { name: "Fresh", t: T + 5 * MIN, value: 1, highRes: true },
  { name: "Closed", t: T - 2 * HOUR + 5 * MIN, value: 10, highRes: false },
  { name: "Old", t: T - 3 * DAY, value: 100, highRes: false },
];

async function sum(metric: string, now: number): Promise<number> {
  const out = await lib.getMetricStatistics(
    ACCOUNT,
    { Namespace: NS, MetricName: metric, StartTime: new Date(T - 4 * DAY), EndTime: new Date(T + DAY), Period: 3600, Statistics: ["Sum"] },
    now,
  );
  return (out.Datapoints ?? []).reduce((s, d) => s + d.Sum!, 0);
}

/** The chunk keys in the bucket, listed as a test may (roll-off may not). */
async function chunkKeys(): Promise<string[]> {
  const kv = await lib.chunkBucket();
  const keys: string[] = [];
  for await (const k of await kv.keys()) if (lib.parseChunkKey(k)) keys.push(k);
  return keys.sort();
}

/** Every chunk key the directory lists, with the time of its first listing. */
async function directory(): Promise<Map<string, number>> {
  const listed = new Map<string, number>();
  for (const w of await lib.listWindows()) {
    for await (const page of lib.windowPages(w)) {
      const first = Math.min(...page.listings.map((l) => l.at));
      for (const key of page.keys) if (!listed.has(key)) listed.set(key, first);
    }
  }
  return listed;
}

const CHUNKS_STREAM = `KV_cw-metric-chunks`;

/**
 * Consumers nats-server created on the chunk bucket's stream and on the
 * directory's while `run` ran, counted from its advisories. A stream's
 * advisories come in order, so once the advisory of a consumer made on each
 * stream has come, every earlier one has: one made before the run sets the
 * count going, one made after ends it.
 */
async function consumersCreated<R>(run: () => Promise<R>): Promise<{ result: R; created: Record<string, number> }> {
  const { nc, jsm } = await lib.getNats();
  await lib.ensureWindowsStream();
  const streams = [CHUNKS_STREAM, lib.WINDOWS_STREAM];
  const created: Record<string, number> = Object.fromEntries(streams.map((s) => [s, 0]));
  let counting = false;
  let waiting: { name: string; seen: Set<string>; done: () => void } | undefined;
  const sub = nc.subscribe("$JS.EVENT.ADVISORY.CONSUMER.CREATED.>", {
    callback: (_err, m) => {
      const [stream, consumer] = m.subject.split(".").slice(5);
      if (waiting && consumer === waiting.name) {
        waiting.seen.add(stream);
        if (waiting.seen.size === streams.length) waiting.done();
      } else if (counting && stream in created) created[stream]++;
    },
  });
  const settle = async (name: string) => {
    const seen = new Promise<void>((done) => (waiting = { name, seen: new Set(), done }));
    for (const stream of streams) await jsm.consumers.add(stream, { durable_name: name, ack_policy: AckPolicy.None });
    await seen;
    for (const stream of streams) await jsm.consumers.delete(stream, name);
  };
  try {
    await nc.flush();
    const id = `${process.pid}-${Date.now()}`;
    await settle(`before-${id}`);
    counting = true;
    const result = await run();
    await settle(`after-${id}`);
    return { result, created };
  } finally {
    sub.unsubscribe();
  }
}

describe("roll-off through the directory of chunk windows", () => {
  it("lists every chunk a writer creates in its window before creating it, in every tier", async () => {
    await lib.putMetricData(
      {
        Namespace: NS,
        MetricData: METRICS.map((m) => ({ MetricName: m.name, Timestamp: new Date(m.t), Value: m.value, Unit: "Count", StorageResolution: m.highRes ? 1 : 60 })),
      },
      { accountId: ACCOUNT, now: WRITTEN },
    );
    await lib.drainIngest(WRITTEN);
    const keys = await chunkKeys();
    expect(keys.map((k) => lib.parseChunkKey(k)!.tier).sort()).toEqual(["m1", "m1s", "m5", "s1"]);
    const listed = await directory();
    expect([...listed.keys()].sort()).toEqual(keys);
    // Listed first: the listing was stored no later than the chunk (both by nats-server's clock).
    const kv = await lib.chunkBucket();
    for (const key of keys) expect(listed.get(key)!, key).toBeLessThanOrEqual((await kv.get(key))!.created.getTime());
  });

  it("lists a store written before the directory once, with one scan of the chunk bucket, recorded in KV", async () => {
    const keys = await chunkKeys();
    // The store as the previous version left it: chunks, no directory, no record.
    const { jsm } = await lib.getNats();
    await jsm.streams.purge(lib.WINDOWS_STREAM);
    const kv = await lib.chunkBucket();
    expect(await kv.get(lib.LISTED_KEY)).toBeNull();
    expect(await directory()).toEqual(new Map());

    // At the clock the data was written at, nothing is due: the run only lists.
    const first = await consumersCreated(() => lib.rollOff(WRITTEN));
    expect(first.result).toEqual({ droppedHighRes: 0, sealed: 0, rolledToWarm: 0, archivedToCold: 0, purgedCold: 0, expiredSeries: 0 });
    expect(first.created[CHUNKS_STREAM], "the one scan").toBe(1);
    expect([...(await directory()).keys()].sort()).toEqual(keys);
    expect((await kv.get(lib.LISTED_KEY))!.json()).toMatchObject({ chunks: keys.length });

    const again = await consumersCreated(() => lib.rollOff(WRITTEN));
    expect(again.created).toEqual({ [CHUNKS_STREAM]: 0, [lib.WINDOWS_STREAM]: 0 });
  });

  it("then moves every tier as before, making no consumer on nats-server, and drops each window's listings once its chunks are gone", async () => {
    const values = METRICS.map((m) => m.value);
    expect(await Promise.all(METRICS.map((m) => sum(m.name, WRITTEN)))).toEqual(values);

    // Everything is due: the 15-minute chunk dropped, the hour sealed, both sealed chunks (the Closed hour's and the
    // one just sealed into) rolled to 5-minute chunks, the 3-day-old 5-minute chunk archived to S3.
    const run1 = await consumersCreated(() => lib.rollOff(LATER));
    expect(run1.result).toEqual({ droppedHighRes: 1, sealed: 1, rolledToWarm: 2, archivedToCold: 1, purgedCold: 0, expiredSeries: 0 });
    expect(run1.created).toEqual({ [CHUNKS_STREAM]: 0, [lib.WINDOWS_STREAM]: 0 });
    expect((await chunkKeys()).map((k) => lib.parseChunkKey(k)!.tier)).toEqual(["m5", "m5"]);
    // Windows whose chunks this run moved keep their listings for the next run (a move may be interrupted), and the
    // day the two new 5-minute chunks are in is listed...
    expect((await lib.listWindows()).map((w) => w.tier).sort()).toEqual(["m1", "m1s", "m5", "m5", "s1"]);
    // The run listed the two 5-minute chunks it made in one message, before making them.
    const pages = [];
    for await (const page of lib.windowPages({ tier: "m5", start: T - 6 * HOUR })) pages.push(page);
    expect(pages.map((p) => [p.listings.length, p.keys.length])).toEqual([[1, 2]]);

    // ...which archives the 5-minute chunks the first one made, and finds nothing in the others: their listings go.
    const run2 = await consumersCreated(() => lib.rollOff(LATER));
    expect(run2.result).toEqual({ droppedHighRes: 0, sealed: 0, rolledToWarm: 0, archivedToCold: 2, purgedCold: 0, expiredSeries: 0 });
    expect(run2.created).toEqual({ [CHUNKS_STREAM]: 0, [lib.WINDOWS_STREAM]: 0 });
    expect(await lib.listWindows()).toEqual([{ tier: "m5", start: T - 6 * HOUR }]);

    const run3 = await lib.rollOff(LATER);
    expect(run3).toEqual({ droppedHighRes: 0, sealed: 0, rolledToWarm: 0, archivedToCold: 0, purgedCold: 0, expiredSeries: 0 });
    expect(await lib.listWindows()).toEqual([]);
    expect(await chunkKeys()).toEqual([]);
    expect(await lib.listKeys("hive-cloudwatch-metrics", `metrics/${ACCOUNT}/`)).toHaveLength(3);
    // Nothing lost: every value read back from the cold tier.
    expect(await Promise.all(METRICS.map((m) => sum(m.name, LATER)))).toEqual(values);
  });

  it("keeps a listing younger than 15 minutes whose chunk does not exist yet, and drops it later", async () => {
    // A writer lists before it creates: a run between the two must not drop the listing.
    const key = `${ACCOUNT}.never-created-series-id0.Count.m1.${Math.floor(T / 1000)}`;
    await lib.listNewChunks([key]);
    const stored = (await directory()).get(key)!;
    expect(await lib.rollOff(stored + 10 * MIN)).toEqual({ droppedHighRes: 0, sealed: 0, rolledToWarm: 0, archivedToCold: 0, purgedCold: 0, expiredSeries: 0 });
    expect([...(await directory()).keys()]).toEqual([key]);
    await lib.rollOff(stored + 16 * MIN);
    expect(await lib.listWindows()).toEqual([]);
    expect(await chunkKeys()).toEqual([]);
  });

  it("moves each chunk once when two roll-offs run at once", async () => {
    const hour = T + 2 * HOUR;
    await lib.putMetricData(
      { Namespace: NS, MetricData: [0, 20, 40].map((m, i) => ({ MetricName: "Twice", Timestamp: new Date(hour + m * MIN), Value: i + 1, Unit: "Count" })) },
      { accountId: ACCOUNT, now: hour + 50 * MIN },
    );
    await lib.drainIngest(hour + 50 * MIN);
    // The hour sealed (an hour and a half after it closed), not yet rolled up.
    const now = hour + 2.5 * HOUR;
    const reports = await Promise.all([lib.rollOff(now), lib.rollOff(now)]);
    expect(reports[0].sealed + reports[1].sealed).toBe(1);
    expect((await chunkKeys()).map((k) => lib.parseChunkKey(k)!.tier)).toEqual(["m1s"]);
    expect(await sum("Twice", now)).toBe(6);
  });
});
