/**
 * SampleCount, Sum, Minimum and Maximum per period on a dense grid of typed
 * arrays: slot i covers [start + i·period, start + (i+1)·period). The read
 * path of basic statistics. One object per period (an Aggregate in a Map)
 * made wide queries spend most of their time in the garbage collector; four
 * Float64Arrays per series do not.
 */
import { Aggregate } from "./aggregate.js";
import type { BasicStatisticName } from "./statistics.js";

/** Above this many periods a query keeps to the Map of Aggregates (the API's limits keep real queries far below it). */
export const MAX_GRID_SLOTS = 1 << 20;

export class PeriodGrid {
  readonly count: Float64Array;
  readonly sum: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;

  constructor(readonly start: number, readonly periodMs: number, readonly slots: number) {
    this.count = new Float64Array(slots);
    this.sum = new Float64Array(slots);
    this.min = new Float64Array(slots).fill(Infinity);
    this.max = new Float64Array(slots).fill(-Infinity);
  }

  static covering(start: number, end: number, periodMs: number): PeriodGrid {
    return new PeriodGrid(start, periodMs, Math.max(1, Math.ceil((end - start) / periodMs)));
  }

  /** Folds a bucket starting at `t` into its period; a bucket that starts before the grid counts for the first one. */
  add(t: number, count: number, sum: number, min: number, max: number): void {
    const i = t < this.start ? 0 : Math.floor((t - this.start) / this.periodMs);
    if (i >= this.slots) return;
    this.count[i] += count;
    this.sum[i] += sum;
    if (min < this.min[i]) this.min[i] = min;
    if (max > this.max[i]) this.max[i] = max;
  }

  /** Folds another grid of the same shape into this one. */
  merge(other: PeriodGrid): void {
    for (let i = 0; i < this.slots; i++) {
      if (other.count[i] === 0) continue;
      this.count[i] += other.count[i];
      this.sum[i] += other.sum[i];
      if (other.min[i] < this.min[i]) this.min[i] = other.min[i];
      if (other.max[i] > this.max[i]) this.max[i] = other.max[i];
    }
  }

  /** One basic statistic per non-empty period, in time order. */
  statistic(kind: BasicStatisticName): { timestamps: number[]; values: number[] } {
    const timestamps: number[] = [];
    const values: number[] = [];
    const { count, sum, min, max } = this;
    for (let i = 0; i < this.slots; i++) {
      const c = count[i];
      if (!(c > 0)) continue;
      timestamps.push(this.start + i * this.periodMs);
      values.push(kind === "SampleCount" ? c : kind === "Sum" ? sum[i] : kind === "Average" ? sum[i] / c : kind === "Minimum" ? min[i] : max[i]);
    }
    return { timestamps, values };
  }

  /** The non-empty periods as Aggregates without distributions (for the few callers that want objects). */
  toAggregates(): Map<number, Aggregate> {
    const out = new Map<number, Aggregate>();
    for (let i = 0; i < this.slots; i++) {
      if (!(this.count[i] > 0)) continue;
      out.set(
        this.start + i * this.periodMs,
        Aggregate.fromParts({ count: this.count[i], sum: this.sum[i], min: this.min[i], max: this.max[i], hasDistribution: false }),
      );
    }
    return out;
  }
}
