/**
 * PutMetricData driven by cheap clients: bench/ingest.ts's 1000-datum bodies
 * as the JS SDK sends them (awsJson1_0, gzip), signed once and replayed over
 * keep-alive HTTP, so the 2 cores go to the service and nats-server, not to
 * SDK clients. Prints the service's and nats-server's CPU per datum (CPU
 * time holds better than a rate on a loaded machine): the figure that sets
 * bench/ingest.ts's share of the bare ceiling, and that changes to the
 * PutMetricData path move.
 *
 *   npx tsx bench/ingest-raw.ts [--seconds 20] [--clients 8] [--series 10000] [--rate N] [--no-aggregator]
 *                               [--profile DIR] [--node-options "FLAGS"]
 *
 * --rate N offers N datums/s in all (the same load for runs to compare);
 * without it the clients send as fast as they are answered.
 */
import { SignatureV4 } from "@smithy/signature-v4";
import { loadavg } from "node:os";
import { gzipSync } from "node:zlib";
import { startStack, templateWithoutAggregator } from "../test/support/stack.js";
import { Sha256 } from "../test/support/sha256.js";
import { ingestRequest, machine, numberArg, profileArgs, quantile, rssMb, serviceCpu, threadCpu, replayPoster, cpuSince } from "./common.js";

const SECONDS = numberArg("seconds", 20);
const CLIENTS = numberArg("clients", 8);
const SERIES = numberArg("series", 10_000);
const RATE = numberArg("rate", 0);
const NO_AGGREGATOR = process.argv.includes("--no-aggregator");
const BATCH = 1000;
/** Different bodies a client, replayed in turn. */
const BODIES = 8;

async function main() {
  console.log(machine());
  console.log(`load average before: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  const env: Record<string, string> = {};
  if (NO_AGGREGATOR) {
    env.HIVE_CLOUDWATCH_TEMPLATE = templateWithoutAggregator();
    env.HIVE_CLOUDWATCH_MAX_INGEST_LAG = "1d"; // nothing aggregates: the lag only grows
  }
  const i = process.argv.indexOf("--node-options");
  const nodeOptions = i > 0 ? process.argv[i + 1].split(/\s+/).filter(Boolean) : [];
  const stack = await startStack({ env, nodeArgs: [...profileArgs(), ...nodeOptions] });
  const url = new URL(stack.endpoint);
  const signer = new SignatureV4({ service: "monitoring", region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, sha256: Sha256 as never });
  // Signed once, without an invocation id: each replay is a new call to the service, not a retry of one.
  const timestamp = new Date(Math.floor(Date.now() / 1000) * 1000);
  const signed = await Promise.all(
    Array.from({ length: CLIENTS * BODIES }, async (_, k) => {
      const r = ingestRequest(k, SERIES, timestamp);
      const body = gzipSync(JSON.stringify({ ...r, MetricData: r.MetricData.map((d) => ({ ...d, Timestamp: d.Timestamp!.getTime() / 1000 })) }));
      const req = await signer.sign({
        method: "POST",
        protocol: "http:",
        hostname: url.hostname,
        port: Number(url.port),
        path: "/",
        headers: {
          host: url.host,
          "content-type": "application/x-amz-json-1.0",
          "x-amz-target": "GraniteServiceVersion20100801.PutMetricData",
          "x-amzn-query-mode": "true",
          "content-encoding": "gzip",
          "content-length": String(body.length),
        },
        body,
      });
      return { headers: req.headers, body };
    }),
  );
  const { post: put, close } = replayPoster(stack.endpoint, CLIENTS);
  const drive = async (seconds: number) => {
    const deadline = Date.now() + seconds * 1000;
    const started = Date.now();
    const latencies: number[] = [];
    let datums = 0;
    let errors = 0;
    const spacing = RATE ? (CLIENTS * BATCH * 1000) / RATE : 0; // ms between one client's requests
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        let due = Date.now() + (c * spacing) / CLIENTS;
        for (let k = 0; Date.now() < deadline; k++) {
          if (spacing) {
            const wait = due - Date.now();
            due += spacing;
            if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          }
          const t0 = performance.now();
          try {
            await put(signed[c * BODIES + (k % BODIES)]);
            datums += BATCH;
            latencies.push(performance.now() - t0);
          } catch (e) {
            if (errors++ < 3) console.error((e as Error).message);
          }
        }
      }),
    );
    latencies.sort((a, b) => a - b);
    return { rate: datums / ((Date.now() - started) / 1000), datums, errors, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) };
  };
  await drive(5);
  const pid = stack.servicePid()!;
  const before = { service: threadCpu(pid), nats: threadCpu(stack.natsPid()), me: process.cpuUsage() };
  const r = await drive(SECONDS);
  const cpu = serviceCpu(pid, before.service, threadCpu(pid));
  const nats = cpuSince(stack.natsPid(), before.nats);
  const me = process.cpuUsage(before.me);
  const us = (s: number) => ((s * 1e6) / Math.max(r.datums, 1)).toFixed(2);
  console.log(
    `${NO_AGGREGATOR ? "without the aggregator" : "with the aggregator"}${RATE ? `, ${RATE.toLocaleString("en-US")} datums/s offered` : ""}: ` +
      `${Math.round(r.rate).toLocaleString("en-US")} datums/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${r.errors} errors, service RSS ${rssMb(pid).toFixed(0)} MiB`,
  );
  console.log(
    `CPU µs per datum: clients ${us((me.user + me.system) / 1e6)}, API thread ${us(cpu.api)}, aggregator thread ${us(cpu.worker)}, other ${us(cpu.other)}, nats-server ${us(nats)}; ` +
      `service + nats-server ${us(cpu.api + cpu.worker + cpu.other + nats)}`,
  );
  console.log(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  close();
  await stack.stop();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
