/**
 * The read path's cache of hourly chunk records (chunk-read-cache.ts), over a
 * real nats-server: a closed hour is fetched once and then read from memory,
 * and every way a cached copy could fall behind the stored chunk — a record
 * compacted and purged here, one compacted and purged by another process
 * between two reads, a purge racing a fetch, a purge mark moved back — drops
 * the copy before a read could fold it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServers, type TestServers } from "../support/servers.js";
import { drainElsewhere } from "../support/drain-elsewhere.js";

const ACCOUNT = "000000000000";
const NS = "ReadCache/Test";
const HOUR = 3_600_000;
const MIN = 60_000;
// Five minutes into an hour: the hour before is closed, and late datapoints still go to its hourly chunk.
const NOW = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR + 5 * MIN;
const CLOSED = NOW - 5 * MIN - HOUR;

let servers: TestServers;
let lib: typeof import("../../lib/metrics/put-metric-data.js") &
  typeof import("../../lib/metrics/get-metric-statistics.js") &
  typeof import("../../lib/metrics/write/drain.js") &
  typeof import("../../lib/metrics/write/delta-log.js") &
  typeof import("../../lib/metrics/write/ingest-log.js") &
  typeof import("../../lib/metrics/read/chunk-read-cache.js") &
  typeof import("../../lib/metrics/store/chunk-store.js") &
  typeof import("../../lib/metrics/store/identity.js") &
  typeof import("../../lib/storage/kv.js") &
  typeof import("../../lib/storage/nats.js");

beforeAll(async () => {
  servers = await startTestServers("read-cache");
  lib = {
    ...(await import("../../lib/metrics/put-metric-data.js")),
    ...(await import("../../lib/metrics/get-metric-statistics.js")),
    ...(await import("../../lib/metrics/write/drain.js")),
    ...(await import("../../lib/metrics/write/delta-log.js")),
    ...(await import("../../lib/metrics/write/ingest-log.js")),
    ...(await import("../../lib/metrics/read/chunk-read-cache.js")),
    ...(await import("../../lib/metrics/store/chunk-store.js")),
    ...(await import("../../lib/metrics/store/identity.js")),
    ...(await import("../../lib/storage/kv.js")),
    ...(await import("../../lib/storage/nats.js")),
  };
});

afterAll(() => servers?.stop());

const series = (host: string) => ({
  dims: [{ Name: "Host", Value: host }],
  partition: () => lib.partitionOf(ACCOUNT, NS, { m: "Requests", d: [["Host", host]] }),
  key: () =>
    lib.chunkKey({
      account: ACCOUNT,
      seriesId: lib.seriesId({ namespace: NS, metricName: "Requests", dimensions: [{ name: "Host", value: host }] }),
      unit: "Count",
      tier: "m1",
      start: CLOSED,
    }),
});

/** One datapoint a value, a minute apart from the closed hour's start. */
async function put(host: string, values: number[], offset = 0) {
  await lib.putMetricData(
    {
      Namespace: NS,
      MetricData: values.map((v, i) => ({ MetricName: "Requests", Dimensions: series(host).dims, Timestamp: new Date(CLOSED + (offset + i) * MIN), Value: v, Unit: "Count" as const })),
    },
    { accountId: ACCOUNT, now: NOW },
  );
}

/** The closed hour's sum and count, by the basic path and by the distributions' path: both must agree. */
async function hour(host: string, now = NOW) {
  const input = { Namespace: NS, MetricName: "Requests", Dimensions: series(host).dims, StartTime: new Date(CLOSED), EndTime: new Date(CLOSED + HOUR), Period: 3600 };
  const basic = (await lib.getMetricStatistics(ACCOUNT, { ...input, Statistics: ["Sum", "SampleCount"] }, now)).Datapoints ?? [];
  const full = (await lib.getMetricStatistics(ACCOUNT, { ...input, ExtendedStatistics: ["TC(0%:100%)"] }, now)).Datapoints ?? [];
  expect(full.map((d) => d.ExtendedStatistics!["TC(0%:100%)"])).toEqual(basic.map((d) => d.SampleCount));
  return { sum: basic[0]?.Sum ?? 0, count: basic[0]?.SampleCount ?? 0 };
}

/** Takes the chunk out of the store and runs `f`: what a read then finds came from the cache. */
async function withChunkGone<T>(key: string, f: () => Promise<T>): Promise<T> {
  const kv = await lib.getBucket(lib.BUCKETS.metricChunks);
  const stored = (await kv.get(key))!.value;
  await kv.delete(key);
  try {
    return await f();
  } finally {
    await kv.put(key, stored);
  }
}

