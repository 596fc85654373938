/**
 * Reading a series: chunks of every tier that may hold the time range, plus
 * the ingest tail the chunks have not absorbed yet, re-bucketed to the period.
 * Queries span tiers transparently; each datapoint lives in exactly one
 * chunk, and a chunk already absorbed by its rollup is skipped.
 */
import { Aggregate } from "./aggregate.js";
import { chunkKey, decodeStoredChunk, emptyChunk, viewStoredChunkBasic, type StoredChunk } from "../store/chunk-store.js";
import { kvValues } from "../../storage/kv-values.js";
import { BUCKETS } from "../../storage/nats.js";
import { loadCold } from "../store/cold-store.js";
import { basicOf, foldDatum } from "../write/datum-fold.js";
import { seriesId } from "../store/identity.js";
import { GridSlab, MAX_GRID_SLOTS, PeriodGrid } from "./period-grid.js";
import { getSeries } from "../store/series-index.js";
import { TailCache, type TailDatum } from "./tail-cache.js";
import { cachedChunk, cachedTier, keepChunk } from "./chunk-read-cache.js";
import { sealedThrough } from "../store/sealing.js";
import { bucketStart, chunkStart, chunkStartsIn, ingestTiers, retention, SEALED_AFTER_MS, TIERS, warmUpperBound, type Retention, type TierName } from "../store/tiers.js";
import type { IngestDatum } from "../encoding/ingest-codec.js";
import type { MetricIdentity } from "../types.js";

export interface ReadOptions {
  /** [start, end), epoch ms; start already aligned as the API rules say. */
  start: number;
  end: number;
  periodMs: number;
  /** Only data published with this unit. */
  unit?: string;
  now?: number;
  tail?: TailCache;
  /** Only SampleCount/Sum/Minimum/Maximum/Average will be asked: merge without distributions. */
  basic?: boolean;
}

/**
 * One series' periods: period start → Aggregate, or for basic statistics a
 * dense grid of count/sum/min/max (no object per period).
 */
export type Periods = Map<number, Aggregate> | PeriodGrid;

/** Periods per unit the data was published with. */
export type PeriodData = Map<string, Periods>;

const isEmpty = (p: Periods) => (p instanceof PeriodGrid ? p.isEmpty() : p.size === 0);

const DAY = 86_400_000;
const MINUTE = 60_000;

type Range = [number, number];
export type TierPlan = Partial<Record<TierName, Range>>;

/**
 * Which part of [start, end) each tier may hold data for. Hourly chunks exist
 * only for hours roll-off has not sealed (those ending after `sealedThrough`);
 * a mark ahead of this reader's clock (a roll-off whose clock was) is not
 * trusted past what roll-off may have sealed by now.
 */
function tierPlan(start: number, end: number, periodMs: number, now: number, r: Retention, sealedThrough: number): TierPlan {
  if (periodMs < 60_000) return { s1: [start, end] };
  const plan: TierPlan = {};
  const clip = (a: number, b: number) => {
    const lo = Math.max(start, a);
    const hi = Math.min(end, b);
    return lo < hi ? ([lo, hi] as Range) : undefined;
  };
  const m1s = clip(now - r.hotMs - 2 * DAY, Infinity);
  const m1 = clip(Math.max(now - r.hotMs - 2 * DAY, Math.min(sealedThrough, now - SEALED_AFTER_MS)), Infinity);
  const m5 = clip(now - r.archiveMs - 2 * DAY, warmUpperBound(now, r.hotMs));
  const h1 = clip(-Infinity, now - r.archiveMs + DAY);
  if (m1) plan.m1 = m1;
  if (m1s) plan.m1s = m1s;
  if (m5) plan.m5 = m5;
  if (h1) plan.h1 = h1;
  return plan;
}

type TierChunks = Partial<Record<TierName, Map<number, StoredChunk>>>;

