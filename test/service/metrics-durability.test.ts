/**
 * Metric data survives: every PutMetricData the service acknowledged is there
 * exactly once (SampleCount and Sum equal to what was sent) after the service
 * is SIGKILLed mid-write, after nats-server restarts, and when two service
 * processes (two aggregators competing for the same partitions) ingest at
 * once. Checked right away (chunks + unaggregated tail) and again once the
 * aggregators have drained the ingest log (chunks alone), and after restarts.
 */
import {
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  PutMetricDataCommand,
  type CloudWatchClient,
  type PutMetricDataCommandInput,
  type MetricDataQuery,
  type MetricDatum,
} from "@aws-sdk/client-cloudwatch";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AckPolicy, DeliverPolicy, connect } from "nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INGEST_STREAM, PARTITIONS, partitionFilter } from "../../lib/metrics/write/ingest-log.js";
import { ROOT, cloudWatchClient, listeningEndpoint, startStack, type Stack } from "../support/stack.js";
import { retrying as retryUntil } from "../support/retrying.js";
import { MIN, minuteGrid } from "../support/minutes.js";

let stack: Stack;
const RUN = `md${Date.now().toString(36)}`;
const { at } = minuteGrid(10);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  stack = await startStack();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

/** A fresh client per phase: a restarted service has closed every connection. */
const client = (endpoint = stack.endpoint): CloudWatchClient => cloudWatchClient({ ...stack, endpoint });

/** A restarted service may answer 503 once while it reconnects: retried for 20 s, 250 ms apart. */
const retrying = <T>(f: () => Promise<T>) => retryUntil(f, { timeoutMs: 20000, pauseMs: 250 });

/**
 * Tests that put through a restarted service: it throttles until its
 * aggregator runs again (it starts 10-20 s after the API on a loaded machine).
 */
const PUT_TIMEOUT_MS = 180_000;

/**
 * PutMetricData as a client that retries Throttling (as every AWS SDK does; the
 * test clients make one attempt): while the aggregators catch up after a
 * restart (a killed holder's lease runs 15 s) the service may answer
 * Throttling, which stores nothing (lib/metrics/write/ingest-admission.ts).
 * Resolves once the put is acknowledged; any other error is thrown.
 */
async function putAcked(cw: CloudWatchClient, input: PutMetricDataCommandInput): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (let pause = 250; ; pause = Math.min(2 * pause, 4000)) {
    try {
      await cw.send(new PutMetricDataCommand(input));
      return;
    } catch (e) {
      if ((e as { name?: string }).name !== "Throttling" || Date.now() > deadline) throw e;
    }
    await sleep(pause);
  }
}

/**
 * Waits until the aggregators' checkpoints of the given partitions (all when
 * none are given) cover everything in the ingest log. A partition leased by a
 * killed process is taken over when its lease runs out (15 s).
 */
async function waitAggregated(partitions: number[] = Array.from({ length: PARTITIONS }, (_, p) => p), timeoutMs = 60_000): Promise<void> {
  const nc = await connect({ servers: stack.natsUrl });
  try {
    const js = nc.jetstream();
    const jsm = await nc.jetstreamManager();
    const shards = await js.views.kv("cw-stream-shards");
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let outstanding = 0;
      for (const p of new Set(partitions)) {
        const checkpoint = (await shards.get(`${INGEST_STREAM}.${p}`))?.json<{ checkpoint: number }>().checkpoint ?? 0;
        const info = await jsm.consumers.add(INGEST_STREAM, {
          filter_subject: partitionFilter(p),
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: checkpoint + 1,
          ack_policy: AckPolicy.None,
        });
        outstanding += info.num_pending;
        await jsm.consumers.delete(INGEST_STREAM, info.name);
      }
      if (outstanding === 0) return;
      if (Date.now() > deadline) throw new Error(`the aggregators still have ${outstanding} messages outstanding`);
      await sleep(200);
    }
  } finally {
    await nc.close();
  }
}


/** Expected SampleCount and Sum per series and minute, from acknowledged puts only. */
class Ledger {
  readonly cells = new Map<string, { count: number; sum: number }>();
  add(ns: string, d: MetricDatum): void {
    const key = `${ns}|${d.MetricName}|${JSON.stringify(d.Dimensions ?? [])}|${Math.floor(d.Timestamp!.getTime() / MIN) * MIN}`;
    const cell = this.cells.get(key) ?? { count: 0, sum: 0 };
    const values = d.Values ?? [d.Value!];
    for (const v of values) {
      cell.count++;
      cell.sum += v;
    }
    this.cells.set(key, cell);
  }
  series(): Array<{ ns: string; name: string; dims: string }> {
    const seen = new Map<string, { ns: string; name: string; dims: string }>();
    for (const key of this.cells.keys()) {
      const [ns, name, dims] = key.split("|");
      seen.set(`${ns}|${name}|${dims}`, { ns, name, dims });
    }
    return [...seen.values()];
  }
}

