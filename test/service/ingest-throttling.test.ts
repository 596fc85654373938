/**
 * Overload is answered, never absorbed (docs/memory.md, "Overload"), through
 * the running service and real SDK clients with their retries off
 * (maxAttempts 1), so that every Throttling answer is seen:
 *
 * - while the aggregators lag by more than `[cloudwatch] max_ingest_lag` of
 *   data, PutMetricData answers `Throttling`; the lag stays within the bound
 *   (plus what the once-a-second reading lets through), and once an
 *   aggregator runs again every acknowledged datum is stored, once;
 * - while the process's RSS is within 10% of `[cloudwatch] memory_budget_mb`,
 *   PutMetricData answers `Throttling` and PutLogEvents `ThrottlingException`,
 *   and every acknowledged datum and event is stored.
 *
 * Every other throttle is set out of reach (reserved concurrency, event-loop
 * saturation, the log buffer's bound, and the lag bound in the memory case),
 * so each Throttling here has the one cause the test is about.
 *
 * AWS's answers: CloudWatch's common error `Throttling`, HTTP 400
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CommonErrors.html),
 * "Rate exceeded" (recorded in camitz/aws-cloudwatch-statsd-backend#10);
 * CloudWatch Logs' `{"__type":"ThrottlingException","message":"Rate exceeded"}`
 * (maxbanton/cwh#120), HTTP 400 (aws-robotics/cloudwatchlogs-ros1#21).
 */
