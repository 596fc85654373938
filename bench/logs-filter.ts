/**
 * FilterLogEvents benchmark, through the HTTP endpoint with
 * @aws-sdk/client-cloudwatch-logs against a real nats-server and S3 server:
 * stores `--mb` MB of mixed JSON and text log events (about 200 bytes each,
 * spread over six hours, eight streams), compacts them all into chunks (the
 * compactor runs only when the benchmark fires it), then
 * times FilterLogEvents paged to the end for
 *  - a rare term with pushdown (`" NEEDLE_7f3a "`: whole tokens, chunks ruled out by their token filters),
 *  - the same rare term as a bare substring (no pushdown: every event read),
 *  - a JSON pattern (`{ $.latency > 995 }`),
 *  - a JSON pattern on a rare value (`{ $.request = "req-c02" }`: one event),
 *  - a time-bounded query over the last ten minutes (touching only its chunks).
 * Target (issue 13): ≥ 200 MB/s of log text scanned. Each query also reports
 * the service's CPU time (all its threads, from /proc) per MB of log text.
 *
 * `--against DIR`: a checkout of other code (say, the commit before a change)
 * is started as a second service on the same nats-server and S3, and each
 * query runs on it and on this code in A B B A order, so a loaded machine
 * compares the two on the same stored data in the same minutes; the matcher
 * alone is then compared the same way.
 *
 * `--threads`: each query's CPU also per thread of the service (name from
 * /proc and thread id), to see which of the other threads (the thread pool's
 * inflates, V8's GC helpers) a query's cost lands on.
 *
 * `--corpus DIR` keeps the stores (nats-server's, S3's) in DIR: the first run
 * builds the corpus there, later runs with the same DIR and `--mb` query it
 * again at once (1 GB takes long to build on a loaded machine).
 *
 * `--node-options "FLAGS"` starts the service's node with these flags too
 * (V8's included): e.g. "--trace-gc" or "--single-threaded-gc".
 * `--repeat N` times each query N times (A B B A N times with --against).
 * `--only TEXT` runs only the queries whose names hold TEXT (say "JSON pattern").
 * `--service-log` prints the service's output at the end (with `--node-options "--trace-gc"`: its collections).
 *
 *   npx tsx bench/logs-filter.ts [--mb 100] [--profile DIR] [--against DIR] [--threads] [--corpus DIR] [--node-options FLAGS] [--repeat N] [--only TEXT] [--service-log]
 */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  FilterLogEventsCommand,
  PutLogEventsCommand,
  type FilterLogEventsCommandInput,
} from "@aws-sdk/client-cloudwatch-logs";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { compileFilterPattern } from "../lib/logs/patterns/index.js";
import { logsClient, startStack, type Stack } from "../test/support/stack.js";
import { drainCompactor, machine, numberArg, profileArgs, rssMb, sendThroughThrottling, serviceCpu, templateWithCompactorOnDemand, threadCpu } from "./common.js";

const MB = numberArg("mb", 100);
const STREAMS = 8;
const SPAN_MS = 6 * 3_600_000;
const against = process.argv.includes("--against") ? resolve(process.argv[process.argv.indexOf("--against") + 1]!) : undefined;
const CORPUS_DIR = process.argv.includes("--corpus") ? resolve(process.argv[process.argv.indexOf("--corpus") + 1]!) : undefined;
/** The matcher alone runs over the first messages, this many bytes at most (1 GB of strings would not fit the heap). */
const MATCHER_SAMPLE_BYTES = 100_000_000;

/** What a kept corpus holds (CORPUS_DIR/corpus.json): `now` is the end of its six hours. */
interface Corpus {
  mb: number;
  now: number;
  events: number;
  bytes: number;
}

