/**
 * What a KV delete marker costs nats-server 2.9.10, and what removing it
 * gives back. Roll-off purges every chunk it moves (an hour of every series,
 * each hour), and with `history: 1` a purge marker is the key's one
 * message, kept for good: a message on disk and an entry of the stream's
 * per-subject index in memory. `--keys` keys of chunk-key length are written
 * and purged (as roll-off did), then as many others written and deleted by
 * revision (`deleteRevision`, as roll-off does now); after each step
 * nats-server's live heap (pprof after a collection), its RSS and the
 * stream's messages.
 *
 *   npx tsx bench/kv-markers.ts [--keys 100000]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { startNatsServer } from "../local/processes.js";
import { machine, numberArg, rssMb } from "./common.js";

const KEYS = numberArg("keys", 100_000);
const dir = mkdtempSync(join(tmpdir(), "bench-kv-markers-"));
const nats = await startNatsServer({ storeDir: dir, monitor: true });
process.env.HIVE_CLOUDWATCH_NATS_URL = nats.url;
process.env.HIVE_CLOUDWATCH_LOCAL = "true";
const { BUCKETS, closeNats, getBucket, getNats } = await import("../lib/storage/nats.js");
const { kvWrites } = await import("../lib/storage/kv-writes.js");
const { deleteRevision } = await import("../lib/storage/kv-writes.js");

async function figures(step: string): Promise<void> {
  const heap = await fetch(`${nats.profileUrl}/debug/pprof/heap?gc=1&debug=1`).then((r) => r.text());
  const live = Number(/# HeapAlloc = (\d+)/.exec(heap)?.[1] ?? NaN) / 2 ** 20;
  const { state } = await (await getNats()).jsm.streams.info(`KV_${BUCKETS.metricChunks}`);
  console.log(`${step.padEnd(28)} live heap ${live.toFixed(1).padStart(6)} MiB  rss ${rssMb(nats.process?.pid).toFixed(0).padStart(4)} MiB  messages ${String(state.messages).padStart(7)}  bytes ${(state.bytes / 2 ** 20).toFixed(1)} MiB`);
}

console.log(`${machine()}; load ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
try {
  const kv = await getBucket(BUCKETS.metricChunks);
  // Keys shaped as chunk keys (`chunkKey`: account, series id, unit, tier, start).
  const keys = (set: string) => Array.from({ length: KEYS }, (_, i) => `000000000000.${set}${String(i).padStart(31, "0")}.Count.m1.${1_765_000_000 + 3600 * (i % 24)}`);
  const write = async (ks: string[]) => {
    const revisions: number[] = [];
    for (let from = 0; from < KEYS; from += 5000) {
      revisions.push(...(await kvWrites(BUCKETS.metricChunks, ks.slice(from, from + 5000).map((key) => ({ key, value: new Uint8Array(100), revision: 0 })))));
    }
    return revisions;
  };
  await figures("empty bucket");
  const purged = keys("p");
  await write(purged);
  await figures(`${KEYS} keys of 100 B`);
  for (const key of purged) await kv.purge(key);
  await figures(`purged: ${KEYS} markers`);
  const deleted = keys("d");
  const revisions = await write(deleted);
  await figures(`${KEYS} more keys`);
  for (const revision of revisions) await deleteRevision(BUCKETS.metricChunks, revision);
  await figures(`deleted by revision`);
} finally {
  await closeNats();
  await nats.stop();
  rmSync(dir, { recursive: true, force: true });
}
