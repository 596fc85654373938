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
import { request } from "node:http";
import { connect, type Socket } from "node:net";
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

/** New connections at once: more than Node's default listen backlog (511) holds. */
const BURST = 1100;

// Only the answers a request may get are AWS's (200, or Throttling above); that no connection is dropped or reset
// under a burst is our own promise, not an AWS answer.
it("queues a burst of new connections that arrives while its event loop is held, and answers every one of them: none dropped or reset", async () => {
  const cw = cloudWatchClient(stack);
  const client = new RawPutMetricData({ endpoint: stack.endpoint, region: "us-east-1", accessKeyId: "test", secretAccessKey: "test" });
  const body = putMetricDataBody("Burst", [{ MetricName: "b", Timestamp: AT, Value: 1 }]);
  const headers = await client.signedHeaders(body);
  client.close();
  const { hostname, port } = new URL(stack.endpoint);
  const pid = stack.servicePid()!;
  // A stopped service stands for a flooded one: libuv accepts one connection
  // an event-loop turn, and a turn then lasts milliseconds. The kernel
  // completes the handshakes its accept queue has room for; past it a SYN is
  // dropped (retried after 1 s, 3 s...), or a connection half-open is reset
  // once the kernel gives up on it (ECONNRESET in the soak's first minute).
  process.kill(pid, "SIGSTOP");
  const sockets: Socket[] = [];
  try {
    await Promise.race([
      Promise.all(
        Array.from({ length: BURST }, () =>
          new Promise<void>((resolve, reject) => {
            const s = connect(Number(port), hostname, () => (sockets.push(s), resolve()));
            s.once("error", reject);
          }),
        ),
      ),
      new Promise((r) => setTimeout(r, 3000)),
    ]);
  } finally {
    process.kill(pid, "SIGCONT");
  }
  expect(sockets.length).toBe(BURST);

  const answers = await Promise.all(
    sockets.map(
      (socket) =>
        new Promise<string>((resolve) => {
          const req = request({ createConnection: () => socket, method: "POST", path: "/", headers }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => {
              socket.destroy();
              resolve(res.statusCode === 200 ? "200" : `${res.statusCode} ${/Throttling/.test(Buffer.concat(chunks).toString()) ? "Throttling" : Buffer.concat(chunks).toString().slice(0, 200)}`);
            });
          });
          req.on("error", (e) => resolve(`${(e as NodeJS.ErrnoException).code ?? e.message}`));
          req.end(body);
        }),
    ),
  );
  const counts = answers.reduce<Record<string, number>>((m, a) => ((m[a] = (m[a] ?? 0) + 1), m), {});
  expect(Object.keys(counts).filter((a) => a !== "200" && a !== "400 Throttling")).toEqual([]);
  const acknowledged = counts["200"] ?? 0;
  expect(acknowledged).toBeGreaterThan(0);
  await retrying(
    async () => {
      const out = await cw.send(
        new GetMetricStatisticsCommand({ Namespace: "Burst", MetricName: "b", StartTime: new Date((AT - 60) * 1000), EndTime: new Date((AT + 120) * 1000), Period: 60, Statistics: ["SampleCount"] }),
      );
      expect((out.Datapoints ?? []).reduce((t, d) => t + (d.SampleCount ?? 0), 0)).toBe(acknowledged);
    },
    { timeoutMs: 60_000, pauseMs: 1000 },
  );
}, 180_000);
