/**
 * Storage tiers of metric buckets. Each tier keeps buckets of one resolution
 * in chunks of a fixed span (one KV record per series, unit and span).
 */
export type TierName = "s1" | "m1" | "m5";

export interface Tier {
  name: TierName;
  /** Bucket width. */
  resolutionMs: number;
  /** Time covered by one chunk record. */
  spanMs: number;
}

export const TIERS: Record<TierName, Tier> = {
  // High-resolution data, kept 3 hours.
  s1: { name: "s1", resolutionMs: 1000, spanMs: 15 * 60_000 },
  // The hot tier: 1-minute buckets.
  m1: { name: "m1", resolutionMs: 60_000, spanMs: 3 * 3600_000 },
  // The warm tier: 5-minute rollups.
  m5: { name: "m5", resolutionMs: 300_000, spanMs: 24 * 3600_000 },
};

export const HIGH_RES_RETENTION_MS = 3 * 3600_000;

export const bucketStart = (t: number, resolutionMs: number) => t - (((t % resolutionMs) + resolutionMs) % resolutionMs);
export const chunkStart = (t: number, tier: Tier) => bucketStart(t, tier.spanMs);

/** Chunk starts of `tier` overlapping [start, end). */
export function chunkStartsIn(tier: Tier, start: number, end: number): number[] {
  const out: number[] = [];
  for (let c = chunkStart(start, tier); c < end; c += tier.spanMs) out.push(c);
  return out;
}
