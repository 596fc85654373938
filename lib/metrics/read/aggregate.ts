/**
 * One bucket of one series: SampleCount, Sum, Minimum and Maximum, exact, and
 * the distribution of the values as a DDSketch (sketch.ts) for percentiles and
 * the other extended statistics (statistics.ts).
 *
 * The sketch is allocated lazily: while every value folded in is the same
 * (the common case of one datapoint a minute), the distribution is implied by
 * min = max and count, and no sketch exists. That keeps a decoded chunk of
 * single-value buckets as small in memory as it is on disk.
 *
 * AWS's rule for statistic sets (Statistics-definitions.html, "Requirements to
 * use percentiles, trimmed mean, and some other statistics"): CloudWatch needs
 * raw values for the extended statistics; a StatisticSet still qualifies when
 * its Minimum equals its Maximum and Sum = Minimum × SampleCount (which covers
 * "SampleCount is 1 and Min, Max and Sum are equal"), because then every value
 * in it is known. Any other statistic set makes the bucket lose its
 * distribution for good (hasDistribution = false), and so does merging with
 * such a bucket.
 */

import { DDSketch, type BinSink } from "./sketch.js";

export interface StatisticSetInput {
  SampleCount: number;
  Sum: number;
  Minimum: number;
  Maximum: number;
}

export class Aggregate {
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  /** false once a StatisticSet (no distribution) was folded in; percentiles are then unavailable as AWS rules say */
  hasDistribution = true;
  /** The distribution when not implied; undefined while all values are equal or when there is no distribution. */
  private _sketch: DDSketch | undefined;

  /** An aggregate of the given values (each once). */
  static of(...values: number[]): Aggregate {
    const a = new Aggregate();
    for (const v of values) a.add(v);
    return a;
  }

  /** Rough bytes this aggregate holds in memory (caches budget by it). */
  approximateBytes(): number {
    const s = this._sketch;
    return 96 + (s ? 160 + 40 * (s.positive.size + s.negative.size) : 0);
  }

  /**
   * Rebuild an aggregate from stored parts (the chunk codec). `sketch` may be
   * omitted when min = max (implied) or when there is no distribution.
   */
  static fromParts(p: { count: number; sum: number; min: number; max: number; hasDistribution: boolean; sketch?: DDSketch }): Aggregate {
    const a = new Aggregate();
    a.count = p.count;
    a.sum = p.sum;
    a.min = p.min;
    a.max = p.max;
    a.hasDistribution = p.hasDistribution;
    a._sketch = p.hasDistribution && p.min !== p.max ? p.sketch : undefined;
    if (a.hasDistribution && a.count > 0 && a.min !== a.max && !a._sketch) {
      throw new Error("Aggregate.fromParts: a distribution with min ≠ max needs its sketch");
    }
    return a;
  }

  /**
   * The distribution, or undefined when there is none (statistic sets) or the
   * bucket is empty. When implied (all values equal) a sketch is built and kept.
   */
  get sketch(): DDSketch | undefined {
    if (!this.hasDistribution || this.count === 0) return undefined;
    this.materialise();
    return this._sketch;
  }

  /** A Value, or one Values/Counts pair. Non-positive counts are ignored. */
  add(value: number, count = 1): void {
    if (!(count > 0)) return;
    if (value === 0) value = 0; // -0 → 0
    if (this.hasDistribution) this.addToDistribution(value, count);
    this.count += count;
    this.sum += count === 1 ? value : value * count;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  addStatisticSet(s: StatisticSetInput): void {
    const n = s.SampleCount;
    if (!(n > 0)) return;
    const uniform = s.Minimum === s.Maximum && nearlyEqual(s.Sum, s.Minimum * n);
    if (uniform && this.hasDistribution) this.addToDistribution(s.Minimum === 0 ? 0 : s.Minimum, n);
    else this.dropDistribution();
    this.count += n;
    this.sum += s.Sum;
    if (s.Minimum < this.min) this.min = s.Minimum === 0 ? 0 : s.Minimum;
    if (s.Maximum > this.max) this.max = s.Maximum === 0 ? 0 : s.Maximum;
  }

  /** Exact for count/sum/min/max; the sketches merge exactly (bin counts add). */
  merge(other: Aggregate): void {
    if (!other.hasDistribution) this.dropDistribution();
    else if (this.hasDistribution && other.count > 0) {
      if (other._sketch) {
        this.materialise();
        if (this._sketch) this._sketch.merge(other._sketch);
        else this._sketch = other._sketch.clone(); // this is empty
      } else {
        this.addToDistribution(other.min, other.count);
      }
    }
    if (other.count === 0) return;
    this.count += other.count;
    this.sum += other.sum;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
  }

  /**
   * The q-quantile (0..1) by nearest rank — the smallest value with at least
   * q·SampleCount of the values at or below it — within 1% (relative) of the
   * exact value; exact for q = 0 (Minimum), q = 1 (Maximum) and when all values
   * are equal. Undefined without a distribution or values.
   */
  quantile(q: number): number | undefined {
    if (this.count === 0 || !this.hasDistribution || !(q >= 0 && q <= 1)) return undefined;
    if (this.min === this.max || q === 0) return this.min;
    if (q === 1) return this.max;
    const v = this._sketch!.quantile(q)!;
    return Math.min(this.max, Math.max(this.min, v));
  }

  /** The encoder's view of the distribution (chunk.ts BucketStats). */
  sketchBins(sink: BinSink): void {
    this.sketch?.writeBins(sink);
  }

  clone(): Aggregate {
    const a = new Aggregate();
    a.count = this.count;
    a.sum = this.sum;
    a.min = this.min;
    a.max = this.max;
    a.hasDistribution = this.hasDistribution;
    a._sketch = this._sketch?.clone();
    return a;
  }

  /** Fold `count` copies of `value` into the distribution (before min/max/count are updated). */
  private addToDistribution(value: number, count: number): void {
    if (this._sketch) {
      this._sketch.add(value, count);
    } else if (this.count === 0 || (value === this.min && value === this.max)) {
      // still implied: every value so far equals `value`
    } else {
      this.materialise();
      this._sketch!.add(value, count);
    }
  }

  private materialise(): void {
    if (this._sketch || !this.hasDistribution || this.count === 0) return;
    const s = new DDSketch();
    s.add(this.min, this.count);
    this._sketch = s;
  }

  private dropDistribution(): void {
    this.hasDistribution = false;
    this._sketch = undefined;
  }
}

/** Whether a statistic set's Sum is Minimum × SampleCount, within rounding. */
export function nearlyEqual(a: number, b: number): boolean {
  return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}
