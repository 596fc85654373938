/**
 * The chunk bucket's holes in nats-server: two nats-servers side by side
 * (same machine, same moment, same load), each given the soak's chunk writes
 * at ten times the pace; one bucket is repacked (below) every 10 rounds, as
 * roll-off would every 5 minutes, the other is not (`--swap`: the first
 * server started is the repacked one, for ABBA). The repack bounded the
 * blocks but not nats-server's memory, and was not adopted (docs/memory.md).
 *
 * A round is 30 s of the soak: every steady series' hourly chunk rewritten
 * (a size growing by 300 B a minute of its hour, 18 KB at its end), 25 new
 * pod series written twice then left, eight reads of 20 series (this and the
 * last hour), as GetMetricData and GetMetricStatistics read. 120 rounds make
 * an hour; an hour is sealed (each series' sealed chunk rewritten, the
 * hour's chunks deleted by revision as roll-off does, or with `--purge`
 * purged, leaving markers, as it did) 20 minutes after it ended. Prints, every 10
 * rounds, before the repack, each server's RSS (mean and max of samples every
 * 250 ms), its live Go heap (pprof after a collection), the bucket's blocks
 * and bytes on disk against its live bytes, and what the repack moved.
 *
 * `--against` chooses what the second server is compared on: `repack` (above,
 * the default); `segments`: each hourly chunk written as `--segment` (15)
 * minute chunks, only the open one rewritten a round (the same live bytes, a
 * quarter of the bytes rewritten late in the hour; reads get the chunks of the
 * last 60 minutes);
 * `scale=F`: every chunk written at F times its bytes (0.45: hot chunks deflated at
 * level 1, as compaction writes them since natsflat2);
 * `gogc=N`, `gomemlimit=MiB`: the same writes, nats-server run with that
 * GOGC or GOMEMLIMIT (the other with the service's default); `paced`: the same
 * writes, each round's chunk rewrites in slices of 64 spread over two thirds
 * of the round, as a paced compaction pass would write them (the other server
 * writes them at once, as the four partitions' passes, which start together,
 * do). `--top` adds each server's biggest heap allocation sites. None of
 * these was adopted: docs/memory.md has the figures.
 *
 *   npx tsx bench/kv-holes.ts [--rounds 240] [--every 3] [--real 50,75] [--series 1000] [--swap] [--purge] [--against repack|segments|paced|scale=F|gogc=N|gomemlimit=MiB] [--segment 15] [--from-minute 0] [--top]
 *
 * A key rewritten less often than every 5 s (`--every` above 5) has its block
 * unloaded in between, as the soak's chunks, rewritten every 30 s, have:
 * nats-server then loads it again to delete the old revision.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type KV, type JetStreamManager, type NatsConnection, type StoredMsg } from "nats";
import { startNatsServer, type RunningServer } from "../local/processes.js";
import { machine, natsHeap, numberArg, rssMb } from "./common.js";

const ROUNDS = numberArg("rounds", 240);
const EVERY_MS = numberArg("every", 3) * 1000;
const SERIES = numberArg("series", 1000);
const PODS_PER_ROUND = 25;
const ROUNDS_PER_HOUR = 120;
const BUCKET = "cw-metric-chunks";
const AGAINST = process.argv.includes("--against") ? process.argv[process.argv.indexOf("--against") + 1] : "repack";
const GOGC = /^gogc=(\d+)$/.exec(AGAINST)?.[1];
const GOMEMLIMIT = /^gomemlimit=(\d+)$/.exec(AGAINST)?.[1];
const SEGMENTS = AGAINST === "segments";
const REPACK = AGAINST === "repack";
const PACED = AGAINST === "paced";
/** `--against scale=F`: the second server's chunks are F times the bytes (hot chunks deflated at level 1: 0.45). */
const SCALE = Number(/^scale=([\d.]+)$/.exec(AGAINST)?.[1] ?? 0);
/** `--from-minute M`: the first round is soak minute M (a store that starts mid-hour, to time minutes 30–60 at the real pace). */
const FIRST_ROUND = numberArg("from-minute", 0) * 2;
const TOP = process.argv.includes("--top");
/** `--real 50,75`: the 10 rounds from each of these soak minutes take 30 s (the soak's pace, so blocks unload between passes), the others `--every`. */
const REAL = process.argv.includes("--real") ? process.argv[process.argv.indexOf("--real") + 1].split(",").map((m) => Number(m) * 2) : [];
const roundMs = (r: number) => (REAL.some((from) => r >= from && r < from + 10) ? 30_000 : EVERY_MS);
if (!REPACK && !SEGMENTS && !GOGC && !GOMEMLIMIT && !PACED && !SCALE) throw new Error(`--against ${AGAINST}: repack, segments, paced, scale=F, gogc=N or gomemlimit=MiB`);
/** Minutes of an hour a segment covers (`--against segments`, `--segment M`). */
const SEGMENT_MINUTES = numberArg("segment", 15);
/** Chunks a paced pass writes at once (`--against paced`). */
const PACE_SLICE = 64;

