/**
 * A collector's puts that the metric store throttled (lib/collector/throttled-puts.ts)
 * are held and tried again with backoff until the store takes them, stored
 * once; past the byte budget or the tick's deadline they are dropped and
 * reported. Over a real nats-server with no aggregator running, so the store
 * throttles once the ingest lag passes max_ingest_lag, and takes data again
 * once the test aggregates.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServers, type TestServers } from "../support/servers.js";
import { putMetricData } from "../../lib/metrics/put-metric-data.js";
import { getMetricStatistics } from "../../lib/metrics/get-metric-statistics.js";
import { drainIngest } from "../../lib/metrics/write/drain.js";
import { isThrottling, ThrottledPuts, type HeldPut, type SendPut } from "../../lib/collector/throttled-puts.js";

// Read by getConfig() on the first request, after this module set it.
process.env.HIVE_CLOUDWATCH_MAX_INGEST_LAG = "2s";

const ACCOUNT = "000000000000";
const NOW = Math.floor(Date.now() / 60_000) * 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let servers: TestServers;
beforeAll(async () => (servers = await startTestServers("throttled-puts", { s3: false })));
afterAll(() => servers?.stop());

const send: SendPut = (p) => putMetricData({ Namespace: p.namespace, MetricData: p.data }, { accountId: p.accountId, allowReserved: true, retryKey: p.retryKey });
const heldPut = (owner: string, value: number): HeldPut => ({
  owner,
  namespace: "AWS/EC2",
  accountId: ACCOUNT,
  data: [{ MetricName: "CPUUtilization", Dimensions: [{ Name: "InstanceId", Value: owner }], Timestamp: new Date(NOW), Value: value, Unit: "Percent" }],
  retryKey: `qmp.${owner}.${NOW}`,
});

async function stored(owner: string): Promise<{ count: number; sum: number }> {
  const out = await getMetricStatistics(ACCOUNT, {
    Namespace: "AWS/EC2",
    MetricName: "CPUUtilization",
    Dimensions: [{ Name: "InstanceId", Value: owner }],
    StartTime: new Date(NOW - 60_000),
    EndTime: new Date(NOW + 60_000),
    Period: 60,
    Statistics: ["SampleCount", "Sum"],
  });
  const dps = out.Datapoints ?? [];
  return { count: dps.reduce((n, d) => n + d.SampleCount!, 0), sum: dps.reduce((n, d) => n + d.Sum!, 0) };
}

/** Puts until the store answers Throttling (the lag passes 2 s within a few seconds): the put it refused. */
async function throttledPut(owner: string, value: number): Promise<HeldPut> {
  for (let i = 0; i < 80; i++) {
    await putMetricData({ Namespace: "Filler", MetricData: [{ MetricName: "Lag", Timestamp: new Date(NOW), Value: 1 }] }, { accountId: ACCOUNT }).catch((e) => {
      if (!isThrottling(e)) throw e;
    });
    const put = heldPut(owner, value);
    try {
      await send(put);
    } catch (e) {
      if (isThrottling(e)) return put;
      throw e;
    }
    // stored before the store throttled: not the case this test is about, so the next try is another instance's
    owner = `${owner}-${i}`;
    await sleep(250);
  }
  throw new Error("the store never throttled");
}

describe("puts a collector had answered with Throttling", () => {
  it("are tried again with backoff and stored once the store takes data again", { timeout: 120_000 }, async () => {
    const put = await throttledPut("i-0aaa", 42);
    const held = new ThrottledPuts(1024 * 1024);
    expect(held.hold(put)).toBe(true);
    expect(held.bytes()).toBeGreaterThan(0);
    // The aggregator catches up a few seconds later; the retries go on meanwhile.
    const retried = held.retry(send, { deadline: Date.now() + 60_000, minDelayMs: 200, maxDelayMs: 1000 });
    await sleep(3000);
    await drainIngest();
    expect(await retried).toBe(1);
    expect(held.dropped).toEqual(new Set());
    expect(held.bytes()).toBe(0);
    await drainIngest();
    expect(await stored(put.owner)).toEqual({ count: 1, sum: 42 });
  });

  it("are dropped and reported past the byte budget, and when still throttled at the deadline", { timeout: 120_000 }, async () => {
    const first = await throttledPut("i-0bbb", 7);
    const second = heldPut("i-0ccc", 8);
    const held = new ThrottledPuts(JSON.stringify(first.data).length + 200);
    expect(held.hold(first)).toBe(true);
    expect(held.hold(second)).toBe(false); // over the budget
    expect(await held.retry(send, { deadline: Date.now() + 1500, minDelayMs: 200, maxDelayMs: 400 })).toBe(0);
    expect(held.dropped).toEqual(new Set([first.owner, "i-0ccc"]));
    expect(held.bytes()).toBe(0);
    await drainIngest();
    expect(await stored(first.owner)).toEqual({ count: 0, sum: 0 });
  });
});
