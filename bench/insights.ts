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
 * GetQueryResults first answers Complete (polled every 50 ms).
 *
 *   npx tsx bench/insights.ts [--mb 100] [--runs 3] [--profile DIR]
 */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  GetQueryResultsCommand,
  PutLogEventsCommand,
  StartQueryCommand,
  type GetQueryResultsResponse,
} from "@aws-sdk/client-cloudwatch-logs";
import { startStack } from "../test/support/stack.js";
import { drainCompactor, machine, numberArg, profileArgs, templateWithCompactorOnDemand } from "./common.js";

const MB = numberArg("mb", 100);
const RUNS = numberArg("runs", 3);
const STREAMS = 8;
const SPAN_MS = 10 * 3_600_000;
const GROUP = "/bench/insights";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function message(k: number): string {
  const rare = k % 10_000 === 4_711 ? " E4711 " : " ";
  if (k % 2 === 0)
    return JSON.stringify({ level: k % 50 === 0 ? "ERROR" : "INFO", status: k % 50 === 0 ? 500 : 200, latency: k % 997, path: `/api/item/${k % 311}`, user: { id: `u${k % 1000}` }, note: `request${rare}handled`, pad: "x".repeat(60) });
  return `[INFO] user=u${k % 1000}, method:GET, latency := ${k % 997},${rare}path=/api/item/${k % 311} ${"y".repeat(70)}`;
}

async function ingest(logs: CloudWatchLogsClient, start: number): Promise<{ events: number; bytes: number }> {
  await logs.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
  for (let s = 0; s < STREAMS; s++) await logs.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: `s${s}` }));
  const avg = Buffer.byteLength(message(0)) / 2 + Buffer.byteLength(message(1)) / 2;
  const total = Math.floor((MB * 1e6) / avg);
  const perBatch = Math.floor(900_000 / (avg + 26));
  let next = 0;
  let bytes = 0;
  let rejected = 0;
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
        const out = await logs.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: `s${(from / perBatch + w) % STREAMS}`, logEvents }));
        if (out.rejectedLogEventsInfo) rejected++;
      }
    }),
  );
  if (rejected) console.log(`${rejected} batches had events rejected`);
  return { events: total, bytes };
}

async function timeQuery(logs: CloudWatchLogsClient, queryString: string, startMs: number, endMs: number): Promise<{ ms: number; out: GetQueryResultsResponse }> {
  const t = performance.now();
  const { queryId } = await logs.send(new StartQueryCommand({ logGroupName: GROUP, startTime: Math.floor(startMs / 1000), endTime: Math.ceil(endMs / 1000), queryString }));
  for (;;) {
    const out = await logs.send(new GetQueryResultsCommand({ queryId }));
    if (out.status !== "Running" && out.status !== "Scheduled") {
      if (out.status !== "Complete") throw new Error(`query ended ${out.status}`);
      return { ms: performance.now() - t, out };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function main() {
  console.log(machine());
  const stack = await startStack({ env: { HIVE_CLOUDWATCH_LOGS_FLUSH_INTERVAL: "5s", HIVE_CLOUDWATCH_TEMPLATE: templateWithCompactorOnDemand() }, nodeArgs: profileArgs() });
  // The SDK's default retries: a loaded machine may answer 503 (a NATS timeout) now and then, as AWS may.
  const logs = new CloudWatchLogsClient({ endpoint: stack.endpoint, region: "us-east-1", credentials: { accessKeyId: stack.credentials[0].accessKeyId, secretAccessKey: stack.credentials[0].secretAccessKey } });
  try {
    const start = Date.now() - SPAN_MS - 3_600_000;
    const t = performance.now();
    const { events, bytes } = await ingest(logs, start);
    console.log(`ingested ${events.toLocaleString()} events, ${(bytes / 1e6).toFixed(1)} MB of messages in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const t1 = performance.now();
    const drained = await drainCompactor(stack);
    console.log(`compacted ${drained.events.toLocaleString()} events into ${drained.chunks} chunks in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
    const end = start + SPAN_MS;

    const report = async (name: string, q: string, from: number, to: number) => {
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(await timeQuery(logs, q, from, to));
      const ms = median(runs.map((r) => r.ms));
      const scanned = runs[0].out.statistics!.bytesScanned!;
      console.log(
        `${name}: ${ms.toFixed(0)} ms, bytesScanned ${(scanned / 1e6).toFixed(1)} MB (${((scanned / bytes) * 100).toFixed(1)} % of the data), ` +
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
