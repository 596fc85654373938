/**
 * Query benchmark, through the HTTP endpoint with @aws-sdk/client-cloudwatch
 * against a real nats-server and S3 server:
 *  1. GetMetricData returning 100,800 datapoints (70 series × 1 day at 60 s);
 *     target ≥ 1,000,000 datapoints/s returned. Two times per request: until
 *     the service's answer is wholly received (the service's rate), and until
 *     the SDK has also parsed it into Dates and numbers (what a caller sees;
 *     the SDK's own parsing floor is printed for comparison, measured
 *     against a server that replays a canned answer).
 *  2. A Metrics Insights GROUP BY over 10,000 series × 3 h; target < 1 s.
 *
 *   npx tsx bench/query.ts [--series 10000] [--runs 5] [--profile DIR]
 */
import { CloudWatchClient, GetMetricDataCommand, PutMetricDataCommand, type MetricDatum } from "@aws-sdk/client-cloudwatch";
import { createServer } from "node:http";
import { Readable } from "node:stream";
import { startStack } from "../test/support/stack.js";
import { machine, numberArg, profileArgs } from "./common.js";

const INSIGHTS_SERIES = numberArg("series", 10_000);
const RUNS = numberArg("runs", 5);
const MIN = 60_000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function putAll(cw: CloudWatchClient, namespace: string, datums: MetricDatum[], concurrency = 4) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < datums.length) {
        const batch = datums.slice(next, (next += 1000));
        await cw.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: batch }));
      }
    }),
  );
}

/** Records when each response body has been wholly received (and the body), before the SDK parses it. */
function timeBodies(cw: CloudWatchClient): { last: number; body: Buffer } {
  const mark = { last: 0, body: Buffer.alloc(0) };
  cw.middlewareStack.add(
    (next) => async (args) => {
      const out: any = await next(args);
      const chunks: Buffer[] = [];
      for await (const c of out.response.body as AsyncIterable<Buffer>) chunks.push(c);
      mark.last = performance.now();
      mark.body = Buffer.concat(chunks);
      out.response.body = Readable.from([mark.body]);
      return out;
    },
    { step: "deserialize", priority: "low", name: "benchBodyTimer" },
  );
  return mark;
}

