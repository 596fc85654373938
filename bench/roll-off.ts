/**
 * What a roll-off run costs nats-server on a store of many chunks, against
 * what it cost before the directory of chunk windows: a listing of the whole
 * chunk bucket (`kv.keys()`), which nats-server 2.9 answers with a consumer
 * over the bucket's stream, loading every file block of it.
 *
 * The store: `--series` series × `--hours` hours of hourly chunks, each
 * written `--writes` times as compaction rewrites a live chunk, hour after
 * hour, so every block of the bucket holds some chunk's last revision (as in
 * the soak: the previous hours' and departed pods' chunks pin old blocks).
 * Then, alternating (ABAB, same store, same load), the listing the old
 * roll-off made and a roll-off run now with nothing due (most runs), and at
 * the end a run with one hour due. For each: time, consumers nats-server
 * created (its advisories), nats-server's heap in use at its peak during
 * the operation above where it was before (pprof's HeapAlloc, sampled every
 * 50 ms), and its RSS.
 *
 *   npx tsx bench/roll-off.ts [--series 5000] [--hours 12] [--writes 6] [--rounds 3]
 */
import { mkdtempSync, readdirSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Aggregate } from "../lib/metrics/read/aggregate.js";
import { encodeChunk } from "../lib/metrics/encoding/chunk.js";
import { startNatsServer, startS3Server } from "../local/processes.js";
import { machine, numberArg, rssMb } from "./common.js";

const SERIES = numberArg("series", 5000);
const HOURS = numberArg("hours", 12);
const WRITES = numberArg("writes", 6);
const ROUNDS = numberArg("rounds", 3);
const ACCOUNT = "000000000000";
const HOUR = 3_600_000;
/** The first hour of the store, ending with the current one. */
const H0 = Math.floor(Date.now() / HOUR) * HOUR - (HOURS - 1) * HOUR;
/** A run's clock at which no window is due: ten minutes into the first hour. */
const NOTHING_DUE = H0 + 10 * 60_000;

const dir = mkdtempSync(join(tmpdir(), "bench-roll-off-"));
const nats = await startNatsServer({ storeDir: join(dir, "nats"), monitor: true });
const s3 = await startS3Server({ dir: join(dir, "s3") });
process.env.HIVE_CLOUDWATCH_NATS_URL = nats.url;
process.env.HIVE_CLOUDWATCH_STORAGE_ENDPOINT = s3.url;
process.env.HIVE_CLOUDWATCH_LOCAL = "true";

const { BUCKETS, closeNats, getBucket, getNats } = await import("../lib/storage/nats.js");
const { kvWrites } = await import("../lib/storage/kv-writes.js");
const { chunkKey, newChunkRecord } = await import("../lib/metrics/store/chunk-store.js");
const { listNewChunks, listWindows } = await import("../lib/metrics/store/chunk-windows.js");
const { rollOff } = await import("../lib/metrics/store/roll-off.js");

/** An hourly chunk of `minutes` one-value buckets, as compaction writes it. */
function chunkBody(hour: number, minutes: number): Uint8Array {
  return encodeChunk(
    Array.from({ length: minutes }, (_, m) => {
      const agg = new Aggregate();
      agg.add(m + 0.5);
      return { t: hour + m * 60_000, agg };
    }),
    60_000,
    0,
  );
}

async function fill(): Promise<void> {
  const ids = Array.from({ length: SERIES }, (_, i) => `series${String(i).padStart(16, "0")}`);
  for (let h = 0; h < HOURS; h++) {
    const hour = H0 + h * HOUR;
    const keys = ids.map((seriesId) => chunkKey({ account: ACCOUNT, seriesId, unit: "Count", tier: "m1", start: hour }));
    await listNewChunks(keys);
    const revisions = keys.map(() => 0);
    for (let w = 1; w <= WRITES; w++) {
      const body = chunkBody(hour, Math.round((60 * w) / WRITES));
      for (let from = 0; from < keys.length; from += 1000) {
        const slice = keys.slice(from, from + 1000);
        const got = await kvWrites(BUCKETS.metricChunks, slice.map((key, i) => ({ key, value: newChunkRecord(body, w), revision: revisions[from + i] })));
        got.forEach((r, i) => (revisions[from + i] = r));
      }
    }
  }
}

