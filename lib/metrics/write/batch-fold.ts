/**
 * The aggregator's fold of one batch: ingest messages decoded into columns
 * (ingest-codec.ts IngestColumns) folded into buckets per chunk, kept in
 * typed arrays rather than an Aggregate and a DDSketch of Maps per bucket.
 * Those objects were most of the aggregator's garbage and a fifth of its
 * time went to collecting it.
 *
 * A bucket keeps SampleCount, Sum, Minimum and Maximum, folded exactly as
 * Aggregate folds them (same operations, same order, so the same bits), and
 * the (value, count) entries its distribution is made of. The sketch's bins
 * are computed from the entries only when the bucket is encoded: sorted by
 * bin, stably, so each bin's count is summed in arrival order as a Map's
 * would be. A batch encodes to the same bytes either way (a unit test folds
 * random batches both ways).
 */
import { nearlyEqual } from "../read/aggregate.js";
import type { BucketStats, EncodableBucket } from "../encoding/chunk.js";
import type { ChunkRef } from "../store/chunk-store.js";
import { cachedSeriesIdByHash } from "../store/identity.js";
import { HAS_COUNTS, HIGH_RESOLUTION, KIND, STATISTICS, VALUE, type IngestColumns } from "../encoding/ingest-codec.js";
import type { SeriesTouch } from "../store/series-index.js";
import { binIndex, type BinSink } from "../read/sketch.js";
import { bucketStart, chunkStart, tiersAt, TIERS, type TierName } from "../store/tiers.js";

/** A series touched by the batch, with the chunk its last datapoint went to (most of a series' datapoints share one). */
export type BatchTouch = SeriesTouch & { lastChunk?: FoldedChunk; lastUnit?: string };

/** By account, then series id. */
export type Touches = Map<string, Map<string, BatchTouch>>;

export interface FoldedChunk {
  ref: ChunkRef;
  /** Bucket slots, in the order they were created. */
  buckets: number[];
  /** Bucket start → slot, once the chunk has more buckets than a scan is worth. */
  byStart?: Map<number, number>;
}

const NO_DISTRIBUTION = 1;
const SCAN_LIMIT = 8;

export class BatchFold {
  readonly chunks: FoldedChunk[] = [];
  datapoints = 0;
  private readonly byKey = new Map<string, FoldedChunk>();

  // Buckets, by slot.
  private buckets = 0;
  private start = new Float64Array(1024);
  private count = new Float64Array(1024);
  private sum = new Float64Array(1024);
  private min = new Float64Array(1024);
  private max = new Float64Array(1024);
  private flags = new Uint8Array(1024);
  private firstEntry = new Int32Array(1024);
  private lastEntry = new Int32Array(1024);

  // The values of the buckets' distributions, linked per bucket in arrival order.
  private entries = 0;
  private value = new Float64Array(4096);
  private weight = new Float64Array(4096);
  private nextEntry = new Int32Array(4096);

  /** `hotMs`: the hot tier's retention (tiers.ts retention()), which decides m1 or m5 for old datapoints. */
  constructor(
    private readonly now: number,
    private readonly hotMs: number,
    private readonly touches: Touches,
  ) {}

  /**
   * Folds a decoded message's datapoints (unless `fold` is false) and records
   * their series in the touches.
   */
  add(msg: IngestColumns, fold = true): void {
    let series = this.touches.get(msg.account);
    if (!series) this.touches.set(msg.account, (series = new Map()));
    const touchOf = new Array<BatchTouch | undefined>(msg.series.length);
    for (let i = 0; i < msg.length; i++) {
      this.datapoints++;
      const s = msg.seriesOf[i];
      const t = msg.t[i];
      const unit = msg.strings[msg.unitOf[i]];
      let touch = touchOf[s];
      if (!touch) {
        const ms = msg.series[s];
        const id = cachedSeriesIdByHash(msg.namespace, ms.m, ms.d, ms.hash);
        touch = series.get(id);
        if (!touch) {
          touch = {
            lastChunk: undefined,
            lastUnit: undefined,
            account: msg.account,
            id,
            identity: { namespace: msg.namespace, metricName: ms.m, dimensions: ms.d },
            units: new Set(),
            lastTimestamp: t,
            firstTimestamp: t,
          };
          series.set(id, touch);
        }
        touchOf[s] = touch;
      }
      if (touch.lastUnit !== unit) {
        touch.units.add(unit);
        touch.lastUnit = unit;
      }
      if (t > touch.lastTimestamp) touch.lastTimestamp = t;
      if (t < touch.firstTimestamp) touch.firstTimestamp = t;
      if (!fold) continue;
      const flags = msg.flags[i];
      for (const tier of tiersAt(t, (flags & HIGH_RESOLUTION) !== 0, this.now, this.hotMs)) {
        const bucket = this.bucketOf(this.chunkOf(touch, unit, tier, chunkStart(t, TIERS[tier])), bucketStart(t, TIERS[tier].resolutionMs));
        this.foldDatapoint(bucket, msg, i, flags);
      }
    }
  }

