/**
 * Roll-off (scheduled): 1-second buckets are dropped after 3 hours, closed
 * hours of 1-minute buckets are sealed into their 12-hour chunks, those past
 * the hot retention are folded into 5-minute rollups, 5-minute chunks past the
 * warm retention are archived to S3 as 1-hour rollups, and cold objects past
 * the cold retention are deleted.
 *
 * Each move is idempotent: the target records the incarnation of every chunk
 * it absorbed (a rollup also those its sources had absorbed), so a move
 * interrupted between "write target" and "delete source" is finished, not
 * repeated, on the next run; readers skip a source chunk its target has
 * absorbed.
 *
 * A run finds the chunks to move in the directory of chunk windows
 * (chunk-windows.ts): it reads the listings of the windows that are due, and
 * never lists the chunk bucket (but once, for a store written before the
 * directory).
 */
import type { KV } from "nats";
import { Aggregate } from "../read/aggregate.js";
import { chunkBucket, chunkKey, deleteChunk, loadChunk, parseChunkKey, saveChunk, type ChunkRef, type StoredChunk } from "./chunk-store.js";
import { deleteListings, listChunksWrittenBefore, listNewChunks, listWindows, windowPages, type ChunkWindow } from "./chunk-windows.js";
import { loadCold, saveCold } from "./cold-store.js";
import { expireMetrics } from "./expiry.js";
import { compactAll } from "../write/compaction.js";
import { inPool } from "../../storage/in-pool.js";
import { kvRecords } from "../../storage/kv-values.js";
import { deleteRevision } from "../../storage/kv-writes.js";
import { BUCKETS } from "../../storage/nats.js";
import { markSealedThrough } from "./sealing.js";
import { bucketStart, chunkStart, HIGH_RES_RETENTION_MS, retention, SEAL_AFTER_MS, SEALED_AFTER_MS, TIERS, type TierName } from "./tiers.js";

export interface RollOffReport {
  droppedHighRes: number;
  sealed: number;
  rolledToWarm: number;
  archivedToCold: number;
  purgedCold: number;
  /** Series records deleted: no data left in any tier (expiry.ts). */
  expiredSeries: number;
}

/** What a move found: no chunk, the chunk moved, or the chunk there but not moved by this run (changed meanwhile). */
type Move = "absent" | "moved" | "kept";

