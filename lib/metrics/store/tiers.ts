/**
 * Storage tiers of metric buckets. Each tier keeps buckets of one resolution
 * in chunks of a fixed span (one record per series, unit and span).
 *
 *   s1    1-second buckets of high-resolution data, kept 3 hours      (KV)
 *   m1    1-minute buckets of the open hour, the hot tier             (KV)
 *   m1s   the same buckets once their hour has closed ("sealed"),
 *         12 hours to a chunk, kept as long as the hot tier           (KV)
 *   m5    5-minute rollups, the warm tier                             (KV)
 *   h1    1-hour rollups, the cold tier, one object per series-day    (S3)
 *
 * Why two chunk spans for one resolution: compaction rewrites a live chunk
 * whole every few seconds, so live chunks must be short (an hour), while
 * every read pays per chunk, so stored ones should be long. Roll-off seals
 * each closed hour into its 12-hour chunk; a day of a series is then read
 * in 3 or 4 chunks instead of 24.
 *
 * Roll-off moves only chunks nothing writes to any more: the aggregator sends
 * late datapoints (AWS accepts two weeks back) straight to the coarser tier
 * once a chunk is within a margin of moving, and the warm tier is archived
 * only after the two-week window has passed.
 */
import { getConfig } from "../../config/config.js";

export type TierName = "s1" | "m1" | "m1s" | "m5" | "h1";

export interface Tier {
  name: TierName;
  /** Bucket width. */
  resolutionMs: number;
  /** Time covered by one chunk record. */
  spanMs: number;
}

const HOUR = 3600_000;
const DAY = 24 * HOUR;

export const TIERS: Record<TierName, Tier> = {
  s1: { name: "s1", resolutionMs: 1000, spanMs: 15 * 60_000 },
  // One-hour chunks (DESIGN.md: a key per series-hour). Compaction rewrites a
  // live chunk whole every few seconds, so its cost grows with the span: a
  // 12-hour chunk of busy series cost up to 12 times more at its end.
  m1: { name: "m1", resolutionMs: 60_000, spanMs: HOUR },
  m1s: { name: "m1s", resolutionMs: 60_000, spanMs: 12 * HOUR },
  m5: { name: "m5", resolutionMs: 300_000, spanMs: DAY },
  h1: { name: "h1", resolutionMs: HOUR, spanMs: DAY },
};

export const HIGH_RES_RETENTION_MS = 3 * HOUR;
/** No chunk is written to within this margin of its roll-off. */
export const ROLL_MARGIN_MS = HOUR;
/**
 * Datapoints of an hour that closed this long ago go to its sealed chunk, not
 * its hourly one. Roll-off seals an hour once nothing has written to its
 * hourly chunk for SEAL_MARGIN_MS more. The margins are the clock skew and
 * stalls between aggregators and roll-off that sealing tolerates: past them,
 * a write to an hourly chunk while roll-off moves it would be lost, and one
 * after it moved hidden from reads until the next run seals it.
 */
export const SEAL_AFTER_MS = 15 * 60_000;
const SEAL_MARGIN_MS = 15 * 60_000;
/** Every hourly chunk ending this long ago or more is sealed, once roll-off has run. */
export const SEALED_AFTER_MS = SEAL_AFTER_MS + SEAL_MARGIN_MS;
/** AWS accepts datapoints this old. */
export const LATE_DATA_MS = 14 * DAY;

export const bucketStart = (t: number, resolutionMs: number) => t - (((t % resolutionMs) + resolutionMs) % resolutionMs);
export const chunkStart = (t: number, tier: Tier) => bucketStart(t, tier.spanMs);

/** Chunk starts of `tier` overlapping [start, end). */
export function chunkStartsIn(tier: Tier, start: number, end: number): number[] {
  const out: number[] = [];
  for (let c = chunkStart(start, tier); c < end; c += tier.spanMs) out.push(c);
  return out;
}

export interface Retention {
  hotMs: number;
  /** m5 chunks older than this are archived to the cold tier. */
  archiveMs: number;
  coldMs: number;
}

export function retention(): Retention {
  const r = getConfig().rolloff;
  return {
    hotMs: r.hotRetentionHours * HOUR,
    // Never before the late-data window has closed on a day: archived days are immutable.
    archiveMs: Math.max(r.warmRetentionDays * DAY, LATE_DATA_MS + DAY),
    coldMs: r.coldRetentionDays * DAY,
  };
}

/** Datapoints at or after this time always go to the hot tier; the warm tier holds only older ones. */
export const warmUpperBound = (now: number, hotMs: number) => now - hotMs + ROLL_MARGIN_MS + TIERS.m1.spanMs;

/** The tiers a datapoint is written to by the aggregator at time `now`. */
export function ingestTiers(d: { t: number; r?: 1 | 60; k?: TierName }, now: number, hotMs = retention().hotMs): readonly TierName[] {
  if (d.k) return ONE_TIER[d.k]; // a bucket already folded, into this tier
  return tiersAt(d.t, d.r === 1, now, hotMs);
}

/** The earliest time a high-resolution datapoint still gets 1-second buckets at `now`. */
export const highResSince = (now: number) => now - HIGH_RES_RETENTION_MS + ROLL_MARGIN_MS;

/**
 * ingestTiers of a datapoint at `t`, published at high resolution or not.
 * The answer is the same for every `t` of one hour (TIERS.m1's chunk) on the
 * same side of highResSince: the aggregator keeps it per hour.
 */
export function tiersAt(t: number, highResolution: boolean, now: number, hotMs: number): readonly TierName[] {
  const highRes = highResolution && t >= highResSince(now);
  const hot = chunkStart(t, TIERS.m1s) + TIERS.m1s.spanMs > now - hotMs + ROLL_MARGIN_MS;
  const open = chunkStart(t, TIERS.m1) + TIERS.m1.spanMs > now - SEAL_AFTER_MS;
  // Shared answers: this runs for every datapoint the aggregator folds.
  if (!hot) return highRes ? S1_M5 : M5;
  if (open) return highRes ? S1_M1 : M1;
  return highRes ? S1_M1S : M1S;
}

const S1_M1: readonly TierName[] = ["s1", "m1"];
const S1_M1S: readonly TierName[] = ["s1", "m1s"];
const S1_M5: readonly TierName[] = ["s1", "m5"];
const M1: readonly TierName[] = ["m1"];
const M1S: readonly TierName[] = ["m1s"];
const M5: readonly TierName[] = ["m5"];
const ONE_TIER: Record<TierName, readonly TierName[]> = { s1: ["s1"], m1: M1, m1s: M1S, m5: M5, h1: ["h1"] };
