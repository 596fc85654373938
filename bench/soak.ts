/**
 * Soak benchmark: the mixed traffic of a busy month, for as long as asked,
 * against `startStack` (the service as `npm start` runs it, with its own
 * nats-server and S3 server). Each minute it prints the acknowledged rate,
 * p50/p99 of every operation, errors (5xx and Throttling apart), the RSS of
 * the service and of nats-server, every isolate's heap (`/_hive/memory`) and
 * the aggregators' lag (the most seen that minute, sampled every 5 s: the
 * span of data past the checkpoints, which PutMetricData's throttling bounds).
 * At the end: stored = acknowledged (SampleCount summed over every series)
 * and every churned series listed.
 *
 * The writers are closed-loop by default: each waits for its answer before
 * sending again, so a service that falls behind slows them down (throttled
 * requests are not retried). `--open` makes them open-loop, as many agents
 * each sending on its own schedule are: every batch is started at its time
 * whatever the answers, so requests in flight grow when the service falls
 * behind. Open-loop writers are the cheap generator of
 * test/support/put-flood.ts (what the SDK sends over awsJson1_0, gzip, SigV4,
 * bodies prepared once a second, raw keep-alive sockets; Throttling retried
 * as the SDK's standard mode retries it), because SDK clients on the
 * service's two cores could start only ~1.1x what it sustains. The table then
 * counts every throttled answer, the calls that gave up after their
 * attempts, the datums started a second and the most calls in flight;
 * `--max-in-flight` (default 1024) bounds the bench's own memory, batches
 * past it are counted as skipped.
 *
 * Overload, at least twice what the service sustains on 2 cores (~150-200k datums/s):
 *
 *   npx tsx bench/soak.ts --open --minutes 3 --rate 400000 --writers 16
 *
 * Quiet (the 60-minute soak of README):
 *
 *   npx tsx bench/soak.ts [--minutes 60] [--rate 8000] [--writers 4] [--open] [--detail] [--nats-memory-limit-mb N] [--prefill 60]
 *
 * `--prefill N` writes N minutes of history first (see prefill()), so the run starts from the store of
 * a service that has run for a while rather than an empty one.
 *
 * The hot tier's chunks are clock hours, and nats-server's RSS steps up when one closes (docs/memory.md,
 * "The clock hour's step"): each minute's line says the clock's minute (`:MM`), and the end says at which
 * minutes of the run an hour began. `--start-at-minute M` waits for the clock's minute M first (0–59), so
 * that a run puts the hour where it is wanted.
 *
 * `--profile DIR` writes the service's CPU profiles (one per thread) to DIR.
 * `--detail` adds a line a minute: where the service's RSS is (smaps: malloc's
 * heap and arenas, other anonymous memory such as V8's heaps, file-backed) and nats-server's view
 * (/varz memory, and per stream messages, bytes, deleted messages, subjects and
 * consumers from /jsz).
 *
 * Load: PutMetricData in 1000-datum batches from `writers` clients, 90% onto
 * 1,000 steady series, 10% onto a `Pod` dimension that changes every minute
 * (as containers do); GetMetricData of 20 series over the last hour every
 * 5 s; GetMetricStatistics p99 every 15 s; a ListMetrics page every 30 s;
 * a dashboard and a log group created, read and deleted every minute.
 */