/** What the service says, in the Ledger's shape, for every series the ledger knows. */
async function observed(cw: CloudWatchClient, ledger: Ledger): Promise<Map<string, { count: number; sum: number }>> {
  const out = new Map<string, { count: number; sum: number }>();
  await Promise.all(
    ledger.series().map(async (s) => {
      const res = await cw.send(
        new GetMetricStatisticsCommand({
          Namespace: s.ns,
          MetricName: s.name,
          Dimensions: JSON.parse(s.dims),
          StartTime: at(-1),
          EndTime: at(8),
          Period: 60,
          Statistics: ["SampleCount", "Sum"],
        }),
      );
      for (const dp of res.Datapoints ?? []) {
        out.set(`${s.ns}|${s.name}|${s.dims}|${dp.Timestamp!.getTime()}`, { count: dp.SampleCount!, sum: dp.Sum! });
      }
    }),
  );
  return out;
}

async function expectTotals(cw: CloudWatchClient, ledger: Ledger, when: string): Promise<void> {
  const got = await retrying(() => observed(cw, ledger));
  const want = new Map([...ledger.cells.entries()].sort());
  const diff = summarize(got, want);
  // soft: every stage of a test reports, not only the first that differs
  expect.soft(diff, `${when}: ${diff.differing} of ${want.size} series-minutes differ`).toEqual({ differing: 0, observed: diff.expected, expected: diff.expected });
}

/** Totals over every cell, and how many cells differ: short enough to read in a failure. */
function summarize(got: Map<string, { count: number; sum: number }>, want: Map<string, { count: number; sum: number }>) {
  let differing = 0;
  const total = (m: Map<string, { count: number; sum: number }>) => [...m.values()].reduce((t, c) => ({ count: t.count + c.count, sum: t.sum + c.sum }), { count: 0, sum: 0 });
  for (const key of new Set([...got.keys(), ...want.keys()])) {
    if (JSON.stringify(got.get(key)) !== JSON.stringify(want.get(key))) differing++;
  }
  return { differing, observed: total(got), expected: total(want) };
}

// ---------------------------------------------------------------------------

/** The SIGKILL test's requests: each writes 3 values to its own series Req{I=i} and 1 to the shared series All. */
const KILL_NS = `${RUN}/kill`;
const killState = new Map<number, "acked" | "failed">();
const killBody = (i: number): MetricDatum[] => [
  { MetricName: "Req", Dimensions: [{ Name: "I", Value: String(i) }], Timestamp: at(1 + (i % 3)), Values: [i, 1, 2] },
  { MetricName: "All", Timestamp: at(1), Value: 1 },
];

/** Acknowledged requests exactly once; unacknowledged ones wholly there once or not at all; All counts those that landed. */
async function checkKilled(when: string): Promise<void> {
  const reader = client();
  const ids = [...killState.keys()].sort((a, b) => a - b);
  const seen = new Map<number, { count: number; sum: number }>();
  for (let k = 0; k < ids.length; k += 250) {
    const queries: MetricDataQuery[] = ids.slice(k, k + 250).flatMap((i) =>
      (["SampleCount", "Sum"] as const).map((stat) => ({
        Id: `${stat === "Sum" ? "s" : "c"}${i}`,
        MetricStat: { Metric: { Namespace: KILL_NS, MetricName: "Req", Dimensions: [{ Name: "I", Value: String(i) }] }, Period: 300, Stat: stat },
      })),
    );
    const out = await retrying(() => reader.send(new GetMetricDataCommand({ StartTime: at(0), EndTime: at(5), MetricDataQueries: queries })));
    for (const r of out.MetricDataResults!) {
      const i = Number(r.Id!.slice(1));
      const cell = seen.get(i) ?? { count: 0, sum: 0 };
      const v = r.Values!.reduce((t, x) => t + x, 0);
      if (r.Id!.startsWith("c")) cell.count = v;
      else cell.sum = v;
      seen.set(i, cell);
    }
  }
  let landed = 0;
  const wrong: string[] = [];
  for (const [i, st] of killState) {
    const cell = seen.get(i)!;
    const whole = cell.count === 3 && cell.sum === i + 3;
    const none = cell.count === 0 && cell.sum === 0;
    if (whole) landed++;
    if (st === "acked" ? !whole : !(whole || none)) wrong.push(`${st} request ${i}: ${JSON.stringify(cell)}`);
  }
  expect.soft(wrong, `${when}: requests not there exactly once`).toEqual([]);
  const all = await retrying(() =>
    reader.send(new GetMetricStatisticsCommand({ Namespace: KILL_NS, MetricName: "All", StartTime: at(0), EndTime: at(5), Period: 300, Statistics: ["SampleCount", "Sum"] })),
  );
  expect.soft(all.Datapoints!.map((d) => [d.SampleCount, d.Sum]), `${when}: the shared series All counts every request that landed, once`).toEqual([[landed, landed]]);
}