export async function readSeries(account: string, metric: MetricIdentity, opts: ReadOptions): Promise<PeriodData> {
  const id = seriesId(metric);
  const tail = opts.tail ?? new TailCache(account);
  // The tail first, then the index and chunks: the aggregator writes those
  // before it moves the checkpoint, so whatever has left the tail is there.
  const tailData = await tail.forMetric(metric, id, opts.basic);
  const record = opts.unit ? undefined : await getSeries(account, id);
  const [data] = await readChunks(account, [{ id, units: record?.units ?? [], first: record?.firstTimestamp, tail: tailData, ...cacheable(tail, metric) }], opts);
  return data;
}

/**
 * Many series at once (SEARCH, Metrics Insights). The units and first
 * timestamps come from the caller's listing of the index, so there is no
 * index read per series.
 */
export async function readMany(
  account: string,
  metrics: MetricIdentity[],
  opts: ReadOptions & { units?: (id: string) => string[] | undefined; first?: (id: string) => number | undefined },
): Promise<PeriodData[]> {
  const tail = opts.tail ?? new TailCache(account);
  // The tail before the chunks (see readSeries): later reads hit the cache.
  const tailEmpty = await tail.isEmpty();
  const wanted = await Promise.all(
    metrics.map(async (metric) => {
      const id = seriesId(metric);
      const tailData = tailEmpty ? [] : await tail.forMetric(metric, id, opts.basic);
      return { id, units: opts.units?.(id) ?? [], first: opts.first?.(id), tail: tailData, ...cacheable(tail, metric) };
    }),
  );
  return readChunks(account, wanted, opts);
}

/** The series' partition and its purge epoch, once the query has read the partition's delta log. */
function cacheable(tail: TailCache, metric: MetricIdentity): Pick<Wanted, "partition" | "epoch"> {
  const partition = tail.partitionFor(metric);
  return { partition, epoch: tail.purgeEpochOf(partition) };
}

/** A series to read: its id, the units the index knows for it, its first datapoint, its unaggregated tail. */
interface Wanted {
  id: string;
  units: string[];
  first?: number;
  tail: TailDatum[];
  /** Its ingest partition and that partition's purge epoch: hourly chunks come from the read cache only with both. */
  partition: number;
  epoch?: number;
}

/** Each series' units to read: the one asked for, or every unit the index or the tail knows. */
const unitsOf = (w: Wanted, unit?: string) => (unit ? [unit] : [...new Set([...w.units, ...w.tail.map((x) => x.d.u)])]);

/** Hands a stored chunk of series `i` (by position), `unit` and chunk `start` to the fold. */
type ChunkVisit = (i: number, unit: string, start: number, bytes: Uint8Array) => void;

/**
 * One tier's stored chunks over `range` for every wanted series and unit,
 * fetched by direct gets in one batch (see kv-values.ts for why not a scan).
 * Chunks that end before a series' first datapoint are not asked for.
 * Hourly chunks come from the read cache where it has them, and are kept
 * there when fetched (chunk-read-cache.ts).
 */
function loadTier(account: string, wanted: Wanted[], units: string[][], tier: TierName, range: Range, visit: ChunkVisit): Promise<void> {
  const { spanMs } = TIERS[tier];
  const starts = chunkStartsIn(TIERS[tier], range[0], range[1]);
  const cached = cachedTier(tier);
  const keys: string[] = [];
  const who: number[] = [];
  const unitAt: string[] = [];
  const startAt: number[] = [];
  wanted.forEach((w, i) => {
    for (const unit of units[i]) {
      for (const start of starts) {
        if (start + spanMs <= (w.first ?? -Infinity)) continue; // before the series' first datapoint: no chunk
        const key = chunkKey({ account, seriesId: w.id, unit, tier, start });
        const hit = cached && w.epoch !== undefined ? cachedChunk(key) : undefined;
        if (hit) {
          visit(i, unit, start, hit);
          continue;
        }
        keys.push(key);
        who.push(i);
        unitAt.push(unit);
        startAt.push(start);
      }
    }
  });
  return kvValues(BUCKETS.metricChunks, keys, (k, bytes) => {
    const w = wanted[who[k]];
    if (cached && w.epoch !== undefined) keepChunk(keys[k], w.partition, w.epoch, bytes);
    visit(who[k], unitAt[k], startAt[k], bytes);
  });
}

