/**
 * Reads of the ingest stream leave no consumers behind on nats-server: the
 * metric tail that every read folds in (tail-cache.ts) and the aggregator's
 * batches (readShard) each make an ordered consumer, and nats.js keeps one
 * alive for 5 minutes by default. The soak benchmark counted some 1,400 on
 * the ingest stream at 8,000 datums/s, all held in nats-server's memory.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServers, type TestServers } from "../support/servers.js";
import { putMetricData } from "../../lib/metrics/put-metric-data.js";
import { getMetricStatistics } from "../../lib/metrics/get-metric-statistics.js";
import { drainIngest } from "../../lib/metrics/write/drain.js";
import { INGEST_STREAM } from "../../lib/metrics/write/ingest-log.js";
import { getNats } from "../../lib/storage/nats.js";
import { retrying } from "../support/retrying.js";

process.env.HIVE_CLOUDWATCH_MAX_INGEST_LAG = "1d";

const ACCOUNT = "000000000000";
const NS = "Consumers/Test";
const NOW = Math.floor(Date.now() / 60_000) * 60_000;

let servers: TestServers;
beforeAll(async () => (servers = await startTestServers("consumers", { s3: false })));
afterAll(() => servers?.stop());

const put = (metric: string, value: number) =>
  putMetricData({ Namespace: NS, MetricData: [{ MetricName: metric, Timestamp: new Date(NOW), Value: value }] }, { accountId: ACCOUNT });

const sum = async (metric: string) =>
  ((await getMetricStatistics(ACCOUNT, { Namespace: NS, MetricName: metric, StartTime: new Date(NOW - 60_000), EndTime: new Date(NOW + 60_000), Period: 60, Statistics: ["Sum"] })).Datapoints ?? []).reduce((n, d) => n + d.Sum!, 0);

const consumers = async () => (await (await getNats()).jsm.streams.info(INGEST_STREAM)).state.consumer_count;

describe("ingest stream consumers", () => {
  it("are deleted after tail reads and aggregator batches", async () => {
    for (let i = 1; i <= 10; i++) {
      await put(`m${i % 3}`, i);
      // Read through the unaggregated tail: one consumer per read of a partition.
      expect(await sum(`m${i % 3}`)).toBeGreaterThan(0);
    }
    await drainIngest();
    expect(await sum("m1") + (await sum("m2")) + (await sum("m0"))).toBe(55);
    await retrying(async () => expect(await consumers()).toBe(0), { timeoutMs: 10_000, pauseMs: 200 });
  });
});
