/**
 * What a roll-off run leaves behind in the memory of the process that runs
 * it, as the soak sees it in the service's main thread: malloc's heap and
 * arenas, external ArrayBuffers, the V8 heap, and the chunk cache of
 * compaction's module in that isolate.
 *
 * As in the service, a worker thread stands for the stream worker: it puts
 * `--rate` datums/s (90% onto 1,000 steady series, 10% onto pods that change
 * every minute, as bench/soak.ts does), aggregates them and compacts each
 * partition every 30 s (compactSoon). The main thread runs roll-off every
 * `--every` seconds (the service: 300) with the real clock, as the scheduler
 * does, and prints the figures after each run (after a forced GC, so what is
 * printed is what the run left, not garbage not collected yet).
 *
 * `--op compact` runs only the compaction roll-off starts with, `--op none`
 * nothing (the control: what the thread's idle NATS client and timers do).
 *
 * `--spread M` spreads the datums' timestamps over the last M minutes, so
 * every chunk is as full from the start as late in an hour of the soak.
 *
 *   npx tsx --expose-gc bench/roll-off-memory.ts [--runs 12] [--every 20] [--rate 2000] [--spread 0] [--op roll-off|compact|none]
 */
import { mkdtempSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { isMainThread, parentPort, Worker } from "node:worker_threads";
import { machine, numberArg, rssMb, smapsMb } from "./common.js";

const RUNS = numberArg("runs", 12);
const EVERY_S = numberArg("every", 20);
const RATE = numberArg("rate", 2000);
/** What the main thread runs each time: roll-off, its compaction alone (compactAll), or nothing (the control). */
const OP = process.argv.includes("--op") ? process.argv[process.argv.indexOf("--op") + 1] : "roll-off";
if (!["roll-off", "compact", "none"].includes(OP)) throw new Error(`--op: roll-off, compact or none, not ${OP}`);
/** Datums' timestamps spread over this many minutes back, so chunks are as full as late in an hour of the soak from the start. */
const SPREAD_MIN = numberArg("spread", 0);
const ACCOUNT = "000000000000";

if (isMainThread) await main();
else await load();

async function main(): Promise<void> {
  const { startNatsServer, startS3Server } = await import("../local/processes.js");
  const dir = mkdtempSync(join(tmpdir(), "bench-roll-off-memory-"));
  const nats = await startNatsServer({ storeDir: join(dir, "nats") });
  const s3 = await startS3Server({ dir: join(dir, "s3") });
  process.env.HIVE_CLOUDWATCH_NATS_URL = nats.url;
  process.env.HIVE_CLOUDWATCH_STORAGE_ENDPOINT = s3.url;
  process.env.HIVE_CLOUDWATCH_LOCAL = "true";
  const { closeNats, ensureNatsResources } = await import("../lib/storage/nats.js");
  const { ensureIngestStream } = await import("../lib/metrics/write/ingest-log.js");
  const { ensureBucket } = await import("../lib/storage/s3.js");
  const { getConfig } = await import("../lib/config/config.js");
  const { rollOff } = await import("../lib/metrics/store/roll-off.js");
  const { chunkCacheBytes, compactAll } = await import("../lib/metrics/write/compaction.js");
  const op = { "roll-off": () => rollOff(Date.now()), compact: compactAll, none: async () => {} }[OP]!;
  await ensureNatsResources();
  await ensureIngestStream();
  await ensureBucket(getConfig().storage.bucket);

  // tsx's loader, registered in the worker before it imports this file.
  const boot = `import("tsx/esm/api").then((tsx) => (tsx.register(), import(${JSON.stringify(import.meta.url)})))`;
  const worker = new Worker(boot, { eval: true, env: process.env });
  worker.on("error", (e) => {
    console.error("load worker failed", e);
    process.exitCode = 1;
  });
  await new Promise<void>((resolve) => worker.once("message", () => resolve()));
  const gc = (globalThis as { gc?: () => void }).gc;
  console.log(machine());
  console.log(`load average at the start: ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  console.log(`${OP} every ${EVERY_S} s, ${RATE} datums/s put and aggregated in a worker thread; figures of this process after each run${gc ? " and a forced GC" : " (no --expose-gc: garbage included)"}`);
  const mib = (b: number) => (b / 2 ** 20).toFixed(1).padStart(8);
  console.log(`${"run".padStart(3)} ${"ms".padStart(6)} ${"RSS".padStart(6)} ${"malloc".padStart(8)} ${"in run".padStart(7)} ${"between".padStart(7)} ${"arenas".padStart(6)} ${"external".padStart(8)} ${"arrayBuf".padStart(8)} ${"heapUsed".padStart(8)} ${"cache".padStart(8)}   (MiB)`);
  const malloc = () => smapsMb(process.pid)?.malloc ?? NaN;
  // The process's malloc grows in the run (this thread's work) and between runs (the worker's): apart.
  let before = NaN;
  let after = NaN;
  const print = (run: number | string, ms: number) => {
    gc?.();
    const m = process.memoryUsage();
    const s = smapsMb(process.pid);
    const between = before - after;
    after = s?.malloc ?? NaN;
    console.log(
      `${String(run).padStart(3)} ${ms.toFixed(0).padStart(6)} ${rssMb(process.pid).toFixed(0).padStart(6)} ${after.toFixed(1).padStart(8)} ${(after - before).toFixed(1).padStart(7)} ${between.toFixed(1).padStart(7)} ${String(s?.arenas ?? "?").padStart(6)} ${mib(m.external)} ${mib(m.arrayBuffers)} ${mib(m.heapUsed)} ${mib(chunkCacheBytes())}`,
    );
  };
  try {
    await new Promise((r) => setTimeout(r, EVERY_S * 1000));
    before = malloc();
    print("-", 0);
    for (let run = 1; run <= RUNS; run++) {
      gc?.();
      before = malloc();
      const t0 = performance.now();
      await op();
      print(run, performance.now() - t0);
      await new Promise((r) => setTimeout(r, EVERY_S * 1000));
    }
    console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  } finally {
    await worker.terminate();
    await closeNats();
    await s3.stop();
    await nats.stop();
  }
}

/** The stream worker's part: puts, aggregates and compacts as the service does. */
async function load(): Promise<void> {
  const { putMetricData } = await import("../lib/metrics/put-metric-data.js");
  const { aggregateBatch } = await import("../lib/metrics/write/aggregator.js");
  const { compactSoon } = await import("../lib/metrics/write/compaction.js");
  const { INGEST_STREAM, PARTITIONS, partitionFilter } = await import("../lib/metrics/write/ingest-log.js");
  const { acquireLease, commitLease, readShard } = await import("../lib/storage/stream-shards.js");
  const LEASE_MS = 60_000;
  const leases = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => acquireLease(INGEST_STREAM, String(p), "bench", LEASE_MS)));
  parentPort!.postMessage("ready");
  const started = Date.now();
  for (let tick = 0; ; tick++) {
    const due = started + tick * 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
    const second = Math.floor(Date.now() / 1000) * 1000;
    const at = () => new Date(second - Math.floor(Math.random() * SPREAD_MIN * 60) * 1000);
    const minute = Math.floor((Date.now() - started) / 60_000);
    for (let b = 0; b < RATE / 1000; b++) {
      const churn = (tick * 8 + b) % 10 === 0;
      const data = Array.from({ length: 1000 }, (_, k) =>
        churn
          ? { MetricName: "cpu", Dimensions: [{ Name: "Pod", Value: `pod-${minute}-${k % 50}` }], Timestamp: at(), Value: k }
          : { MetricName: `m${k % 10}`, Dimensions: [{ Name: "Host", Value: `h${Math.floor(k / 10)}` }], Timestamp: at(), Value: Math.random() * 100 },
      );
      await putMetricData({ Namespace: churn ? "Bench/Churn" : "Bench/Steady", MetricData: data }, { accountId: ACCOUNT });
    }
    for (let p = 0; p < PARTITIONS; p++) {
      const lease = leases[p]!;
      for (;;) {
        const msgs = await readShard(INGEST_STREAM, partitionFilter(p), lease.record.checkpoint + 1, 512, 0);
        if (msgs.length) {
          await aggregateBatch(msgs);
          lease.record.checkpoint = msgs[msgs.length - 1].seq;
        }
        if (!(await commitLease(lease, lease.record.checkpoint, LEASE_MS))) throw new Error(`lost the lease of partition ${p}`);
        if (msgs.length < 512) break;
      }
      compactSoon(p);
    }
  }
}
