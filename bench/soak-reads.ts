/**
 * The soak's two slow reads (bench/soak.ts, issue 19) on stores the size of
 * its minute 10 and minute 60, in one run:
 *  - ListMetrics of the churn namespace (first page): 1,000 steady series plus
 *    50 new Pod series a minute (500 at minute 10, 3,000 at minute 60). The
 *    old way (a KV scan of the account's index per call, then filter and sort:
 *    still the fallback past `list_metrics_index_mb`) beside the listing.
 *  - GetMetricStatistics p99 at Period 60 over the last hour of one steady
 *    series taking 7.2 datapoints a second (432 a minute), as the soak's: 10
 *    minutes of data, 60, and `--sealed-hours` (default 11) more before them
 *    (a 12-hour sealed chunk, as a service running for days reads).
 * Each store is its own account of one service; the reads are timed in this
 * process, calling lib/ as the service's functions do (no HTTP), calls
 * alternated between the ways compared.
 *
 * `--only gms` or `--only list` times one of them (for a profile of it alone).
 *
 *   npx tsx bench/soak-reads.ts [--runs 40] [--sealed-hours 11] [--only gms|list] [--cpu-profile FILE]
 */
import { CloudWatchClient, PutMetricDataCommand, type MetricDatum } from "@aws-sdk/client-cloudwatch";
import { loadavg } from "node:os";
import { cloudWatchClient, startStack, ACCOUNTS, type Account } from "../test/support/stack.js";
import { machine, numberArg, profiled, quantile } from "./common.js";

const RUNS = numberArg("runs", 40);
const SEALED_HOURS = numberArg("sealed-hours", 11);
const MIN = 60_000;
const STEADY = 1000;
const PER_MINUTE = 432;
const NS_STEADY = "Soak/Steady";
const NS_CHURN = "Soak/Churn";
const ONLY = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1] : undefined;

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

/** `minutes` of the soak's index and of its read series, ending at `end`; `older` minutes of the series before. */
async function fill(cw: CloudWatchClient, minutes: number, end: number, older: number) {
  const index: MetricDatum[] = Array.from({ length: STEADY }, (_, n) => ({
    MetricName: `m${n % 10}`,
    Dimensions: [{ Name: "Host", Value: `h${Math.floor(n / 10)}` }],
    Timestamp: new Date(end - MIN),
    Value: Math.random() * 100,
  }));
  const series: MetricDatum[] = [];
  for (let m = minutes + older; m > 0; m--) {
    for (let k = 0; k < PER_MINUTE; k++) {
      series.push({ MetricName: "m1", Dimensions: [{ Name: "Host", Value: "h0" }], Timestamp: new Date(end - m * MIN + Math.floor((k * MIN) / PER_MINUTE)), Value: Math.random() * 100 });
    }
  }
  await putAll(cw, NS_STEADY, [...index, ...series]);
  const pods: MetricDatum[] = [];
  for (let m = 0; m < minutes; m++) for (let k = 0; k < 50; k++) pods.push({ MetricName: "cpu", Dimensions: [{ Name: "Pod", Value: `pod-${m}-${k}` }], Timestamp: new Date(end - MIN), Value: k });
  await putAll(cw, NS_CHURN, pods);
}

const fmt = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${quantile(s, 0.5).toFixed(1).padStart(6)}  p99 ${quantile(s, 0.99).toFixed(1).padStart(6)} ms`;
};

async function main() {
  console.log(`${machine()}; load ${loadavg().map((x) => x.toFixed(1)).join(" ")}\n`);
  const stack = await startStack({ env: { HIVE_CLOUDWATCH_MAX_INGEST_LAG: "1d" } });
  process.env.HIVE_CLOUDWATCH_NATS_URL = stack.natsUrl;
  process.env.HIVE_CLOUDWATCH_LOCAL = "true";
  const { ingestBacklog, deltaBacklog } = await import("../lib/metrics/write/backlog.js");
  const { closeNats } = await import("../lib/storage/nats.js");
  const { listMetrics } = await import("../lib/metrics/list-metrics.js");
  const { getMetricStatistics } = await import("../lib/metrics/get-metric-statistics.js");
  const { SeriesListing } = await import("../lib/metrics/read/series-listing.js");
  const SHARED = Symbol.for("hive.cloudwatch.series-listing");
  const g = globalThis as Record<symbol, unknown>;
  const listing = new SeriesListing(() => 64 * 1024 * 1024);
  const scan = new SeriesListing(() => 0);

  // Minute 10 in one account, minute 60 (with the sealed hours before it) in the other.
  const end = Date.now();
  const stores: Array<{ label: string; account: Account; minutes: number; older: number }> = [
    { label: "minute 10", account: 0, minutes: 10, older: 0 },
    { label: "minute 60", account: 1, minutes: 60, older: SEALED_HOURS * 60 },
  ];
  let t0 = Date.now();
  for (const s of stores) await fill(cloudWatchClient(stack, { account: s.account }), s.minutes, end, s.older);
  while ((await ingestBacklog()) > 0) await new Promise((r) => setTimeout(r, 200));
  for (let i = 0; i < 150 && (await deltaBacklog()) > 0; i++) await new Promise((r) => setTimeout(r, 200));
  await stack.fireSchedule("MetricRollOff"); // seals the closed hours, as every 5 minutes
  console.log(`loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);

  const times: Record<string, number[]> = {};
  const time = async (name: string, f: () => Promise<unknown>) => {
    const t = performance.now();
    await f();
    (times[name] ??= []).push(performance.now() - t);
  };
  const gms = (account: string) =>
    getMetricStatistics(account, {
      Namespace: NS_STEADY,
      MetricName: "m1",
      Dimensions: [{ Name: "Host", Value: "h0" }],
      StartTime: new Date(Date.now() - 3600_000),
      EndTime: new Date(),
      Period: 60,
      ExtendedStatistics: ["p99"],
    });
  const check: Record<string, number> = {};
  await profiled(async () => {
    for (let r = 0; r < RUNS + 2; r++) {
      for (const s of stores) {
        const account = ACCOUNTS[s.account].accountId;
        for (const [way, l] of ONLY === "gms" ? [] : ([["scan", scan], ["listing", listing]] as const)) {
          g[SHARED] = l;
          const page = async () => (check[`${s.label} ${way}`] = (await listMetrics(account, { Namespace: NS_CHURN })).Metrics!.length);
          if (r < 2) await page(); // warm-up (the listing's first call replays the account)
          else await time(`ListMetrics ${s.label} ${way}`, page);
        }
        if (ONLY === "list") continue;
        const stats = async () => (check[`${s.label} gms`] = (await gms(account)).Datapoints!.length);
        if (r < 2) await stats();
        else await time(`GetMetricStatistics ${s.label}`, stats);
      }
    }
  });
  g[SHARED] = undefined;
  for (const [name, xs] of Object.entries(times)) console.log(`${name.padEnd(44)} ${fmt(xs)}  (${xs.length} calls)`);
  console.log(`\nrows listed / datapoints answered: ${JSON.stringify(check)}`);
  console.log(`listing: ${(listing.bytes / 1024).toFixed(0)} KiB charged; load ${loadavg().map((x) => x.toFixed(1)).join(" ")}`);
  listing.close();

  await closeNats();
  await stack.stop();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
