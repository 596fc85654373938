/**
 * The ingest stream keeps only what some partition still has to aggregate:
 * messages below the oldest one past any checkpoint are purged, the rest
 * (and the stream's last message, which keeps its sequence) stay, and every
 * datum is still counted once by reads. Kept for its whole 24 h max_age, the
 * stream grew by about 1 GB an hour at 8,000 datums/s.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServers, type TestServers } from "../support/servers.js";
import { putMetricData } from "../../lib/metrics/put-metric-data.js";
import { getMetricStatistics } from "../../lib/metrics/get-metric-statistics.js";
import { drainIngest } from "../../lib/metrics/write/drain.js";
import { INGEST_STREAM, PARTITIONS, partitionOf } from "../../lib/metrics/write/ingest-log.js";
import { purgeAggregatedIngest } from "../../lib/metrics/write/ingest-purge.js";
import { getNats } from "../../lib/storage/nats.js";

process.env.HIVE_CLOUDWATCH_MAX_INGEST_LAG = "1d";

const ACCOUNT = "000000000000";
const NS = "Purge/Test";
const NOW = Math.floor(Date.now() / 60_000) * 60_000;

let servers: TestServers;
beforeAll(async () => (servers = await startTestServers("ingest-purge", { s3: false })));
afterAll(() => servers?.stop());

/** A metric name whose series falls in `partition`. */
const inPartition = (partition: number, n: number) => {
  for (let k = 0; ; k++) {
    const name = `m${n}-${k}`;
    if (partitionOf(ACCOUNT, NS, { m: name, d: [] }) === partition) return name;
  }
};
const put = (metric: string, value: number) =>
  putMetricData({ Namespace: NS, MetricData: [{ MetricName: metric, Timestamp: new Date(NOW), Value: value }] }, { accountId: ACCOUNT });
const sum = async (metric: string) =>
  ((await getMetricStatistics(ACCOUNT, { Namespace: NS, MetricName: metric, StartTime: new Date(NOW - 60_000), EndTime: new Date(NOW + 60_000), Period: 60, Statistics: ["Sum"] })).Datapoints ?? []).reduce((n, d) => n + d.Sum!, 0);
const state = async () => (await (await getNats()).jsm.streams.info(INGEST_STREAM)).state;

describe("purging aggregated ingest messages", () => {
  it("removes what every partition has aggregated, keeps what one has not, and reads count each datum once", async () => {
    const names = Array.from({ length: PARTITIONS }, (_, p) => inPartition(p, p));
    for (let round = 1; round <= 3; round++) for (const name of names) await put(name, round);
    await drainIngest();
    const drained = await state();
    expect(drained.messages).toBe(3 * PARTITIONS);

    // Nothing waits: everything but the last message goes.
    expect(await purgeAggregatedIngest()).toBe(3 * PARTITIONS - 1);
    expect((await state()).messages).toBe(1);
    expect((await state()).last_seq).toBe(drained.last_seq);

    // Partition 2's new message waits: it and everything after it stay.
    await put(names[2], 10);
    const waiting = (await state()).last_seq;
    await put(names[0], 10);
    await put(names[1], 10);
    expect(await purgeAggregatedIngest()).toBe(1);
    expect((await state()).first_seq).toBe(waiting);
    expect((await state()).messages).toBe(3);

    for (const [p, name] of names.entries()) expect(await sum(name)).toBe(6 + (p <= 2 ? 10 : 0));
    await drainIngest();
    for (const [p, name] of names.entries()) expect(await sum(name)).toBe(6 + (p <= 2 ? 10 : 0));
    expect(await purgeAggregatedIngest()).toBe(2);
    expect((await state()).first_seq).toBe(drained.last_seq + 3);
  });
});
