/**
 * Ingest benchmark: PutMetricData through the HTTP endpoint with
 * @aws-sdk/client-cloudwatch, 1000 datums per request from concurrent clients,
 * against a real nats-server and S3 server. Prints datums/s, latency p50/p99,
 * the service's RSS and the aggregator's lag; then the raw ceiling: a bare
 * Node HTTP server that only reads, gunzips and JSON.parses the same bodies,
 * driven by the same clients.
 *
 *   npx tsx bench/ingest.ts [--seconds 60] [--clients 8] [--series 10000] [--no-aggregator] [--rate N] [--profile DIR]
 *                           [--no-validation | --compare-validation]
 *
 * --rate N offers N datums/s in all instead of as many as the clients can
 * send: the aggregator's lag at a load it can sustain. The ceiling run is
 * then skipped (it would be paced too).
 *
 * --profile DIR writes V8 CPU profiles of the service's threads (the API and
 * the aggregator worker) to DIR, for Chrome DevTools or speedscope.
 *
 * --no-aggregator serves a copy of template.yaml without the stream-triggered
 * aggregator: the PutMetricData path alone, as when aggregators run elsewhere.
 *
 * --no-validation runs the service with the model validation stage off
 * (HIVE_MODEL_VALIDATION=off); --compare-validation runs the service twice in
 * one go, with the stage and without, alternating ABBA to spread the machine's
 * drift, and prints what the stage costs.
 */
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { fork } from "node:child_process";
import { startStack, templateWithoutAggregator, type Stack } from "../test/support/stack.js";
import { ingestRequest, machine, numberArg, profileArgs, quantile, rssMb } from "./common.js";

const SECONDS = numberArg("seconds", 60);
const CLIENTS = numberArg("clients", 8);
const SERIES = numberArg("series", 10_000);
const BATCH = 1000;
const NO_AGGREGATOR = process.argv.includes("--no-aggregator");
const RATE = numberArg("rate", 0);
const NO_VALIDATION = process.argv.includes("--no-validation");
const COMPARE_VALIDATION = process.argv.includes("--compare-validation");

/** Request `i` of the load, timestamped now (to the second). */
const request = (i: number) => ingestRequest(i, SERIES, new Date(Math.floor(Date.now() / 1000) * 1000));

function client(endpoint: string): CloudWatchClient {
  return new CloudWatchClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
}


async function drive(endpoint: string, seconds: number, onTick?: () => void) {
  const latencies: number[] = [];
  let datums = 0;
  let errors = 0;
  let i = 0;
  const deadline = Date.now() + seconds * 1000;
  const started = Date.now();
  const tick = setInterval(() => onTick?.(), 1000);
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const cw = client(endpoint);
      const spacing = RATE ? (CLIENTS * BATCH * 1000) / RATE : 0; // ms between one client's requests
      let due = Date.now();
      while (Date.now() < deadline) {
        if (spacing) {
          due += spacing;
          const wait = due - Date.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
        const input = request(i++);
        const t0 = performance.now();
        try {
          await cw.send(new PutMetricDataCommand(input));
          latencies.push(performance.now() - t0);
          datums += input.MetricData.length;
        } catch (e) {
          errors++;
          if (errors < 5) console.error("put failed:", (e as Error).message);
        }
      }
      cw.destroy();
    }),
  );
  clearInterval(tick);
  const elapsed = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { rate: datums / elapsed, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), errors, requests: latencies.length };
}


async function main() {
  console.log(`${machine()}`);
  console.log(`load: ${CLIENTS} clients × ${BATCH} datums/request, ${SERIES} series, ${SECONDS} s${RATE ? `, ${RATE.toLocaleString("en-US")} datums/s offered` : ""}\n`);

  // 1. The service.
  const env: Record<string, string> = {};
  if (NO_AGGREGATOR) {
    env.HIVE_CLOUDWATCH_TEMPLATE = templateWithoutAggregator();
    env.HIVE_CLOUDWATCH_MAX_INGEST_LAG = "1d"; // nothing aggregates: the lag only grows
  }
  if (NO_VALIDATION) env.HIVE_MODEL_VALIDATION = "off";
  const stack = await startStack({ env, nodeArgs: profileArgs() });
  process.env.HIVE_CLOUDWATCH_NATS_URL = stack.natsUrl;
  process.env.HIVE_CLOUDWATCH_LOCAL = "true";
  const { closeNats } = await import("../lib/storage/nats.js");
  try {
    if (COMPARE_VALIDATION) await compareValidation(stack);
    else {
      const rate = await runService(stack, !NO_VALIDATION);
      if (!RATE) await runCeiling(rate);
    }
  } finally {
    await closeNats();
    await stack.stop();
  }
}