async function readChunks(account: string, wanted: Wanted[], opts: ReadOptions): Promise<PeriodData[]> {
  if (opts.periodMs >= MINUTE) return readTiers(account, wanted, opts);
  // A sub-minute period: 1-second data where a minute has some, else the minute's bucket, in the
  // period its minute starts (AWS answers Period 30 over 60-second data with the minute's value:
  // localstack's test_label_generation, recorded against AWS).
  const [fine, minutes] = await Promise.all([
    readTiers(account, wanted, opts),
    readTiers(account, wanted, { ...opts, start: bucketStart(opts.start, MINUTE), periodMs: MINUTE }),
  ]);
  return fine.map((f, i) => fillMinutes(f, minutes[i], opts));
}

/** Adds to sub-minute periods the minutes that have no 1-second data (see readChunks). */
function fillMinutes(fine: PeriodData, minutes: PeriodData, opts: ReadOptions): PeriodData {
  for (const [unit, periods] of minutes) {
    let out: Map<number, Aggregate> | undefined;
    for (const [t, agg] of aggregatesOf(periods)) {
      if (t >= opts.end || t + MINUTE <= opts.start) continue;
      out ??= new Map(fine.has(unit) ? aggregatesOf(fine.get(unit)!) : []);
      let covered = false;
      for (let p = t; p < t + MINUTE && !covered; p += opts.periodMs) covered = out.has(p);
      if (covered) continue;
      const slot = Math.max(t, opts.start);
      const cur = out.get(slot);
      if (cur) cur.merge(agg);
      else out.set(slot, agg);
    }
    if (out) fine.set(unit, out);
  }
  return fine;
}

async function readTiers(account: string, wanted: Wanted[], opts: ReadOptions): Promise<PeriodData[]> {
  const now = opts.now ?? Date.now();
  const ret = retention();
  const plan = tierPlan(opts.start, opts.end, opts.periodMs, now, ret, await sealedThrough());
  const units = wanted.map((w) => unitsOf(w, opts.unit));
  if (foldable(plan, opts)) {
    const tailed = wanted.some((w) => w.tail.length > 0);
    return foldBasic(wanted, opts, plan, now, ret, tailed, (tier, visit) => loadTier(account, wanted, units, tier, plan[tier]!, visit));
  }

  // series → unit → tier → chunk start → chunk
  const found = wanted.map(() => new Map<string, TierChunks>());
  // KV tiers only: cold days are read per series below.
  await loadInMoveOrder(plan, (tier) =>
    loadTier(account, wanted, units, tier, plan[tier]!, (i, unit, start, bytes) => {
      let tiers = found[i].get(unit);
      if (!tiers) found[i].set(unit, (tiers = {}));
      // Only the buckets this read folds (assemble skips the rest): a sealed chunk spans 12 hours.
      (tiers[tier] ??= new Map()).set(start, decodeStoredChunk(bytes, 0, opts.basic, opts.start, opts.end));
    }),
  );

  return Promise.all(
    wanted.map(async (w, i) => {
      const out: PeriodData = new Map();
      for (const unit of units[i]) {
        const chunks: TierChunks = found[i].get(unit) ?? {};
        // Absent chunks are empty ones, so the tail has somewhere to fold into.
        for (const [tier, range] of Object.entries(plan) as Array<[TierName, Range]>) {
          const map = (chunks[tier] ??= new Map());
          for (const start of chunkStartsIn(TIERS[tier], range[0], range[1])) {
            if (map.has(start)) continue;
            const before = start + TIERS[tier].spanMs <= (w.first ?? -Infinity);
            map.set(start, tier === "h1" && !before ? await loadCold({ account, seriesId: w.id, unit, start }) : emptyChunk());
          }
        }
        const periods = assemble(chunks, w.tail, unit, opts, now, ret);
        if (!isEmpty(periods)) out.set(unit, periods);
      }
      return out;
    }),
  );
}

