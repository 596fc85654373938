/**
 * Query benchmark, through the HTTP endpoint with @aws-sdk/client-cloudwatch
 * against a real nats-server and S3 server:
 *  1. GetMetricData returning 100,800 datapoints (70 series × 1 day at 60 s);
 *     target ≥ 1,000,000 datapoints/s returned.
 *  2. A Metrics Insights GROUP BY over 10,000 series × 3 h; target < 1 s.
 *
 *   npx tsx bench/query.ts [--series 10000] [--runs 5]
 */
import { CloudWatchClient, GetMetricDataCommand, PutMetricDataCommand, type MetricDatum } from "@aws-sdk/client-cloudwatch";
import { startStack } from "../test/support/stack.js";
import { machine, numberArg } from "./common.js";

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

async function main() {
  console.log(`${machine()}\n`);
  const stack = await startStack();
  const cw = new CloudWatchClient({
    endpoint: stack.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
  process.env.HIVE_CLOUDWATCH_NATS_URL = stack.natsUrl;
  process.env.HIVE_CLOUDWATCH_LOCAL = "true";
  const { ingestBacklog } = await import("../lib/metrics/backlog.js");
  const { closeNats } = await import("../lib/storage/nats.js");
  const aggregated = async () => {
    while ((await ingestBacklog()) > 0) await new Promise((r) => setTimeout(r, 200));
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
  const times: number[] = [];
  let points = 0;
  for (let r = 0; r < RUNS + 1; r++) {
    t0 = performance.now();
    const out = await cw.send(new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: new Date(start), EndTime: new Date(end), MaxDatapoints: 100_800 }));
    const ms = performance.now() - t0;
    points = (out.MetricDataResults ?? []).reduce((n, x) => n + (x.Values?.length ?? 0), 0);
    if (r > 0) times.push(ms); // the first run warms up
  }
  const gmd = median(times);
  console.log(`GetMetricData: ${points.toLocaleString("en-US")} datapoints in ${gmd.toFixed(0)} ms (median of ${RUNS}) = ${Math.round((points / gmd) * 1000).toLocaleString("en-US")} datapoints/s (target ≥ 1,000,000)`);

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
