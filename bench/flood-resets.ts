/**
 * Where connection resets come from under a PutMetricData flood: the soak's
 * open-loop generator (test/support/put-flood.ts) for `--seconds` at
 * `--rate` datums/s; every second the service's accept queue (ss: queued /
 * backlog) and its connections by state; at the end every attempt's network
 * error with the second it happened in, and the kernel's TCP counters (nstat,
 * machine-wide: listen overflows and drops, resets) over the run.
 *
 *   npx tsx bench/flood-resets.ts --seconds 40 --rate 700000 --writers 16
 */
import { execFileSync } from "node:child_process";
import { loadavg } from "node:os";
import { putMetricDataBody, RawPutMetricData, type RawDatum } from "../test/support/put-flood.js";
import { startStack } from "../test/support/stack.js";
import { numberArg } from "./common.js";

const SECONDS = numberArg("seconds", 40);
const RATE = numberArg("rate", 700_000);
const WRITERS = numberArg("writers", 16);
const MAX_IN_FLIGHT = numberArg("max-in-flight", 1024);
const BATCH = 1000;

const nstat = (): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const line of execFileSync("nstat", ["-az"], { encoding: "utf8" }).split("\n")) {
    const [k, v] = line.trim().split(/\s+/);
    if (/Listen|Reset|RST|Abort|SynRetrans|SyncookiesSent|EstabResets|OutRsts/.test(k ?? "")) out[k] = Number(v);
  }
  return out;
};

async function main() {
  const stack = await startStack();
  const target = { endpoint: stack.endpoint, region: "us-east-1", accessKeyId: "test", secretAccessKey: "test" };
  const body = putMetricDataBody("Flood", Array.from({ length: BATCH }, (_, k): RawDatum => ({ MetricName: `m${k % 10}`, Dimensions: [{ Name: "Host", Value: `h${k % 100}` }], Timestamp: Math.floor(Date.now() / 1000), Value: k })));
  const errors: string[] = [];
  const started = Date.now();
  // Every attempt's network error, with its second and the socket's history.
  const proto = RawPutMetricData.prototype as any;
  const attempt = proto.attempt;
  proto.attempt = async function (this: any, b: Buffer, n: number) {
    try {
      return await attempt.call(this, b, n);
    } catch (e) {
      errors.push(`${((Date.now() - started) / 1000).toFixed(1)}s attempt ${n} ${(e as any).code}`);
      throw e;
    }
  };
  const port = new URL(stack.endpoint).port;
  const queue: string[] = [];
  const sampler = setInterval(() => {
    const listen = execFileSync("ss", ["-ltnH", `sport = :${port}`], { encoding: "utf8" }).trim().split(/\s+/);
    const states = execFileSync("ss", ["-tanH", `sport = :${port}`], { encoding: "utf8" }).trim().split("\n").reduce((m, l) => ((m[l.split(/\s+/)[0]] = (m[l.split(/\s+/)[0]] ?? 0) + 1), m), {} as Record<string, number>);
    queue.push(`${((Date.now() - started) / 1000).toFixed(0)}s accept queue ${listen[1]}/${listen[2]} ${JSON.stringify(states)} in flight ${inFlight}`);
  }, 1000);
  const before = nstat();
  let inFlight = 0, acked = 0, failed = 0, gaveUp = 0, throttled = 0;
  const spacing = (WRITERS * BATCH * 1000) / RATE;
  const deadline = started + SECONDS * 1000;
  const writer = async (w: number) => {
    const client = new RawPutMetricData(target, { sockets: Math.ceil(MAX_IN_FLIGHT / WRITERS) });
    const pending = new Set<Promise<void>>();
    for (let due = started + (w * spacing) / WRITERS; due < deadline && Date.now() < deadline; due += spacing) {
      const wait = due - Date.now();
      await new Promise((r) => (wait > 0 ? setTimeout(r, wait) : setImmediate(r)));
      if (inFlight >= MAX_IN_FLIGHT) continue;
      inFlight++;
      const call: Promise<void> = client.send(body).then((o) => {
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
  await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
  const after = nstat();
  clearInterval(sampler);
  for (const q of queue) console.log(q);
  console.log(`${SECONDS} s at ${RATE}/s, load ${loadavg()[0].toFixed(1)}: acked ${acked}, throttled answers ${throttled}, gave up ${gaveUp}, failed ${failed}`);
  console.log(`network errors on attempts: ${errors.length}`);
  for (const e of errors.slice(0, 40)) console.log(`  ${e}`);
  const delta = Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)] as const).filter(([, d]) => d);
  console.log(`nstat: ${delta.map(([k, d]) => `${k} +${d}`).join(", ")}`);
  const logs = stack.logs().split("\n").filter((l) => /error|reset|timeout|clientError/i.test(l));
  console.log(`service log lines with error: ${logs.length}\n${logs.slice(0, 10).join("\n")}`);
  await stack.stop();
}
main().catch((e) => (console.error(e), process.exit(1)));