/**
 * Loads the plan's KV tiers, each chunk before the chunk roll-off moves it
 * into: hourly, then sealed, then 5-minute (1-second chunks alongside). A
 * move writes its target before it deletes its source, so reading the
 * source first sees a moved chunk in its target (which says it absorbed the
 * source, when the source was still there to read): never in neither.
 */
async function loadInMoveOrder(plan: TierPlan, load: (tier: TierName) => Promise<unknown>): Promise<void> {
  const tiers = (["m1", "m1s", "m5"] as const).filter((t) => plan[t]);
  await Promise.all([
    plan.s1 && load("s1"),
    (async () => {
      for (const tier of tiers) await load(tier);
    })(),
  ]);
}

/**
 * Whether a basic-statistics read can fold chunk by chunk: KV tiers only
 * (cold days come from S3 per series), and periods that fit a grid.
 */
function foldable(plan: TierPlan, opts: ReadOptions): boolean {
  return opts.basic === true && !plan.h1 && Math.ceil((opts.end - opts.start) / opts.periodMs) <= MAX_GRID_SLOTS;
}

/**
 * Basic statistics of series from the KV tiers: every chunk is folded into
 * its series' grid the moment `load` delivers it, decoded into shared
 * buffers and dropped, so memory and garbage stay proportional to the
 * answer, not to the data read. 5-minute rollups are folded before the
 * 1-minute chunks they may have absorbed (those are then skipped). Then the
 * tail: a datapoint counts unless its chunk already holds its sequence.
 */
