/**
 * Logs Insights benchmark, through the HTTP endpoint with
 * @aws-sdk/client-cloudwatch-logs against a real nats-server and S3 server:
 * writes `--mb` MB of mixed JSON / text log events (PutLogEvents, 1 MB
 * batches, 8 streams, spread over 10 hours), compacts them all into chunks
 * (the compactor runs only when the benchmark fires it, so it does not
 * compete with the queries), then times (median of `--runs`):
 *  1. `filter` on a rare term (1 event in 10,000): MB/s scanned (target ≥ 300);
 *  2. `stats count(*) by bin(5m)` over everything: MB/s (target ≥ 150);
 *  3. a query whose time range covers 1 % of the data: the share of bytes it
 *     scanned (target ≤ 2 %).
 * MB/s is the query's bytesScanned over the time from StartQuery until
 * GetQueryResults first answers Complete (polled every 50 ms); CPU is the
 * service process's (every thread, user + system) over the same span.
 *
 * `--corpus DIR` keeps the stores (nats-server's, S3's) in DIR: the first run
 * builds the corpus there as above, later runs with the same DIR and `--mb`
 * query it again at once (a 1 GB corpus takes long to build on a loaded machine).
 *
 *   npx tsx bench/insights.ts [--mb 100] [--runs 3] [--profile DIR] [--corpus DIR]
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DescribeLogGroupsCommand,
  CreateLogStreamCommand,
  GetQueryResultsCommand,
  PutLogEventsCommand,
  StartQueryCommand,
  type GetQueryResultsResponse,
} from "@aws-sdk/client-cloudwatch-logs";
import { startStack } from "../test/support/stack.js";
import { drainCompactor, machine, numberArg, profileArgs, sendThroughThrottling, templateWithCompactorOnDemand, threadCpu } from "./common.js";

const MB = numberArg("mb", 100);
const RUNS = numberArg("runs", 3);
const STREAMS = 8;
const SPAN_MS = 10 * 3_600_000;
const GROUP = "/bench/insights";
const corpusAt = process.argv.indexOf("--corpus");
const CORPUS_DIR = corpusAt > 0 ? process.argv[corpusAt + 1] : undefined;

/** What a kept corpus holds (CORPUS_DIR/corpus.json). */
interface Corpus {
  mb: number;
  start: number;
  events: number;
  bytes: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function message(k: number): string {
  const rare = k % 10_000 === 4_711 ? " E4711 " : " ";
  if (k % 2 === 0)
    return JSON.stringify({ level: k % 50 === 0 ? "ERROR" : "INFO", status: k % 50 === 0 ? 500 : 200, latency: k % 997, path: `/api/item/${k % 311}`, user: { id: `u${k % 1000}` }, note: `request${rare}handled`, pad: "x".repeat(60) });
  return `[INFO] user=u${k % 1000}, method:GET, latency := ${k % 997},${rare}path=/api/item/${k % 311} ${"y".repeat(70)}`;
}

async function ingest(logs: CloudWatchLogsClient, start: number, stack: Awaited<ReturnType<typeof startStack>>): Promise<{ events: number; bytes: number }> {
  await logs.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
  for (let s = 0; s < STREAMS; s++) await logs.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: `s${s}` }));
  const avg = Buffer.byteLength(message(0)) / 2 + Buffer.byteLength(message(1)) / 2;
  const total = Math.floor((MB * 1e6) / avg);
  const perBatch = Math.floor(900_000 / (avg + 26));
  let next = 0;
  let bytes = 0;
  let rejected = 0;
  const throttled = { count: 0 };
  // The compactor runs on demand here: past max_buffered_bytes the buffer throttles until a pass drains it.
  let draining: Promise<unknown> | undefined;
  const drain = () => void (draining ??= drainCompactor(stack).finally(() => (draining = undefined)));
  await Promise.all(
    Array.from({ length: 4 }, async (_, w) => {
      for (;;) {
        const from = next;
        if (from >= total) return;
        next = Math.min(total, from + perBatch);
        const logEvents = [];
        for (let k = from; k < next; k++) {
          const m = message(k);
          bytes += Buffer.byteLength(m);
          logEvents.push({ timestamp: start + Math.floor((k / total) * SPAN_MS), message: m });
        }
        const put = new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: `s${(from / perBatch + w) % STREAMS}`, logEvents });
        const out = await sendThroughThrottling(() => logs.send(put), throttled, drain);
        if (out.rejectedLogEventsInfo) rejected++;
      }
    }),
  );
  if (rejected) console.log(`${rejected} batches had events rejected`);
  if (throttled.count) console.log(`${throttled.count} PutLogEvents answers were ThrottlingException (the compactor lagged), each sent again`);
  return { events: total, bytes };
}

const cpuOf = (pid: number | undefined) => [...threadCpu(pid).values()].reduce((a, b) => a + b, 0);