function message(i: number): string {
  if (i % 100_003 === 7) return `2026-12-06T10:00:00Z ERROR worker-${i % 17} NEEDLE_7f3a found in request ${i}`;
  if (i % 2 === 0) {
    return JSON.stringify({ level: i % 50 === 0 ? "error" : "info", latency: i % 1000, path: `/api/v1/items/${i % 4096}`, user: `user-${i % 9973}`, request: `req-${i.toString(36)}`, bytes: (i * 7919) % 65536 });
  }
  return `2026-12-06T10:00:00Z INFO http served path=/api/v1/items/${i % 4096} status=${i % 13 === 0 ? 404 : 200} bytes=${(i * 7919) % 65536} user=user-${i % 9973} id=${i.toString(36)}`;
}

/**
 * Puts the corpus: batches of 4,000 events made as they are sent (1 GB of
 * events would not fit in memory at once), by four clients, round robin over
 * the streams. The compactor runs on demand here: past max_buffered_bytes the
 * buffer throttles until a pass drains it.
 */
async function ingest(logs: CloudWatchLogsClient, group: string, now: number, stack: Stack): Promise<{ events: number; bytes: number }> {
  const target = MB * 1_000_000;
  const perBatch = 4000;
  let bytes = 0;
  let i = 0;
  let batchNo = 0;
  const nextBatch = () => {
    if (bytes >= target) return undefined;
    const events: { timestamp: number; message: string }[] = [];
    for (let k = 0; k < perBatch && bytes < target; k++, i++) {
      const m = message(i);
      bytes += m.length;
      // Batches walk through the six hours by bytes written (never past now: PutLogEvents rejects the future).
      events.push({ timestamp: now - SPAN_MS + Math.floor((bytes / target) * (SPAN_MS - 60_000)), message: m });
    }
    return { stream: `s${batchNo++ % STREAMS}`, events };
  };
  const throttled = { count: 0 };
  // The SDK's default retries for the puts: a loaded machine may answer 503 (a NATS timeout) now and then, as AWS may.
  const putter = new CloudWatchLogsClient({ endpoint: stack.endpoint, region: "us-east-1", credentials: { accessKeyId: stack.credentials[0].accessKeyId, secretAccessKey: stack.credentials[0].secretAccessKey } });
  let draining: Promise<unknown> | undefined;
  const drain = () => void (draining ??= drainCompactor(stack).finally(() => (draining = undefined)));
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let b = nextBatch(); b; b = nextBatch()) {
        const put = new PutLogEventsCommand({ logGroupName: group, logStreamName: b.stream, logEvents: b.events });
        await sendThroughThrottling(() => putter.send(put), throttled, drain);
      }
    }),
  );
  putter.destroy();
  if (throttled.count) console.log(`${throttled.count} PutLogEvents answers were ThrottlingException (the compactor lagged), each sent again`);
  await draining;
  return { events: i, bytes };
}

/** Creates the group and streams, ingests the corpus and compacts it all. */
async function build(logs: CloudWatchLogsClient, group: string, stack: Stack): Promise<Omit<Corpus, "mb">> {
  await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
  for (let s = 0; s < STREAMS; s++) await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: `s${s}` }));
  const now = Date.now();
  const t0 = performance.now();
  const { events, bytes } = await ingest(logs, group, now, stack);
  console.log(`ingested ${events} events, ${(bytes / 1e6).toFixed(1)} MB of text in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const t1 = performance.now();
  const drained = await drainCompactor(stack);
  console.log(`compacted ${drained.events} events into ${drained.chunks} chunks in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  return { now, events, bytes };
}

/** CPU seconds of all of a process's threads so far. */
const processCpu = (pid: number | undefined) => [...threadCpu(pid).values()].reduce((a, b) => a + b, 0);

/** The service's threads with CPU between two samples, busiest first: `name/tid seconds` (names from /proc). */
function threadSplit(pid: number, before: Map<number, number>, after: Map<number, number>): string {
  const name = (tid: number) => {
    try {
      return readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
    } catch {
      return "?";
    }
  };
  return [...after]
    .map(([tid, t]) => [tid, t - (before.get(tid) ?? 0)] as const)
    .filter(([, d]) => d >= 0.01)
    .sort((a, b) => b[1] - a[1])
    .map(([tid, d]) => `${tid === pid ? "main" : name(tid)}/${tid} ${d.toFixed(2)}`)
    .join(", ");
}

