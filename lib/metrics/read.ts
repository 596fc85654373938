/**
 * Reading a series: chunks of the right tiers for the time range, plus the
 * ingest tail the chunks have not absorbed yet, re-bucketed to the period.
 */
import { getConfig } from "../config/config.js";
import { Aggregate } from "./aggregate.js";
import { datumIdentity, ingestTiers } from "./aggregator.js";
import { chunkBucket, loadChunk, type ChunkRef, type StoredChunk } from "./chunk-store.js";
import { foldDatum } from "./fold.js";
import type { IngestDatum } from "./ingest.js";
import { seriesId } from "./identity.js";
import { getSeries } from "./series-index.js";
import { TailCache } from "./tail.js";
import { chunkStart, chunkStartsIn, TIERS, type TierName } from "./tiers.js";
import type { MetricIdentity } from "./types.js";

export interface ReadOptions {
  /** [start, end), epoch ms; start already aligned as the API rules say. */
  start: number;
  end: number;
  periodMs: number;
  /** Only data published with this unit. */
  unit?: string;
  now?: number;
  tail?: TailCache;
}

/** Period start → aggregate, one map per unit the data was published with. */
export type PeriodData = Map<string, Map<number, Aggregate>>;

export async function readSeries(account: string, metric: MetricIdentity, opts: ReadOptions): Promise<PeriodData> {
  const id = seriesId(metric);
  const tail = opts.tail ?? new TailCache(account);
  const [record, tailMessages] = await Promise.all([getSeries(account, id), tail.forNamespace(metric.namespace)]);

  // The tail's datapoints for this series.
  const tailData: Array<{ seq: number; d: IngestDatum }> = [];
  for (const { seq, message } of tailMessages) {
    for (const d of message.data) {
      if (d.m !== metric.metricName || d.d.length !== metric.dimensions.length) continue;
      if (seriesId(datumIdentity(message.namespace, d)) !== id) continue;
      tailData.push({ seq, d });
    }
  }

  const units = opts.unit
    ? [opts.unit]
    : [...new Set([...(record?.units ?? []), ...tailData.map((x) => x.d.u)])];
  const out: PeriodData = new Map();
  if (!units.length) return out;

  const now = opts.now ?? Date.now();
  const hotStart = now - getConfig().rolloff.hotRetentionHours * 3600_000;
  const plans = tierPlan(opts.start, opts.end, opts.periodMs, hotStart);
  const kv = await chunkBucket();

  await Promise.all(
    units.map(async (unit) => {
      const periods = new Map<number, Aggregate>();
      for (const plan of plans) {
        const tier = TIERS[plan.tier];
        const refs: ChunkRef[] = chunkStartsIn(tier, plan.start, plan.end).map((start) => ({ account, seriesId: id, unit, tier: plan.tier, start }));
        const chunks = new Map<number, StoredChunk>();
        await Promise.all(refs.map(async (ref) => chunks.set(ref.start, await loadChunk(kv, ref))));
        // Fold in what each chunk has not absorbed yet.
        for (const { seq, d } of tailData) {
          if (d.u !== unit || !ingestTiers(d).includes(plan.tier)) continue;
          const chunk = chunks.get(chunkStart(d.t, tier));
          if (chunk && seq > chunk.lastSeq) foldDatum(chunk.buckets, d, tier.resolutionMs);
        }
        for (const chunk of chunks.values()) {
          for (const [t, agg] of chunk.buckets) {
            if (t < plan.start || t >= plan.end) continue;
            const p = opts.start + Math.floor((t - opts.start) / opts.periodMs) * opts.periodMs;
            const cur = periods.get(p);
            if (cur) cur.merge(agg);
            else periods.set(p, agg.clone());
          }
        }
      }
      if (periods.size) out.set(unit, periods);
    }),
  );
  return out;
}

interface TierRange {
  tier: TierName;
  start: number;
  end: number;
}

/**
 * Which tiers cover which part of [start, end): high-resolution periods read
 * 1-second buckets; others read 1-minute buckets in the hot window and
 * 5-minute rollups before it (where roll-off moved them).
 */
export function tierPlan(start: number, end: number, periodMs: number, hotStart: number): TierRange[] {
  if (periodMs < 60_000) return [{ tier: "s1", start, end }];
  // 1-minute chunks are the truth wherever they still exist; roll-off deletes
  // them once their 5-minute rollup is written.
  const plans: TierRange[] = [{ tier: "m1", start, end }];
  const hot = chunkStart(hotStart, TIERS.m1);
  if (start < hot) plans.push({ tier: "m5", start, end: Math.min(end, hot) });
  return plans;
}

/** Merges every unit's periods into one map (queries that do not filter by unit). */
export function mergeUnits(data: PeriodData): Map<number, Aggregate> {
  if (data.size === 1) return data.values().next().value!;
  const out = new Map<number, Aggregate>();
  for (const periods of data.values()) {
    for (const [t, agg] of periods) {
      const cur = out.get(t);
      if (cur) cur.merge(agg);
      else out.set(t, agg.clone());
    }
  }
  return out;
}