async function timeQuery(logs: CloudWatchLogsClient, pid: number | undefined, queryString: string, startMs: number, endMs: number): Promise<{ ms: number; cpu: number; out: GetQueryResultsResponse }> {
  const t = performance.now();
  const cpu = cpuOf(pid);
  const { queryId } = await logs.send(new StartQueryCommand({ logGroupName: GROUP, startTime: Math.floor(startMs / 1000), endTime: Math.ceil(endMs / 1000), queryString }));
  for (;;) {
    const out = await logs.send(new GetQueryResultsCommand({ queryId }));
    if (out.status !== "Running" && out.status !== "Scheduled") {
      if (out.status !== "Complete") throw new Error(`query ended ${out.status}`);
      return { ms: performance.now() - t, cpu: cpuOf(pid) - cpu, out };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

const storedBytes = async (logs: CloudWatchLogsClient) =>
  (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: GROUP }))).logGroups?.find((g) => g.logGroupName === GROUP)?.storedBytes ?? 0;

/** Ingests the corpus and compacts it all. */
async function build(logs: CloudWatchLogsClient, stack: Awaited<ReturnType<typeof startStack>>): Promise<Omit<Corpus, "mb">> {
  const start = Date.now() - SPAN_MS - 3_600_000;
  const t = performance.now();
  const { events, bytes } = await ingest(logs, start, stack);
  console.log(`ingested ${events.toLocaleString()} events, ${(bytes / 1e6).toFixed(1)} MB of messages in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const t1 = performance.now();
  let drained = { chunks: 0, events: 0 };
  // A pass whose invocation timed out (a loaded machine) goes on committing after the drain's last empty pass:
  // wait until the stored bytes stop growing, so no compaction competes with the queries.
  for (let before = -1, now = 0; before !== now; before = now, now = await storedBytes(logs)) {
    const d = await drainCompactor(stack);
    drained = { chunks: drained.chunks + d.chunks, events: drained.events + d.events };
    await new Promise((r) => setTimeout(r, 3000));
  }
  console.log(`compacted ${drained.events.toLocaleString()} events into ${drained.chunks} chunks in ${((performance.now() - t1) / 1000).toFixed(1)} s (passes that timed out not counted)`);
  return { start, events, bytes };
}

async function main() {
  console.log(machine());
  const stack = await startStack({ env: { HIVE_CLOUDWATCH_LOGS_FLUSH_INTERVAL: "5s", HIVE_CLOUDWATCH_TEMPLATE: templateWithCompactorOnDemand() }, nodeArgs: profileArgs(), keepDir: CORPUS_DIR });
  // The SDK's default retries: a loaded machine may answer 503 (a NATS timeout) now and then, as AWS may.
  const logs = new CloudWatchLogsClient({ endpoint: stack.endpoint, region: "us-east-1", credentials: { accessKeyId: stack.credentials[0].accessKeyId, secretAccessKey: stack.credentials[0].secretAccessKey } });
  try {
    const marker = CORPUS_DIR && join(CORPUS_DIR, "corpus.json");
    const kept = marker && existsSync(marker) ? (JSON.parse(readFileSync(marker, "utf8")) as Corpus) : undefined;
    if (kept && kept.mb !== MB) throw new Error(`${CORPUS_DIR} holds a ${kept.mb} MB corpus, not ${MB} MB`);
    const { start, events, bytes } = kept ?? (await build(logs, stack));
    if (kept) console.log(`kept corpus in ${CORPUS_DIR}: ${events.toLocaleString()} events, ${(bytes / 1e6).toFixed(1)} MB of messages`);
    else if (marker) writeFileSync(marker, JSON.stringify({ mb: MB, start, events, bytes } satisfies Corpus));
    const end = start + SPAN_MS;

    const report = async (name: string, q: string, from: number, to: number) => {
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(await timeQuery(logs, stack.servicePid(), q, from, to));
      const ms = median(runs.map((r) => r.ms));
      const cpu = median(runs.map((r) => r.cpu));
      const scanned = runs[0].out.statistics!.bytesScanned!;
      console.log(
        `${name}: ${ms.toFixed(0)} ms (service CPU ${cpu.toFixed(2)} s), bytesScanned ${(scanned / 1e6).toFixed(1)} MB (${((scanned / bytes) * 100).toFixed(1)} % of the data), ` +
          `${(scanned / 1e6 / (ms / 1000)).toFixed(0)} MB/s scanned, records scanned ${runs[0].out.statistics!.recordsScanned} of ${events}, matched ${runs[0].out.statistics!.recordsMatched}`,
      );
    };
    await report("filter on a rare term", 'fields @timestamp, @message | filter @message like " E4711 "', start, end);
    await report("stats count(*) by bin(5m)", "stats count(*) by bin(5m)", start, end);
    // Every event must be read: the count is checked, not only timed.
    await report("stats count(*) (every event counted?)", "stats count(*) as events", start, end);
    const mid = start + SPAN_MS / 2;
    await report("1 % time range", "stats count(*)", mid, mid + SPAN_MS / 100);
  } finally {
    logs.destroy();
    await stack.stop();
  }
}

await main();