  /** Ends the fold: touches outlive it (the index writes, a split or retried batch), its chunks must not. */
  release(): void {
    for (const series of this.touches.values()) for (const t of series.values()) t.lastChunk = undefined;
  }

  /** The chunks with their buckets, as the delta codec encodes them. */
  *encodable(): Generator<{ ref: ChunkRef; buckets: EncodableBucket[] }> {
    for (const chunk of this.chunks) yield { ref: chunk.ref, buckets: chunk.buckets.map((b) => ({ t: this.start[b], agg: this.stats(b) })) };
  }

  private chunkOf(touch: BatchTouch, unit: string, tier: TierName, start: number): FoldedChunk {
    const last = touch.lastChunk;
    if (last && last.ref.start === start && last.ref.tier === tier && last.ref.unit === unit) return last;
    const key = `${touch.account}.${touch.id}.${unit}.${tier}.${start}`;
    let chunk = this.byKey.get(key);
    if (!chunk) {
      chunk = { ref: { account: touch.account, seriesId: touch.id, unit, tier, start }, buckets: [] };
      this.byKey.set(key, chunk);
      this.chunks.push(chunk);
    }
    touch.lastChunk = chunk;
    return chunk;
  }

  private bucketOf(chunk: FoldedChunk, start: number): number {
    const buckets = chunk.buckets;
    // Datapoints mostly arrive in time order: the last bucket first.
    if (buckets.length && this.start[buckets[buckets.length - 1]] === start) return buckets[buckets.length - 1];
    if (chunk.byStart) {
      const b = chunk.byStart.get(start);
      if (b !== undefined) return b;
    } else {
      for (let k = 0; k < buckets.length; k++) if (this.start[buckets[k]] === start) return buckets[k];
    }
    const b = this.newBucket(start);
    buckets.push(b);
    if (chunk.byStart) chunk.byStart.set(start, b);
    else if (buckets.length > SCAN_LIMIT) chunk.byStart = new Map(buckets.map((x) => [this.start[x], x]));
    return b;
  }

  private newBucket(start: number): number {
    if (this.buckets === this.start.length) this.growBuckets();
    const b = this.buckets++;
    this.start[b] = start;
    this.count[b] = 0;
    this.sum[b] = 0;
    this.min[b] = Infinity;
    this.max[b] = -Infinity;
    this.flags[b] = 0;
    this.firstEntry[b] = -1;
    this.lastEntry[b] = -1;
    return b;
  }

  private foldDatapoint(b: number, msg: IngestColumns, i: number, flags: number): void {
    const p = msg.payload;
    const at = msg.at[i];
    const kind = flags & KIND;
    if (kind === VALUE) this.addValue(b, p[at], 1);
    else if (kind === STATISTICS) this.addStatisticSet(b, p[at], p[at + 1], p[at + 2], p[at + 3]);
    else {
      const k = p[at];
      for (let j = 0; j < k; j++) {
        const c = flags & HAS_COUNTS ? p[at + 1 + k + j] : 1;
        if (c > 0) this.addValue(b, p[at + 1 + j], c);
      }
    }
  }

  // Aggregate.add
  private addValue(b: number, value: number, count: number): void {
    if (!(count > 0)) return;
    if (value === 0) value = 0; // -0 → 0
    if (!(this.flags[b] & NO_DISTRIBUTION)) this.addEntry(b, value, count);
    this.count[b] += count;
    this.sum[b] += count === 1 ? value : value * count;
    if (value < this.min[b]) this.min[b] = value;
    if (value > this.max[b]) this.max[b] = value;
  }

