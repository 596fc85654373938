/**
 * Log ingest benchmark: PutLogEvents through the HTTP endpoint with
 * @aws-sdk/client-cloudwatch-logs, 8 clients (one log stream each) sending
 * 1,000 events of about 200 bytes per request, against a real nats-server and
 * S3 server with the LogCompactor running. Prints events/s and MB/s, latency,
 * and the compactor's lag; and the ceiling: a bare Node HTTP server that
 * only reads, gunzips and JSON.parses the same requests, same clients, run
 * before and after the service, and the ratio taken against both (on a
 * shared VM the CPU the benchmark gets moves between its phases).
 *
 *   npx tsx bench/logs-ingest.ts [--seconds 30] [--clients 8] [--buffer-size N] [--profile DIR]
 *
 * The lag of a request is the time from its acknowledgement (the SDK call
 * returned) to the commit of the chunk that holds its events: the first
 * update of its stream's state in cw-log-chunks (watched; the time is
 * nats-server's) whose `through` reaches the request's buffer sequence
 * (which the answer's nextSequenceToken carries: lib/logs/events/put-log-events.ts).
 * It includes the wait the flush rule asks for: a stream's events stay
 * buffered until `[cloudwatch.logs] buffer_size` (10,000, the seed's default)
 * have come or `flush_interval` (30 s) has passed. The second figure, "behind
 * the buffer", leaves that wait out: per request, from when the flush rule
 * made its events due (its stream's pending events reached buffer_size, or
 * the oldest of them had waited flush_interval; never before its own
 * acknowledgement) to the commit. `--buffer-size 1000` shows it too.
 */
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, DescribeLogGroupsCommand, PutLogEventsCommand, type InputLogEvent } from "@aws-sdk/client-cloudwatch-logs";
import { fork } from "node:child_process";
import { loadavg } from "node:os";
import { startStack } from "../test/support/stack.js";
import { machine, machineCpu, machineShares, numberArg, profileArgs, quantile, serviceCpu, threadCpu, accessLogLine } from "./common.js";
import { rng } from "../test/support/random.js";

const SECONDS = numberArg("seconds", 30);
const CLIENTS = numberArg("clients", 8);
const BATCH = 1000;
const GROUP = "/bench/ingest";
const BUFFER_SIZE = numberArg("buffer-size", 0);
/** `[cloudwatch.logs] flush_interval`'s default (the bench does not change it). */
const FLUSH_INTERVAL_MS = 30_000;

const client = (endpoint: string) =>
  new CloudWatchLogsClient({ endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });

const random = rng(42);
const line = (i: number) => accessLogLine(i, random);
const batch = (i: number): InputLogEvent[] => {
  const t = Date.now();
  return Array.from({ length: BATCH }, (_, k) => ({ timestamp: t, message: line(i * BATCH + k) }));
};
const BYTES_PER_EVENT = line(0).length;

/** An acknowledged request: its stream, its sequence in CW_LOGS_EVENTS, when the client had the answer (epoch ms). */
interface Ack {
  stream: string;
  seq: number;
  at: number;
  /** When the request was sent (epoch ms): its ingestion time is between this and `at`. */
  sent: number;
}

async function drive(endpoint: string, seconds: number, acks?: Ack[]) {
  const latencies: number[] = [];
  let events = 0;
  let errors = 0;
  let i = 0;
  const deadline = Date.now() + seconds * 1000;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      const logs = client(endpoint);
      while (Date.now() < deadline) {
        const logEvents = batch(i++);
        const t0 = performance.now();
        const sent = Date.now();
        try {
          const out = await logs.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: `stream-${c}`, logEvents }));
          latencies.push(performance.now() - t0);
          acks?.push({ stream: `stream-${c}`, seq: Number(out.nextSequenceToken!.slice(16)), at: Date.now(), sent });
          events += logEvents.length;
        } catch (e) {
          errors++;
          if (errors < 5) console.error("put failed:", (e as Error).message);
        }
      }
      logs.destroy();
    }),
  );
  const elapsed = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { rate: events / elapsed, events, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), errors };
}