import {
  CloudWatchClient,
  DeleteDashboardsCommand,
  GetDashboardCommand,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  ListMetricsCommand,
  PutDashboardCommand,
  PutMetricDataCommand,
  type MetricDatum,
} from "@aws-sdk/client-cloudwatch";
import { CloudWatchLogsClient, CreateLogGroupCommand, DeleteLogGroupCommand, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { putMetricDataBody, RawPutMetricData, type PutOutcome, type RawDatum } from "../test/support/put-flood.js";
import { startStack, type Stack } from "../test/support/stack.js";
import { machine, natsHeap, numberArg, profileArgs, rssMb, sendThroughThrottling, smapsMb } from "./common.js";

const MINUTES = numberArg("minutes", 60);
const RATE = numberArg("rate", 8000);
/** nats-server's GOMEMLIMIT in MiB (`[cloudwatch] nats_memory_limit_mb`); 0: the default. */
const NATS_MEMORY_LIMIT_MB = numberArg("nats-memory-limit-mb", 0);
const WRITERS = numberArg("writers", 4);
const BATCH = 1000;
const STEADY = 1000;
const NS_STEADY = "Soak/Steady";
const NS_CHURN = "Soak/Churn";
const PODS_PER_MINUTE = 50;
const DETAIL = process.argv.includes("--detail");
const OPEN = process.argv.includes("--open");
const MAX_IN_FLIGHT = numberArg("max-in-flight", 1024);
/** Minutes of history written before the timed phase (0: none): the store a service that has run for a while holds. */
const PREFILL = numberArg("prefill", 0);
const START_AT_MINUTE = numberArg("start-at-minute", -1);

/** Steady series n (of STEADY): 100 hosts × 10 metrics. */
const steadySeries = (n: number) => ({ MetricName: `m${n % 10}`, Dimensions: [{ Name: "Host", Value: `h${Math.floor(n / 10) % (STEADY / 10)}` }] });
/** A churned pod's series. */
const podSeries = (pod: string) => ({ MetricName: "cpu", Dimensions: [{ Name: "Pod", Value: pod }] });

const isThrottling = (e: any) => /Throttl/.test(e?.name ?? "") || e?.message === "Rate exceeded";

const config = (stack: Stack) => ({
  endpoint: stack.endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
  maxAttempts: 1,
});

class Op {
  latencies: number[] = [];
  errors = 0;
  serverErrors = 0;
  /** Throttling answers: every attempt's, when a client counts them (open-loop), else each call's. */
  throttled = 0;
  /** Calls that still had Throttling after the client's retries (open-loop). */
  gaveUp = 0;
  /** The same two over the whole run. */
  readonly total = { throttled: 0, gaveUp: 0 };
  constructor(readonly countsAttempts = false) {}
  async time<T>(fn: () => Promise<T>): Promise<T | undefined> {
    const t0 = performance.now();
    try {
      const r = await fn();
      this.latencies.push(performance.now() - t0);
      return r;
    } catch (e: any) {
      const status = e?.$metadata?.httpStatusCode ?? 0;
      if (status >= 500) this.serverErrors++;
      else if (isThrottling(e)) this.countsAttempts ? (this.gaveUp++, this.total.gaveUp++) : this.noteThrottled();
      else this.errors++;
      if (this.errors + this.serverErrors < 5 && status !== 400) console.error(`error: ${e?.name}: ${e?.message}`);
      return undefined;
    }
  }
  /** A generator call's end (open-loop): its attempts' Throttling answers, and how it ended. */
  record(out: PutOutcome, ms: number): boolean {
    this.throttled += out.throttled;
    this.total.throttled += out.throttled;
    this.serverErrors += out.serverErrors;
    if (out.acknowledged) this.latencies.push(ms);
    else if (out.error) {
      if (this.errors++ < 5) console.error(`error: ${out.error}`);
    } else if (out.throttled) (this.gaveUp++, this.total.gaveUp++);
    return out.acknowledged;
  }
  noteThrottled(): void {
    this.throttled++;
    this.total.throttled++;
  }
  take(): { n: number; p50: number; p99: number; errors: number; serverErrors: number; throttled: number; gaveUp: number } {
    const s = this.latencies.sort((a, b) => a - b);
    const q = (x: number) => s[Math.min(s.length - 1, Math.floor(x * s.length))] ?? NaN;
    const out = { n: s.length, p50: q(0.5), p99: q(0.99), errors: this.errors, serverErrors: this.serverErrors, throttled: this.throttled, gaveUp: this.gaveUp };
    this.latencies = [];
    this.errors = this.serverErrors = this.throttled = this.gaveUp = 0;
    return out;
  }
}

/** The nats-server listening on the stack's port: the ports file it writes beside its config names its pid and port. */
function natsPid(natsUrl: string): number | undefined {
  const port = new URL(natsUrl).port;
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, "utf8").split("\0");
      if (!cmd[0]?.endsWith("nats-server")) continue;
      const conf = cmd[cmd.indexOf("-c") + 1];
      if (conf && readFileSync(join(dirname(conf), `nats-server_${d}.ports`), "utf8").includes(`:${port}`)) return Number(d);
    } catch {
      // gone, or not ours
    }
  }
  return undefined;
}