const dir = mkdtempSync(join(tmpdir(), "bench-kv-holes-"));
interface Side {
  name: string;
  server: RunningServer;
  storeDir: string;
  nc: NatsConnection;
  jsm: JetStreamManager;
  kv: KV;
  /** Each key's last revision. */
  revisions: Map<string, number>;
  moved: number;
  markers: number;
  bytes: number;
  /** The last repack's time. */
  ms: number;
  /** RSS samples (MiB) since the last figures. */
  rss: number[];
}

async function side(name: string): Promise<Side> {
  const storeDir = join(dir, name.replace(/\W/g, "-"));
  const changed = name !== "as is";
  const server = await startNatsServer({
    storeDir,
    monitor: true,
    gcPercent: changed && GOGC ? Number(GOGC) : undefined,
    memoryLimitMb: changed && GOMEMLIMIT ? Number(GOMEMLIMIT) : undefined,
  });
  const nc = await connect({ servers: server.url });
  const kv = await nc.jetstream().views.kv(BUCKET, { history: 1 });
  return { name, server, storeDir, nc, jsm: await nc.jetstreamManager(), kv, revisions: new Map(), moved: 0, markers: 0, bytes: 0, ms: 0, rss: [] };
}

const SWAP = process.argv.includes("--swap");
const PURGE = process.argv.includes("--purge");
const first = await side(SWAP ? AGAINST : "as is");
const second = await side(SWAP ? "as is" : AGAINST);
const b = SWAP ? first : second;
// The repack runs through lib/, whose one connection is the repacked server's.
process.env.HIVE_CLOUDWATCH_NATS_URL = b.server.url;
process.env.HIVE_CLOUDWATCH_LOCAL = "true";
const { closeNats, getBucket, getNats } = await import("../lib/storage/nats.js");
const { kvWrites } = await import("../lib/storage/kv-writes.js");
type BucketName = import("../lib/storage/nats.js").BucketName;
type KvWrite = import("../lib/storage/kv-writes.js").KvWrite;
/*
 * The repack: moves a KV bucket's oldest records to the head of its stream, so that
 * nats-server can drop the file blocks they held.
 *
 * Why: nats-server 2.9.10 writes a KV bucket in 4 MB blocks and rewrites a
 * block without its deleted messages only while it is over 2 MB and under a
 * quarter live (filestore.go `removeMsg`, `compactMinimum`); a block is freed
 * only once every message in it is gone. A record rewritten every 30 s
 * (a chunk compaction folds into) leaves its old revision as a hole, while a
 * record nobody rewrites (an hour gone by, a pod that left) pins its block
 * until roll-off. The chunk bucket grew to 102 blocks, 119 MiB on disk for
 * 17–26 MiB live in the hour's soak, and nats-server loads a whole block into
 * memory for 5 s to read, overwrite or delete any record in it.
 *
 * Each record is rewritten with its own bytes, compare-and-set on the
 * revision it was read at: a writer that got there first wins and the record
 * moved anyway; a writer holding the old revision fails its compare-and-set
 * and reloads, as it does when another process wrote. Delete and purge
 * markers (a deleted key's only message, history 1) are deleted by sequence:
 * a key with no message reads as one with a marker.
 */