describe("the read cache of hourly chunks", () => {
  it("reads a closed hour's chunk from memory once its records are purged", async () => {
    const a = series("web-1");
    await put("web-1", [1, 2, 3]);
    await lib.drainIngest(NOW);
    expect(await lib.readDeltas(a.partition())).toEqual([]);
    expect(await hour("web-1")).toEqual({ sum: 6, count: 3 });
    expect(lib.cachedChunk(a.key())).toBeDefined();
    // The store's copy gone: the answer is the same, so no read fetched it.
    expect(await withChunkGone(a.key(), () => hour("web-1"))).toEqual({ sum: 6, count: 3 });
  });

  it("counts a late datapoint at once, and after its record was folded and purged here", async () => {
    const a = series("web-1");
    await put("web-1", [10], 30);
    expect(await hour("web-1")).toEqual({ sum: 16, count: 4 }); // from the ingest tail, over the cached copy
    await lib.drainIngest(NOW);
    // The record that changed the chunk was purged: the next look at the log drops the copy, and the chunk is fetched again.
    expect(lib.cachedChunk(a.key())).toBeDefined();
    await lib.readDeltas(a.partition());
    expect(lib.cachedChunk(a.key())).toBeUndefined();
    expect(await hour("web-1")).toEqual({ sum: 16, count: 4 });
    expect(await withChunkGone(a.key(), () => hour("web-1"))).toEqual({ sum: 16, count: 4 });
  });

  it("drops the copies of a partition when another process folded and purged records this one never saw", async () => {
    const a = series("web-1");
    expect(lib.cachedChunk(a.key())).toBeDefined();
    await put("web-1", [100], 40);
    // Aggregated, compacted and purged elsewhere, between two reads of this process: its log never held the record.
    await drainElsewhere(NOW);
    expect(await hour("web-1")).toEqual({ sum: 116, count: 5 });
    expect(await withChunkGone(a.key(), () => hour("web-1"))).toEqual({ sum: 116, count: 5 });
  });

  it("drops the copies of a partition whose purge mark moved back", async () => {
    const a = series("web-1");
    const p = a.partition();
    expect(lib.cachedChunk(a.key())).toBeDefined();
    // As keepAboveMark does when nats-server numbered the log from 1 again.
    const shards = await lib.getBucket(lib.BUCKETS.streamShards);
    const mark = await lib.purgeMark(p);
    await lib.putRecord(shards, `${lib.DELTA_STREAM}.${p}`, { below: 1 });
    await lib.readDeltas(p);
    expect(lib.cachedChunk(a.key())).toBeUndefined();
    await lib.putRecord(shards, `${lib.DELTA_STREAM}.${p}`, { below: mark });
    expect(await hour("web-1")).toEqual({ sum: 116, count: 5 });
  });

  it("counts a cached hour once when roll-off seals it, for readers before and after the sealed mark", async () => {
    const a = series("web-1");
    expect(lib.cachedChunk(a.key())).toBeDefined();
    const { rollOff } = await import("../../lib/metrics/store/roll-off.js");
    // The hour closed 40 minutes before: sealed into its 12-hour chunk, which lists the hourly chunk's incarnation.
    const later = NOW + 35 * MIN;
    expect((await rollOff(later)).sealed).toBe(1);
    const kv = await lib.getBucket(lib.BUCKETS.metricChunks);
    expect(await kv.get(a.key())).toBeNull();
    // A reader whose clock is before the mark still asks for the hourly chunk, and gets the cached copy: skipped as absorbed.
    expect(lib.cachedChunk(a.key())).toBeDefined();
    expect(await hour("web-1", NOW + 20 * MIN)).toEqual({ sum: 116, count: 5 });
    expect(await hour("web-1", later)).toEqual({ sum: 116, count: 5 });
  });

  it("does not keep a chunk fetched before a purge that was seen after the fetch's refresh", () => {
    const p = 3;
    const epoch = lib.purgeEpoch(p);
    const stale = new Uint8Array([1, 2, 3]);
    // A purge seen between this read's refresh of the log and its fetch coming back.
    lib.forgetFolded(p, []);
    lib.keepChunk("race.key", p, epoch, stale);
    expect(lib.cachedChunk("race.key")).toBeUndefined();
    // Fetched after the refresh that saw it: kept, as a copy of the network buffer.
    lib.keepChunk("race.key", p, lib.purgeEpoch(p), stale);
    const kept = lib.cachedChunk("race.key")!;
    expect([...kept]).toEqual([1, 2, 3]);
    expect(kept.buffer).not.toBe(stale.buffer);
    // Only hourly chunks are dropped by a purged record's entries: the others are never kept.
    lib.forgetFolded(p, [{ account: "race", seriesId: "x", unit: "None", tier: "m5", start: 0 }]);
    expect(lib.cachedChunk("race.key")).toBeDefined();
    lib.forgetPartition(p);
    expect(lib.cachedChunk("race.key")).toBeUndefined();
  });

  it("holds no more than its budget, dropping the least recently used first", () => {
    const p = 5;
    const size = 1024 * 1024;
    const count = Math.ceil(lib.READ_CACHE_BUDGET / size) + 4;
    for (let i = 0; i < count; i++) {
      lib.keepChunk(`budget.${i}`, p, lib.purgeEpoch(p), new Uint8Array(size));
      // The first one used all along: it stays.
      expect(lib.cachedChunk("budget.0")).toBeDefined();
    }
    expect(lib.readCacheBytes()).toBeLessThanOrEqual(lib.READ_CACHE_BUDGET);
    expect(lib.readCacheBytes()).toBeGreaterThan(lib.READ_CACHE_BUDGET - 2 * size);
    expect(lib.cachedChunk("budget.1")).toBeUndefined();
    expect(lib.cachedChunk(`budget.${count - 1}`)).toBeDefined();
    lib.forgetPartition(p);
  });
});