  // Aggregate.addStatisticSet
  private addStatisticSet(b: number, n: number, sum: number, min: number, max: number): void {
    if (!(n > 0)) return;
    const uniform = min === max && nearlyEqual(sum, min * n);
    if (uniform && !(this.flags[b] & NO_DISTRIBUTION)) this.addEntry(b, min === 0 ? 0 : min, n);
    else this.flags[b] |= NO_DISTRIBUTION;
    this.count[b] += n;
    this.sum[b] += sum;
    if (min < this.min[b]) this.min[b] = min === 0 ? 0 : min;
    if (max > this.max[b]) this.max[b] = max === 0 ? 0 : max;
  }

  private addEntry(b: number, value: number, count: number): void {
    if (this.entries === this.value.length) this.growEntries();
    const e = this.entries++;
    this.value[e] = value;
    this.weight[e] = count;
    this.nextEntry[e] = -1;
    if (this.lastEntry[b] < 0) this.firstEntry[b] = e;
    else this.nextEntry[this.lastEntry[b]] = e;
    this.lastEntry[b] = e;
  }

  private stats(b: number): BucketStats {
    return {
      count: this.count[b],
      sum: this.sum[b],
      min: this.min[b],
      max: this.max[b],
      hasDistribution: !(this.flags[b] & NO_DISTRIBUTION),
      sketchBins: (sink) => this.sketchBins(b, sink),
    };
  }

  /** The bucket's bins from its entries: zero, then each sign's bins in index order, counts summed in arrival order. */
  private sketchBins(b: number, sink: BinSink): void {
    let zero = 0;
    let pos = 0;
    let neg = 0;
    for (let e = this.firstEntry[b]; e >= 0; e = this.nextEntry[e]) {
      const v = this.value[e];
      if (v > 0) SORT_POS[pos++] = e;
      else if (v < 0) SORT_NEG[neg++] = e;
      else zero += this.weight[e];
      if (pos === SORT_POS.length || neg === SORT_NEG.length) growSortBuffers();
    }
    sink.zero(zero);
    this.emitBins(SORT_POS, pos, 1, sink);
    this.emitBins(SORT_NEG, neg, -1, sink);
  }

  /** Sorts `n` entries by bin (stably: entry numbers grow in arrival order) and sends each bin's summed count. */
  private emitBins(ids: Int32Array, n: number, sign: 1 | -1, sink: BinSink): void {
    if (n === 0) return;
    if (KEYS.length < this.entries) KEYS = new Int32Array(2 * this.entries);
    for (let k = 0; k < n; k++) KEYS[ids[k]] = binIndex(sign * this.value[ids[k]]);
    const keys = KEYS;
    if (n <= 32) {
      for (let k = 1; k < n; k++) {
        const id = ids[k];
        let j = k - 1;
        while (j >= 0 && keys[ids[j]] > keys[id]) {
          ids[j + 1] = ids[j];
          j--;
        }
        ids[j + 1] = id;
      }
    } else {
      const sorted = Array.from(ids.subarray(0, n)).sort((x, y) => keys[x] - keys[y] || x - y);
      ids.set(sorted);
    }
    let key = keys[ids[0]];
    let c = this.weight[ids[0]];
    for (let k = 1; k < n; k++) {
      const kk = keys[ids[k]];
      if (kk === key) c += this.weight[ids[k]];
      else {
        if (sign > 0) sink.positive(key, c);
        else sink.negative(key, c);
        key = kk;
        c = this.weight[ids[k]];
      }
    }
    if (sign > 0) sink.positive(key, c);
    else sink.negative(key, c);
  }

  private growBuckets(): void {
    const n = 2 * this.start.length;
    this.start = grow(this.start, n);
    this.count = grow(this.count, n);
    this.sum = grow(this.sum, n);
    this.min = grow(this.min, n);
    this.max = grow(this.max, n);
    this.flags = grow(this.flags, n);
    this.firstEntry = grow(this.firstEntry, n);
    this.lastEntry = grow(this.lastEntry, n);
  }

  private growEntries(): void {
    const n = 2 * this.value.length;
    this.value = grow(this.value, n);
    this.weight = grow(this.weight, n);
    this.nextEntry = grow(this.nextEntry, n);
  }
}

// Scratch for sketchBins: entry numbers by sign, and each entry's bin.
let SORT_POS = new Int32Array(1024);
let SORT_NEG = new Int32Array(1024);
let KEYS = new Int32Array(4096);

function growSortBuffers(): void {
  SORT_POS = grow(SORT_POS, 2 * SORT_POS.length);
  SORT_NEG = grow(SORT_NEG, 2 * SORT_NEG.length);
}

function grow<T extends Float64Array | Int32Array | Uint8Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}