interface RepackReport {
  /** Records rewritten at the head. */
  moved: number;
  /** Delete or purge markers removed. */
  markers: number;
  /** Bytes of the records moved. */
  bytes: number;
}

/** Records read and rewritten per batch. */
const BATCH = 256;

/**
 * Rewrites the records older than the newest `spanFactor` × (live records)
 * sequences, once the stream spans more than that, up to `maxBytes` a run:
 * the stream then spans at most about `spanFactor` times its live records.
 */
async function repackBucket(bucket: BucketName, { spanFactor = 2, maxBytes = 64 * 2 ** 20 } = {}): Promise<RepackReport> {
  const report: RepackReport = { moved: 0, markers: 0, bytes: 0 };
  await getBucket(bucket);
  const { jsm } = await getNats();
  const stream = `KV_${bucket}`;
  const { state } = await jsm.streams.info(stream);
  if (state.messages === 0 || state.last_seq - state.first_seq + 1 <= spanFactor * state.messages) return report;
  const cutoff = state.last_seq - spanFactor * state.messages;
  const prefix = `$KV.${bucket}.`;
  let seq = state.first_seq;
  while (seq < cutoff && report.bytes < maxBytes) {
    const batch: StoredMsg[] = [];
    while (batch.length < BATCH && seq < cutoff) {
      const m = await nextMessage(stream, seq, `${prefix}>`);
      if (!m || m.seq >= cutoff) {
        seq = cutoff;
        break;
      }
      batch.push(m);
      seq = m.seq + 1;
    }
    const writes: KvWrite[] = [];
    const markers: number[] = [];
    for (const m of batch) {
      const op = m.header?.get("KV-Operation");
      if (op === "DEL" || op === "PURGE") markers.push(m.seq);
      else {
        writes.push({ key: m.subject.slice(prefix.length), value: m.data, revision: m.seq });
        report.bytes += m.data.length;
      }
    }
    // A marker is its key's newest message: if the key was written since, the marker is gone already and this fails.
    const removed = await Promise.all(markers.map((s) => jsm.streams.deleteMessage(stream, s, false).catch(() => false)));
    report.markers += removed.filter(Boolean).length;
    const revisions = await kvWrites(bucket, writes, { overMarkers: false });
    report.moved += revisions.filter((r) => r !== 0).length;
  }
  return report;
}

/** The first message at or after `seq` on `filter`, or undefined past the last. */
async function nextMessage(stream: string, seq: number, filter: string): Promise<StoredMsg | undefined> {
  // nats.js's manager has `direct` (JetStreamManagerImpl); its interface does not declare it.
  const { jsm } = (await getNats()) as unknown as { jsm: { direct: { getMessage(stream: string, q: { seq: number; next_by_subj: string }): Promise<StoredMsg> } } };
  try {
    return await jsm.direct.getMessage(stream, { seq, next_by_subj: filter });
  } catch (e) {
    if (/no message found|404/i.test(String((e as Error).message))) return undefined;
    throw e;
  }
}


const payload = (size: number, salt: number) => {
  const v = new Uint8Array(size);
  for (let i = 0; i < size; i += 64) v[i] = (salt + i) & 255;
  return v;
};
const hourKey = (s: string, hour: number) => `a.m1.${hour}.${s}`;
const steady = Array.from({ length: SERIES }, (_, i) => `s${i}`);

async function pool<T>(items: T[], width: number, f: (t: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await f(items[next++]);
  }));
}