/** The --detail line: the service's smaps breakdown and nats-server's streams. */
async function detail(stack: Stack): Promise<string> {
  const m = smapsMb(stack.servicePid());
  const f = (x: number) => x.toFixed(0);
  const svc = !m
    ? "svc -"
    : m.jemalloc
      ? `svc jemalloc: anon ${f(m.otherAnon)} (malloc's and the V8 heaps) file ${f(m.file)}`
      : `svc malloc ${f(m.malloc)} (${m.arenas} arenas) other anon ${f(m.otherAnon)} file ${f(m.file)}`;
  if (!stack.natsMonitorUrl) return svc;
  try {
    const jsz = (await fetch(`${stack.natsMonitorUrl}/jsz?streams=true&consumers=true`).then((r) => r.json())) as any;
    const streams = (jsz.account_details ?? []).flatMap((a: any) => a.stream_detail ?? []);
    const s = streams
      .filter((x: any) => x.state.messages > 100 || x.state.consumer_count > 0 || x.name === "CW_METRICS_DELTAS")
      .map((x: any) => `${x.name} ${x.state.messages}m ${(x.state.bytes / 2 ** 20).toFixed(0)}MiB seq ${x.state.last_seq} del ${x.state.num_deleted ?? 0} subj ${x.state.num_subjects ?? 0} c ${x.state.consumer_count}`)
      .join("; ");
    const sum = streams.reduce((t: number, x: any) => t + x.state.bytes, 0);
    const heap = stack.natsProfileUrl ? (await natsHeap(stack.natsProfileUrl)).text : "";
    const blocks = blockFiles(join(stack.natsStoreDir, "jetstream", "$G", "streams", "KV_cw-metric-chunks", "msgs"));
    return (
      `${svc} | nats store ${f(jsz.storage / 2 ** 20)} MiB (streams hold ${f(sum / 2 ** 20)}), ${jsz.consumers} consumers: ${s}\n` +
      `     nats chunk bucket ${blocks.n} blocks ${f(blocks.bytes / 2 ** 20)} MiB on disk | ${heap}`
    );
  } catch (e) {
    return `${svc} | nats: ${e}`;
  }
}

/**
 * `--prefill N`: N minutes of the same traffic before the timed phase, ending 3 minutes ago (outside the
 * final count's range), as one datum a series a minute with Values/Counts: per steady series 144 random
 * values of 0–100 counted 3 times (its 7.2 datums a second), and a minute's 50 pods with their 20 values
 * counted 48 times. Reads of the last hour then see a full hour from the start, and the series index holds
 * an hour's pods, as in a service that has run for a while; without it the soak's first hour measures the
 * store filling up.
 */
async function prefill(cw: CloudWatchClient): Promise<void> {
  const t0 = Date.now();
  const minuteStart = Math.floor(t0 / 60_000) * 60_000;
  const requests: PutMetricDataCommand[] = [];
  for (let m = PREFILL + 2; m >= 3; m--) {
    const Timestamp = new Date(minuteStart - m * 60_000 + 30_000);
    const steady = Array.from({ length: STEADY }, (_, n): MetricDatum => ({
      ...steadySeries(n),
      Timestamp,
      Values: Array.from({ length: 144 }, () => Math.random() * 100),
      Counts: Array.from({ length: 144 }, () => 3),
    }));
    // 100 datums of 144 values a request: well under PutMetricData's 1 MB.
    for (let i = 0; i < steady.length; i += 100) requests.push(new PutMetricDataCommand({ Namespace: NS_STEADY, MetricData: steady.slice(i, i + 100) }));
    const pods = Array.from({ length: PODS_PER_MINUTE }, (_, j): MetricDatum => ({
      ...podSeries(`pod-before-${m}-${j}`),
      Timestamp,
      Values: Array.from({ length: BATCH / PODS_PER_MINUTE }, (_, k) => j + k * PODS_PER_MINUTE),
      Counts: Array.from({ length: BATCH / PODS_PER_MINUTE }, () => 48),
    }));
    requests.push(new PutMetricDataCommand({ Namespace: NS_CHURN, MetricData: pods }));
  }
  let next = 0;
  const throttled = { count: 0 };
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < requests.length) {
        const request = requests[next++]!;
        await sendThroughThrottling(() => cw.send(request), throttled);
      }
    }),
  );
  console.log(`prefill: ${PREFILL} minutes of history, ${requests.length} requests, in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
}

const clockMinute = (t: number) => String(new Date(t).getUTCMinutes()).padStart(2, "0");

/** The minutes of a run started at `started` in which a clock hour began (minute 1 is the run's first). */
function hourStarts(started: number, ended: number): number[] {
  const out: number[] = [];
  for (let h = Math.ceil(started / 3600_000) * 3600_000; h < ended; h += 3600_000) out.push(Math.floor((h - started) / 60_000) + 1);
  return out;
}

/** Waits until the clock's minute is `minute` (the next time it is). */
async function untilClockMinute(minute: number): Promise<void> {
  if (!Number.isInteger(minute) || minute > 59) throw new Error(`--start-at-minute takes 0–59, not ${minute}`);
  const now = Date.now();
  const hour = Math.floor(now / 3600_000) * 3600_000;
  let at = hour + minute * 60_000;
  if (at < now - 30_000) at += 3600_000;
  if (at <= now) return;
  console.log(`waiting ${Math.round((at - now) / 60_000)} min for the clock's :${clockMinute(at)}\n`);
  await new Promise((r) => setTimeout(r, at - now));
}

