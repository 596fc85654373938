/**
 * Writes yield to reads when the process is saturated: under a flood of
 * PutMetricData from many clients at once, more than the process can serve,
 * the writes past the limit that falls with the event loop's delay
 * (`[cloudwatch] max_event_loop_delay`, local/write-saturation.ts) get AWS's
 * `Throttling`, reads keep answering, and every acknowledged datum is stored.
 * The reserved concurrency and the lag bound are set out of reach here, so
 * the Throttling can come from saturation alone.
 *
 * AWS's answer: CloudWatch's common error `Throttling`, HTTP 400
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CommonErrors.html),
 * "Rate exceeded" (recorded in camitz/aws-cloudwatch-statsd-backend#10); over
 * awsJson1_0 the error's name is the body's `__type`.
 */
import { GetMetricDataCommand, GetMetricStatisticsCommand } from "@aws-sdk/client-cloudwatch";
import { afterAll, beforeAll, expect, it } from "vitest";
import { putMetricDataBody, RawPutMetricData, type PutOutcome } from "../support/put-flood.js";
import { retrying } from "../support/retrying.js";
import { cloudWatchClient, startStack, type Stack } from "../support/stack.js";

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    env: { HIVE_CLOUDWATCH_MAX_CONCURRENT_WRITES: "100000", HIVE_CLOUDWATCH_MAX_INGEST_LAG: "1d", HIVE_CLOUDWATCH_MAX_EVENT_LOOP_DELAY: "50ms" },
  });
}, 120_000);
afterAll(() => stack?.stop());

const AT = Math.floor((Date.now() - 5 * 60_000) / 60_000) * 60;
const SERIES = 10;
const BATCH = 1000;
const NAMESPACE = "Flood";
/** Calls kept in flight: far more than two cores serve at once. */
const IN_FLIGHT = 160;
/**
 * A read under the flood answers within this: generous, for a shared loaded
 * machine (before writes yielded, the soak's GetMetricData took 2.5-7.3 s at
 * 64 writes in flight on a quiet one; this read is lighter).
 */
const READ_BOUND_MS = 10_000;

it("throttles writes with Throttling (400, Rate exceeded) while reads keep answering, and stores exactly the datums acknowledged", async () => {
  const cw = cloudWatchClient(stack);
  const clients = Array.from({ length: 8 }, () => new RawPutMetricData({ endpoint: stack.endpoint, region: "us-east-1", accessKeyId: "test", secretAccessKey: "test" }));
  const bodies = Array.from({ length: 4 }, (_, v) =>
    putMetricDataBody(
      NAMESPACE,
      Array.from({ length: BATCH }, (_, k) => ({ MetricName: `m${k % SERIES}`, Timestamp: AT, Value: v * BATCH + k })),
    ),
  );
  const outcomes: PutOutcome[] = [];
  const reads: number[] = [];
  let flooding = true;
  const started = Date.now();
  // Open loop: each slot sends again as soon as its call ends, throttled or not, until reads have been measured under throttling.
  const slot = async (i: number) => {
    for (let n = 0; flooding; n++) outcomes.push(await clients[i % clients.length].send(bodies[(i + n) % bodies.length]));
  };
  const reader = async () => {
    const throttledSoFar = () => outcomes.filter((o) => o.throttled > 0).length;
    try {
      for (let n = 0; Date.now() - started < 120_000 && !(n >= 20 && throttledSoFar() >= 20); n++) {
        const t0 = performance.now();
        const out = await cw.send(
          new GetMetricDataCommand({
            StartTime: new Date((AT - 600) * 1000),
            EndTime: new Date((AT + 600) * 1000),
            MetricDataQueries: Array.from({ length: SERIES }, (_, k) => ({ Id: `q${k}`, MetricStat: { Metric: { Namespace: NAMESPACE, MetricName: `m${k}` }, Period: 60, Stat: "SampleCount" } })),
          }),
        );
        expect(out.MetricDataResults).toHaveLength(SERIES);
        reads.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      flooding = false;
    }
  };
  await Promise.all([reader(), ...Array.from({ length: IN_FLIGHT }, (_, i) => slot(i))]);
  for (const c of clients) c.close();

  const throttled = outcomes.filter((o) => o.throttling);
  expect(throttled.length).toBeGreaterThan(0);
  for (const o of throttled) {
    expect(o.throttling!.status).toBe(400);
    expect(JSON.parse(o.throttling!.body)).toMatchObject({ __type: expect.stringMatching(/(^|#)Throttling$/), message: "Rate exceeded" });
  }
  expect(outcomes.filter((o) => o.error || o.serverErrors)).toEqual([]);
  // Reads answered throughout; the slowest of them within the bound.
  expect(reads.length).toBeGreaterThanOrEqual(20);
  expect(Math.max(...reads)).toBeLessThan(READ_BOUND_MS);

  const want = outcomes.filter((o) => o.acknowledged).length * BATCH;
  expect(want).toBeGreaterThan(0);
  const stored = async () => {
    let n = 0;
    for (let k = 0; k < SERIES; k++) {
      const out = await cw.send(
        new GetMetricStatisticsCommand({ Namespace: NAMESPACE, MetricName: `m${k}`, StartTime: new Date((AT - 60) * 1000), EndTime: new Date((AT + 120) * 1000), Period: 60, Statistics: ["SampleCount"] }),
      );
      n += (out.Datapoints ?? []).reduce((t, d) => t + (d.SampleCount ?? 0), 0);
    }
    return n;
  };
  await retrying(async () => expect(await stored()).toBe(want), { timeoutMs: 60_000, pauseMs: 1000 });
}, 300_000);