/** One round of writes and reads on a side. */
async function round(s: Side, r: number): Promise<void> {
  const hour = Math.floor(r / ROUNDS_PER_HOUR);
  const minute = Math.floor((r % ROUNDS_PER_HOUR) / 2);
  const scaled = s === b && SCALE > 0;
  const put = async (key: string, value: Uint8Array) => s.revisions.set(key, await s.kv.put(key, scaled ? value.subarray(0, Math.ceil(value.length * SCALE)) : value));
  // As roll-off deletes a moved chunk: by revision (no marker), or with `--purge` by a purge, as it did before (a marker).
  const remove = async (key: string) => {
    if (PURGE) return s.kv.purge(key);
    // The repack may have moved it since (roll-off finds it again on its next run).
    const ok = await s.jsm.streams.deleteMessage(`KV_${BUCKET}`, s.revisions.get(key)!, false).catch(() => false);
    if (!ok) await s.jsm.streams.deleteMessage(`KV_${BUCKET}`, (await s.kv.get(key))!.revision, false);
    s.revisions.delete(key);
  };
  const segmented = s === b && SEGMENTS;
  // Segmented: only the open segment is rewritten, its size from the segment's first minute.
  const segment = Math.floor(minute / SEGMENT_MINUTES);
  const rewrite = (ids: string[]) =>
    pool(ids, 64, (id) =>
      segmented
        ? put(`${hourKey(id, hour)}.${segment}`, payload(200 + 300 * (minute - segment * SEGMENT_MINUTES + 1), r))
        : put(hourKey(id, hour), payload(200 + 300 * (minute + 1), r)),
    );
  if (s === b && PACED) {
    // A paced pass: slices of PACE_SLICE chunks spread over 2/3 of the round.
    const slices = Math.ceil(steady.length / PACE_SLICE);
    for (let i = 0; i < slices; i++) {
      const t = Date.now();
      await rewrite(steady.slice(i * PACE_SLICE, (i + 1) * PACE_SLICE));
      if (i < slices - 1) await new Promise((res) => setTimeout(res, Math.max(0, (EVERY_MS * 2) / 3 / slices - (Date.now() - t))));
    }
  } else {
    // The four partitions' passes start together and stay 30 s apart (compactSoon): one burst a round.
    await rewrite(steady);
  }
  const pods = [r, r - 1].filter((p) => p >= 0).flatMap((p) => Array.from({ length: PODS_PER_ROUND }, (_, i) => `pod${p}-${i}`));
  await pool(pods, 32, (id) => put(hourKey(id, Math.floor(r / ROUNDS_PER_HOUR)), payload(1000, r)));
  // Sealing: 20 minutes after an hour ended, its chunks go into each series' sealed chunk.
  if (r % ROUNDS_PER_HOUR === 40 && hour >= 1) {
    const sealed = hour - 1;
    const podIds = Array.from({ length: ROUNDS_PER_HOUR * PODS_PER_ROUND }, (_, i) => `pod${sealed * ROUNDS_PER_HOUR + Math.floor(i / PODS_PER_ROUND)}-${i % PODS_PER_ROUND}`);
    await pool(steady, 32, async (id) => {
      await put(`a.m1s.${id}`, payload(Math.min(12, sealed + 1) * 4000, r));
      if (!segmented) return remove(hourKey(id, sealed));
      for (let k = 0; k < 60 / SEGMENT_MINUTES; k++) await remove(`${hourKey(id, sealed)}.${k}`);
    });
    await pool(podIds, 32, (id) => remove(hourKey(id, sealed)));
  }
  for (let q = 0; q < 8; q++) {
    const ids = Array.from({ length: 20 }, () => steady[Math.floor(Math.random() * SERIES)]);
    await pool(ids, 20, async (id) => {
      for (const h of hour > 0 ? [hour, hour - 1] : [hour]) {
        if (!segmented) await s.kv.get(hourKey(id, h));
        // The last 60 minutes: this hour's segments so far, the last hour's that end after this minute.
        else await Promise.all(Array.from({ length: 60 / SEGMENT_MINUTES }, (_, k) => k).filter((k) => (h === hour ? k <= segment : (k + 1) * SEGMENT_MINUTES > minute)).map((k) => s.kv.get(`${hourKey(id, h)}.${k}`)));
      }
    });
  }
}

