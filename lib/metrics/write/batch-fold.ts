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
import type { EncodableBucket } from "../encoding/chunk.js";
import type { ChunkRef } from "../store/chunk-store.js";
import { HAS_COUNTS, HIGH_RESOLUTION, KIND, STATISTICS, VALUE, type IngestColumns, type MessageSeries } from "../encoding/ingest-codec.js";
import type { SeriesTouch } from "../store/series-index.js";
import { binIndex, type BinSink } from "../read/sketch.js";
import { bucketStart, chunkStart, highResSince, tiersAt, TIERS, type TierName } from "../store/tiers.js";
import { grow } from "../encoding/typed-arrays.js";
import { BucketView, type BucketFields, type BucketSource } from "../encoding/bucket-view.js";
import { BIN_SCRATCH, emitBinRuns, growBinScratch } from "../encoding/bin-runs.js";

/**
 * A series touched by the batch, with its chunks in this fold and the one its
 * last datapoint went to (most of a series' datapoints share one).
 */
export type BatchTouch = SeriesTouch & { lastChunk?: FoldedChunk; chunks: FoldedChunk[]; lastUnit: string; units: string[] };

/** By account, then series id. */
export type Touches = Map<string, Map<string, BatchTouch>>;

export interface FoldedChunk {
  ref: ChunkRef;
  /** ref.start + the tier's span. */
  end: number;
  /** Bucket slots, in the order they were created. */
  buckets: number[];
  /** Bucket start → slot, once the chunk has more buckets than a scan is worth. */
  byStart?: Map<number, number>;
}

const NO_DISTRIBUTION = 1;
const HOUR_MS = TIERS.m1.spanMs;
let folds = 0;
const SCAN_LIMIT = 8;

export class BatchFold implements BucketSource {
  readonly chunks: FoldedChunk[] = [];
  datapoints = 0;
  /** This fold's mark on the message series it met (MessageSeries.foldMark), and those series. */
  private readonly mark = ++folds;
  private met: MessageSeries[] = [];
  // tiersOf's answer for the hour from tiersHour.
  private tiersHour = NaN;
  private tiersRecent = false;
  private tiersHighRes = false;
  private tiers: readonly TierName[] = [];
  private readonly highResFrom: number;

  // Buckets, by slot.
  private buckets = 0;
  private start: Float64Array;
  private count: Float64Array;
  private sum: Float64Array;
  private min: Float64Array;
  private max: Float64Array;
  private flags: Uint8Array;
  private firstEntry: Int32Array;
  private lastEntry: Int32Array;

  // The values of the buckets' distributions, linked per bucket in arrival order.
  private entries = 0;
  private value: Float64Array;
  private weight: Float64Array;
  private nextEntry: Int32Array;
  private released = false;

  /** `hotMs`: the hot tier's retention (tiers.ts retention()), which decides m1 or m5 for old datapoints. */
  constructor(
    private readonly now: number,
    private readonly hotMs: number,
    private readonly touches: Touches,
  ) {
    this.highResFrom = highResSince(now);
    const c = spare ?? newColumns();
    spare = undefined;
    ({ start: this.start, count: this.count, sum: this.sum, min: this.min, max: this.max, flags: this.flags } = c);
    ({ firstEntry: this.firstEntry, lastEntry: this.lastEntry, value: this.value, weight: this.weight, nextEntry: this.nextEntry } = c);
  }

  /**
   * Folds a decoded message's datapoints (unless `fold` is false) and records
   * their series in the touches.
   */
  add(msg: IngestColumns, fold = true): void {
    let series = this.touches.get(msg.account);
    if (!series) this.touches.set(msg.account, (series = new Map()));
    for (let i = 0; i < msg.length; i++) {
      this.datapoints++;
      const ms = msg.series[msg.seriesOf[i]];
      const t = msg.t[i];
      const unit = msg.strings[msg.unitOf[i]];
      // A series is looked up once a batch: its message entry remembers the touch.
      let touch = ms.foldMark === this.mark ? (ms.folded as BatchTouch) : undefined;
      if (touch === undefined || touch.account !== msg.account) touch = this.touchOf(series, msg, ms, i);
      if (touch.lastUnit !== unit) {
        if (!touch.units.includes(unit)) touch.units.push(unit);
        touch.lastUnit = unit;
      }
      if (t > touch.lastTimestamp) touch.lastTimestamp = t;
      if (t < touch.firstTimestamp) touch.firstTimestamp = t;
      if (!fold) continue;
      const flags = msg.flags[i];
      const tiers = this.tiersOf(msg, i, (flags & HIGH_RESOLUTION) !== 0);
      for (let k = 0; k < tiers.length; k++) {
        // The series' last chunk, mostly: checked here, so the call below (too large to inline) is the rare case.
        const last = touch.lastChunk;
        const chunk = last !== undefined && last.ref.tier === tiers[k] && last.ref.unit === unit && t >= last.ref.start && t < last.end ? last : this.chunkOf(touch, unit, tiers[k], msg, i);
        this.foldDatapoint(this.bucketOf(chunk, msg, i), msg, i, flags);
      }
    }
  }