const natsLedger = new Ledger();
const crashLedger = new Ledger();
const pairLedger = new Ledger();

describe("acknowledged metric data survives", () => {
  it("a SIGKILL of the service in the middle of a stream of puts, with writes going on after the restart", { timeout: PUT_TIMEOUT_MS }, async () => {
    const cw = client();
    let next = 0;
    let killing: Promise<unknown> | undefined;
    let acked = 0;
    const MAX = 400;
    const writer = async () => {
      while (next < MAX) {
        const i = next++;
        try {
          await cw.send(new PutMetricDataCommand({ Namespace: KILL_NS, MetricData: killBody(i) }));
          killState.set(i, "acked");
          // Kill while requests are in flight (and the aggregator is mid-batch), once a good number are acknowledged.
          if (++acked === 120) killing = stack.stopService("SIGKILL");
        } catch {
          killState.set(i, "failed");
          return;
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, writer));
    await killing;
    await stack.stopService("SIGKILL"); // no-op when the kill above already happened
    await stack.startService();
    expect([...killState.values()].filter((x) => x === "acked").length).toBeGreaterThanOrEqual(120);

    // Clients keep writing to the same series right after the restart, while
    // the killed process's unacknowledged batch waits for redelivery.
    const after = client();
    for (let k = 0; k < 40; k++) {
      const i = 1000 + k;
      await putAcked(after, { Namespace: KILL_NS, MetricData: killBody(i) });
      killState.set(i, "acked");
    }
    await checkKilled("right after the restart");
    // the check once the redelivered batch is folded is at the end of the file
  });

  it("a nats-server restart right after the puts were acknowledged", { timeout: PUT_TIMEOUT_MS }, async () => {
    const ns = `${RUN}/nats`;
    const cw = client();
    for (let i = 0; i < 40; i++) {
      const data: MetricDatum[] = [
        { MetricName: "Bytes", Dimensions: [{ Name: "Host", Value: `h${i % 4}` }], Timestamp: at(i % 5), Values: [i, i + 1, 100] },
        { MetricName: "Calls", Timestamp: at(2), Value: i },
      ];
      await putAcked(cw, { Namespace: ns, MetricData: data });
      data.forEach((d) => natsLedger.add(ns, d));
    }
    await stack.restartNats();
    await expectTotals(client(), natsLedger, "after the nats-server restart");

    // the service keeps ingesting after it reconnected
    const more: MetricDatum = { MetricName: "Calls", Timestamp: at(2), Value: 1000 };
    await retrying(() => client().send(new PutMetricDataCommand({ Namespace: ns, MetricData: [more] })));
    natsLedger.add(ns, more);
    await expectTotals(client(), natsLedger, "after a put through the reconnected service");
    // A batch whose ack was lost with the connection is redelivered after ack_wait (30 s): the check of the
    // aggregated data is at the end of the file, so the wait overlaps the other tests.
  });

  it("a SIGKILL of nats-server and of the service right after the puts were acknowledged", { timeout: PUT_TIMEOUT_MS }, async () => {
    const ns = `${RUN}/crash`;
    const cw = client();
    await Promise.all(
      Array.from({ length: 4 }, async (_, w) => {
        for (let i = w; i < 60; i += 4) {
          const data: MetricDatum[] = [
            { MetricName: "Bytes", Dimensions: [{ Name: "Host", Value: `h${i % 3}` }], Timestamp: at(i % 5), Values: [i, 2 * i] },
            { MetricName: "Calls", Timestamp: at(3), Value: i + 1 },
          ];
          await putAcked(cw, { Namespace: ns, MetricData: data });
          data.forEach((d) => crashLedger.add(ns, d));
        }
      }),
    );
    // Both die at once, with no chance to flush anything: as a power cut of the processes (not of the machine).
    await Promise.all([stack.restartNats({ signal: "SIGKILL" }), stack.restartService({ signal: "SIGKILL" })]);
    await expectTotals(client(), crashLedger, "after SIGKILLs of nats-server and the service");
  });
});

// ---------------------------------------------------------------------------

describe("two service processes on one nats-server and S3", () => {
  let second: ChildProcess | undefined;
  let secondEndpoint: string;
  let secondLogs = "";
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "metrics-durability-"));
    const [, b] = stack.credentials;
    // The same configuration the harness gives the first service (test/support/stack.ts), another port and data dir.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HIVE_CLOUDWATCH_NATS_URL: stack.natsUrl,
      HIVE_CLOUDWATCH_STORAGE_ENDPOINT: stack.s3Endpoint,
      HIVE_CLOUDWATCH_HOST: "127.0.0.1",
      HIVE_CLOUDWATCH_PORT: "0",
      HIVE_CLOUDWATCH_LOCAL: "true",
      HIVE_CLOUDWATCH_CREDENTIALS: `${b.accessKeyId}:${b.secretAccessKey}:${b.accountId}`,
      HIVE_CLOUDWATCH_DATA_DIR: dataDir,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    };
    delete env.NODE_OPTIONS;
    delete env.VITEST;
    delete env.VITEST_POOL_ID;
    delete env.VITEST_WORKER_ID;
    const proc = spawn(process.execPath, ["--import", "tsx", "local/main.ts"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    second = proc;
    proc.stderr!.setEncoding("utf8").on("data", (d: string) => (secondLogs = (secondLogs + d).slice(-50_000)));
    let stdout = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the second service did not listen within 90 s:\n${secondLogs}`)), 90_000);
      proc.stdout!.setEncoding("utf8").on("data", (d: string) => {
        stdout += d;
        const bound = listeningEndpoint(stdout);
        if (bound) {
          secondEndpoint = bound;
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the second service exited (${code ?? signal}):\n${secondLogs}`));
      });
    });
  }, 120_000);

  afterAll(async () => {
    const proc = second;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("ingest concurrently through both endpoints: every total exact, before and after aggregation and a restart", { timeout: PUT_TIMEOUT_MS }, async () => {
    const endpoints = [stack.endpoint, secondEndpoint];
    const namespaces = [0, 1, 2].map((k) => `${RUN}/pair/${k}`);
    const failures: string[] = [];
    const until = Date.now() + 4_000;
    let requests = 0;
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const writer = async (w: number) => {
      const cw = client(endpoints[w % 2]);
      // writers 2k (first endpoint) and 2k+1 (second endpoint) share a namespace and its Shared series
      const ns = namespaces[Math.floor(w / 2) % namespaces.length];
      while (Date.now() < until) {
        const data: MetricDatum[] = [];
        for (let k = 0; k < 5; k++) {
          data.push({ MetricName: "Shared", Dimensions: [{ Name: "Shard", Value: String(rand(3)) }], Timestamp: at(rand(5), rand(MIN)), Value: rand(1000) });
          data.push({ MetricName: "Own", Dimensions: [{ Name: "Writer", Value: String(w) }], Timestamp: at(rand(5)), Values: [rand(100), rand(100)] });
        }
        try {
          await putAcked(cw, { Namespace: ns, MetricData: data });
          data.forEach((d) => pairLedger.add(ns, d));
          requests++;
        } catch (e) {
          failures.push(String(e));
          return;
        }
      }
    };
    await Promise.all(Array.from({ length: 12 }, (_, w) => writer(w)));
    expect(failures).toEqual([]);
    expect(requests).toBeGreaterThan(50);

    // right away, through either endpoint
    await expectTotals(client(stack.endpoint), pairLedger, "right after the writes, first service");
    await expectTotals(client(secondEndpoint), pairLedger, "right after the writes, second service");

    // both aggregators drained the log: the chunks alone hold exactly the same
    await waitAggregated();
    await expectTotals(client(stack.endpoint), pairLedger, "after aggregation, first service");
    await expectTotals(client(secondEndpoint), pairLedger, "after aggregation, second service");

    // and a hard restart of the first changes nothing
    await stack.restartService({ signal: "SIGKILL" });
    await expectTotals(client(stack.endpoint), pairLedger, "after a SIGKILL restart");
    expect(secondLogs).not.toMatch(/kept changing under us|too much contention/);
  });
});

describe("once every aggregator has caught up", () => {
  it("every total of this file is still exact, after one more restart", async () => {
    await waitAggregated(); // includes what the SIGKILLed process held (redone once its lease ran out)
    await checkKilled("after the redelivered batch was folded");
    await expectTotals(client(), natsLedger, "nats-server restart data, at the end");
    await expectTotals(client(), crashLedger, "nats-server and service SIGKILL data, at the end");
    await expectTotals(client(), pairLedger, "two-aggregator data, at the end");
    await stack.restartService();
    await checkKilled("after a final restart");
    await expectTotals(client(), pairLedger, "two-aggregator data, after a final restart");
  }, 90_000);
});