/** A stream's block files (`*.blk`): how many and their bytes. */
function blockFiles(dir: string): { n: number; bytes: number } {
  try {
    const blks = readdirSync(dir).filter((f) => f.endsWith(".blk"));
    return { n: blks.length, bytes: blks.reduce((t, f) => t + statSync(join(dir, f)).size, 0) };
  } catch {
    return { n: 0, bytes: 0 };
  }
}

async function main() {
  console.log(machine());
  console.log(
    `soak: ${MINUTES} min at ${RATE} datums/s from ${WRITERS} ${OPEN ? "open-loop writers (the cheap generator, SDK-standard retries)" : "closed-loop writers"}; ${STEADY} steady series + ${PODS_PER_MINUTE} new pods a minute\n`,
  );
  if (NATS_MEMORY_LIMIT_MB) console.log(`nats-server GOMEMLIMIT ${NATS_MEMORY_LIMIT_MB} MiB (not the default)\n`);
  const stack = await startStack({ natsMonitor: DETAIL, nodeArgs: profileArgs(), natsMemoryLimitMb: NATS_MEMORY_LIMIT_MB || undefined });
  process.env.HIVE_CLOUDWATCH_NATS_URL = stack.natsUrl;
  process.env.HIVE_CLOUDWATCH_LOCAL = "true";
  const { ingestLagSeconds } = await import("../lib/metrics/write/ingest-lag.js");
  const { closeNats } = await import("../lib/storage/nats.js");
  const cw = new CloudWatchClient(config(stack));
  const logs = new CloudWatchLogsClient(config(stack));
  const nats = natsPid(stack.natsUrl);
  if (PREFILL) await prefill(cw);
  if (START_AT_MINUTE >= 0) await untilClockMinute(START_AT_MINUTE);
  console.log(`service malloc: ${smapsMb(stack.servicePid())?.jemalloc ? "jemalloc (preloaded)" : "glibc"}\n`);
  const started = Date.now();
  const deadline = started + MINUTES * 60_000;
  const ops = { put: new Op(OPEN), gmd: new Op(), gms: new Op(), list: new Op(), dash: new Op(), logs: new Op() };
  let acknowledged = 0;
  let minuteAck = 0;
  let minuteSent = 0;
  let sent = 0;
  let skipped = 0;
  let skippedTotal = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const churned = new Set<string>();

  const steadyDatum = (n: number, now: Date): MetricDatum => ({
    ...steadySeries(n),
    Timestamp: now,
    Value: Math.random() * 100,
  });
  /** Batch `i`, sent now, counted once acknowledged. */
  const sendBatch = async (client: CloudWatchClient, i: number) => {
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    const minute = Math.floor((Date.now() - started) / 60_000);
    const churn = i % 10 === 0; // 10% of the batches
    const data = Array.from({ length: BATCH }, (_, k) =>
      churn
        ? { ...podSeries(`pod-${minute}-${k % PODS_PER_MINUTE}`), Timestamp: now, Value: k }
        : steadyDatum(i * BATCH + k, now),
    );
    minuteSent += BATCH;
    sent += BATCH;
    const ok = await ops.put.time(() => client.send(new PutMetricDataCommand({ Namespace: churn ? NS_CHURN : NS_STEADY, MetricData: data })));
    if (ok) {
      acknowledged += BATCH;
      minuteAck += BATCH;
      if (churn) for (let k = 0; k < PODS_PER_MINUTE; k++) churned.add(`pod-${minute}-${k}`);
    }
  };
  const spacing = (WRITERS * BATCH * 1000) / RATE;
  const writer = async (w: number) => {
    const client = new CloudWatchClient(config(stack));
    let due = Date.now();
    for (let i = w; Date.now() < deadline; i += WRITERS) {
      due += spacing;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await sendBatch(client, i);
    }
    client.destroy();
  };
  // The generator's bodies: each steady batch covers the 1,000 steady series, as an SDK writer's does; built once a second.
  const target = { endpoint: stack.endpoint, region: "us-east-1", accessKeyId: "test", secretAccessKey: "test" };
  const STEADY_BODIES = 4;
  let bodies: { second: number; steady: Buffer[]; churn: Buffer; minute: number } = { second: -1, steady: [], churn: Buffer.alloc(0), minute: 0 };
  const bodiesNow = () => {
    const second = Math.floor(Date.now() / 1000);
    if (bodies.second !== second) {
      const minute = Math.floor((Date.now() - started) / 60_000);
      const steady = Array.from({ length: STEADY_BODIES }, () =>
        putMetricDataBody(
          NS_STEADY,
          Array.from({ length: BATCH }, (_, k): RawDatum => ({
            ...steadySeries(k),
            Timestamp: second,
            Value: Math.random() * 100,
          })),
        ),
      );
      const churn = putMetricDataBody(
        NS_CHURN,
        Array.from({ length: BATCH }, (_, k) => ({ ...podSeries(`pod-${minute}-${k % PODS_PER_MINUTE}`), Timestamp: second, Value: k })),
      );
      bodies = { second, steady, churn, minute };
    }
    return bodies;
  };
  /** Batch `i` from the generator, counted once acknowledged. */
  const sendRaw = async (client: RawPutMetricData, i: number) => {
    const now = bodiesNow();
    const churn = i % 10 === 0;
    const minute = now.minute;
    minuteSent += BATCH;
    sent += BATCH;
    const t0 = performance.now();
    const out = await client.send(churn ? now.churn : now.steady[i % STEADY_BODIES]);
    if (ops.put.record(out, performance.now() - t0)) {
      acknowledged += BATCH;
      minuteAck += BATCH;
      if (churn) for (let k = 0; k < PODS_PER_MINUTE; k++) churned.add(`pod-${minute}-${k}`);
    }
  };
  // Each batch started at its time, answered or not; the writers start spread over one spacing.
  const openWriter = async (w: number) => {
    const client = new RawPutMetricData(target, { sockets: Math.ceil(MAX_IN_FLIGHT / WRITERS) });
    const pending = new Set<Promise<void>>();
    let due = Date.now() + (w * spacing) / WRITERS;
    // Starts stop at the deadline even when behind: the schedule's rest is not sent late.
    for (let i = w; due < deadline && Date.now() < deadline; i += WRITERS, due += spacing) {
      const wait = due - Date.now();
      // Behind its schedule (the bench's own CPU is short), a writer starts what is due, letting answers in between.
      await new Promise((r) => (wait > 0 ? setTimeout(r, wait) : setImmediate(r)));
      if (inFlight >= MAX_IN_FLIGHT) {
        skipped += BATCH;
        skippedTotal += BATCH;
        continue;
      }
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const call: Promise<void> = sendRaw(client, i).finally(() => {
        inFlight--;
        pending.delete(call);
      });
      pending.add(call);
    }
    await Promise.all(pending);
    client.close();
  };
  const every = (ms: number, fn: () => Promise<unknown>) =>
    (async () => {
      while (Date.now() < deadline) {
        await fn();
        await new Promise((r) => setTimeout(r, ms));
      }
    })();
  const hour = () => ({ StartTime: new Date(Date.now() - 3600_000), EndTime: new Date() });
  let cycle = 0;
  let maxLag = 0;
  const readers = [
    every(5000, async () => (maxLag = Math.max(maxLag, await ingestLagSeconds().catch(() => 0)))),
    every(5000, () =>
      ops.gmd.time(() =>
        cw.send(
          new GetMetricDataCommand({
            ...hour(),
            MetricDataQueries: Array.from({ length: 20 }, (_, k) => ({
              Id: `q${k}`,
              MetricStat: { Metric: { Namespace: NS_STEADY, MetricName: `m${k % 10}`, Dimensions: [{ Name: "Host", Value: `h${k}` }] }, Period: 60, Stat: "Average" },
            })),
          }),
        ),
      ),
    ),
    every(15_000, () =>
      ops.gms.time(() =>
        cw.send(new GetMetricStatisticsCommand({ ...hour(), Namespace: NS_STEADY, MetricName: "m1", Dimensions: [{ Name: "Host", Value: "h1" }], Period: 60, ExtendedStatistics: ["p99"] })),
      ),
    ),
    every(30_000, () => ops.list.time(() => cw.send(new ListMetricsCommand({ Namespace: NS_CHURN })))),
    every(60_000, async () => {
      const name = `soak-${cycle++}`;
      await ops.dash.time(async () => {
        await cw.send(new PutDashboardCommand({ DashboardName: name, DashboardBody: JSON.stringify({ widgets: [] }) }));
        await cw.send(new GetDashboardCommand({ DashboardName: name }));
        await cw.send(new DeleteDashboardsCommand({ DashboardNames: [name] }));
      });
      await ops.logs.time(async () => {
        await logs.send(new CreateLogGroupCommand({ logGroupName: `/soak/${name}` }));
        await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `/soak/${name}` }));
        await logs.send(new DeleteLogGroupCommand({ logGroupName: `/soak/${name}` }));
      });
    }),
  ];
  const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : "-");
  // RSS sampled every 5 s as well: one reading a minute moves by tens of MiB with each isolate's collections.
  const samples = { svc: [] as number[], nats: [] as number[] };
  const rssMeans: { svc: number; nats: number }[] = [];
  const sampler = setInterval(() => (samples.svc.push(rssMb(stack.servicePid())), samples.nats.push(rssMb(nats))), 5_000);
  const mean = (xs: number[]) => xs.reduce((t, x) => t + x, 0) / xs.length;
  console.log(
    `min  ack/s  put p50/p99  gmd p50/p99  gms p50/p99  list p99  errors 5xx throttled  lag s  rss svc/nats MiB${OPEN ? "  sent/s gave-up in-flight skipped" : ""}  load  heaps used/total MiB`,
  );
  const report = setInterval(async () => {
    const minute = Math.round((Date.now() - started) / 60_000);
    const memory = await fetch(`${stack.endpoint}/_hive/memory`).then((r) => r.json()).catch(() => undefined);
    const o = Object.fromEntries(Object.entries(ops).map(([k, v]) => [k, v.take()])) as Record<keyof typeof ops, ReturnType<Op["take"]>>;
    const all = Object.values(o);
    const heaps = (memory?.isolates ?? []).map((i: any) => `${i.name} ${i.heapUsedMb.toFixed(0)}/${i.heapTotalMb.toFixed(0)} ext ${i.externalMb.toFixed(0)}`).join(", ");
    console.log(
      [
        String(minute).padStart(3),
        fmt(minuteAck / 60).padStart(6),
        `${fmt(o.put.p50)}/${fmt(o.put.p99)}`.padStart(11),
        `${fmt(o.gmd.p50)}/${fmt(o.gmd.p99)}`.padStart(11),
        `${fmt(o.gms.p50)}/${fmt(o.gms.p99)}`.padStart(11),
        fmt(o.list.p99).padStart(9),
        String(all.reduce((n, x) => n + x.errors, 0)).padStart(7),
        String(all.reduce((n, x) => n + x.serverErrors, 0)).padStart(3),
        String(all.reduce((n, x) => n + x.throttled, 0)).padStart(9),
        maxLag.toFixed(0).padStart(6),
        `${fmt(rssMb(stack.servicePid()))}/${fmt(rssMb(nats))}`.padStart(16),
        ...(OPEN ? [fmt(minuteSent / 60).padStart(7), String(o.put.gaveUp).padStart(7), String(maxInFlight).padStart(9), String(skipped).padStart(7)] : []),
        loadavg()[0].toFixed(1).padStart(5),
        ` ${heaps}`,
      ].join(" "),
    );
    rssMeans.push({ svc: mean(samples.svc), nats: mean(samples.nats) });
    console.log(`     rss means of the minute (5 s samples): svc ${fmt(rssMeans.at(-1)!.svc)} nats ${fmt(rssMeans.at(-1)!.nats)}   clock :${clockMinute(Date.now())}`);
    samples.svc = [];
    samples.nats = [];
    minuteAck = minuteSent = skipped = 0;
    maxInFlight = inFlight;
    maxLag = 0;
    if (DETAIL) console.log(`     ${await detail(stack)}`);
  }, 60_000);
  await Promise.all([...Array.from({ length: WRITERS }, (_, w) => (OPEN ? openWriter(w) : writer(w))), ...readers]);
  clearInterval(report);
  clearInterval(sampler);

  // Stored = acknowledged, counted until equal or two minutes have passed: a
  // count still short then is data lost, not aggregation catching up.
  const range = { StartTime: new Date(started - 120_000), EndTime: new Date(Date.now() + 120_000), Period: 3600, Statistics: ["SampleCount" as const] };
  const series = [
    ...Array.from({ length: STEADY }, (_, n) => ({ Namespace: NS_STEADY, ...steadySeries(n) })),
    ...[...churned].map((pod) => ({ Namespace: NS_CHURN, ...podSeries(pod) })),
  ];
  const count = async (): Promise<number> => {
    let n = 0;
    for (let i = 0; i < series.length; i += 16) {
      const outs = await Promise.all(series.slice(i, i + 16).map((s) => cw.send(new GetMetricStatisticsCommand({ ...s, ...range }))));
      for (const out of outs) for (const d of out.Datapoints ?? []) n += d.SampleCount ?? 0;
    }
    return n;
  };
  let stored = await count();
  for (const deadline = Date.now() + 120_000; stored !== acknowledged && Date.now() < deadline; stored = await count()) {
    console.log(`counted ${stored.toLocaleString("en-US")} of ${acknowledged.toLocaleString("en-US")}; counting again in 10 s`);
    await new Promise((r) => setTimeout(r, 10_000));
  }
  const listed = new Set<string>();
  let token: string | undefined;
  do {
    const page = await cw.send(new ListMetricsCommand({ Namespace: NS_CHURN, NextToken: token }));
    for (const m of page.Metrics ?? []) listed.add(m.Dimensions?.find((d) => d.Name === "Pod")?.Value ?? "");
    token = page.NextToken;
  } while (token);
  const missing = [...churned].filter((p) => !listed.has(p));
  const n = (x: number) => x.toLocaleString("en-US");
  if (OPEN) {
    console.log(
      `\nsent ${n(sent)} datums (${n(Math.round(sent / MINUTES / 60))}/s of ${n(RATE)}/s asked; ${n(skippedTotal)} skipped at ${MAX_IN_FLIGHT} in flight); ` +
        `${n(ops.put.total.throttled)} Throttling answers, ${n(ops.put.total.gaveUp)} calls gave up after 3 attempts`,
    );
  }
  console.log(`\nacknowledged ${acknowledged.toLocaleString("en-US")}, stored ${stored.toLocaleString("en-US")}: ${stored === acknowledged ? "equal" : "DIFFERENT"}`);
  if (rssMeans.length >= 35) {
    // Issue 19's figure: growth over the last 30 minutes, from the means of five minutes' samples at each end.
    const span = (from: number, key: "svc" | "nats") => mean(rssMeans.slice(from - 1, from + 4).map((m) => m[key]));
    const end = rssMeans.length - 4;
    for (const key of ["svc", "nats"] as const) {
      const growth = (from: number) => `${from}–${from + 4} → ${end}–${end + 4}: ${fmt(span(from, key))} → ${fmt(span(end, key))} MiB, ${((100 * span(end, key)) / span(from, key) - 100).toFixed(1)}%`;
      console.log(`${key === "svc" ? "service" : "nats-server"} RSS, means of 5 s samples, ${growth(end - 30)}; ${growth(end - 25)}`);
    }
  }
  const hours = hourStarts(started, Date.now());
  console.log(`${hours.length ? `a clock hour began at minute ${hours.join(", ")} of` : "no clock hour began in"} the run (started at :${clockMinute(started)})`);
  console.log(`churned series ${churned.size}, listed ${churned.size - missing.length}${missing.length ? ` (missing e.g. ${missing.slice(0, 3).join(", ")})` : ""}`);
  cw.destroy();
  logs.destroy();
  await closeNats();
  await stack.stop();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
