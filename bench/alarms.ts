/**
 * Alarm evaluation benchmark: N alarms over N series (70% simple, 10% p99
 * percentile, 10% 3-of-5 M-of-N, 10% metric math), evaluated by one
 * AlarmEvaluator tick in this process against a nats-server of its own.
 * The data (five minutes a series) is put and folded into chunks first, as the
 * aggregator would have. Prints the first tick (every alarm leaves
 * INSUFFICIENT_DATA: a state change, history item and compare-and-set each)
 * and a steady tick (data read and evaluated, few changes), as alarms/s and
 * alarms/s per core of this process's CPU time.
 *
 *   npx tsx bench/alarms.ts [--alarms 5000]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startNatsServer } from "../local/processes.js";
import { machine, numberArg } from "./common.js";

const N = numberArg("alarms", 5000);
const ACCOUNT = "000000000000";
const REGION = "us-east-1";
const NS = "Bench/Alarms";
const MIN = 60_000;

async function main() {
  console.log(machine());
  const dir = mkdtempSync(join(tmpdir(), "bench-alarms-"));
  const nats = await startNatsServer({ storeDir: dir });
  process.env.HIVE_CLOUDWATCH_NATS_URL = nats.url;
  process.env.HIVE_CLOUDWATCH_LOCAL = "true";
  const { putMetricData } = await import("../lib/metrics/put-metric-data.js");
  const { drainIngest } = await import("../lib/metrics/write/drain.js");
  const { putMetricAlarm } = await import("../lib/alarms/put-metric-alarm.js");
  const { evaluateTick } = await import("../lib/alarms/evaluate/evaluator.js");
  const { inPool } = await import("../lib/storage/in-pool.js");
  const { closeNats } = await import("../lib/storage/nats.js");
  try {
    const now = Math.floor(Date.now() / MIN) * MIN;
    const dims = (i: number) => [{ Name: "Host", Value: `host-${i}` }];
    let t = performance.now();
    for (let minute = 5; minute >= 1; minute--) {
      const batches = Array.from({ length: Math.ceil(N / 1000) }, (_, b) => b);
      await inPool(batches, async (b) => {
        const MetricData = [];
        for (let i = b * 1000; i < Math.min(N, (b + 1) * 1000); i++) {
          MetricData.push({ MetricName: "Load", Dimensions: dims(i), Timestamp: new Date(now - minute * MIN + 1000), Values: [((i * 7 + minute) % 100), ((i * 13 + minute) % 100)] });
        }
        await putMetricData({ Namespace: NS, MetricData }, { accountId: ACCOUNT, now: now - minute * MIN + 2000 });
      }, 8);
    }
    await drainIngest(now);
    console.log(`put and folded ${N} series × 5 minutes in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    t = performance.now();
    const kinds = { simple: 0, percentile: 0, mOfN: 0, math: 0 };
    await inPool(Array.from({ length: N }, (_, i) => i), async (i) => {
      const base = { AlarmName: `alarm-${i}`, EvaluationPeriods: 1, Threshold: 50, ComparisonOperator: "GreaterThanThreshold" as const };
      const metric = { Namespace: NS, MetricName: "Load", Dimensions: dims(i), Period: 60 };
      const kind = i % 10;
      if (kind === 0) {
        kinds.percentile++;
        await putMetricAlarm(ACCOUNT, REGION, { ...base, ...metric, ExtendedStatistic: "p99" }, now - 10 * MIN);
      } else if (kind === 1) {
        kinds.mOfN++;
        await putMetricAlarm(ACCOUNT, REGION, { ...base, ...metric, Statistic: "Maximum", EvaluationPeriods: 5, DatapointsToAlarm: 3 }, now - 10 * MIN);
      } else if (kind === 2) {
        kinds.math++;
        await putMetricAlarm(ACCOUNT, REGION, {
          ...base,
          Metrics: [
            { Id: "m", MetricStat: { Metric: { Namespace: NS, MetricName: "Load", Dimensions: dims(i) }, Period: 60, Stat: "Average" }, ReturnData: false },
            { Id: "e", Expression: "m * 2", ReturnData: true },
          ],
        }, now - 10 * MIN);
      } else {
        kinds.simple++;
        await putMetricAlarm(ACCOUNT, REGION, { ...base, ...metric, Statistic: "Average" }, now - 10 * MIN);
      }
    }, 64);
    console.log(`created ${N} alarms (${JSON.stringify(kinds)}) in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    for (const [label, at] of [["first tick (every alarm changes state)", now + 1000], ["steady tick", now + 2000]] as const) {
      const cpu = process.cpuUsage();
      t = performance.now();
      const report = await evaluateTick(at);
      const seconds = (performance.now() - t) / 1000;
      const used = process.cpuUsage(cpu);
      const cpuSeconds = (used.user + used.system) / 1e6;
      console.log(
        `${label}: ${report.evaluated} alarms, ${report.changed} changes in ${seconds.toFixed(2)} s = ${Math.round(report.evaluated / seconds)} alarms/s; ` +
          `this process's CPU ${cpuSeconds.toFixed(2)} s = ${Math.round(report.evaluated / cpuSeconds)} alarms/s per core (nats-server not counted)`,
      );
    }
  } finally {
    await closeNats();
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