export async function rollOff(now = Date.now()): Promise<RollOffReport> {
  const kv = await chunkBucket();
  // Chunks are found through the directory of windows (chunk-windows.ts), not a scan of the bucket.
  await listChunksWrittenBefore();
  const { hotMs, archiveMs, coldMs } = retention();
  const report: RollOffReport = { droppedHighRes: 0, sealed: 0, rolledToWarm: 0, archivedToCold: 0, purgedCold: 0, expiredSeries: 0 };
  const windows = await listWindows();
  const due = (tier: TierName, endsBy: number) => windows.filter((w) => w.tier === tier && w.start + TIERS[tier].spanMs <= endsBy);
  // Delta records not folded yet would reach the chunks compaction writes after their move, as
  // late data. Only when one is due (a run an hour): every run compacting cost a step of malloc (docs/memory.md).
  const sealedThrough = now - SEALED_AFTER_MS;
  if (due("s1", now - HIGH_RES_RETENTION_MS).length + due("m1", sealedThrough).length + due("m1s", now - hotMs).length > 0) await compactAll();

  for (const w of due("s1", now - HIGH_RES_RETENTION_MS)) {
    await visitWindow(w, now, async (refs) => {
      const keys = refs.map(chunkKey);
      const found: number[] = [];
      await kvRecords(BUCKETS.metricChunks, keys, (_i, _value, revision) => void found.push(revision));
      // By revision, leaving no marker (kv-writes.ts); one rewritten meanwhile is found by the next run.
      for (const revision of found) if (await deleteRevision(BUCKETS.metricChunks, revision)) report.droppedHighRes++;
      return found.length;
    });
  }
  // sealedThrough: hours nothing writes to any more (the aggregator sends their late data to the sealed chunk).
  // Sealed chunks this run wrote that are due for the warm tier already (a store that was not rolled off for a day).
  const sealedDue = new Map<string, ChunkRef>();
  for (const w of due("m1", sealedThrough)) {
    await visitWindow(w, now, async (refs) => {
      let found = 0;
      await listTargets(refs, sealedTarget);
      // One hour of each series: no two of them seal into one chunk at once.
      await inPool(refs, async (ref) => {
        const target = sealedTarget(ref);
        const move = await seal(kv, ref, target, now - hotMs);
        if (move === "absent") return;
        found++;
        if (move === "moved") report.sealed++;
        if (target.start + TIERS.m1s.spanMs <= now - hotMs) sealedDue.set(chunkKey(target), target);
      }, 32);
      return found;
    });
  }
  // Readers need not look for hourly chunks of those hours from now on.
  await markSealedThrough(sealedThrough);

  const toWarm = async (refs: ChunkRef[]) => {
    let found = 0;
    await listTargets(refs, warmTarget);
    await inPool(refs, async (ref) => {
      const move = await rollToWarm(kv, ref);
      if (move !== "absent") found++;
      if (move === "moved") report.rolledToWarm++;
    }, 32);
    return found;
  };
  for (const w of due("m1s", now - hotMs)) await visitWindow(w, now, toWarm);
  await toWarm([...sealedDue.values()]);

  for (const w of due("m5", now - archiveMs)) {
    await visitWindow(w, now, async (refs) => {
      let found = 0;
      for (const ref of refs) {
        const move = await archiveToCold(kv, ref);
        if (move !== "absent") found++;
        if (move === "moved") report.archivedToCold++;
      }
      return found;
    });
  }
  Object.assign(report, await expireMetrics(now - coldMs, now - Math.max(coldMs, archiveMs + TIERS.m5.spanMs)));
  return report;
}

const sealedTarget = (ref: ChunkRef): ChunkRef => ({ ...ref, tier: "m1s", start: chunkStart(ref.start, TIERS.m1s) });
const warmTarget = (ref: ChunkRef): ChunkRef => ({ ...ref, tier: "m5", start: chunkStart(ref.start, TIERS.m5) });

/**
 * Lists the targets moves of `sources` will create (those of sources that
 * exist, where none is yet), in one message a window: saveChunk would list
 * each in a message of its own, and a sealing run creates one for every
 * series new in its 12 hours, each a get when roll-off reads the window.
 */
async function listTargets(sources: ChunkRef[], targetOf: (ref: ChunkRef) => ChunkRef): Promise<void> {
  const targets = sources.map((ref) => chunkKey(targetOf(ref)));
  const keys = [...sources.map(chunkKey), ...targets];
  const exists = new Set<string>();
  await kvRecords(BUCKETS.metricChunks, keys, (i) => void exists.add(keys[i]));
  await listNewChunks(targets.filter((key, i) => exists.has(keys[i]) && !exists.has(key)));
}

/**
 * A listing younger than this (by the run's clock) is kept even when none of
 * its chunks exists: its writer lists before it creates, and may not have
 * created them yet. The tiers' margins are the clock skew the store tolerates.
 */
const LISTING_SETTLE_MS = SEAL_AFTER_MS;

/**
 * Visits a due window's chunks, a page of listings at a time; `visit` moves
 * them and answers how many it found. A page's listings are deleted once a
 * run finds none of their chunks: a run that found some leaves them to the
 * next, which finishes a move interrupted after its target was written, or
 * moves a chunk a late writer created meanwhile.
 */
async function visitWindow(w: ChunkWindow, now: number, visit: (refs: ChunkRef[]) => Promise<number>): Promise<void> {
  for await (const page of windowPages(w)) {
    const refs = page.keys.flatMap((key) => parseChunkKey(key) ?? []);
    if ((await visit(refs)) > 0) continue;
    await deleteListings(page.listings.filter((l) => l.at <= now - LISTING_SETTLE_MS).map((l) => l.seq));
  }
}

