/**
 * Ingest benchmark: PutMetricData through the HTTP endpoint with
 * @aws-sdk/client-cloudwatch, 1000 datums per request from concurrent clients,
 * against a real nats-server and S3 server. Prints datums/s, latency p50/p99,
 * the service's RSS and the aggregator's lag; then the raw ceiling: a bare
 * Node HTTP server that only reads, gunzips and JSON.parses the same bodies,
 * driven by the same clients.
 *
 *   npx tsx bench/ingest.ts [--seconds 60] [--clients 8] [--series 10000] [--services N] [--no-aggregator] [--rate N]
 *                           [--profile DIR] [--no-validation | --compare-validation] [--general-reader]
 *                           [--node-options "FLAGS"]
 *
 * The aggregator runs in a worker thread of the service process, on the same
 * two cores as the API and the clients: the figure is what clients see while
 * aggregation keeps up (the backlog is printed; past max_ingest_lag the
 * service answers Throttling, counted apart and not as datums). The CPU each
 * part spent per datum is printed: the clients, the service's API thread, its
 * aggregator thread, its other threads (GC helpers), nats-server.
 *
 * --services N (N ≥ 2) measures one service, then starts N − 1 more on the
 * same nats-server and S3 (as more hosts would), waits until they share the
 * ingest stream's shards, and measures again with the clients spread over
 * every endpoint: both figures are printed.
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
 *
 * --node-options "FLAGS" starts the service's node with these flags too
 * (V8's included, which NODE_OPTIONS refuses): e.g. "--single-threaded-gc"
 * to see what the garbage collector's helper threads cost.
 *
 * --general-reader runs the service with PutMetricData's fast JSON reader off
 * (HIVE_PUT_METRIC_DATA_READER=general): every body through JSON.parse, the
 * SDK-schema reader and the validation stage, as other operations go. Runs
 * with and without it, alternated, compare the two paths.
 */
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { fork } from "node:child_process";
import { startStack, templateWithoutAggregator, type Stack } from "../test/support/stack.js";
import { ingestRequest, machine, numberArg, profileArgs, quantile, rssMb, serviceCpu, threadCpu, cpuSince } from "./common.js";

const SECONDS = numberArg("seconds", 60);
const CLIENTS = numberArg("clients", 8);
const SERIES = numberArg("series", 10_000);
const BATCH = 1000;
const NO_AGGREGATOR = process.argv.includes("--no-aggregator");
const RATE = numberArg("rate", 0);
const NO_VALIDATION = process.argv.includes("--no-validation");
const COMPARE_VALIDATION = process.argv.includes("--compare-validation");
const SERVICES = Math.max(1, numberArg("services", 1));
const GENERAL_READER = process.argv.includes("--general-reader");

/** A running service process as the benchmark drives and measures it. */
interface Target {
  endpoint: string;
  pid(): number | undefined;
}

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


/** The clients, spread over the endpoints (client c sends to endpoints[c mod n]), for `seconds`. */
async function drive(endpoints: string[], seconds: number, onTick?: () => void) {
  const latencies: number[] = [];
  let datums = 0;
  let errors = 0;
  let throttled = 0;
  let i = 0;
  const deadline = Date.now() + seconds * 1000;
  const started = Date.now();
  const tick = setInterval(() => onTick?.(), 1000);
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      const cw = client(endpoints[c % endpoints.length]);
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
          if ((e as Error).name === "Throttling") throttled++;
          else if (++errors < 5) console.error("put failed:", (e as Error).message);
        }
      }
      cw.destroy();
    }),
  );
  clearInterval(tick);
  const elapsed = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { rate: datums / elapsed, datums, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), errors, throttled, requests: latencies.length };
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
  if (GENERAL_READER) env.HIVE_PUT_METRIC_DATA_READER = "general";
  const i = process.argv.indexOf("--node-options");
  const nodeOptions = i > 0 ? process.argv[i + 1].split(/\s+/).filter(Boolean) : [];
  const stack = await startStack({ env, nodeArgs: [...profileArgs(), ...nodeOptions] });
  process.env.HIVE_CLOUDWATCH_NATS_URL = stack.natsUrl;
  process.env.HIVE_CLOUDWATCH_LOCAL = "true";
  const { closeNats } = await import("../lib/storage/nats.js");
  try {
    if (COMPARE_VALIDATION) await compareValidation(stack);
    else {
      const targets: Target[] = [{ endpoint: stack.endpoint, pid: () => stack.servicePid() }];
      const rates = [await runService(stack, targets, !NO_VALIDATION)];
      if (SERVICES > 1) {
        for (let k = 1; k < SERVICES; k++) {
          const extra = await stack.addService(env);
          targets.push({ endpoint: extra.endpoint, pid: extra.pid });
        }
        if (!NO_AGGREGATOR) await sharesBalanced(targets.length);
        rates.push(await runService(stack, targets, !NO_VALIDATION));
        const gain = (100 * (rates[1] - rates[0])) / rates[0];
        console.log(`${SERVICES} services / 1 service: ${(rates[1] / rates[0]).toFixed(2)}× (${gain >= 0 ? "+" : ""}${gain.toFixed(0)}%)\n`);
      }
      if (!RATE) await runCeiling(rates);
    }
  } finally {
    await closeNats();
    await stack.stop();
  }
}

