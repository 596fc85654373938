/**
 * Aggregator benchmark: how fast the metric aggregator folds the ingest log
 * alone, on one thread, with nats-server free to use the other core. The
 * ingest benchmark's load (1000 datums a request, 10,000 series, timestamps
 * over a minute) is put with no aggregator running, then drained in-process
 * in batches of the template's BatchSize. Prints datums/s.
 *
 * Each round also prints its baseline, the fold alone: the same batches
 * (read back from the stream beforehand) decoded, folded and encoded as a
 * delta record in-process with no NATS, no delta log, no index, no
 * compaction. It is the ceiling the aggregator approaches.
 *
 * `--rounds 2` puts and drains the same load again: the second round is the
 * steady state (series indexed, chunks stored), the first includes creating
 * 10,000 series and their chunks. `--cpu-profile FILE` profiles each round's
 * drain: FILE for the last round, FILE.roundN for the ones before it.
 * `--fresh` gives every round series of its own (another namespace): round 2
 * is then new series in a process whose code is already compiled (warm), as
 * a running service meets them; round 1 also pays for compiling the code.
 *
 *   npx tsx bench/aggregate.ts [--requests 300] [--batch 128] [--rounds 1] [--fresh] [--cpu-profile FILE]
 */
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { startStack, templateWithoutAggregator } from "../test/support/stack.js";
import { ingestRequest, machine, numberArg, profiled, threadCpu } from "./common.js";

const REQUESTS = numberArg("requests", 300);
const BATCH = numberArg("batch", 128);
const ROUNDS = numberArg("rounds", 1);
const FRESH = process.argv.includes("--fresh");
const SERIES = 10_000;

async function main() {
  console.log(machine());
  const stack = await startStack({ env: { HIVE_CLOUDWATCH_TEMPLATE: templateWithoutAggregator(), HIVE_CLOUDWATCH_MAX_INGEST_LAG: "1d" } });
  process.env.HIVE_CLOUDWATCH_NATS_URL = stack.natsUrl;
  process.env.HIVE_CLOUDWATCH_LOCAL = "true";
  const minute = Math.floor(Date.now() / 60_000) * 60_000;
  const { drainIngest } = await import("../lib/metrics/write/drain.js");
  const { closeNats, getNats } = await import("../lib/storage/nats.js");
  const { readShard } = await import("../lib/storage/stream-shards.js");
  const { ensureIngestStream, INGEST_STREAM, PARTITIONS, partitionFilter } = await import("../lib/metrics/write/ingest-log.js");
  await ensureIngestStream();
  for (let round = 1; round <= ROUNDS; round++) {
    const { jsm } = await getNats();
    const from = (await jsm.streams.info(INGEST_STREAM)).state.last_seq + 1;
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        const cw = new CloudWatchClient({ endpoint: stack.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
        while (next < REQUESTS) {
          const r = next++;
          await cw.send(new PutMetricDataCommand(ingestRequest(r, SERIES, new Date(minute + (r % 60) * 1000), FRESH ? `Bench/Ingest${round}` : undefined)));
        }
        cw.destroy();
      }),
    );
    // The drain's batches, read back before it runs (untimed): per partition, BATCH messages a batch.
    const batches: Array<Array<{ seq: number; data: Uint8Array }>> = [];
    for (let p = 0; p < PARTITIONS; p++) {
      for (let seq = from; ; ) {
        const msgs = await readShard(INGEST_STREAM, partitionFilter(p), seq, BATCH, 0);
        if (!msgs.length) break;
        batches.push(msgs.map((m) => ({ seq: m.seq, data: m.data })));
        seq = msgs[msgs.length - 1].seq + 1;
      }
    }
    const started = performance.now();
    const cpu = process.cpuUsage();
    const threadsBefore = threadCpu(process.pid);
    // Profiled: every round, FILE for the last (with --rounds 2, the steady state), FILE.roundN for the others.
    const messages = await profiled(() => drainIngest(Date.now(), BATCH), round === ROUNDS ? "" : `.round${round}`);
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const cpuSeconds = (used.user + used.system) / 1e6;
    // The aggregator's own thread apart from V8's helpers (concurrent GC, the optimising compiler: a first round compiles the code).
    const threadsAfter = threadCpu(process.pid);
    let mainThread = 0;
    let otherThreads = 0;
    for (const [tid, s] of threadsAfter) {
      const d = s - (threadsBefore.get(tid) ?? 0);
      if (tid === process.pid) mainThread += d;
      else otherThreads += d;
    }
    const datums = REQUESTS * 1000;
    const what = round === 1 ? "new series and chunks" : FRESH ? "new series again, the code warm" : "the same series again, their chunks stored";
    const rate = (s: number) => Math.round(datums / s).toLocaleString("en-US");
    const base = await foldAlone(batches);
    // CPU time is what a loaded machine leaves comparable: the wall time there is mostly waiting for a core.
    console.log(
      `round ${round} (${what}): aggregated ${datums.toLocaleString("en-US")} datums (${messages} ingest messages, batches of ${BATCH}) in ${seconds.toFixed(2)} s: ${rate(seconds)} datums/s; ` +
        `the aggregator's process used ${cpuSeconds.toFixed(2)} s of CPU: ${rate(cpuSeconds)} datums per CPU-second ` +
        `(its main thread ${mainThread.toFixed(2)} s, V8's helper threads ${otherThreads.toFixed(2)} s)`,
    );
    console.log(
      `  baseline, the fold alone (the same ${batches.length} batches decoded, folded and encoded in-process, no NATS): ${base.seconds.toFixed(2)} s: ${rate(base.seconds)} datums/s; ` +
        `${base.cpuSeconds.toFixed(2)} s of CPU: ${rate(base.cpuSeconds)} datums per CPU-second; the aggregator reached ${Math.round((100 * base.seconds) / seconds)}% of it`,
    );
  }
  await closeNats();
  await stack.stop();
}

/** What the aggregator does to each batch with the store left out: aggregator.ts recordMessages' fold and encode. */
async function foldAlone(batches: Array<Array<{ seq: number; data: Uint8Array }>>): Promise<{ seconds: number; cpuSeconds: number }> {
  const { BatchFold } = await import("../lib/metrics/write/batch-fold.js");
  const { decodeIngestColumns, IngestColumns } = await import("../lib/metrics/encoding/ingest-codec.js");
  const { encodeDelta } = await import("../lib/metrics/encoding/delta-codec.js");
  const { retention } = await import("../lib/metrics/store/tiers.js");
  const now = Date.now();
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (const msgs of batches) {
    const fold = new BatchFold(now, retention().hotMs, new Map());
    const columns = new IngestColumns();
    for (const { data } of msgs) fold.add(decodeIngestColumns(data, columns));
    encodeDelta(msgs[0].seq, msgs[msgs.length - 1].seq, fold.encodable(), []);
    fold.release();
  }
  const used = process.cpuUsage(cpu);
  return { seconds: (performance.now() - started) / 1000, cpuSeconds: (used.user + used.system) / 1e6 };
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
