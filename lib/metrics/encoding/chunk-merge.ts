/**
 * Merges encoded chunks of one series, unit and tier into one, as
 * compaction folds delta records into a stored chunk: the buckets of each
 * time merged in the order the chunks are given, exactly as decoding each
 * into Aggregates, merging them (Aggregate.merge) and encoding the result
 * would (a unit test merges random chunks both ways, byte for byte), but
 * kept in typed arrays, with no Aggregate, DDSketch or Map per bucket.
 * Those were most of compaction's time and garbage.
 *
 * A bucket keeps count, sum, min and max as Aggregate.merge folds them, and
 * its distribution as (bin, count) entries in arrival order: an implied
 * distribution (all values equal) as one entry for its value. Summing each
 * bin's entries in arrival order is what the Map of a materialised DDSketch
 * would hold (materialising adds the implied count in one step, which is the
 * same sum, as every implied entry is of one bin). Only a bucket whose min
 * and max differ asks for its bins when encoded, and then every entry counts.
 */
import { encodeChunk, visitChunk, type ChunkVisitor, type EncodableBucket } from "./chunk.js";
import { binIndex, type BinSink } from "../read/sketch.js";
import { grow } from "./typed-arrays.js";
import { BIN_SCRATCH, emitBinRuns, growBinScratch } from "./bin-runs.js";
import { BucketView, type BucketFields, type BucketSource } from "./bucket-view.js";

const NO_DISTRIBUTION = 1;

export class ChunkMerge implements ChunkVisitor, BucketSource {
  // Buckets, by slot, in the order they were first met.
  private n = 0;
  // buckets()'s views and their array.
  private readonly pool: BucketView[] = [];
  private readonly views: BucketView[] = [];
  private t = new Float64Array(64);
  private count = new Float64Array(64);
  private sum = new Float64Array(64);
  private min = new Float64Array(64);
  private max = new Float64Array(64);
  private flags = new Uint8Array(64);
  private zeroCount = new Float64Array(64);
  private firstEntry = new Int32Array(64);
  private lastEntry = new Int32Array(64);
  /** Bucket start → slot, for chunks of more buckets than a scan is worth. */
  private readonly byStart = new Map<number, number>();

  // Bin entries: a bin's index, its sign (1: a bin of negative values), its count, and the bucket's next entry.
  private entries = 0;
  private bin = new Int32Array(256);
  private sign = new Uint8Array(256);
  private weight = new Float64Array(256);
  private nextEntry = new Int32Array(256);

  /** The bucket the visitor's bin calls go to (-1: none, its distribution is dropped or implied). */
  private current = -1;

  /** Starts a new merge. */
  reset(): void {
    // Map.clear makes a new table: only when used.
    if (this.n > SCAN_LIMIT) this.byStart.clear();
    this.n = 0;
    this.entries = 0;
    this.current = -1;
  }

  /** Merges an encoded chunk (chunk.ts) into what is merged so far. */
  add(chunk: Uint8Array): void {
    this.current = -1;
    visitChunk(chunk, this);
    this.current = -1;
  }

  /**
   * The merged buckets in time order, as encodeChunk takes them (valid until
   * the next call, reset or add: the views and their array are reused, as
   * compaction merges chunk after chunk).
   */
  private buckets(): EncodableBucket[] {
    const out = this.views;
    while (this.pool.length < this.n) this.pool.push(new BucketView(this, 0));
    out.length = this.n;
    let sorted = true;
    for (let b = 0; b < this.n; b++) {
      out[b] = this.pool[b].of(b);
      if (b > 0 && this.t[b] < this.t[b - 1]) sorted = false;
    }
    return sorted ? out : out.sort((x, y) => x.t - y.t);
  }

  /** encodeChunk of the merged buckets. */
  encode(resolutionMs: number, level: number): Uint8Array {
    return encodeChunk(this.buckets(), resolutionMs, level);
  }

  // --- ChunkVisitor: Aggregate.merge of a decoded bucket into the one of its time, or the first of its time as it is.