async function foldBasic(
  wanted: Wanted[],
  opts: ReadOptions,
  plan: TierPlan,
  now: number,
  ret: Retention,
  /** Whether there is a tail to fold: only then is each chunk's last sequence kept. */
  tailed: boolean,
  load: (tier: TierName, visit: ChunkVisit) => Promise<unknown>,
): Promise<PeriodData[]> {
  const out: PeriodData[] = wanted.map(() => new Map());
  const slab = new GridSlab(opts.start, opts.end, opts.periodMs, Math.min(256, wanted.length));
  const gridOf = (i: number, unit: string) => {
    let g = out[i].get(unit) as PeriodGrid | undefined;
    if (!g) out[i].set(unit, (g = slab.next()));
    return g;
  };
  /** `${tier}|${series}|${unit}|${chunk start}` → the last ingest sequence the chunk holds. */
  const lastSeqs = new Map<string, number>();
  /**
   * Per target tier and series position, the lists of chunks its chunks
   * absorbed: looked up by number, with no key built per chunk (a query over
   * 10,000 series reads tens of thousands, and every sealed chunk lists the
   * hours it took in). Incarnations are random 32-bit ids, unique within a
   * series in practice, so unit and span need not be matched.
   */
  const absorbedBy = { m1s: new Map<number, number[][]>(), m5: new Map<number, number[][]>() };
  const absorbedInto = (into: "m1s" | "m5", i: number, incarnation: number) => {
    for (const list of absorbedBy[into].get(i) ?? NONE) if (list.includes(incarnation)) return true;
    return false;
  };

  const fold = (tier: TierName) => (i: number, unit: string, start: number, bytes: Uint8Array) => {
    const rec = viewStoredChunkBasic(bytes);
    if (rec.absorbed.length && (tier === "m1s" || tier === "m5")) {
      const lists = absorbedBy[tier].get(i);
      if (lists) lists.push(rec.absorbed);
      else absorbedBy[tier].set(i, [rec.absorbed]);
    }
    // A chunk whose move was interrupted after its target took it in (targets list sources transitively).
    if (tier === "m1" && (absorbedInto("m1s", i, rec.incarnation) || absorbedInto("m5", i, rec.incarnation))) return;
    if (tier === "m1s" && absorbedInto("m5", i, rec.incarnation)) return;
    if (rec.buckets.n > 0) gridOf(i, unit).addBuckets(rec.buckets, TIERS[tier].resolutionMs, opts.start, opts.end);
    if (tailed) lastSeqs.set(`${tier}|${i}|${unit}|${start}`, rec.lastSeq);
  };
  // Read in move order, folded the other way round: a chunk is folded once
  // the chunks it may have moved into are, so it is skipped when they have
  // it. Only those wait: hourly chunks, and sealed ones when rollups are read too.
  const held: Record<"m1" | "m1s", Array<[number, string, number, Uint8Array]>> = { m1: [], m1s: [] };
  const waits = (tier: TierName): tier is "m1" | "m1s" => tier === "m1" || (tier === "m1s" && plan.m5 !== undefined);
  await loadInMoveOrder(plan, (tier) => load(tier, waits(tier) ? (...a) => held[tier].push(a) : fold(tier)));
  for (const tier of ["m1s", "m1"] as const) {
    const foldTier = fold(tier);
    for (const a of held[tier]) foldTier(...a);
  }

  const heldUpTo = (d: IngestDatum, tier: TierName, i: number) =>
    lastHeld(d, tier, (x) => lastSeqs.get(`${x}|${i}|${d.u}|${chunkStart(d.t, TIERS[x])}`) ?? 0);
  wanted.forEach((w, i) => {
    for (const { seq, d } of w.tail) {
      if (opts.unit !== undefined && d.u !== opts.unit) continue;
      for (const tier of ingestTiers(d, now, ret.hotMs)) {
        const range = plan[tier];
        const { resolutionMs, spanMs } = TIERS[tier];
        const chunk = chunkStart(d.t, TIERS[tier]);
        if (!range || chunk + spanMs <= range[0] || chunk >= range[1]) continue;
        const t = bucketStart(d.t, resolutionMs);
        if (t + resolutionMs <= opts.start || t >= opts.end) continue;
        if (seq <= heldUpTo(d, tier, i)) continue;
        const agg = basicOf(d);
        if (agg.count > 0) gridOf(i, d.u).add(t, agg.count, agg.sum, agg.min, agg.max);
      }
    }
  });
  return out;
}

/**
 * The last ingest sequence held by the chunk a tail datum went to, given
 * each tier's chunk's (`lastSeqOf`). A delta record's bucket names its tier.
 * A raw datapoint of a closed hour went to its hourly or its sealed chunk, as
 * the aggregator's clock had it: whichever holds more.
 */
function lastHeld(d: IngestDatum, tier: TierName, lastSeqOf: (tier: TierName) => number): number {
  if (d.k || (tier !== "m1" && tier !== "m1s")) return lastSeqOf(tier);
  return Math.max(lastSeqOf("m1"), lastSeqOf("m1s"));
}

const NONE: number[][] = [];

