/**
 * The aggregator's delta log, over a real nats-server: a batch becomes one
 * record, a batch delivered again (or by two holders at once) is recorded
 * once, a batch too large for one NATS message becomes several records, and
 * reads are exact at every stage — ingest tail, delta records, compacted chunks.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServers, type TestServers } from "../support/servers.js";
import { drainElsewhere } from "../support/drain-elsewhere.js";

const ACCOUNT = "000000000000";
const NS = "Delta/Test";
const dims = [{ Name: "Host", Value: "web-1" }];

let servers: TestServers;
let lib: typeof import("../../lib/metrics/put-metric-data.js") &
  typeof import("../../lib/metrics/get-metric-statistics.js") &
  typeof import("../../lib/metrics/write/aggregator.js") &
  typeof import("../../lib/metrics/write/compaction.js") &
  typeof import("../../lib/metrics/write/delta-log.js") &
  typeof import("../../lib/metrics/write/ingest-log.js") &
  typeof import("../../lib/metrics/encoding/ingest-codec.js") &
  typeof import("../../lib/storage/stream-shards.js") &
  typeof import("../../lib/metrics/store/series-index.js");

beforeAll(async () => {
  servers = await startTestServers("delta", { monitor: true });
  lib = {
    ...(await import("../../lib/metrics/put-metric-data.js")),
    ...(await import("../../lib/metrics/get-metric-statistics.js")),
    ...(await import("../../lib/metrics/write/aggregator.js")),
    ...(await import("../../lib/metrics/write/compaction.js")),
    ...(await import("../../lib/metrics/write/delta-log.js")),
    ...(await import("../../lib/metrics/write/ingest-log.js")),
    ...(await import("../../lib/metrics/encoding/ingest-codec.js")),
    ...(await import("../../lib/storage/stream-shards.js")),
    ...(await import("../../lib/metrics/store/series-index.js")),
  };
});

afterAll(() => servers?.stop());

const NOW = Math.floor(Date.now() / 60_000) * 60_000;
const partition = () => lib.partitionOf(ACCOUNT, NS, { m: "Requests", d: [["Host", "web-1"]] });

/** Puts the values, one request each, a second apart in the current minute. */
async function put(values: number[]) {
  for (const v of values) {
    await lib.putMetricData({ Namespace: NS, MetricData: [{ MetricName: "Requests", Dimensions: dims, Timestamp: new Date(NOW), Value: v, Unit: "Count" }] }, { accountId: ACCOUNT, now: NOW });
  }
}

async function totals() {
  const out = await lib.getMetricStatistics(
    ACCOUNT,
    { Namespace: NS, MetricName: "Requests", Dimensions: dims, StartTime: new Date(NOW - 60_000), EndTime: new Date(NOW + 60_000), Period: 60, Statistics: ["Sum", "SampleCount"] },
    NOW,
  );
  const dps = out.Datapoints ?? [];
  return { sum: dps.reduce((s, d) => s + d.Sum!, 0), count: dps.reduce((s, d) => s + d.SampleCount!, 0) };
}

/** The partition's messages past `from`, as the stream trigger hands them over. */
async function batchFrom(p: number, from: number) {
  const msgs = await lib.readShard(lib.INGEST_STREAM, lib.partitionFilter(p), from, 10_000, 0);
  return msgs.map((m) => ({ seq: m.seq, data: m.data }));
}

async function commit(p: number, to: number) {
  const lease = await lib.acquireLease(lib.INGEST_STREAM, String(p), "test", 30_000);
  expect(lease).toBeDefined();
  expect(await lib.commitLease(lease!, to, 30_000)).toBe(true);
  await lib.releaseLease(lease!);
}