/** The service with the stage and without, alternating (ABBA) on the same servers, restarted between runs. */
async function compareValidation(stack: Stack): Promise<void> {
  const rates: Record<string, number[]> = { with: [], without: [] };
  for (const validate of [true, false, false, true]) {
    await stack.stopService();
    await stack.startService({ HIVE_MODEL_VALIDATION: validate ? "on" : "off" });
    rates[validate ? "with" : "without"].push(await runService(stack, validate));
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const [on, off] = [mean(rates.with), mean(rates.without)];
  console.log(`model validation: with ${Math.round(on).toLocaleString("en-US")} datums/s, without ${Math.round(off).toLocaleString("en-US")} datums/s (means of two runs each): the stage costs ${((100 * (off - on)) / off).toFixed(1)}%`);
}

/** The service under load (the model validation stage on or off, as it was started); returns datums/s. */
async function runService(stack: Stack, validate: boolean): Promise<number> {
  const { ingestBacklog: pending } = await import("../lib/metrics/write/backlog.js");
  let maxRss = 0;
  const rssSamples: number[] = [];
  let maxBacklog = 0;
  const backlogs: number[] = []; // one sample a second
  await drive(stack.endpoint, Math.min(5, SECONDS)); // warm-up
  const service = await drive(stack.endpoint, SECONDS, () => {
    const rss = rssMb(stack.servicePid());
    rssSamples.push(rss);
    maxRss = Math.max(maxRss, rss);
    void pending().then((n) => {
      maxBacklog = Math.max(maxBacklog, n);
      backlogs.push(n);
    });
  });
  const putEnded = Date.now();
  while (!NO_AGGREGATOR && (await pending()) > 0 && Date.now() - putEnded < 600_000) await new Promise((r) => setTimeout(r, 100));
  const drain = (Date.now() - putEnded) / 1000;
  const requestRate = service.requests / SECONDS;
  console.log(
    `${NO_AGGREGATOR ? "service without the aggregator (PutMetricData → JetStream)" : "service (PutMetricData → JetStream → aggregator → KV)"}` +
      `, model validation ${validate ? "on" : "off"}:`,
  );
  console.log(`  ${Math.round(service.rate).toLocaleString("en-US")} datums/s, p50 ${service.p50.toFixed(1)} ms, p99 ${service.p99.toFixed(1)} ms, ${service.errors} errors`);
  console.log(`  service RSS peak ${maxRss.toFixed(0)} MiB, median ${quantile([...rssSamples].sort((a, b) => a - b), 0.5).toFixed(0)} MiB`);
  // A request is one ingest message per partition its series fall in.
  const inSeconds = (messages: number) => (messages / 4 / Math.max(requestRate, 1)).toFixed(1);
  const lastHalf = backlogs.slice(Math.floor(backlogs.length / 2)).sort((a, b) => a - b);
  console.log(`  aggregator backlog peak ${maxBacklog} ingest messages (≈ ${inSeconds(maxBacklog)} s of requests); caught up ${drain.toFixed(2)} s after the last put`);
  if (!NO_AGGREGATOR && lastHalf.length) {
    console.log(`  over the second half of the run: backlog median ≈ ${inSeconds(quantile(lastHalf, 0.5))} s, p90 ≈ ${inSeconds(quantile(lastHalf, 0.9))} s of requests`);
  }
  return service.rate;
}

/** The ceiling: a bare server that reads, gunzips and parses, driven by the same clients. */
async function runCeiling(serviceRate: number): Promise<void> {
  const bare = fork(new URL("./bare-server.ts", import.meta.url).pathname, [], { execArgv: ["--import", "tsx"] });
  const port: number = await new Promise((r) => bare.once("message", (m: any) => r(m.port)));
  await drive(`http://127.0.0.1:${port}`, Math.min(5, SECONDS));
  const ceiling = await drive(`http://127.0.0.1:${port}`, SECONDS);
  bare.kill();
  console.log("ceiling (bare Node HTTP server: read + gunzip + JSON.parse):");
  console.log(`  ${Math.round(ceiling.rate).toLocaleString("en-US")} datums/s, p50 ${ceiling.p50.toFixed(1)} ms, p99 ${ceiling.p99.toFixed(1)} ms`);
  console.log(`service / ceiling: ${((100 * serviceRate) / ceiling.rate).toFixed(0)}% (target ≥ 60%)`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
