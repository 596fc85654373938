/**
 * Overload is answered, never absorbed (lib/metrics/write/ingest-admission.ts):
 * while the aggregators lag by more than `max_ingest_lag` of data,
 * PutMetricData answers AWS's Throttling, stores nothing of that request, and
 * takes data again once aggregation caught up. Over a real nats-server, with
 * no aggregator running, so the lag is whatever the test lets it be.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServers, type TestServers } from "../support/servers.js";
import { isServiceError } from "../../lib/errors.js";
import { putMetricData } from "../../lib/metrics/put-metric-data.js";
import { getMetricStatistics } from "../../lib/metrics/get-metric-statistics.js";
import { ingestLagSeconds } from "../../lib/metrics/write/ingest-lag.js";
import { drainIngest } from "../../lib/metrics/write/drain.js";

// Read by getConfig() on the first request, after this module set it.
process.env.HIVE_CLOUDWATCH_MAX_INGEST_LAG = "2s";

const ACCOUNT = "000000000000";
const NS = "Admission/Test";
const NOW = Math.floor(Date.now() / 60_000) * 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let servers: TestServers;
beforeAll(async () => (servers = await startTestServers("admission", { s3: false })));
afterAll(() => servers?.stop());

const put = (value: number, metric = "Requests") =>
  putMetricData({ Namespace: NS, MetricData: [{ MetricName: metric, Timestamp: new Date(NOW), Value: value, Unit: "Count" }] }, { accountId: ACCOUNT });

async function sampleCount(metric = "Requests"): Promise<number> {
  const out = await getMetricStatistics(
    ACCOUNT,
    { Namespace: NS, MetricName: metric, StartTime: new Date(NOW - 60_000), EndTime: new Date(NOW + 60_000), Period: 60, Statistics: ["SampleCount"] },
  );
  return (out.Datapoints ?? []).reduce((n, d) => n + d.SampleCount!, 0);
}

describe("PutMetricData under aggregation lag", () => {
  it("measures the lag as the span of data past the checkpoints, and none once aggregated", async () => {
    expect(await ingestLagSeconds()).toBe(0);
    await put(1, "Lag");
    await sleep(1200);
    await put(1, "Lag");
    const lag = await ingestLagSeconds();
    expect(lag).toBeGreaterThanOrEqual(1);
    expect(lag).toBeLessThan(30);
    await drainIngest();
    expect(await ingestLagSeconds()).toBe(0);
  });

  it("answers Throttling (400, 'Rate exceeded') past max_ingest_lag, stores nothing of it, and accepts again after aggregation", async () => {
    let acknowledged = 0;
    let throttled: unknown;
    // One datum every 250 ms: the lag passes 2 s within a few seconds (measured at most once a second).
    for (let i = 0; i < 40 && !throttled; i++) {
      try {
        await put(1);
        acknowledged++;
      } catch (e) {
        throttled = e;
      }
      await sleep(250);
    }
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CommonErrors.html: Throttling, HTTP 400.
    expect(isServiceError(throttled)).toBe(true);
    expect(throttled).toMatchObject({ code: "Throttling", status: 400, message: "Rate exceeded" });
    expect(acknowledged).toBeGreaterThan(4);
    expect(await sampleCount()).toBe(acknowledged);

    await drainIngest();
    await sleep(1100); // past the cached lag
    await put(1);
    expect(await sampleCount()).toBe(acknowledged + 1);
  });
});
