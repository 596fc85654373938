/**
 * GetMetricData under a PutMetricData flood: the soak's open-loop generator
 * (test/support/put-flood.ts) for `--seconds` at `--rate` datums/s, and from
 * its 8th second one GetMetricData every 2 s (20 series over the last hour,
 * as the soak's), each timed; p50/max at the end. The reads' times include
 * this process's own event loop, which the generator keeps busy too.
 *
 *   npx tsx bench/flood-reads.ts --seconds 45 --rate 700000 --writers 16 [--profile DIR]
 *
 * `--profile DIR` writes the service's CPU profiles (one per thread) to DIR.
 */
import { GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { loadavg } from "node:os";
import { putMetricDataBody, RawPutMetricData, type RawDatum } from "../test/support/put-flood.js";
import { cloudWatchClient, startStack } from "../test/support/stack.js";
import { numberArg, profileArgs } from "./common.js";

const SECONDS = numberArg("seconds", 45);
const RATE = numberArg("rate", 700_000);
const WRITERS = numberArg("writers", 16);
const MAX_IN_FLIGHT = numberArg("max-in-flight", 1024);
const BATCH = 1000;

async function main() {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (k.startsWith("HIVE_CLOUDWATCH_")) env[k] = v!;
  const stack = await startStack({ env, nodeArgs: profileArgs() });
  const target = { endpoint: stack.endpoint, region: "us-east-1", accessKeyId: "test", secretAccessKey: "test" };
  const bodies = Array.from({ length: 4 }, () =>
    putMetricDataBody("Flood", Array.from({ length: BATCH }, (_, k): RawDatum => ({ MetricName: `m${k % 10}`, Dimensions: [{ Name: "Host", Value: `h${Math.floor(k / 10)}` }], Timestamp: Math.floor(Date.now() / 1000), Value: Math.random() * 100 }))),
  );
  const cw = cloudWatchClient(stack);
  const read = () =>
    cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(Date.now() - 3600_000),
        EndTime: new Date(),
        MetricDataQueries: Array.from({ length: 20 }, (_, k) => ({ Id: `q${k}`, MetricStat: { Metric: { Namespace: "Flood", MetricName: `m${k % 10}`, Dimensions: [{ Name: "Host", Value: `h${k}` }] }, Period: 60, Stat: "Average" } })),
      }),
    );
  await read(); // its connection open before the flood's
  cw.middlewareStack.add((next) => (args: any) => ((args.request.headers["x-hive-trace"] = "1"), next(args)), { step: "build" });
  const started = Date.now();
  const deadline = started + SECONDS * 1000;
  let inFlight = 0, acked = 0, failed = 0, gaveUp = 0, throttled = 0;
  const spacing = (WRITERS * BATCH * 1000) / RATE;
  const writer = async (w: number) => {
    const client = new RawPutMetricData(target, { sockets: Math.ceil(MAX_IN_FLIGHT / WRITERS) });
    const pending = new Set<Promise<void>>();
    let i = w;
    for (let due = started + (w * spacing) / WRITERS; due < deadline && Date.now() < deadline; due += spacing, i++) {
      const wait = due - Date.now();
      await new Promise((r) => (wait > 0 ? setTimeout(r, wait) : setImmediate(r)));
      if (inFlight >= MAX_IN_FLIGHT) continue;
      inFlight++;
      const call: Promise<void> = client.send(bodies[i % bodies.length]).then((o) => {
        throttled += o.throttled;
        if (o.acknowledged) acked++;
        else if (o.error) failed++;
        else gaveUp++;
      }).finally(() => (inFlight--, pending.delete(call)));
      pending.add(call);
    }
    await Promise.all(pending);
    client.close();
  };
  const reads: number[] = [];
  const reader = async () => {
    await new Promise((r) => setTimeout(r, 8000));
    while (Date.now() < deadline) {
      const t0 = performance.now();
      await read();
      reads.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 2000));
    }
  };
  await Promise.all([reader(), ...Array.from({ length: WRITERS }, (_, w) => writer(w))]);
  const s = [...reads].sort((a, b) => a - b);
  const q = (x: number) => s[Math.min(s.length - 1, Math.floor(x * s.length))] ?? NaN;
  console.log(
    `${SECONDS} s at ${RATE}/s, load ${loadavg()[0].toFixed(1)}: acked ${acked} calls (${Math.round((acked * BATCH) / SECONDS)} datums/s), throttled answers ${throttled}, gave up ${gaveUp}, failed ${failed}; ` +
      `GetMetricData n ${s.length} p50 ${q(0.5).toFixed(0)} max ${s.at(-1)?.toFixed(0)} ms: ${reads.map((r) => r.toFixed(0)).join(" ")}`,
  );
  cw.destroy();
  await stack.stop();
}
main().catch((e) => (console.error(e), process.exit(1)));
