/**
 * The metric delta log across a crash of nats-server: compaction purges the
 * records it folded, and nats-server (2.9) killed within seconds of a purge
 * that left the stream empty comes back numbering messages from 1 again.
 * New records then fell below the partition's purge mark, so neither reads
 * nor compaction saw them while the ingest checkpoint moved past their data:
 * acknowledged datapoints were lost (metrics-durability.test.ts, run under load).
 * purgeBelowNeeded now never empties a stream; should the sequence go back all the
 * same, the aggregator moves the mark back to its record.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServers, type TestServers } from "../support/servers.js";
import { retrying } from "../support/retrying.js";

const ACCOUNT = "000000000000";
const NS = "Delta/Crash";
const dims = [{ Name: "Host", Value: "web-1" }];

let servers: TestServers;
let lib: typeof import("../../lib/metrics/put-metric-data.js") &
  typeof import("../../lib/metrics/get-metric-statistics.js") &
  typeof import("../../lib/metrics/write/aggregator.js") &
  typeof import("../../lib/metrics/write/compaction.js") &
  typeof import("../../lib/metrics/write/delta-log.js") &
  typeof import("../../lib/metrics/write/backlog.js") &
  typeof import("../../lib/metrics/write/ingest-log.js") &
  typeof import("../../lib/storage/nats.js") &
  typeof import("../../lib/storage/stream-shards.js");

beforeAll(async () => {
  servers = await startTestServers("delta-crash", { s3: false });
  lib = {
    ...(await import("../../lib/metrics/put-metric-data.js")),
    ...(await import("../../lib/metrics/get-metric-statistics.js")),
    ...(await import("../../lib/metrics/write/aggregator.js")),
    ...(await import("../../lib/metrics/write/compaction.js")),
    ...(await import("../../lib/metrics/write/delta-log.js")),
    ...(await import("../../lib/metrics/write/backlog.js")),
    ...(await import("../../lib/metrics/write/ingest-log.js")),
    ...(await import("../../lib/storage/nats.js")),
    ...(await import("../../lib/storage/stream-shards.js")),
  };
});

afterAll(() => servers?.stop());

const NOW = Math.floor(Date.now() / 60_000) * 60_000;
const partition = () => lib.partitionOf(ACCOUNT, NS, { m: "Requests", d: [["Host", "web-1"]] });
/** nats-server was just restarted: the connection comes back on its own, JetStream a moment later. */
const again = <T>(f: () => Promise<T>) => retrying(f, { timeoutMs: 30_000, pauseMs: 250 });

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

/** One round of the stream trigger: the partition's messages past its checkpoint aggregated, the checkpoint moved. */
async function aggregate(p: number) {
  const from = (await lib.getCheckpoint(lib.INGEST_STREAM, String(p))) + 1;
  const msgs = await lib.readShard(lib.INGEST_STREAM, lib.partitionFilter(p), from, 10_000, 0);
  expect(msgs.length).toBeGreaterThan(0);
  await lib.aggregateBatch(msgs.map((m) => ({ seq: m.seq, data: m.data })), NOW);
  const lease = await lib.acquireLease(lib.INGEST_STREAM, String(p), "test", 30_000);
  expect(await lib.commitLease(lease!, msgs.at(-1)!.seq, 30_000)).toBe(true);
  await lib.releaseLease(lease!);
}

describe("the metric delta log across a SIGKILL of nats-server", () => {
  it("keeps every acknowledged datapoint when nats-server dies right after compaction purged every record", { timeout: 120_000 }, async () => {
    const p = partition();
    await put([1, 2, 3]);
    await aggregate(p);
    // Two passes: the second purges what the first folded once the checkpoint is past it.
    await lib.compactPartition(p);
    await lib.compactPartition(p);
    expect(await lib.readDeltas(p)).toEqual([]);
    expect(await totals()).toEqual({ sum: 6, count: 3 });
    // The folded last record stays in the stream; the backlog does not count it.
    expect(await lib.deltaBacklog()).toBe(0);
    const { jsm } = await lib.getNats();
    expect((await jsm.streams.info(lib.DELTA_STREAM)).state.messages).toBe(1);
    const before = (await jsm.streams.info(lib.DELTA_STREAM)).state.last_seq;

    // A crash within seconds of that purge (nats-server writes its stream state a few seconds later).
    await servers.nats.stop("SIGKILL");
    await servers.startNats();
    const { jsm: after } = await lib.getNats();
    // soft: without the fix, what follows shows the loss this leads to
    expect.soft((await again(() => after.streams.info(lib.DELTA_STREAM))).state.last_seq, "the delta stream's sequence after the crash").toBe(before);

    // The service goes on: new data is aggregated, read, compacted and read again.
    await again(() => put([10, 20]));
    await again(() => aggregate(p));
    expect(await totals()).toEqual({ sum: 36, count: 5 });
    await lib.compactPartition(p);
    await lib.compactPartition(p);
    expect(await lib.readDeltas(p)).toEqual([]);
    expect(await totals()).toEqual({ sum: 36, count: 5 });
  });

  it("reads and compacts records numbered from 1 again when nats-server lost the delta stream's sequence anyway", { timeout: 120_000 }, async () => {
    const p = partition();
    const { jsm } = await lib.getNats();
    // Emptied as no purge of the service's does any more, then a crash.
    const { last_seq } = (await jsm.streams.info(lib.DELTA_STREAM)).state;
    await jsm.streams.purge(lib.DELTA_STREAM, { filter: lib.deltaSubject(p), seq: last_seq + 1 });
    await servers.nats.stop("SIGKILL");
    await servers.startNats();
    const { jsm: after } = await lib.getNats();
    expect((await again(() => after.streams.info(lib.DELTA_STREAM))).state.last_seq).toBe(0);

    // This process's reader cache and the aggregator's last record still hold the old numbering.
    await again(() => put([100]));
    await again(() => aggregate(p));
    expect((await lib.readDeltas(p)).map((r) => r.seq)).toEqual([1]);
    expect(await totals()).toEqual({ sum: 136, count: 6 });
    await lib.compactPartition(p);
    await lib.compactPartition(p);
    expect(await lib.readDeltas(p)).toEqual([]);
    expect(await totals()).toEqual({ sum: 136, count: 6 });
  });
});