const heapAlloc = async (): Promise<number> => {
  const text = await fetch(`${nats.profileUrl}/debug/pprof/heap?debug=1`).then((r) => r.text());
  return Number(/# HeapAlloc = (\d+)/.exec(text)?.[1] ?? NaN) / 2 ** 20;
};

async function measure(what: string, op: () => Promise<unknown>): Promise<void> {
  const { nc } = await getNats();
  let consumers = 0;
  const sub = nc.subscribe("$JS.EVENT.ADVISORY.CONSUMER.CREATED.>", { callback: () => void consumers++ });
  await nc.flush();
  const pid = nats.process?.pid;
  const rssBefore = rssMb(pid);
  const heapBefore = await heapAlloc();
  let heapPeak = heapBefore;
  let rssPeak = rssBefore;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      heapPeak = Math.max(heapPeak, await heapAlloc());
      rssPeak = Math.max(rssPeak, rssMb(pid));
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const t0 = performance.now();
  await op();
  const ms = performance.now() - t0;
  // Advisories and the blocks loaded for the last answers: a moment after.
  await new Promise((r) => setTimeout(r, 500));
  sampling = false;
  await sampler;
  sub.unsubscribe();
  console.log(
    `${what.padEnd(44)} ${ms.toFixed(0).padStart(7)} ${String(consumers).padStart(9)} ${(heapPeak - heapBefore).toFixed(1).padStart(16)} ${`${rssBefore.toFixed(0)} → ${rssPeak.toFixed(0)}`.padStart(14)}`,
  );
}

function blocks(): { n: number; mb: number } {
  const streamDir = join(dir, "nats", "jetstream", "$G", "streams", `KV_${BUCKETS.metricChunks}`, "msgs");
  const files = readdirSync(streamDir).filter((f) => f.endsWith(".blk"));
  return { n: files.length, mb: files.reduce((t, f) => t + statSync(join(streamDir, f)).size, 0) / 2 ** 20 };
}

try {
  console.log(machine());
  console.log(`load average at the start: ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  const t0 = performance.now();
  await fill();
  const { jsm } = await getNats();
  const info = await jsm.streams.info(`KV_${BUCKETS.metricChunks}`);
  const b = blocks();
  console.log(
    `store: ${SERIES} series × ${HOURS} hours, each chunk written ${WRITES} times (filled in ${((performance.now() - t0) / 1000).toFixed(0)} s): ` +
      `${info.state.messages} chunks, ${info.state.last_seq} revisions, ${b.n} blocks, ${b.mb.toFixed(0)} MiB on disk; directory: ${(await listWindows()).length} windows\n`,
  );
  // The first run lists the store once (it was filled without a roll-off): not what a run costs afterwards.
  await rollOff(NOTHING_DUE);
  console.log(`${"operation".padEnd(44)} ${"ms".padStart(7)} ${"consumers".padStart(9)} ${"heap peak +MiB".padStart(16)} ${"RSS MiB".padStart(14)}`);
  const kv = await getBucket(BUCKETS.metricChunks);
  for (let round = 1; round <= ROUNDS; round++) {
    await measure(`before: list the chunk bucket (kv.keys), #${round}`, async () => {
      let n = 0;
      for await (const _ of await kv.keys()) n++;
      if (n < SERIES * HOURS) throw new Error(`listed ${n} keys`);
    });
    await measure(`now: roll-off, nothing due, #${round}`, () => rollOff(NOTHING_DUE));
  }
  await measure(`now: roll-off sealing one hour (${SERIES} chunks)`, async () => {
    const report = await rollOff(H0 + HOUR + 31 * 60_000);
    if (report.sealed !== SERIES) throw new Error(`sealed ${report.sealed}`);
  });
  console.log(`\nload average at the end: ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
} finally {
  await closeNats();
  await s3.stop();
  await nats.stop();
}
