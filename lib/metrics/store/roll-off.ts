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
 */
import type { KV } from "nats";
import { Aggregate } from "../read/aggregate.js";
import { chunkBucket, chunkKey, deleteChunk, loadChunk, parseChunkKey, saveChunk, type ChunkRef, type StoredChunk } from "./chunk-store.js";
import { loadCold, purgeCold, saveCold } from "./cold-store.js";
import { compactAll } from "../write/compaction.js";
import { inPool } from "../../storage/in-pool.js";
import { markSealedThrough } from "./sealing.js";
import { bucketStart, chunkStart, HIGH_RES_RETENTION_MS, retention, SEALED_AFTER_MS, TIERS } from "./tiers.js";

export interface RollOffReport {
  droppedHighRes: number;
  sealed: number;
  rolledToWarm: number;
  archivedToCold: number;
  purgedCold: number;
}

export async function rollOff(now = Date.now()): Promise<RollOffReport> {
  // Delta records not folded yet would reach their chunks after the move, as late data.
  await compactAll();
  const kv = await chunkBucket();
  const { hotMs, archiveMs, coldMs } = retention();
  const report: RollOffReport = { droppedHighRes: 0, sealed: 0, rolledToWarm: 0, archivedToCold: 0, purgedCold: 0 };

  const refs: ChunkRef[] = [];
  for await (const key of await kv.keys()) {
    const ref = parseChunkKey(key);
    if (ref) refs.push(ref);
  }
  const ends = (r: ChunkRef) => r.start + TIERS[r.tier].spanMs;

  for (const ref of refs.filter((r) => r.tier === "s1" && ends(r) <= now - HIGH_RES_RETENTION_MS)) {
    await kv.purge(chunkKey(ref));
    report.droppedHighRes++;
  }
  // Hours nothing writes to any more (the aggregator sends their late data to the sealed chunk).
  const sealedThrough = now - SEALED_AFTER_MS;
  const sealing = refs.filter((r) => r.tier === "m1" && ends(r) <= sealedThrough);
  const targets = new Map<string, { target: ChunkRef; sources: ChunkRef[] }>();
  for (const ref of sealing) {
    const target: ChunkRef = { ...ref, tier: "m1s", start: chunkStart(ref.start, TIERS.m1s) };
    const key = chunkKey(target);
    const group = targets.get(key);
    if (group) group.sources.push(ref);
    else targets.set(key, { target, sources: [ref] });
  }
  // Sealed chunks in parallel, each one's hours in turn (they would only contend for it).
  await inPool([...targets.values()], async ({ target, sources }) => {
    for (const ref of sources) if (await seal(kv, ref, target, now - hotMs)) report.sealed++;
  }, 32);
  // Readers need not look for hourly chunks of those hours from now on.
  await markSealedThrough(sealedThrough);

  const sealedRefs = new Map<string, ChunkRef>();
  for (const ref of refs) if (ref.tier === "m1s") sealedRefs.set(chunkKey(ref), ref);
  for (const { target } of targets.values()) sealedRefs.set(chunkKey(target), target);
  await inPool([...sealedRefs.values()].filter((r) => ends(r) <= now - hotMs), async (ref) => {
    if (await rollToWarm(kv, ref)) report.rolledToWarm++;
  }, 32);
  for (const ref of refs.filter((r) => r.tier === "m5" && ends(r) <= now - archiveMs)) {
    if (await archiveToCold(kv, ref)) report.archivedToCold++;
  }
  report.purgedCold = await purgeCold(now - coldMs);
  return report;
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
 * says which delta records went into that chunk. False when there was
 * nothing to move. `hotUntil`: sealed chunks ending by then may have been
 * rolled up already.
 */
async function seal(kv: KV, ref: ChunkRef, target: ChunkRef, hotUntil: number): Promise<boolean> {
  const source = await loadChunk(kv, ref);
  if (source.revision === 0) return false;
  // An hour back after its sealed chunk was rolled up (a move interrupted a day ago): its rollup has it.
  const rolled =
    target.start + TIERS.m1s.spanMs <= hotUntil &&
    (await loadChunk(kv, { ...ref, tier: "m5", start: chunkStart(ref.start, TIERS.m5) })).absorbed.includes(source.incarnation);
  if (!rolled) await moveInto(kv, source, target, TIERS.m1s.resolutionMs);
  return finishMove(kv, ref, source);
}

async function rollToWarm(kv: KV, ref: ChunkRef): Promise<boolean> {
  const source = await loadChunk(kv, ref);
  if (source.revision === 0) return false;
  await moveInto(kv, source, { ...ref, tier: "m5", start: chunkStart(ref.start, TIERS.m5) }, TIERS.m5.resolutionMs);
  return finishMove(kv, ref, source);
}

/**
 * Deletes a moved chunk if it is still as it was moved. Another roll-off
 * may have deleted it first; but if compaction wrote to it meanwhile (an
 * aggregator further behind than the tiers' margins, or a clock that far
 * off), its newest buckets are in neither place: readers skip the chunk as
 * absorbed. That is said, not hidden.
 */
async function finishMove(kv: KV, ref: ChunkRef, source: StoredChunk): Promise<boolean> {
  if (await deleteChunk(kv, ref, source.revision)) return true;
  const now = await loadChunk(kv, ref, true);
  if (now.revision !== 0 && now.incarnation === source.incarnation && now.lastSeq > source.lastSeq) {
    console.error(
      `[hive-cloudwatch] roll-off: ${chunkKey(ref)} was written while it was moved (an aggregator or clock past the tiers' margins); datapoints folded after ingest sequence ${source.lastSeq} are not readable`,
    );
  }
  return false;
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

async function archiveToCold(kv: KV, ref: ChunkRef): Promise<boolean> {
  const source = await loadChunk(kv, ref);
  if (source.revision === 0) return false;
  const coldRef = { account: ref.account, seriesId: ref.seriesId, unit: ref.unit, start: ref.start };
  const cold: StoredChunk = await loadCold(coldRef);
  if (!cold.absorbed.includes(source.incarnation)) {
    foldBuckets(cold.buckets, source.buckets, TIERS.h1.resolutionMs);
    cold.absorbed.push(source.incarnation);
    await saveCold(coldRef, cold);
  }
  return deleteChunk(kv, ref, source.revision);
}
