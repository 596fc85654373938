/**
 * PutLogEvents driven by cheap clients: requests signed once (SigV4, no
 * invocation id, so no two are taken as retries of one call) and replayed
 * over keep-alive HTTP, so the 2 cores go to the service and nats-server,
 * not to SDK clients. Prints the service's and nats-server's CPU per event,
 * the figure the ingest path's changes move.
 *
 *   npx tsx bench/logs-ingest-raw.ts [--seconds 20] [--clients 8]
 */
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand } from "@aws-sdk/client-cloudwatch-logs";
import { SignatureV4 } from "@smithy/signature-v4";
import { loadavg } from "node:os";
import { startStack } from "../test/support/stack.js";
import { machine, numberArg, profileArgs, quantile, serviceCpu, threadCpu, accessLogLine, replayPoster, cpuSince } from "./common.js";
import { rng } from "../test/support/random.js";
import { Sha256 } from "../test/support/sha256.js";

const SECONDS = numberArg("seconds", 20);
const CLIENTS = numberArg("clients", 8);
const BATCH = 1000;
const GROUP = "/bench/ingest";
const random = rng(42);
const line = (i: number) => accessLogLine(i, random);

async function main() {
  console.log(machine());
  console.log(`load average before: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  const stack = await startStack({ nodeArgs: profileArgs() });
  const setup = new CloudWatchLogsClient({ endpoint: stack.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
  await setup.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
  for (let c = 0; c < CLIENTS; c++) await setup.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: `stream-${c}` }));
  setup.destroy();
  void stack.fireSchedule("LogCompactor", "EveryMinute").catch(() => undefined);

  const url = new URL(stack.endpoint);
  const signer = new SignatureV4({ service: "logs", region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, sha256: Sha256 as never });
  // Four different bodies a client, signed once: replayed, they are new requests to the service (no invocation id).
  const signed = await Promise.all(
    Array.from({ length: CLIENTS }, (_, c) =>
      Promise.all(
        Array.from({ length: 4 }, async (_, k) => {
          const t = Date.now();
          const body = JSON.stringify({
            logGroupName: GROUP,
            logStreamName: `stream-${c}`,
            logEvents: Array.from({ length: BATCH }, (_, j) => ({ timestamp: t, message: line((c * 4 + k) * BATCH + j) })),
          });
          const req = await signer.sign({
            method: "POST",
            protocol: "http:",
            hostname: url.hostname,
            port: Number(url.port),
            path: "/",
            headers: { host: url.host, "content-type": "application/x-amz-json-1.1", "x-amz-target": "Logs_20140328.PutLogEvents", "content-length": String(Buffer.byteLength(body)) },
            body,
          });
          return { headers: req.headers, body: Buffer.from(body) };
        }),
      ),
    ),
  );
  const { post: put, close } = replayPoster(stack.endpoint, CLIENTS);
  const drive = async (seconds: number) => {
    const deadline = Date.now() + seconds * 1000;
    const started = Date.now();
    const latencies: number[] = [];
    let events = 0;
    let errors = 0;
    await Promise.all(
      signed.map(async (bodies) => {
        for (let i = 0; Date.now() < deadline; i++) {
          const t0 = performance.now();
          try {
            await put(bodies[i % bodies.length]);
            events += BATCH;
            latencies.push(performance.now() - t0);
          } catch (e) {
            if (errors++ < 3) console.error((e as Error).message);
          }
        }
      }),
    );
    latencies.sort((a, b) => a - b);
    return { rate: events / ((Date.now() - started) / 1000), events, errors, p50: quantile(latencies, 0.5) };
  };
  await drive(5);
  const pid = stack.servicePid()!;
  const before = { service: threadCpu(pid), nats: threadCpu(stack.natsPid()), me: process.cpuUsage() };
  const r = await drive(SECONDS);
  const after = threadCpu(pid);
  const cpu = serviceCpu(pid, before.service, after);
  // Each thread by its id's distance from the process's: V8's GC helpers come right after the main thread, libuv's
  // pool (gzip) next, the stream worker (started once the functions are built) far later.
  const threads = [...after].sort((a, b) => a[0] - b[0]).map(([t, c]) => `+${t - pid} ${((1e6 * (c - (before.service.get(t) ?? 0))) / r.events).toFixed(2)}`);
  const nats = cpuSince(stack.natsPid(), before.nats);
  const me = process.cpuUsage(before.me);
  const us = (s: number) => ((s * 1e6) / r.events).toFixed(2);
  console.log(`${Math.round(r.rate).toLocaleString("en-US")} events/s, p50 ${r.p50.toFixed(1)} ms, ${r.errors} errors`);
  console.log(
    `CPU µs per event: clients ${us((me.user + me.system) / 1e6)}, API thread ${us(cpu.api)}, busiest other ${us(cpu.worker)}, other ${us(cpu.other)}, nats-server ${us(nats)}; ` +
      `service + nats-server ${us(cpu.api + cpu.worker + cpu.other + nats)}`,
  );
  console.log(`service threads (thread id − process id, CPU µs per event): ${threads.join(", ")}`);
  console.log(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  close();
  await stack.stop();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