describe("the metric delta log", () => {
  it("records a batch once, even when it is delivered again before the checkpoint moved", async () => {
    await put([1, 2, 3]);
    const p = partition();
    const batch = await batchFrom(p, 1);
    expect(batch).toHaveLength(3);
    expect(await totals()).toEqual({ sum: 6, count: 3 }); // from the ingest tail

    expect((await lib.aggregateBatch(batch, NOW)).datapoints).toBe(3);
    // Recorded but not checkpointed: the tail still has it, and reads count it once.
    expect(await totals()).toEqual({ sum: 6, count: 3 });
    // Delivered again (the holder died before the checkpoint moved): nothing new is recorded.
    expect((await lib.aggregateBatch(batch, NOW)).datapoints).toBe(0);
    expect(await lib.readDeltas(p)).toHaveLength(1);

    await commit(p, batch[2].seq);
    expect(await totals()).toEqual({ sum: 6, count: 3 }); // from the record
    // The record keeps distributions too: percentiles read from it.
    const extended = await lib.getMetricStatistics(
      ACCOUNT,
      { Namespace: NS, MetricName: "Requests", Dimensions: dims, StartTime: new Date(NOW), EndTime: new Date(NOW + 60_000), Period: 60, ExtendedStatistics: ["p50", "p100"] },
      NOW,
    );
    expect(extended.Datapoints![0].ExtendedStatistics!.p100).toBe(3);
    expect(extended.Datapoints![0].ExtendedStatistics!.p50).toBeCloseTo(2, 1);

    // Redelivered together with new messages: only the new ones are recorded.
    await put([10, 20]);
    const longer = await batchFrom(p, batch[0].seq);
    expect(longer).toHaveLength(5);
    expect((await lib.aggregateBatch(longer, NOW)).datapoints).toBe(2);
    await commit(p, longer[4].seq);
    const records = await lib.readDeltas(p);
    expect(records.map((r) => [r.from, r.to])).toEqual([
      [batch[0].seq, batch[2].seq],
      [longer[3].seq, longer[4].seq],
    ]);
    expect(await totals()).toEqual({ sum: 36, count: 5 });
  });

  it("indexes the series of a batch delivered again, though its messages are already recorded", async () => {
    // A holder that died between its append and its index writes: the record
    // exists, the series index does not know the series.
    const metric = { MetricName: "Unindexed", Dimensions: [{ Name: "Host", Value: "web-9" }], Timestamp: new Date(NOW), Value: 5, Unit: "Count" as const };
    await lib.putMetricData({ Namespace: NS, MetricData: [metric] }, { accountId: ACCOUNT, now: NOW });
    const p = lib.partitionOf(ACCOUNT, NS, { m: "Unindexed", d: [["Host", "web-9"]] });
    const batch = await batchFrom(p, (await lib.getCheckpoint(lib.INGEST_STREAM, String(p))) + 1);
    expect((await lib.aggregateBatch(batch, NOW)).datapoints).toBe(1);
    const indexed = async () => (await lib.listSeries(ACCOUNT)).some((s) => s.metricName === "Unindexed");
    expect(await indexed()).toBe(true);
    // Undo the index write, and forget this process's memo of it (a new process has none).
    const key = (await lib.listSeries(ACCOUNT)).find((s) => s.metricName === "Unindexed")!.id;
    await (await lib.seriesBucket()).purge(`${ACCOUNT}.${key}`);
    ((globalThis as Record<symbol, Map<string, unknown>>)[Symbol.for("hive.cloudwatch.series-memo")]).clear();
    expect(await indexed()).toBe(false);

    expect((await lib.aggregateBatch(batch, NOW)).datapoints).toBe(0); // recorded once...
    expect(await indexed()).toBe(true); // ...and indexed again
    await commit(p, batch.at(-1)!.seq);
  });

  it("merges into a chunk another process wrote, though this process just created the series' index record", { timeout: 180_000 }, async () => {
    // Compaction skips looking for the chunks of a series it has just
    // created (series-index.ts createdHere); a chunk there all the same (its
    // record lost, as above) must fail that create and be merged, not replaced.
    const metric = { MetricName: "Elsewhere", Dimensions: [{ Name: "Host", Value: "web-7" }], Timestamp: new Date(NOW), Unit: "Count" as const };
    await lib.putMetricData({ Namespace: NS, MetricData: [{ ...metric, Value: 5 }] }, { accountId: ACCOUNT, now: NOW });
    await drainElsewhere(NOW);
    const id = (await lib.listSeries(ACCOUNT)).find((s) => s.metricName === "Elsewhere")!.id;
    // Deleted rather than purged: nats-server 2.9 leaves a purge by subject in its storage total, which a later test checks.
    await (await lib.seriesBucket()).delete(`${ACCOUNT}.${id}`);
    await lib.putMetricData({ Namespace: NS, MetricData: [{ ...metric, Value: 7 }] }, { accountId: ACCOUNT, now: NOW });
    const { drainIngest } = await import("../../lib/metrics/write/drain.js");
    await drainIngest(NOW);
    expect(lib.createdHere(ACCOUNT, id)).toBe(true);
    const out = await lib.getMetricStatistics(
      ACCOUNT,
      { Namespace: NS, MetricName: "Elsewhere", Dimensions: metric.Dimensions, StartTime: new Date(NOW - 60_000), EndTime: new Date(NOW + 60_000), Period: 60, Statistics: ["Sum", "SampleCount"] },
      NOW,
    );
    expect(out.Datapoints?.map((d) => [d.Sum, d.SampleCount])).toEqual([[12, 2]]);
  });

  it("records a batch once when two holders fold it at the same time", async () => {
    await put([100, 200]);
    const p = partition();
    const batch = await batchFrom(p, (await lib.getCheckpoint(lib.INGEST_STREAM, String(p))) + 1);
    expect(batch).toHaveLength(2);
    const [a, b] = await Promise.all([lib.aggregateBatch(batch, NOW), lib.aggregateBatch(batch, NOW)]);
    expect(a.datapoints + b.datapoints).toBe(2);
    await commit(p, batch[1].seq);
    expect(await totals()).toEqual({ sum: 336, count: 7 });
  });

  it("compacts records into chunks and purges them, reads exact throughout", async () => {
    const p = partition();
    expect((await lib.readDeltas(p)).length).toBeGreaterThan(0);
    const first = await lib.compactPartition(p);
    expect(first.written).toBe(1); // one series, one chunk
    expect(first.left).toBe(0);
    expect(await lib.readDeltas(p)).toEqual([]);
    expect(await totals()).toEqual({ sum: 336, count: 7 });
    // Again: nothing left to fold, nothing written.
    expect(await lib.compactPartition(p)).toEqual({ written: 0, purged: 0, left: 0 });

    // A record the checkpoint has not passed is folded but kept, and reads still count it once.
    await put([1000]);
    const batch = await batchFrom(p, (await lib.getCheckpoint(lib.INGEST_STREAM, String(p))) + 1);
    await lib.aggregateBatch(batch, NOW);
    expect(await lib.compactPartition(p)).toEqual({ written: 1, purged: 0, left: 1 });
    expect(await totals()).toEqual({ sum: 1336, count: 8 });
    // Redelivered after compaction: still recorded once.
    expect((await lib.aggregateBatch(batch, NOW)).datapoints).toBe(0);
    await commit(p, batch[0].seq);
    expect(await lib.compactPartition(p)).toEqual({ written: 0, purged: 1, left: 0 });
    expect(await totals()).toEqual({ sum: 1336, count: 8 });
  });

  it("folds a record once when its chunk changed behind this process's copy, and when two compactions run at once", async () => {
    const p = partition();
    const { chunkBucket } = await import("../../lib/metrics/store/chunk-store.js");
    const { seriesId } = await import("../../lib/metrics/store/identity.js");
    const kv = await chunkBucket();
    const id = seriesId({ namespace: NS, metricName: "Requests", dimensions: [{ name: "Host", value: "web-1" }] });
    const keys: string[] = [];
    for await (const k of await kv.keys(`${ACCOUNT}.${id}.>`)) keys.push(k);
    expect(keys).toHaveLength(1);
    const [key] = keys;
    // Another writer (roll-off, another process) rewrote the chunk: this process's remembered copy is stale.
    const entry = (await kv.get(key))!;
    await kv.put(key, entry.value);

    const aggregate = async () => {
      const batch = await batchFrom(p, (await lib.getCheckpoint(lib.INGEST_STREAM, String(p))) + 1);
      await lib.aggregateBatch(batch, NOW);
      await commit(p, batch.at(-1)!.seq);
    };
    await put([10_000]);
    await aggregate();
    expect((await lib.compactPartition(p)).written).toBe(1);
    expect(await totals()).toEqual({ sum: 11_336, count: 9 });

    await put([20_000]);
    await aggregate();
    const [a, b] = await Promise.all([lib.compactPartition(p), lib.compactPartition(p)]);
    expect(a.written + b.written).toBeGreaterThanOrEqual(1);
    expect(await lib.readDeltas(p)).toEqual([]);
    expect(await totals()).toEqual({ sum: 31_336, count: 10 });
  });

  it("splits a batch too large for one NATS message into records of contiguous ranges", async () => {
    // 80,000 distinct series, 20,000 a partition: far more than one record can hold.
    const metric = (i: number) => ({ MetricName: "Wide", Dimensions: [{ Name: "Id", Value: `series-${i}` }], Timestamp: new Date(NOW), Value: i, Unit: "Count" as const });
    for (let r = 0; r < 80; r++) {
      await lib.putMetricData({ Namespace: NS, MetricData: Array.from({ length: 1000 }, (_, k) => metric(r * 1000 + k)) }, { accountId: ACCOUNT, now: NOW });
    }
    let datapoints = 0;
    for (let p = 0; p < lib.PARTITIONS; p++) {
      const before = (await lib.readDeltas(p)).length;
      const batch = await batchFrom(p, (await lib.getCheckpoint(lib.INGEST_STREAM, String(p))) + 1);
      datapoints += (await lib.aggregateBatch(batch, NOW)).datapoints;
      const records = (await lib.readDeltas(p)).slice(before);
      expect(records.length).toBeGreaterThan(1);
      expect(records[0].from).toBe(batch[0].seq);
      expect(records.at(-1)!.to).toBe(batch.at(-1)!.seq);
      for (let i = 1; i < records.length; i++) expect(records[i].from).toBeGreaterThan(records[i - 1].to);
      await commit(p, batch.at(-1)!.seq);
    }
    expect(datapoints).toBe(80_000);
    // Every series, read back: its own value, once.
    for (const i of [0, 1, 4_999, 12_345, 54_321, 79_999]) {
      const out = await lib.getMetricStatistics(
        ACCOUNT,
        { Namespace: NS, MetricName: "Wide", Dimensions: [{ Name: "Id", Value: `series-${i}` }], StartTime: new Date(NOW), EndTime: new Date(NOW + 60_000), Period: 60, Statistics: ["Sum", "SampleCount"] },
        NOW,
      );
      expect(out.Datapoints).toEqual([expect.objectContaining({ Sum: i, SampleCount: 1 })]);
    }
  });

  it("compacts again after a compaction failed, without waiting for another batch", async () => {
    await put([7]);
    const p = partition();
    const batch = await batchFrom(p, (await lib.getCheckpoint(lib.INGEST_STREAM, String(p))) + 1);
    await lib.aggregateBatch(batch, NOW);
    await commit(p, batch.at(-1)!.seq);
    expect((await lib.readDeltas(p)).length).toBeGreaterThan(0);
    // nats-server goes away just as the aggregator schedules its compaction...
    await servers.stopNats();
    lib.compactSoon(p);
    await new Promise((r) => setTimeout(r, 1000));
    await servers.startNats();
    // ...and the records are folded and purged once it is back, with no new batch.
    const deadline = Date.now() + 30_000;
    while ((await lib.readDeltas(p).catch(() => [1])).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(await lib.readDeltas(p)).toEqual([]);
    expect(await totals()).toEqual({ sum: 31_343, count: 11 });
  }, 60_000);

  // Runs after the restart above, which recounts nats-server's storage from disk.
  it("purges folded records so that nats-server's storage total stays what its streams hold", async () => {
    // nats-server 2.9 leaves a purge filtered by subject out of JetStream's storage total, and refuses
    // every write once the total passes max_file_store: the delta log's volume would have got there in a day.
    const metric = (i: number) => ({ MetricName: "Accounted", Dimensions: [{ Name: "Id", Value: `series-${i}` }], Timestamp: new Date(NOW), Value: i, Unit: "Count" as const });
    const usage = async () => {
      const jsz = (await fetch(`${servers.nats.monitorUrl}/jsz?streams=true`).then((r) => r.json())) as {
        storage: number;
        account_details?: Array<{ stream_detail?: Array<{ state: { bytes: number } }> }>;
      };
      const held = (jsz.account_details ?? []).flatMap((a) => a.stream_detail ?? []).reduce((t, st) => t + st.state.bytes, 0);
      return { total: jsz.storage, held };
    };
    const before = await usage();
    expect(before.total).toBe(before.held);
    for (let round = 0; round < 3; round++) {
      await lib.putMetricData({ Namespace: NS, MetricData: Array.from({ length: 1000 }, (_, k) => metric(k)) }, { accountId: ACCOUNT, now: NOW });
      for (let p = 0; p < lib.PARTITIONS; p++) {
        const batch = await batchFrom(p, (await lib.getCheckpoint(lib.INGEST_STREAM, String(p))) + 1);
        await lib.aggregateBatch(batch, NOW);
        await commit(p, batch.at(-1)!.seq);
        await lib.compactPartition(p);
      }
    }
    for (let p = 0; p < lib.PARTITIONS; p++) await lib.compactPartition(p);
    const { jsm } = await (await import("../../lib/storage/nats.js")).getNats();
    // Every partition folded everything: only the stream's last record stays.
    expect((await jsm.streams.info(lib.DELTA_STREAM)).state.messages).toBe(1);
    const after = await usage();
    expect(after.held).toBeGreaterThan(0);
    expect(after.total).toBe(after.held);
  }, 60_000);
});