/** Folds `source` buckets into `target`, re-bucketed to `resolutionMs`. */
function foldBuckets(target: Map<number, Aggregate>, source: Map<number, Aggregate>, resolutionMs: number): void {
  for (const [t, agg] of source) {
    const b = bucketStart(t, resolutionMs);
    const cur = target.get(b);
    if (cur) cur.merge(agg);
    else target.set(b, agg.clone());
  }
}

/**
 * Folds an hourly chunk into its 12-hour sealed chunk and deletes it. The
 * sealed chunk's last sequence is left alone: it is compaction's, and only
 * says which delta records went into that chunk. `hotUntil`: sealed chunks
 * ending by then may have been rolled up already.
 */
async function seal(kv: KV, ref: ChunkRef, target: ChunkRef, hotUntil: number): Promise<Move> {
  const source = await loadChunk(kv, ref);
  if (source.revision === 0) return "absent";
  // An hour back after its sealed chunk was rolled up (a move interrupted a day ago): its rollup has it.
  const rolled =
    target.start + TIERS.m1s.spanMs <= hotUntil &&
    (await loadChunk(kv, { ...ref, tier: "m5", start: chunkStart(ref.start, TIERS.m5) })).absorbed.includes(source.incarnation);
  if (!rolled) await moveInto(kv, source, target, TIERS.m1s.resolutionMs);
  return finishMove(kv, ref, source);
}

async function rollToWarm(kv: KV, ref: ChunkRef): Promise<Move> {
  const source = await loadChunk(kv, ref);
  if (source.revision === 0) return "absent";
  await moveInto(kv, source, warmTarget(ref), TIERS.m5.resolutionMs);
  return finishMove(kv, ref, source);
}

/**
 * Deletes a moved chunk if it is still as it was moved. Another roll-off
 * may have deleted it first; but if compaction wrote to it meanwhile (an
 * aggregator further behind than the tiers' margins, or a clock that far
 * off), its newest buckets are in neither place: readers skip the chunk as
 * absorbed. That is said, not hidden.
 */
async function finishMove(kv: KV, ref: ChunkRef, source: StoredChunk): Promise<Move> {
  if (await deleteChunk(kv, ref, source.revision)) return "moved";
  const now = await loadChunk(kv, ref, true);
  if (now.revision !== 0 && now.incarnation === source.incarnation && now.lastSeq > source.lastSeq) {
    console.error(
      `[hive-cloudwatch] roll-off: ${chunkKey(ref)} was written while it was moved (an aggregator or clock past the tiers' margins); datapoints folded after ingest sequence ${source.lastSeq} are not readable`,
    );
  }
  return "kept";
}

/**
 * Folds `source` into the chunk at `targetRef` unless it has it already,
 * noting the source's incarnation and those the source had absorbed (so an
 * hourly chunk sealed, then rolled up with its sealed chunk, is still known).
 */
async function moveInto(kv: KV, source: StoredChunk, targetRef: ChunkRef, resolutionMs: number): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const target = await loadChunk(kv, targetRef);
    if (target.absorbed.includes(source.incarnation)) return;
    foldBuckets(target.buckets, source.buckets, resolutionMs);
    target.absorbed.push(source.incarnation, ...source.absorbed.filter((a) => !target.absorbed.includes(a)));
    if (await saveChunk(kv, targetRef, target)) return;
    if (attempt > 20) throw new Error(`roll-off: ${targetRef.seriesId} kept changing`);
  }
}

async function archiveToCold(kv: KV, ref: ChunkRef): Promise<Move> {
  const source = await loadChunk(kv, ref);
  if (source.revision === 0) return "absent";
  const coldRef = { account: ref.account, seriesId: ref.seriesId, unit: ref.unit, start: ref.start };
  const cold: StoredChunk = await loadCold(coldRef);
  if (!cold.absorbed.includes(source.incarnation)) {
    foldBuckets(cold.buckets, source.buckets, TIERS.h1.resolutionMs);
    cold.absorbed.push(source.incarnation);
    await saveCold(coldRef, cold);
  }
  return (await deleteChunk(kv, ref, source.revision)) ? "moved" : "kept";
}