  bucket(t: number, count: number, sum: number, min: number, max: number, hasDistribution: boolean): void {
    let b = this.slotOf(t);
    if (b < 0) {
      b = this.newSlot(t);
      this.count[b] = count;
      this.sum[b] = sum;
      this.min[b] = min;
      this.max[b] = max;
      this.flags[b] = hasDistribution ? 0 : NO_DISTRIBUTION;
    } else {
      if (!hasDistribution) this.flags[b] |= NO_DISTRIBUTION;
      if (count !== 0) {
        this.count[b] += count;
        this.sum[b] += sum;
        if (min < this.min[b]) this.min[b] = min;
        if (max > this.max[b]) this.max[b] = max;
      }
    }
    // Its values go to the bucket's distribution while it has one: the bins that follow, or (implied) its one value.
    this.current = -1;
    if (!hasDistribution || this.flags[b] & NO_DISTRIBUTION || !(count > 0)) return;
    if (min === max) this.value(b, min, count);
    else this.current = b;
  }

  zero(count: number): void {
    if (this.current >= 0) this.zeroCount[this.current] += count;
  }

  positive(index: number, count: number): void {
    if (this.current >= 0) this.entry(this.current, index, 0, count);
  }

  negative(index: number, count: number): void {
    if (this.current >= 0) this.entry(this.current, index, 1, count);
  }

  // --- for BucketView (BucketSource)

  bucketStats(b: number, view: BucketFields): void {
    view.t = this.t[b];
    view.count = this.count[b];
    view.sum = this.sum[b];
    view.min = this.min[b];
    view.max = this.max[b];
    view.hasDistribution = !(this.flags[b] & NO_DISTRIBUTION);
  }

  /** The bucket's bins: zero, then each sign's in index order, each bin's counts summed in arrival order. */
  sketchBins(b: number, sink: BinSink): void {
    sink.zero(this.zeroCount[b]);
    const ids = BIN_SCRATCH;
    let pos = 0;
    let neg = 0;
    for (let e = this.firstEntry[b]; e >= 0; e = this.nextEntry[e]) {
      if (pos === ids.positive.length || neg === ids.negative.length) growBinScratch();
      if (this.sign[e]) ids.negative[neg++] = e;
      else ids.positive[pos++] = e;
    }
    emitBinRuns(ids.positive, pos, this.bin, this.weight, false, sink);
    emitBinRuns(ids.negative, neg, this.bin, this.weight, true, sink);
  }

  // --- slots and entries

  private slotOf(t: number): number {
    const n = this.n;
    if (n <= SCAN_LIMIT) {
      for (let b = n - 1; b >= 0; b--) if (this.t[b] === t) return b;
      return -1;
    }
    return this.byStart.get(t) ?? -1;
  }

  private newSlot(t: number): number {
    if (this.n === this.t.length) this.growSlots();
    const b = this.n++;
    this.t[b] = t;
    this.zeroCount[b] = 0;
    this.firstEntry[b] = -1;
    this.lastEntry[b] = -1;
    if (this.n > SCAN_LIMIT) {
      if (this.n === SCAN_LIMIT + 1) for (let k = 0; k < b; k++) this.byStart.set(this.t[k], k);
      this.byStart.set(t, b);
    }
    return b;
  }

  /** DDSketch.add(value, count) into bucket b's distribution. */
  private value(b: number, value: number, count: number): void {
    if (value > 0) this.entry(b, binIndex(value), 0, count);
    else if (value < 0) this.entry(b, binIndex(-value), 1, count);
    else this.zeroCount[b] += count;
  }

  private entry(b: number, index: number, negative: number, count: number): void {
    if (this.entries === this.bin.length) this.growEntries();
    const e = this.entries++;
    this.bin[e] = index;
    this.sign[e] = negative;
    this.weight[e] = count;
    this.nextEntry[e] = -1;
    if (this.lastEntry[b] < 0) this.firstEntry[b] = e;
    else this.nextEntry[this.lastEntry[b]] = e;
    this.lastEntry[b] = e;
  }

  private growSlots(): void {
    const n = 2 * this.t.length;
    this.t = grow(this.t, n);
    this.count = grow(this.count, n);
    this.sum = grow(this.sum, n);
    this.min = grow(this.min, n);
    this.max = grow(this.max, n);
    this.flags = grow(this.flags, n);
    this.zeroCount = grow(this.zeroCount, n);
    this.firstEntry = grow(this.firstEntry, n);
    this.lastEntry = grow(this.lastEntry, n);
  }

  private growEntries(): void {
    const n = 2 * this.bin.length;
    this.bin = grow(this.bin, n);
    this.sign = grow(this.sign, n);
    this.weight = grow(this.weight, n);
    this.nextEntry = grow(this.nextEntry, n);
  }
}

const SCAN_LIMIT = 8;