/** One run of the ceiling: the bare server, its own warm-up, then SECONDS of the same clients. */
async function ceilingRun() {
  const bare = fork(new URL("./bare-server.ts", import.meta.url).pathname, [], { execArgv: ["--import", "tsx"] });
  const port: number = await new Promise((r) => bare.once("message", (m: any) => r(m.port)));
  await drive(`http://127.0.0.1:${port}`, Math.min(5, SECONDS));
  const before = { bare: threadCpu(bare.pid), clients: threadCpu(process.pid), machine: machineCpu() };
  const r = await drive(`http://127.0.0.1:${port}`, SECONDS);
  const bareCpu = cpuSince(before.bare, threadCpu(bare.pid));
  const clients = clientCpu(before.clients);
  const shares = machineShares(before.machine, machineCpu());
  bare.kill();
  return { ...r, bareCpu, clients, shares };
}

/** This process's CPU seconds since a threadCpu sample of it: its main thread (the clients' JS) and the rest (GC, libuv). */
function clientCpu(before: Map<number, number>) {
  const after = threadCpu(process.pid);
  const main = (after.get(process.pid) ?? 0) - (before.get(process.pid) ?? 0);
  return { main, other: cpuSince(before, after) - main };
}

/** The machine while a phase ran: busy, idle and stolen shares of its cores. */
const sharesText = (s: { busy: number; idle: number; steal: number }) =>
  `machine ${(100 * s.busy).toFixed(0)}% busy, ${(100 * s.idle).toFixed(0)}% idle, ${(100 * s.steal).toFixed(0)}% stolen`;