/** Folds the tail into the chunks, skips absorbed chunks and re-buckets to the period. */
function assemble(chunks: TierChunks, tailData: TailDatum[], unit: string, opts: ReadOptions, now: number, ret: Retention): Periods {
  const slots = Math.ceil((opts.end - opts.start) / opts.periodMs);
  const grid = opts.basic && slots <= MAX_GRID_SLOTS ? PeriodGrid.covering(opts.start, opts.end, opts.periodMs) : undefined;
  const periods = new Map<number, Aggregate>();
  const periodOf = (t: number) => (t < opts.start ? opts.start : opts.start + Math.floor((t - opts.start) / opts.periodMs) * opts.periodMs);
  // Basic statistics: count, sum, min and max only, merged without distributions.
  const addBasic = grid
    ? (t: number, count: number, sum: number, min: number, max: number) => grid.add(t, count, sum, min, max)
    : (t: number, count: number, sum: number, min: number, max: number) => {
        const p = periodOf(t);
        const cur = periods.get(p);
        if (!cur) periods.set(p, Aggregate.fromParts({ count, sum, min, max, hasDistribution: false }));
        else {
          cur.count += count;
          cur.sum += sum;
          if (min < cur.min) cur.min = min;
          if (max > cur.max) cur.max = max;
          cur.hasDistribution = false;
        }
      };

  // Full aggregates from the tail go into buckets of their own, not into a
  // chunk: a chunk may yet be skipped as absorbed.
  const tailBuckets = new Map<TierName, Map<number, Aggregate>>();
  const heldUpTo = (d: IngestDatum, tier: TierName) => lastHeld(d, tier, (x) => chunks[x]?.get(chunkStart(d.t, TIERS[x]))?.lastSeq ?? 0);
  for (const { seq, d } of tailData) {
    if (d.u !== unit) continue;
    for (const name of ingestTiers(d, now, ret.hotMs)) {
      const resolution = TIERS[name].resolutionMs;
      const chunk = chunks[name]?.get(chunkStart(d.t, TIERS[name]));
      if (!chunk || seq <= heldUpTo(d, name)) continue; // not a tier or span this read covers, or already stored
      if (!chunk.basic) {
        let buckets = tailBuckets.get(name);
        if (!buckets) tailBuckets.set(name, (buckets = new Map()));
        foldDatum(buckets, d, resolution);
        continue;
      }
      const t = bucketStart(d.t, resolution);
      if (t + resolution <= opts.start || t >= opts.end) continue;
      const agg = basicOf(d);
      if (agg.count > 0) addBasic(t, agg.count, agg.sum, agg.min, agg.max);
    }
  }
  const absorbed = (into: TierName, start: number, c: StoredChunk) =>
    chunks[into]?.get(chunkStart(start, TIERS[into]))?.absorbed.includes(c.incarnation) ?? false;
  // Aggregates are this query's own copies (decoded for it): they can be merged into in place.
  const addAggregates = (buckets: Map<number, Aggregate>, resolution: number) => {
    for (const [t, agg] of buckets) {
      if (t + resolution <= opts.start || t >= opts.end) continue;
      if (opts.basic) {
        addBasic(t, agg.count, agg.sum, agg.min, agg.max);
        continue;
      }
      const p = periodOf(t);
      const cur = periods.get(p);
      if (!cur) periods.set(p, agg);
      else cur.merge(agg);
    }
  };

  for (const [name, map] of Object.entries(chunks) as Array<[TierName, Map<number, StoredChunk>]>) {
    const resolution = TIERS[name].resolutionMs;
    for (const [start, chunk] of map) {
      // A chunk whose move was interrupted after its target took it in (targets list sources transitively).
      if (name === "m1" && (absorbed("m1s", start, chunk) || absorbed("m5", start, chunk))) continue;
      if (name === "m1s" && absorbed("m5", start, chunk)) continue;
      if (name === "m5" && absorbed("h1", start, chunk)) continue;
      if (chunk.basic) {
        const c = chunk.basic;
        for (let i = 0; i < c.t.length; i++) {
          const t = c.t[i];
          // A coarse bucket that starts before the range but reaches into it counts for the first period.
          if (t + resolution <= opts.start || t >= opts.end || c.count[i] === 0) continue;
          addBasic(t, c.count[i], c.sum[i], c.min[i], c.max[i]);
        }
        continue;
      }
      addAggregates(chunk.buckets, resolution);
    }
  }
  for (const [name, buckets] of tailBuckets) addAggregates(buckets, TIERS[name].resolutionMs);
  return grid ?? periods;
}

/** Periods as Aggregates, whichever form they were read in. */
export const aggregatesOf = (p: Periods): Map<number, Aggregate> => (p instanceof PeriodGrid ? p.toAggregates() : p);