  // Calls on the path of every datapoint take (msg, i) rather than its time or
  // value: a double handed to a function V8 did not inline is boxed, a heap
  // number per datapoint and call, most of the fold's garbage.

  /** The series' touch in this batch, made on its first datapoint. */
  private touchOf(series: Map<string, BatchTouch>, msg: IngestColumns, ms: MessageSeries, i: number): BatchTouch {
    let touch = series.get(ms.id);
    if (!touch) {
      const unit = msg.strings[msg.unitOf[i]];
      touch = {
        lastChunk: undefined,
        lastUnit: unit,
        chunks: [],
        account: msg.account,
        id: ms.id,
        identity: { namespace: msg.namespace, metricName: ms.m, dimensions: ms.d },
        // An array, not a Set: a series has one unit or a few, and a Set per series a batch was garbage.
        units: [unit],
        lastTimestamp: msg.t[i],
        firstTimestamp: msg.t[i],
      };
      series.set(ms.id, touch);
    }
    ms.foldMark = this.mark;
    ms.folded = touch;
    this.met.push(ms);
    return touch;
  }

  /** Ends the fold: touches outlive it (the index writes, a split or retried batch), its chunks must not. */
  release(): void {
    for (const series of this.touches.values()) {
      for (const t of series.values()) {
        t.lastChunk = undefined;
        t.chunks = [];
      }
    }
    for (const ms of this.met) ms.folded = undefined;
    this.met = [];
    if (this.released) return;
    this.released = true;
    const c: Columns = { start: this.start, count: this.count, sum: this.sum, min: this.min, max: this.max, flags: this.flags, firstEntry: this.firstEntry, lastEntry: this.lastEntry, value: this.value, weight: this.weight, nextEntry: this.nextEntry };
    if (41 * c.start.length + 20 * c.value.length <= SPARE_MAX_BYTES) spare = c;
  }

  /**
   * The chunks with their buckets, as the delta codec encodes them (before
   * release()). Each chunk's buckets are valid until the next is asked for:
   * the views and their array are reused, thousands of chunks a batch.
   */
  *encodable(): Generator<{ ref: ChunkRef; buckets: EncodableBucket[] }> {
    const views: BucketView[] = [];
    const buckets: EncodableBucket[] = [];
    for (const chunk of this.chunks) {
      const n = chunk.buckets.length;
      while (views.length < n) views.push(new BucketView(this, 0));
      buckets.length = n;
      for (let k = 0; k < n; k++) buckets[k] = views[k].of(chunk.buckets[k]);
      yield { ref: chunk.ref, buckets };
    }
  }

  /** tiersAt, kept per hour: it is the same for every datapoint of an hour (tiers.ts). */
  private tiersOf(msg: IngestColumns, i: number, highResolution: boolean): readonly TierName[] {
    const t = msg.t[i];
    const recent = highResolution && t >= this.highResFrom;
    if (t >= this.tiersHour && t < this.tiersHour + HOUR_MS && recent === this.tiersRecent && highResolution === this.tiersHighRes) return this.tiers;
    this.tiersHour = chunkStart(t, TIERS.m1);
    this.tiersRecent = recent;
    this.tiersHighRes = highResolution;
    return (this.tiers = tiersAt(t, highResolution, this.now, this.hotMs));
  }

  /** The chunk of `tier` and `unit` holding datapoint i: the series' last one, else one of its others in this fold, else a new one. */
  private chunkOf(touch: BatchTouch, unit: string, tier: TierName, msg: IngestColumns, i: number): FoldedChunk {
    const t = msg.t[i];
    const last = touch.lastChunk;
    if (last && last.ref.tier === tier && last.ref.unit === unit && t >= last.ref.start && t < last.end) return last;
    for (const c of touch.chunks) {
      if (c.ref.tier === tier && c.ref.unit === unit && t >= c.ref.start && t < c.end) return (touch.lastChunk = c);
    }
    const start = chunkStart(t, TIERS[tier]);
    const chunk: FoldedChunk = { ref: { account: touch.account, seriesId: touch.id, unit, tier, start }, end: start + TIERS[tier].spanMs, buckets: [] };
    touch.chunks.push(chunk);
    this.chunks.push(chunk);
    return (touch.lastChunk = chunk);
  }