async function main() {
  console.log(machine());
  const load = () => loadavg().map((x) => x.toFixed(2)).join(" ");
  console.log(`load average before: ${load()}`);
  console.log(`load: ${CLIENTS} clients × ${BATCH} events/request of ${BYTES_PER_EVENT} bytes, ${SECONDS} s, buffer_size ${BUFFER_SIZE || "10000 (default)"}\n`);
  const ceilingBefore = await ceilingRun();
  const stack = await startStack({ env: BUFFER_SIZE ? { HIVE_CLOUDWATCH_LOGS_BUFFER_SIZE: String(BUFFER_SIZE) } : {}, nodeArgs: profileArgs() });
  process.env.HIVE_CLOUDWATCH_NATS_URL = stack.natsUrl;
  process.env.HIVE_CLOUDWATCH_LOCAL = "true";
  const { closeNats } = await import("../lib/storage/nats.js");
  const { getLogGroup } = await import("../lib/logs/groups.js");
  const { chunkBucket } = await import("../lib/logs/events/chunk-index.js");

  const setup = client(stack.endpoint);
  await setup.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
  for (let c = 0; c < CLIENTS; c++) await setup.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: `stream-${c}` }));
  setup.destroy();
  // The scheduled compactor, started now rather than at the next minute.
  void stack.fireSchedule("LogCompactor", "EveryMinute").catch(() => undefined);

  // Every commit of a stream state of the group (keys `{account}.{groupId}.{stream}`), as nats-server stamped it.
  const groupId = (await getLogGroup(stack.credentials[0].accountId, GROUP))!.value.id;
  const commits = new Map<string, { through: number; at: number }[]>();
  const watch = await (await chunkBucket()).watch({ key: `${stack.credentials[0].accountId}.${groupId}.*` });
  void (async () => {
    for await (const e of watch) {
      if (e.value.length === 0) continue;
      const st = JSON.parse(new TextDecoder().decode(e.value)) as { logStream: string; through: number };
      let list = commits.get(st.logStream);
      if (!list) commits.set(st.logStream, (list = []));
      list.push({ through: st.through, at: e.created.getTime() });
    }
  })();
  /** ms from acknowledgement to commit, per request (Infinity while not committed). */
  const lagsOf = (acks: Ack[]) =>
    acks.map((a) => (commits.get(a.stream) ?? []).find((c) => c.through >= a.seq)?.at ?? Infinity).map((at, i) => Math.max(0, at - acks[i].at));
  /** ms from when the flush rule made each request's events due (buffer_size or flush_interval) to the commit that holds them. */
  const behindOf = (acks: Ack[], earlier: Ack[]) => {
    const out: number[] = [];
    const measured = new Set(acks);
    for (const [stream, list] of commits) {
      // The warm-up's requests count towards a stream's buffer_size too.
      const mine = [...earlier, ...acks].filter((a) => a.stream === stream).sort((a, b) => a.seq - b.seq);
      let prev = -Infinity;
      for (const c of list) {
        // The requests this commit took: past the previous commit's watermark, up to its own.
        const group = mine.filter((a) => a.seq > prev && a.seq <= c.through);
        prev = Math.max(prev, c.through);
        if (!group.length) continue;
        let due = group[0].sent + FLUSH_INTERVAL_MS;
        const full = group.findIndex((_, k) => (k + 1) * BATCH >= (BUFFER_SIZE || 10_000));
        if (full >= 0) due = Math.min(due, group[full].at);
        for (const a of group) if (measured.has(a)) out.push(Math.max(0, c.at - Math.max(due, a.at)));
      }
    }
    return out.sort((a, b) => a - b);
  };

  const warmAcks: Ack[] = [];
  const warmup = await drive(stack.endpoint, Math.min(5, SECONDS), warmAcks);
  const acks: Ack[] = [];
  const servicePid = stack.servicePid()!;
  const cpuBefore = { service: threadCpu(servicePid), nats: threadCpu(stack.natsPid()), clients: threadCpu(process.pid), machine: machineCpu() };
  const service = await drive(stack.endpoint, SECONDS, acks);
  const cpu = serviceCpu(servicePid, cpuBefore.service, threadCpu(servicePid));
  const natsCpu = cpuSince(cpuBefore.nats, threadCpu(stack.natsPid()));
  const clients = clientCpu(cpuBefore.clients);
  const clientsCpu = clients.main + clients.other;
  const serviceShares = machineShares(cpuBefore.machine, machineCpu());
  const ended = Date.now();
  while (lagsOf(acks).some((l) => l === Infinity) && Date.now() - ended < 120_000) await new Promise((r) => setTimeout(r, 250));
  const caughtUp = (Date.now() - ended) / 1000;
  watch.stop();
  const mb = (rate: number) => ((rate * BYTES_PER_EVENT) / 1e6).toFixed(1);
  console.log("service (PutLogEvents → CW_LOGS_EVENTS; LogCompactor → S3):");
  console.log(`  ${Math.round(service.rate).toLocaleString("en-US")} events/s = ${mb(service.rate)} MB/s, p50 ${service.p50.toFixed(1)} ms, p99 ${service.p99.toFixed(1)} ms, ${service.errors} errors`);
  const perEvent = (seconds: number) => ((seconds * 1e6) / Math.max(service.events, 1)).toFixed(2);
  const all = clientsCpu + cpu.api + cpu.worker + cpu.other + natsCpu;
  console.log(
    `  CPU µs per event: clients ${perEvent(clientsCpu)}, service API thread (and the compactor) ${perEvent(cpu.api)}, ` +
      `stream worker (metric filters, subscriptions) ${perEvent(cpu.worker)}, other service threads (gzip, GC) ${perEvent(cpu.other)}, ` +
      `nats-server ${perEvent(natsCpu)}; all ${perEvent(all)} (${(all / SECONDS).toFixed(2)} cores busy)`,
  );
  console.log(`  clients' main thread ${perEvent(clients.main)} µs per event (${((100 * clients.main) / SECONDS).toFixed(0)}% of a core); ${sharesText(serviceShares)}`);
  const lags = lagsOf(acks).sort((a, b) => a - b);
  const s = (ms: number) => (ms / 1000).toFixed(2);
  console.log(
    `  compactor lag (acknowledged → in a committed chunk, ${lags.length} requests): p50 ${s(quantile(lags, 0.5))} s, p90 ${s(quantile(lags, 0.9))} s, p99 ${s(quantile(lags, 0.99))} s, max ${s(lags[lags.length - 1])} s; all committed ${caughtUp.toFixed(1)} s after the last put`,
  );
  const behind = behindOf(acks, warmAcks);
  console.log(
    `  behind the buffer (due by buffer_size/flush_interval → committed, ${behind.length} requests): p50 ${s(quantile(behind, 0.5))} s, p90 ${s(quantile(behind, 0.9))} s, p99 ${s(quantile(behind, 0.99))} s, max ${s(behind[behind.length - 1])} s`,
  );
  // Compression: the group's storedBytes (its gzip chunks in S3) against the text it took in, warm-up included.
  const reader = client(stack.endpoint);
  const stored = (await reader.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: GROUP }))).logGroups?.[0]?.storedBytes ?? 0;
  reader.destroy();
  const raw = (service.events + warmup.events) * BYTES_PER_EVENT;
  console.log(`  stored ${(stored / 1e6).toFixed(1)} MB of gzip chunks for ${(raw / 1e6).toFixed(1)} MB of log text: 1/${(raw / Math.max(stored, 1)).toFixed(1)} (synthetic access-log lines)`);
  await closeNats();
  await stack.stop();

  const ceilingAfter = await ceilingRun();
  console.log("ceiling (bare Node HTTP server: read + gunzip + JSON.parse), before and after the service:");
  for (const [when, c] of [["before", ceilingBefore], ["after", ceilingAfter]] as const) {
    const us = (seconds: number) => ((seconds * 1e6) / Math.max(c.events, 1)).toFixed(2);
    console.log(
      `  ${when}: ${Math.round(c.rate).toLocaleString("en-US")} events/s = ${mb(c.rate)} MB/s, p50 ${c.p50.toFixed(1)} ms; CPU µs per event: clients ${us(c.clients.main + c.clients.other)} ` +
        `(main thread ${us(c.clients.main)}: ${((100 * c.clients.main) / SECONDS).toFixed(0)}% of a core), bare server ${us(c.bareCpu)}; ${sharesText(c.shares)}`,
    );
  }
  const ceiling = (ceilingBefore.rate + ceilingAfter.rate) / 2;
  const pct = (r: number) => ((100 * service.rate) / r).toFixed(0);
  console.log(`service / ceiling: ${pct(ceiling)}% of their mean (target ≥ 50%); ${pct(ceilingBefore.rate)}% of the one before, ${pct(ceilingAfter.rate)}% of the one after`);
  // The same comparison by CPU an event (all processes of each phase, the bench's own included: its S3 server runs
  // on the clients' thread), which the CPU the machine gave each phase does not move; equal to the above while both
  // phases keep the cores busy (the machine lines show whether they did).
  const ceilingCpu = [ceilingBefore, ceilingAfter].reduce((n, c) => n + c.clients.main + c.clients.other + c.bareCpu, 0) / Math.max(ceilingBefore.events + ceilingAfter.events, 1);
  console.log(`CPU an event, ceiling / service: ${((100 * ceilingCpu) / (all / Math.max(service.events, 1))).toFixed(0)}%`);
  console.log(`load average after: ${load()}`);
}

/** CPU seconds all threads of a process used between two threadCpu samples. */
const cpuSince = (before: Map<number, number>, after: Map<number, number>) => [...after].reduce((n, [tid, t]) => n + t - (before.get(tid) ?? 0), 0);

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