/** The SDK's parsing alone: the same answer replayed by a server that does nothing else. */
async function clientFloor(queries: unknown[], start: number, end: number, answer: Buffer, runs: number): Promise<number> {
  const srv = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(200, { "content-type": "application/x-amz-json-1.0", "content-length": answer.length }).end(answer));
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const cw = new CloudWatchClient({
    endpoint: `http://127.0.0.1:${(srv.address() as { port: number }).port}`,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
  const times: number[] = [];
  for (let r = 0; r < runs + 1; r++) {
    const t0 = performance.now();
    await cw.send(new GetMetricDataCommand({ MetricDataQueries: queries as any, StartTime: new Date(start), EndTime: new Date(end), MaxDatapoints: 100_800 }));
    if (r > 0) times.push(performance.now() - t0);
  }
  cw.destroy();
  srv.close();
  return median(times);
}

async function main() {
  console.log(`${machine()}\n`);
  // The day is put all at once; arriving in real time, its oldest hour would
  // have come while it was still hot. Datapoints that land within an hour of
  // the hot tier's roll-off go to the warm tier instead, so the hot retention
  // is two hours longer here: the day is stored as it would have been.
  const stack = await startStack({
    // The load is a bulk fill far past any ingest rate: no Throttling for aggregator lag (as bench/aggregate.ts).
    env: { HIVE_CLOUDWATCH_ROLLOFF_HOT_RETENTION_HOURS: "26", HIVE_CLOUDWATCH_MAX_INGEST_LAG: "1d" },
    nodeArgs: profileArgs(),
  });
  const cw = new CloudWatchClient({
    endpoint: stack.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
  process.env.HIVE_CLOUDWATCH_NATS_URL = stack.natsUrl;
  process.env.HIVE_CLOUDWATCH_LOCAL = "true";
  const { deltaBacklog, ingestBacklog } = await import("../lib/metrics/write/backlog.js");
  const { closeNats } = await import("../lib/storage/nats.js");
  // Stored data: aggregated, and compacted into chunks (what a day of data is, but for its last seconds).
  const aggregated = async () => {
    while ((await ingestBacklog()) > 0) await new Promise((r) => setTimeout(r, 200));
    const deadline = Date.now() + 30_000;
    while ((await deltaBacklog()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    // Roll-off runs every 5 minutes: by now it would have sealed the closed hours.
    await stack.fireSchedule("MetricRollOff");
  };

  // 1. 70 series × 1440 minutes.
  const end = Math.floor(Date.now() / MIN) * MIN;
  const start = end - 1440 * MIN;
  const wide: MetricDatum[] = [];
  for (let s = 0; s < 70; s++) {
    let v = 50;
    for (let m = 0; m < 1440; m++) {
      v = Math.max(0, Math.min(100, v + (Math.random() - 0.5) * 4));
      wide.push({ MetricName: "CPUUtilization", Dimensions: [{ Name: "InstanceId", Value: `i-${String(s).padStart(4, "0")}` }], Timestamp: new Date(start + m * MIN), Value: Math.round(v * 100) / 100, Unit: "Percent" });
    }
  }
  let t0 = Date.now();
  await putAll(cw, "Bench/Query", wide);
  await aggregated();
  console.log(`loaded ${wide.length.toLocaleString("en-US")} datapoints in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const queries = Array.from({ length: 70 }, (_, s) => ({
    Id: `m${s}`,
    MetricStat: {
      Metric: { Namespace: "Bench/Query", MetricName: "CPUUtilization", Dimensions: [{ Name: "InstanceId", Value: `i-${String(s).padStart(4, "0")}` }] },
      Period: 60,
      Stat: "Average",
    },
  }));
  const bodyDone = timeBodies(cw);
  const served: number[] = [];
  const times: number[] = [];
  let points = 0;
  for (let r = 0; r < RUNS + 1; r++) {
    t0 = performance.now();
    const out = await cw.send(new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: new Date(start), EndTime: new Date(end), MaxDatapoints: 100_800 }));
    const ms = performance.now() - t0;
    points = (out.MetricDataResults ?? []).reduce((n, x) => n + (x.Values?.length ?? 0), 0);
    if (r > 0) {
      // the first run warms up
      times.push(ms);
      served.push(bodyDone.last - t0);
    }
  }
  cw.middlewareStack.remove("benchBodyTimer");
  const answer = bodyDone.body;
  const rate = (ms: number) => Math.round((points / ms) * 1000).toLocaleString("en-US");
  const service = median(served);
  const total = median(times);
  const floor = await clientFloor(queries, start, end, answer, RUNS);
  console.log(`GetMetricData: ${points.toLocaleString("en-US")} datapoints (${(answer.length / 1e6).toFixed(1)} MB of JSON), median of ${RUNS}:`);
  console.log(`  answered by the service in ${service.toFixed(0)} ms = ${rate(service)} datapoints/s (target ≥ 1,000,000)`);
  console.log(`  parsed by the SDK client in ${total.toFixed(0)} ms = ${rate(total)} datapoints/s; the SDK alone, against a canned answer: ${floor.toFixed(0)} ms = ${rate(floor)} datapoints/s`);

  // 2. Metrics Insights over many series × 3 h.
  const groups = 50;
  const insStart = end - 180 * MIN;
  const many: MetricDatum[] = [];
  for (let m = 0; m < 180; m++) {
    for (let s = 0; s < INSIGHTS_SERIES; s++) {
      many.push({
        MetricName: "Latency",
        Dimensions: [{ Name: "Host", Value: `h-${s}` }, { Name: "Group", Value: `g-${s % groups}` }],
        Timestamp: new Date(insStart + m * MIN),
        Value: Math.round(Math.random() * 1000) / 10,
        Unit: "Milliseconds",
      });
    }
  }
  t0 = Date.now();
  await putAll(cw, "Bench/Insights", many, 8);
  await aggregated();
  console.log(`loaded ${many.length.toLocaleString("en-US")} datapoints (${INSIGHTS_SERIES} series × 3 h) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const sql = `SELECT AVG(Latency) FROM SCHEMA("Bench/Insights", "Group", Host) GROUP BY "Group" ORDER BY AVG() DESC LIMIT 10`;
  const itimes: number[] = [];
  let series = 0;
  for (let r = 0; r < RUNS + 1; r++) {
    t0 = performance.now();
    const out = await cw.send(new GetMetricDataCommand({ MetricDataQueries: [{ Id: "q", Expression: sql, Period: 300 }], StartTime: new Date(insStart), EndTime: new Date(end) }));
    const ms = performance.now() - t0;
    series = out.MetricDataResults?.length ?? 0;
    if (r > 0) itimes.push(ms);
  }
  console.log(`Metrics Insights GROUP BY over ${INSIGHTS_SERIES.toLocaleString("en-US")} series × 3 h: ${median(itimes).toFixed(0)} ms (median of ${RUNS}), ${series} series returned (target < 1 s)`);

  cw.destroy();
  await closeNats();
  await stack.stop();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