  private bucketOf(chunk: FoldedChunk, msg: IngestColumns, i: number): number {
    const t = msg.t[i];
    const buckets = chunk.buckets;
    const res = TIERS[chunk.ref.tier].resolutionMs;
    // Datapoints mostly arrive in time order: the last bucket first.
    if (buckets.length) {
      const last = buckets[buckets.length - 1];
      if (t >= this.start[last] && t < this.start[last] + res) return last;
    }
    const start = bucketStart(t, res);
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
    if (kind === VALUE) this.addValue(b, p, at, -1);
    else if (kind === STATISTICS) this.addStatisticSet(b, p, at);
    else {
      const k = p[at];
      for (let j = 0; j < k; j++) this.addValue(b, p, at + 1 + j, flags & HAS_COUNTS ? at + 1 + k + j : -1);
    }
  }

  // Aggregate.add, of the value at p[at] with the count at p[countAt] (1 when countAt < 0)
  private addValue(b: number, p: Float64Array, at: number, countAt: number): void {
    const count = countAt < 0 ? 1 : p[countAt];
    if (!(count > 0)) return;
    let value = p[at];
    if (value === 0) value = 0; // -0 → 0
    if (!(this.flags[b] & NO_DISTRIBUTION)) this.addEntry(b, value, count);
    this.count[b] += count;
    this.sum[b] += count === 1 ? value : value * count;
    if (value < this.min[b]) this.min[b] = value;
    if (value > this.max[b]) this.max[b] = value;
  }

  // Aggregate.addStatisticSet, of SampleCount, Sum, Minimum and Maximum at p[at…]
  private addStatisticSet(b: number, p: Float64Array, at: number): void {
    const n = p[at];
    const sum = p[at + 1];
    const min = p[at + 2];
    const max = p[at + 3];
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

  /** A bucket's statistics, for BucketView. */
  bucketStats(b: number, view: BucketFields): void {
    view.t = this.start[b];
    view.count = this.count[b];
    view.sum = this.sum[b];
    view.min = this.min[b];
    view.max = this.max[b];
    view.hasDistribution = !(this.flags[b] & NO_DISTRIBUTION);
  }

  /** The bucket's bins from its entries: zero, then each sign's bins in index order, counts summed in arrival order. */
  sketchBins(b: number, sink: BinSink): void {
    const ids = BIN_SCRATCH;
    let zero = 0;
    let pos = 0;
    let neg = 0;
    for (let e = this.firstEntry[b]; e >= 0; e = this.nextEntry[e]) {
      const v = this.value[e];
      if (v > 0) ids.positive[pos++] = e;
      else if (v < 0) ids.negative[neg++] = e;
      else zero += this.weight[e];
      if (pos === ids.positive.length || neg === ids.negative.length) growBinScratch();
    }
    sink.zero(zero);
    this.emitBins(ids.positive, pos, 1, sink);
    this.emitBins(ids.negative, neg, -1, sink);
  }

  /** Each entry's bin, then emitBinRuns. */
  private emitBins(ids: Int32Array, n: number, sign: 1 | -1, sink: BinSink): void {
    if (n === 0) return;
    if (BINS.length < this.entries) BINS = new Int32Array(2 * this.entries);
    for (let k = 0; k < n; k++) BINS[ids[k]] = binIndex(sign * this.value[ids[k]]);
    emitBinRuns(ids, n, BINS, this.weight, sign < 0, sink);
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

interface Columns {
  start: Float64Array;
  count: Float64Array;
  sum: Float64Array;
  min: Float64Array;
  max: Float64Array;
  flags: Uint8Array;
  firstEntry: Int32Array;
  lastEntry: Int32Array;
  value: Float64Array;
  weight: Float64Array;
  nextEntry: Int32Array;
}

/**
 * A released fold's arrays, for the next fold: each batch growing its own
 * again was a tenth of the aggregator's garbage. Kept up to SPARE_MAX_BYTES
 * (a batch of 500,000 values); larger ones go to the collector.
 */
let spare: Columns | undefined;
const SPARE_MAX_BYTES = 16 * 2 ** 20;

function newColumns(): Columns {
  const buckets = 1024;
  const entries = 4096;
  return {
    start: new Float64Array(buckets),
    count: new Float64Array(buckets),
    sum: new Float64Array(buckets),
    min: new Float64Array(buckets),
    max: new Float64Array(buckets),
    flags: new Uint8Array(buckets),
    firstEntry: new Int32Array(buckets),
    lastEntry: new Int32Array(buckets),
    value: new Float64Array(entries),
    weight: new Float64Array(entries),
    nextEntry: new Int32Array(entries),
  };
}

// Scratch for sketchBins: each entry's bin, by entry number.
let BINS = new Int32Array(4096);