/** The service's peak resident memory so far in MiB, from /proc (VmHWM; NaN when it is gone). */
function peakRssMb(pid: number | undefined): number {
  try {
    const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Monotonic µs, the clock of V8's CPU profiles: a query's span in a `--profile` profile. */
const monotonicUs = () => (process.hrtime.bigint() / 1000n).toString();

interface Service {
  name: string;
  logs: CloudWatchLogsClient;
  pid(): number | undefined;
}

async function timeFilter(logs: CloudWatchLogsClient, input: FilterLogEventsCommandInput): Promise<{ ms: number; matches: number; pages: number }> {
  const started = performance.now();
  let token: string | undefined;
  let matches = 0;
  let pages = 0;
  do {
    const out = await logs.send(new FilterLogEventsCommand({ ...input, nextToken: token }));
    matches += out.events?.length ?? 0;
    pages++;
    token = out.nextToken;
  } while (token);
  return { ms: performance.now() - started, matches, pages };
}

async function main() {
  console.log(machine());
  console.log(`load average before: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  const optionsAt = process.argv.indexOf("--node-options");
  const nodeOptions = optionsAt > 0 ? process.argv[optionsAt + 1]!.split(/\s+/).filter(Boolean) : [];
  const stack = await startStack({ env: { HIVE_CLOUDWATCH_TEMPLATE: templateWithCompactorOnDemand() }, nodeArgs: [...profileArgs(), ...nodeOptions], keepDir: CORPUS_DIR });
  const logs = logsClient(stack);
  try {
    const group = "/bench/filter";
    const marker = CORPUS_DIR && join(CORPUS_DIR, "corpus.json");
    const kept = marker && existsSync(marker) ? (JSON.parse(readFileSync(marker, "utf8")) as Corpus) : undefined;
    if (kept && kept.mb !== MB) throw new Error(`${CORPUS_DIR} holds a ${kept.mb} MB corpus, not ${MB} MB`);
    const { now, events, bytes } = kept ?? (await build(logs, group, stack));
    if (kept) console.log(`kept corpus in ${CORPUS_DIR}: ${events} events, ${(bytes / 1e6).toFixed(1)} MB of text`);
    else if (marker) writeFileSync(marker, JSON.stringify({ mb: MB, now, events, bytes } satisfies Corpus));
    // A drain pass that timed out goes on in the service: wait until it is idle (under 10% of a core for a second), so it does not count in the first query.
    for (let waited = 0; waited < 120; waited++) {
      const before = processCpu(stack.servicePid());
      await new Promise((r) => setTimeout(r, 1000));
      if (processCpu(stack.servicePid()) - before < 0.1) break;
    }
    const mbps = (ms: number) => (bytes / 1e6 / (ms / 1000)).toFixed(0);
    const services: Service[] = [{ name: "this", logs, pid: () => stack.servicePid() }];
    if (against) {
      const other = await stack.addService({}, { root: against });
      services.unshift({ name: "other", logs: logsClient({ ...stack, endpoint: other.endpoint } as Stack), pid: other.pid });
      console.log(`comparing with ${against} (A = other, B = this, in A B B A order)`);
    }
    // A service's first FilterLogEvents loads the handler: not part of the first query's figures.
    for (const svc of services) await timeFilter(svc.logs, { logGroupName: group, filterPattern: "x", startTime: now, endTime: now });
    const once = against ? [services[0]!, services[1]!, services[1]!, services[0]!] : services;
    const order = Array.from({ length: numberArg("repeat", 1) }, () => once).flat();
    const cases: [string, FilterLogEventsCommandInput][] = [
      ["rare term, pushdown", { logGroupName: group, filterPattern: '" NEEDLE_7f3a "' }],
      ["rare term, substring", { logGroupName: group, filterPattern: "NEEDLE_7f3a" }],
      ["JSON pattern", { logGroupName: group, filterPattern: "{ $.latency > 995 }" }],
      // One event's request id (message(15554)): its tokens rule out the other blocks.
      ["JSON rare value", { logGroupName: group, filterPattern: '{ $.request = "req-c02" }' }],
      ["last 10 minutes", { logGroupName: group, filterPattern: "status=404", startTime: now - 600_000, endTime: now }],
    ];
    const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1]! : "";
    for (const [name, input] of cases.filter(([n]) => n.includes(only))) {
      for (const svc of order) {
        const cpu0 = threadCpu(svc.pid());
        const own0 = process.cpuUsage();
        const from = monotonicUs();
        const r = await timeFilter(svc.logs, input);
        const cpu1 = threadCpu(svc.pid());
        const own = process.cpuUsage(own0);
        const split = serviceCpu(svc.pid()!, cpu0, cpu1);
        const cpu = split.api + split.worker + split.other;
        const perMb = name === "last 10 minutes" ? `${cpu.toFixed(2)} s CPU` : `${mbps(r.ms)} MB/s of log text, ${((cpu * 1000) / (bytes / 1e6)).toFixed(1)} ms CPU/MB`;
        const span = profileArgs().length ? `, profile µs ${from}-${monotonicUs()}` : "";
        console.log(
          `${svc.name.padEnd(5)} ${name.padEnd(22)} ${r.matches} matches, ${r.pages} pages, ${(r.ms / 1000).toFixed(2)} s = ${perMb} (main thread ${split.api.toFixed(2)} s, other threads ${(split.worker + split.other).toFixed(2)} s; this process, the S3 server and client, ${((own.user + own.system) / 1e6).toFixed(2)} s; service RSS ${rssMb(svc.pid()).toFixed(0)} MiB, peak ${peakRssMb(svc.pid()).toFixed(0)}; load ${loadavg()[0]!.toFixed(1)}${span})`,
        );
        if (process.argv.includes("--threads")) console.log(`      threads: ${threadSplit(svc.pid()!, cpu0, cpu1)}`);
      }
    }
    // The matcher alone, in this process, over the same messages (the first 100 MB of them): what the pattern costs without the scan.
    const texts: string[] = [];
    let textBytes = 0;
    for (let i = 0; i < events && textBytes < MATCHER_SAMPLE_BYTES; i++) textBytes += texts[texts.push(message(i)) - 1]!.length;
    const compilers: [string, typeof compileFilterPattern][] = [["this", compileFilterPattern]];
    if (against) compilers.unshift(["other", ((await import(resolve(against, "lib/logs/patterns/index.ts"))) as { compileFilterPattern: typeof compileFilterPattern }).compileFilterPattern]);
    const matcherOrder = against ? [compilers[0]!, compilers[1]!, compilers[1]!, compilers[0]!] : compilers;
    for (const [name, input] of cases.slice(0, 4).filter(([n]) => n.includes(only))) {
      for (const [who, compile] of matcherOrder) {
        const p = compile(input.filterPattern!);
        const t = performance.now();
        let n = 0;
        for (const m of texts) if (p.matches(m)) n++;
        console.log(`${who.padEnd(5)} matcher alone, ${name.padEnd(22)} ${n} matches in ${texts.length} events, ${(textBytes / 1e6 / ((performance.now() - t) / 1000)).toFixed(0)} MB/s`);
      }
    }
    console.log(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
    if (process.argv.includes("--service-log")) console.log(`service log:\n${stack.logs()}`);
  } catch (e) {
    // The service's own account of a failed query (its stderr), not only the client's 500.
    console.log(`service log (last 5,000 characters):\n${stack.logs().slice(-5000)}`);
    throw e;
  } finally {
    logs.destroy();
    await stack.stop();
  }
}

await main();