/** Waits (up to a minute) until `services` processes hold the ingest stream's shard leases about equally. */
async function sharesBalanced(services: number): Promise<void> {
  const { listShards } = await import("../lib/storage/stream-shards.js");
  const { INGEST_STREAM } = await import("../lib/metrics/write/ingest-log.js");
  const started = Date.now();
  let held = new Map<string, number>();
  while (Date.now() - started < 60_000) {
    const shards = await listShards(INGEST_STREAM);
    held = new Map();
    for (const s of shards) if (s.owner && s.leaseUntil > Date.now()) held.set(s.owner, (held.get(s.owner) ?? 0) + 1);
    const fair = Math.floor(shards.length / services);
    if (held.size === services && [...held.values()].every((n) => n >= fair)) {
      console.log(`the ingest stream's shards are shared after ${((Date.now() - started) / 1000).toFixed(1)} s: ${[...held.values()].join(" + ")}\n`);
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  console.log(`the shards were not shared within a minute: leases held ${[...held.values()].join(" + ") || "by none"}\n`);
}

/** The service with the stage and without, alternating (ABBA) on the same servers, restarted between runs. */
async function compareValidation(stack: Stack): Promise<void> {
  const rates: Record<string, number[]> = { with: [], without: [] };
  for (const validate of [true, false, false, true]) {
    await stack.stopService();
    await stack.startService({ HIVE_MODEL_VALIDATION: validate ? "on" : "off" });
    rates[validate ? "with" : "without"].push(await runService(stack, [{ endpoint: stack.endpoint, pid: () => stack.servicePid() }], validate));
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const [on, off] = [mean(rates.with), mean(rates.without)];
  console.log(`model validation: with ${Math.round(on).toLocaleString("en-US")} datums/s, without ${Math.round(off).toLocaleString("en-US")} datums/s (means of two runs each): the stage costs ${((100 * (off - on)) / off).toFixed(1)}%`);
}

/** The service processes under load (the model validation stage on or off, as they were started); returns datums/s. */
async function runService(stack: Stack, targets: Target[], validate: boolean): Promise<number> {
  const { ingestBacklog: pending } = await import("../lib/metrics/write/backlog.js");
  const endpoints = targets.map((t) => t.endpoint);
  let maxRss = 0;
  const rssSamples: number[] = [];
  let maxBacklog = 0;
  const backlogs: number[] = []; // one sample a second
  await drive(endpoints, Math.min(5, SECONDS)); // warm-up
  const pids = targets.map((t) => t.pid()!);
  const cpuBefore = { services: pids.map(threadCpu), nats: threadCpu(stack.natsPid()), clients: process.cpuUsage() };
  const service = await drive(endpoints, SECONDS, () => {
    const rss = pids.reduce((sum, pid) => sum + rssMb(pid), 0);
    rssSamples.push(rss);
    maxRss = Math.max(maxRss, rss);
    void pending().then((n) => {
      maxBacklog = Math.max(maxBacklog, n);
      backlogs.push(n);
    });
  });
  const cpu = pids.map((pid, i) => serviceCpu(pid, cpuBefore.services[i], threadCpu(pid)));
  const natsCpu = cpuSince(stack.natsPid(), cpuBefore.nats);
  const clientsUsage = process.cpuUsage(cpuBefore.clients);
  const clientsCpu = (clientsUsage.user + clientsUsage.system) / 1e6;
  const putEnded = Date.now();
  while (!NO_AGGREGATOR && (await pending()) > 0 && Date.now() - putEnded < 600_000) await new Promise((r) => setTimeout(r, 100));
  const drain = (Date.now() - putEnded) / 1000;
  const requestRate = service.requests / SECONDS;
  const processes = targets.length > 1 ? `${targets.length} service processes` : "service";
  console.log(
    `${NO_AGGREGATOR ? `${processes} without the aggregator (PutMetricData → JetStream)` : `${processes} (PutMetricData → JetStream → aggregator → KV)`}` +
      `, model validation ${validate ? "on" : "off"}${GENERAL_READER ? ", general JSON reader" : ""}:`,
  );
  console.log(`  ${Math.round(service.rate).toLocaleString("en-US")} datums/s, p50 ${service.p50.toFixed(1)} ms, p99 ${service.p99.toFixed(1)} ms, ${service.errors} errors, ${service.throttled} throttled`);
  console.log(`  service RSS peak ${maxRss.toFixed(0)} MiB, median ${quantile([...rssSamples].sort((a, b) => a - b), 0.5).toFixed(0)} MiB${targets.length > 1 ? " (all processes)" : ""}`);
  // A request is one ingest message per partition its series fall in.
  const inSeconds = (messages: number) => (messages / 4 / Math.max(requestRate, 1)).toFixed(1);
  const lastHalf = backlogs.slice(Math.floor(backlogs.length / 2)).sort((a, b) => a - b);
  console.log(`  aggregator backlog peak ${maxBacklog} ingest messages (≈ ${inSeconds(maxBacklog)} s of requests); caught up ${drain.toFixed(2)} s after the last put`);
  if (!NO_AGGREGATOR && lastHalf.length) {
    console.log(`  over the second half of the run: backlog median ≈ ${inSeconds(quantile(lastHalf, 0.5))} s, p90 ≈ ${inSeconds(quantile(lastHalf, 0.9))} s of requests`);
  }
  const perDatum = (seconds: number) => ((seconds * 1e6) / Math.max(service.datums, 1)).toFixed(2);
  const [api, worker, other] = [sum(cpu.map((c) => c.api)), sum(cpu.map((c) => c.worker)), sum(cpu.map((c) => c.other))];
  console.log(
    `  CPU µs per datum: clients ${perDatum(clientsCpu)}, service API thread ${perDatum(api)}, aggregator thread ${perDatum(worker)}, ` +
      `other service threads ${perDatum(other)}, nats-server ${perDatum(natsCpu)}; all ${perDatum(clientsCpu + api + worker + other + natsCpu)} ` +
      `(${((clientsCpu + api + worker + other + natsCpu) / SECONDS).toFixed(2)} cores busy)\n`,
  );
  return service.rate;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** The ceiling: a bare server that reads, gunzips and parses, driven by the same clients. */
async function runCeiling(serviceRates: number[]): Promise<void> {
  const bare = fork(new URL("./bare-server.ts", import.meta.url).pathname, [], { execArgv: ["--import", "tsx"] });
  const port: number = await new Promise((r) => bare.once("message", (m: any) => r(m.port)));
  const endpoint = `http://127.0.0.1:${port}`;
  await drive([endpoint], Math.min(5, SECONDS));
  const before = { bare: threadCpu(bare.pid), clients: process.cpuUsage() };
  const ceiling = await drive([endpoint], SECONDS);
  const bareCpu = sum([...threadCpu(bare.pid)].map(([tid, t]) => t - (before.bare.get(tid) ?? 0)));
  const clients = process.cpuUsage(before.clients);
  bare.kill();
  const perDatum = (seconds: number) => ((seconds * 1e6) / Math.max(ceiling.datums, 1)).toFixed(2);
  console.log("ceiling (bare Node HTTP server: read + gunzip + JSON.parse):");
  console.log(`  ${Math.round(ceiling.rate).toLocaleString("en-US")} datums/s, p50 ${ceiling.p50.toFixed(1)} ms, p99 ${ceiling.p99.toFixed(1)} ms`);
  console.log(`  CPU µs per datum: clients ${perDatum((clients.user + clients.system) / 1e6)}, bare server ${perDatum(bareCpu)}`);
  const [one, more] = serviceRates;
  console.log(`service / ceiling: ${((100 * one) / ceiling.rate).toFixed(0)}% (target ≥ 60%)`);
  if (more !== undefined) console.log(`${SERVICES} services / ceiling: ${((100 * more) / ceiling.rate).toFixed(0)}%`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