import { GetMetricStatisticsCommand, PutMetricDataCommand, type CloudWatchClient, type MetricDatum } from "@aws-sdk/client-cloudwatch";
import { CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { READING_STALE_MS } from "../../lib/capacity/admission-gate.js";
import type { MemoryReport } from "../../lib/capacity/memory.js";
import { readStreamMessages } from "../support/log-stream-read.js";
import { retrying } from "../support/retrying.js";
import { awsCli, cloudWatchClient, logsClient, startStack, templateWithoutAggregator, type Stack } from "../support/stack.js";

/** No throttle but the one under test: reserved concurrency and saturation out of reach. */
const ONLY = {
  HIVE_CLOUDWATCH_MAX_CONCURRENT_WRITES: "100000",
  HIVE_CLOUDWATCH_MAX_EVENT_LOOP_DELAY: "0ms",
  HIVE_CLOUDWATCH_LOGS_MAX_BUFFERED_BYTES: String(2 ** 40),
};

const LAG_BOUND_S = 3;
/**
 * What the lag may pass the bound by: a reading within the bound admits for
 * up to READING_STALE_MS while a newer one is taken (lib/capacity/admission-gate.ts),
 * and a second for the sampling here.
 */
const LAG_MARGIN_S = READING_STALE_MS / 1000 + 1;

let stack: Stack;
let ingestLagSeconds: () => Promise<number>;
let closeNats: (() => Promise<void>) | undefined;
beforeAll(async () => {
  // The first test's service: no aggregator, so the lag grows with the wall clock.
  stack = await startStack({ env: { ...ONLY, HIVE_CLOUDWATCH_TEMPLATE: templateWithoutAggregator(), HIVE_CLOUDWATCH_MAX_INGEST_LAG: `${LAG_BOUND_S}s` } });
  // The test process reads the lag as the service does (lib/metrics/write/ingest-lag.ts), from the same nats-server.
  process.env.HIVE_CLOUDWATCH_NATS_URL = stack.natsUrl;
  process.env.HIVE_CLOUDWATCH_LOCAL = "true";
  ({ ingestLagSeconds } = await import("../../lib/metrics/write/ingest-lag.js"));
  ({ closeNats } = await import("../../lib/storage/nats.js"));
}, 120_000);
afterAll(async () => {
  await closeNats?.();
  await stack?.stop();
});

const AT = new Date(Math.floor((Date.now() - 5 * 60_000) / 60_000) * 60_000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface SdkError {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** Each call's outcome: acknowledged, or the error it answered (kept whole for the assertions). */
interface Outcomes {
  acknowledged: number;
  errors: SdkError[];
}

async function sampleCount(cw: CloudWatchClient, namespace: string, metrics: string[]): Promise<number> {
  let n = 0;
  for (const MetricName of metrics) {
    const out = await cw.send(
      new GetMetricStatisticsCommand({ Namespace: namespace, MetricName, StartTime: new Date(AT.getTime() - 60_000), EndTime: new Date(AT.getTime() + 120_000), Period: 60, Statistics: ["SampleCount"] }),
    );
    n += (out.Datapoints ?? []).reduce((t, d) => t + (d.SampleCount ?? 0), 0);
  }
  return n;
}

async function memory(): Promise<MemoryReport> {
  return (await (await fetch(`${stack.endpoint}/_hive/memory`)).json()) as MemoryReport;
}

/**
 * The service's RSS in MiB as it measures it (process.memoryUsage.rss() is
 * VmRSS), read from /proc: a loaded service answers /_hive/memory slowly.
 */
function serviceRssMb(): number {
  const status = readFileSync(`/proc/${stack.servicePid()}/status`, "utf8");
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)![1]) / 1024;
}

/** Samples the service's RSS every 100 ms until stopped; answers the samples. */
function sampleRss(): { stop: () => number[] } {
  const samples: number[] = [];
  const timer = setInterval(() => samples.push(serviceRssMb()), 100);
  return { stop: () => (clearInterval(timer), samples.push(serviceRssMb()), samples) };
}

/** Which template the running service has: the memory case wants the aggregator, as the first case leaves it. */
let aggregating = false;

function expectThrottling(errors: SdkError[], name: string): void {
  expect(errors.length).toBeGreaterThan(0);
  // Every error is the throttle: nothing else may fail.
  expect(new Set(errors.map((e) => `${e.name} ${e.$metadata?.httpStatusCode} ${e.message}`))).toEqual(new Set([`${name} 400 Rate exceeded`]));
}

it("answers Throttling (400, Rate exceeded) while the aggregators lag past max_ingest_lag, keeps the lag within it, and stores exactly what it acknowledged", async () => {
  // The aggregator is not running (beforeAll): every datum stays in the ingest tail, the lag grows with the wall clock.
  const NS = "Throttle/Lag";
  const METRICS = ["a", "b", "c", "d"];
  const PER_CALL = 20;
  const writers = METRICS.map(() => cloudWatchClient(stack));
  const outcomes: Outcomes = { acknowledged: 0, errors: [] };
  const lags: number[] = [];
  const rss = sampleRss();
  let writing = true;
  const started = Date.now();
  const writer = async (cw: CloudWatchClient, metric: string) => {
    for (let i = 0; writing; i++) {
      const MetricData: MetricDatum[] = Array.from({ length: PER_CALL }, (_, k) => ({ MetricName: metric, Timestamp: AT, Value: i * PER_CALL + k, Unit: "Count" }));
      try {
        await cw.send(new PutMetricDataCommand({ Namespace: NS, MetricData }));
        outcomes.acknowledged += PER_CALL;
      } catch (e) {
        outcomes.errors.push(e as SdkError);
      }
      await sleep(50);
    }
  };
  const watcher = async () => {
    try {
      // Until well past the bound: 30 throttled answers over at least 2 s of being throttled, or 40 s.
      let firstThrottled = 0;
      while (Date.now() - started < 40_000) {
        lags.push(await ingestLagSeconds());
        if (outcomes.errors.length && !firstThrottled) firstThrottled = Date.now();
        if (firstThrottled && Date.now() - firstThrottled > 2000 && outcomes.errors.length >= 30) break;
        await sleep(250);
      }
    } finally {
      writing = false;
    }
  };
  await Promise.all([watcher(), ...writers.map((cw, i) => writer(cw, METRICS[i]))]);
  const rssMb = rss.stop();

  expectThrottling(outcomes.errors, "Throttling");
  expect(outcomes.acknowledged).toBeGreaterThan(0);
  // The lag reached the bound (it is what throttled) and did not run past it.
  const lagAfter = await ingestLagSeconds();
  const lagMax = Math.max(...lags, lagAfter);
  const figures = JSON.stringify({ lagMax, rssMax: Math.max(...rssMb), acknowledged: outcomes.acknowledged, throttled: outcomes.errors.length });
  expect(lagMax, figures).toBeGreaterThan(LAG_BOUND_S);
  expect(lagMax, figures).toBeLessThanOrEqual(LAG_BOUND_S + LAG_MARGIN_S);
  // Nowhere near the memory budget (the default 1 GiB): that throttle played no part.
  expect(Math.max(...rssMb), figures).toBeLessThan(1024 * 0.9);

  // Debian's aws CLI (awsQuery) gets the same answer; its retries are off (AWS_MAX_ATTEMPTS=1).
  const cli = await awsCli(stack, ["cloudwatch", "put-metric-data", "--namespace", NS, "--metric-name", "cli", "--value", "1"]);
  expect(cli.code).not.toBe(0);
  expect(cli.stderr.trim()).toBe("An error occurred (Throttling) when calling the PutMetricData operation (reached max retries: 0): Rate exceeded");

  // Reads fold the unaggregated tail in: everything acknowledged is there already, nothing throttled is.
  const cw = writers[0];
  expect(await sampleCount(cw, NS, METRICS)).toBe(outcomes.acknowledged);

  // With the aggregator back the lag falls to nothing, the same count is stored, and writes are taken again.
  await stack.stopService();
  await stack.startService({ HIVE_CLOUDWATCH_TEMPLATE: "template.yaml", HIVE_CLOUDWATCH_MAX_INGEST_LAG: "1d" });
  aggregating = true;
  await retrying(async () => expect(await ingestLagSeconds()).toBe(0), { timeoutMs: 60_000, pauseMs: 500 });
  expect(await sampleCount(cw, NS, METRICS)).toBe(outcomes.acknowledged);
  await retrying(() => cw.send(new PutMetricDataCommand({ Namespace: NS, MetricData: [{ MetricName: "a", Timestamp: AT, Value: 1, Unit: "Count" }] })), { timeoutMs: 10_000, pauseMs: 500 });
  expect(await sampleCount(cw, NS, METRICS)).toBe(outcomes.acknowledged + 1);
  for (const c of writers) c.destroy();
}, 180_000);

/** The throttle trips this far above the RSS the service had at rest with the same traffic (MiB). */
const MEMORY_HEADROOM_MB = 20;

it("answers Throttling and ThrottlingException (400, Rate exceeded) once a flood takes the RSS within 10% of memory_budget_mb, keeps the RSS within the budget, and stores exactly what it acknowledged", async () => {
  const NS = "Throttle/Memory";
  const GROUP = "/throttle/memory";
  const WRITERS = 12;
  const LOG_WRITERS = 3;
  // Big calls (about 1.2 MB of JSON each, before the SDK's gzip): what a flood holds in memory at once grows fast.
  const dimensions = Array.from({ length: 4 }, (_, d) => ({ Name: `d${d}`, Value: `${d}`.repeat(250) }));
  const datums = (metric: string, i: number): MetricDatum[] =>
    Array.from({ length: 1000 }, (_, k) => ({ MetricName: metric, Dimensions: dimensions, Timestamp: AT, Value: i * 1000 + k, Unit: "Count" }));
  const metricNames = Array.from({ length: WRITERS }, (_, w) => `m${w}`);
  const sampleCountAll = async (cw: CloudWatchClient) => {
    let n = 0;
    for (const MetricName of metricNames) {
      const out = await cw.send(
        new GetMetricStatisticsCommand({ Namespace: NS, MetricName, Dimensions: dimensions, StartTime: new Date(AT.getTime() - 60_000), EndTime: new Date(AT.getTime() + 120_000), Period: 60, Statistics: ["SampleCount"] }),
      );
      n += (out.Datapoints ?? []).reduce((t, d) => t + (d.SampleCount ?? 0), 0);
    }
    return n;
  };

  // The service at rest with the aggregator, as it will run: its RSS once it has served a few of these calls.
  if (!aggregating) {
    await stack.stopService();
    await stack.startService({ HIVE_CLOUDWATCH_TEMPLATE: "template.yaml", HIVE_CLOUDWATCH_MAX_INGEST_LAG: "1d" });
    aggregating = true;
  }
  const probe = cloudWatchClient(stack);
  const logs = logsClient(stack);
  await logs.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
  for (let w = 0; w < LOG_WRITERS; w++) await logs.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: `s${w}` }));
  for (let i = 0; i < 4; i++) await probe.send(new PutMetricDataCommand({ Namespace: "Throttle/Warm", MetricData: datums("warm", i) }));
  await sleep(1000);
  const atRest = serviceRssMb();
  const budgetMb = Math.max(256, Math.ceil((atRest + MEMORY_HEADROOM_MB) / 0.9));

  await stack.stopService();
  await stack.startService({ HIVE_CLOUDWATCH_TEMPLATE: "template.yaml", HIVE_CLOUDWATCH_MAX_INGEST_LAG: "1d", HIVE_CLOUDWATCH_MEMORY_BUDGET_MB: String(budgetMb) });
  expect((await memory()).budgetMb).toBe(budgetMb);

  const metrics: Outcomes = { acknowledged: 0, errors: [] };
  const events: Outcomes = { acknowledged: 0, errors: [] };
  const acknowledgedEvents: string[][] = Array.from({ length: LOG_WRITERS }, () => []);
  const rss = sampleRss();
  let writing = true;
  const started = Date.now();
  const writers = Array.from({ length: 3 }, () => cloudWatchClient(stack));
  const metricWriter = async (w: number) => {
    const cw = writers[w % writers.length];
    for (let i = 0; writing; i++) {
      try {
        await cw.send(new PutMetricDataCommand({ Namespace: NS, MetricData: datums(metricNames[w], i) }));
        metrics.acknowledged += 1000;
      } catch (e) {
        metrics.errors.push(e as SdkError);
        await sleep(100);
      }
    }
  };
  const logWriter = async (w: number) => {
    const t0 = Date.now() - 60_000;
    for (let i = 0; writing; i++) {
      const logEvents = Array.from({ length: 100 }, (_, k) => ({ timestamp: t0 + i, message: `w${w} call ${i} event ${k} ${"y".repeat(1000)}` }));
      try {
        await logs.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: `s${w}`, logEvents }));
        events.acknowledged += logEvents.length;
        acknowledgedEvents[w].push(...logEvents.map((e) => e.message));
      } catch (e) {
        events.errors.push(e as SdkError);
      }
      await sleep(100);
    }
  };
  const watcher = async () => {
    try {
      while (Date.now() - started < 45_000 && !(metrics.errors.length >= 10 && events.errors.length >= 3)) {
        await sleep(100);
      }
    } finally {
      writing = false;
    }
  };
  await Promise.all([watcher(), ...Array.from({ length: WRITERS }, (_, w) => metricWriter(w)), ...Array.from({ length: LOG_WRITERS }, (_, w) => logWriter(w))]);
  const rssMb = rss.stop();
  // The RSS a second apart, for the messages.
  const figures = JSON.stringify({ atRest, budgetMb, rss: rssMb.filter((_, i) => i % 10 === 0).map(Math.round).join(" "), rssMax: Math.max(...rssMb), metrics: metrics.acknowledged, events: events.acknowledged });

  expectThrottling(metrics.errors, "Throttling");
  expectThrottling(events.errors, "ThrottlingException");
  // The RSS reached the throttle's mark (it is what throttled), and the flood did not take it past the budget.
  expect(Math.max(...rssMb), figures).toBeGreaterThan(budgetMb * 0.9);
  expect(Math.max(...rssMb), figures).toBeLessThan(budgetMb);

  // Every acknowledged datum and event is stored, once; nothing throttled is.
  expect(metrics.acknowledged).toBeGreaterThan(0);
  expect(events.acknowledged).toBeGreaterThan(0);
  await retrying(async () => expect(await sampleCountAll(probe)).toBe(metrics.acknowledged), { timeoutMs: 30_000, pauseMs: 1000 });
  for (let w = 0; w < LOG_WRITERS; w++) expect(await readStreamMessages(logs, GROUP, `s${w}`)).toEqual(acknowledgedEvents[w]);
  for (const c of [...writers, probe]) c.destroy();
  logs.destroy();
}, 180_000);
