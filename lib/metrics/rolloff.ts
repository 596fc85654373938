/**
 * Roll-off (scheduled): 1-second buckets are dropped after 3 hours, 1-minute
 * chunks past the hot retention are folded into 5-minute rollups, 5-minute
 * chunks past the warm retention are archived to S3 as 1-hour rollups, and
 * cold objects past the cold retention are deleted.
 *
 * Each move is idempotent: the rollup records the incarnation of every chunk
 * it absorbed, so a move interrupted between "write rollup" and "delete
 * source" is finished, not repeated, on the next run; readers skip a source
 * chunk its rollup has absorbed.
 */
import type { KV } from "nats";
import { Aggregate } from "./aggregate.js";
import { chunkBucket, chunkKey, deleteChunk, loadChunk, parseChunkKey, saveChunk, type ChunkRef, type StoredChunk } from "./chunk-store.js";
import { loadCold, purgeCold, saveCold } from "./cold-store.js";
import { compactAll } from "./compaction.js";
import { bucketStart, chunkStart, HIGH_RES_RETENTION_MS, retention, TIERS } from "./tiers.js";

export interface RollOffReport {
  droppedHighRes: number;
  rolledToWarm: number;
  archivedToCold: number;
  purgedCold: number;
}

export async function rollOff(now = Date.now()): Promise<RollOffReport> {
  // Delta records not folded yet would reach their chunks after the move, as late data.
  await compactAll();
  const kv = await chunkBucket();
  const { hotMs, archiveMs, coldMs } = retention();
  const report: RollOffReport = { droppedHighRes: 0, rolledToWarm: 0, archivedToCold: 0, purgedCold: 0 };

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
  for (const ref of refs.filter((r) => r.tier === "m1" && ends(r) <= now - hotMs)) {
    if (await rollToWarm(kv, ref)) report.rolledToWarm++;
  }
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

async function rollToWarm(kv: KV, ref: ChunkRef): Promise<boolean> {
  const source = await loadChunk(kv, ref);
  if (source.revision === 0) return false;
  const warmRef: ChunkRef = { ...ref, tier: "m5", start: chunkStart(ref.start, TIERS.m5) };
  for (let attempt = 0; ; attempt++) {
    const warm = await loadChunk(kv, warmRef);
    if (warm.absorbed.includes(source.incarnation)) break;
    foldBuckets(warm.buckets, source.buckets, TIERS.m5.resolutionMs);
    warm.absorbed.push(source.incarnation);
    if (await saveChunk(kv, warmRef, warm)) break;
    if (attempt > 20) throw new Error(`roll-off: ${warmRef.seriesId} kept changing`);
  }
  return deleteChunk(kv, ref, source.revision);
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