async function figures(s: Side): Promise<string> {
  // gc=1: Go collects before it writes the profile, so HeapAlloc is the live heap.
  const { liveBytes: live, text: heap } = await natsHeap(s.server.profileUrl!);
  const info = await (await s.nc.jetstreamManager()).streams.info(`KV_${BUCKET}`);
  const msgs = join(s.storeDir, "jetstream", "$G", "streams", `KV_${BUCKET}`, "msgs");
  const blks = readdirSync(msgs).filter((f) => f.endsWith(".blk"));
  const disk = blks.reduce((n, f) => n + statSync(join(msgs, f)).size, 0);
  const mib = (n: number) => (n / 2 ** 20).toFixed(0).padStart(4);
  const rss = s.rss.splice(0);
  // utime + stime of nats-server (clock ticks of 1/100 s): what its collector costs.
  const cpu = readFileSync(`/proc/${s.server.process?.pid}/stat`, "utf8").split(") ")[1].split(" ").slice(11, 13).reduce((t, x) => t + Number(x), 0) / 100;
  const mean = rss.reduce((x, y) => x + y, 0) / rss.length;
  return `${s.name.padEnd(9)} cpu ${cpu.toFixed(0).padStart(4)} s, rss mean ${mean.toFixed(0).padStart(3)} max ${Math.max(...rss).toFixed(0).padStart(3)}, live heap ${mib(live)}  blocks ${String(blks.length).padStart(3)}  disk ${mib(disk)} MiB for ${mib(info.state.bytes)} live, span ${String(info.state.last_seq - info.state.first_seq + 1).padStart(6)} seqs / ${String(info.state.messages).padStart(5)} msgs${s === b && REPACK ? `  repacks moved ${s.moved} (${(s.bytes / 2 ** 20).toFixed(0)} MiB), markers ${s.markers}; last ${s.ms.toFixed(0)} ms` : ""}${TOP ? `\n      ${heap.slice(heap.indexOf("top:"))}` : ""}`;
}

console.log(`${machine()}; load ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
console.log(`${ROUNDS} rounds every ${EVERY_MS / 1000} s (a round = 30 s of the soak), ${SERIES} series; against ${AGAINST}, started ${SWAP ? "first" : "second"}; sealed chunks ${PURGE ? "purged (markers)" : "deleted by revision"}`);
// RSS every 250 ms, both servers at once: a mean over each 10 rounds, not one moment of the collector's cycle.
const sampler = setInterval(() => {
  for (const s of [first, second]) s.rss.push(rssMb(s.server.process?.pid));
}, 250);
try {
  for (let r = FIRST_ROUND; r < FIRST_ROUND + ROUNDS; r++) {
    const t0 = Date.now();
    await Promise.all([round(first, r), round(second, r)]);
    if (r % 10 === 9) {
      // The figures first, both servers after the same traffic, then the repack.
      console.log(`round ${r + 1} (soak minute ${((r + 1) / 2).toFixed(0)}), load ${loadavg()[0].toFixed(2)}`);
      for (const s of [first, second]) console.log(`  ${await figures(s)}`);
    }
    if (r % 10 === 9 && REPACK) {
      const t1 = performance.now();
      const rep = await repackBucket(BUCKET);
      b.ms = performance.now() - t1;
      b.bytes += rep.bytes;
      b.moved += rep.moved;
      b.markers += rep.markers;
    }
    await new Promise((res) => setTimeout(res, Math.max(0, roundMs(r) - (Date.now() - t0))));
  }
} finally {
  clearInterval(sampler);
  await closeNats();
  for (const s of [first, second]) {
    await s.nc.close();
    await s.server.stop();
  }
  rmSync(dir, { recursive: true, force: true });
}
