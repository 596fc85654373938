/**
 * SampleCount, Sum, Minimum and Maximum per period on a dense grid of typed
 * arrays: slot i covers [start + i·period, start + (i+1)·period). The read
 * path of basic statistics. One object per period (an Aggregate in a Map)
 * made wide queries spend most of their time in the garbage collector; one
 * Float64Array per series (count, sum, min, max side by side) does not.
 */
import { Aggregate } from "./aggregate.js";
import type { BasicView } from "../encoding/chunk.js";
import type { BasicStatisticName } from "./statistics.js";

/** Above this many periods a query keeps to the Map of Aggregates (the API's limits keep real queries far below it). */
export const MAX_GRID_SLOTS = 1 << 20;

export class PeriodGrid {
  /** Slot i: count at 4i, sum at 4i+1, min at 4i+2, max at 4i+3. */
  readonly cells: Float64Array;

  /** `cells`: 4 × slots of zeroes to use (a part of a slab), else allocated. */
  constructor(readonly start: number, readonly periodMs: number, readonly slots: number, cells?: Float64Array) {
    this.cells = cells ?? new Float64Array(4 * slots);
    for (let i = 0; i < slots; i++) {
      this.cells[4 * i + 2] = Infinity;
      this.cells[4 * i + 3] = -Infinity;
    }
  }

  static covering(start: number, end: number, periodMs: number): PeriodGrid {
    return new PeriodGrid(start, periodMs, Math.max(1, Math.ceil((end - start) / periodMs)));
  }

  /** Folds a bucket starting at `t` into its period; a bucket that starts before the grid counts for the first one. */
  add(t: number, count: number, sum: number, min: number, max: number): void {
    const i = t < this.start ? 0 : Math.floor((t - this.start) / this.periodMs);
    if (i >= this.slots) return;
    const c = this.cells;
    const k = 4 * i;
    c[k] += count;
    c[k + 1] += sum;
    if (min < c[k + 2]) c[k + 2] = min;
    if (max > c[k + 3]) c[k + 3] = max;
  }

  /**
   * Folds a chunk's buckets of `resolutionMs` that overlap [from, to) (a
   * coarse bucket reaching into the range counts for the first period).
   */
  addBuckets(b: BasicView, resolutionMs: number, from: number, to: number): void {
    const { n, t, count, sum, min, max } = b;
    const c = this.cells;
    const { start, periodMs, slots } = this;
    for (let j = 0; j < n; j++) {
      const tj = t[j];
      if (count[j] === 0 || tj + resolutionMs <= from || tj >= to) continue;
      const i = tj < start ? 0 : Math.floor((tj - start) / periodMs);
      if (i >= slots) continue;
      const k = 4 * i;
      c[k] += count[j];
      c[k + 1] += sum[j];
      if (min[j] < c[k + 2]) c[k + 2] = min[j];
      if (max[j] > c[k + 3]) c[k + 3] = max[j];
    }
  }

  isEmpty(): boolean {
    for (let k = 0; k < this.cells.length; k += 4) if (this.cells[k] > 0) return false;
    return true;
  }

  /** One basic statistic per non-empty period, in time order. */
  statistic(kind: BasicStatisticName): { timestamps: number[]; values: number[] } {
    const c = this.cells;
    let n = 0;
    for (let k = 0; k < c.length; k += 4) if (c[k] > 0) n++;
    const timestamps = new Array<number>(n);
    const values = new Array<number>(n);
    const offset = kind === "Sum" || kind === "Average" ? 1 : kind === "Minimum" ? 2 : kind === "Maximum" ? 3 : 0;
    for (let i = 0, k = 0, j = 0; i < this.slots; i++, k += 4) {
      const count = c[k];
      if (!(count > 0)) continue;
      timestamps[j] = this.start + i * this.periodMs;
      values[j++] = kind === "Average" ? c[k + 1] / count : c[k + offset];
    }
    return { timestamps, values };
  }

  /** The non-empty periods as Aggregates without distributions (for the few callers that want objects). */
  toAggregates(): Map<number, Aggregate> {
    const out = new Map<number, Aggregate>();
    const c = this.cells;
    for (let i = 0, k = 0; i < this.slots; i++, k += 4) {
      if (!(c[k] > 0)) continue;
      out.set(this.start + i * this.periodMs, Aggregate.fromParts({ count: c[k], sum: c[k + 1], min: c[k + 2], max: c[k + 3], hasDistribution: false }));
    }
    return out;
  }
}

/**
 * Grids of one shape for many series, cut from shared slabs: allocating an
 * ArrayBuffer per series cost wide reads more than folding their data.
 */
export class GridSlab {
  private slab = new Float64Array(0);
  private used = 0;
  private readonly slots: number;

  constructor(private readonly start: number, end: number, private readonly periodMs: number, private readonly perSlab = 256) {
    this.slots = Math.max(1, Math.ceil((end - start) / periodMs));
  }

  next(): PeriodGrid {
    const size = 4 * this.slots;
    if (this.used + size > this.slab.length) {
      this.slab = new Float64Array(size * this.perSlab);
      this.used = 0;
    }
    const cells = this.slab.subarray(this.used, (this.used += size));
    return new PeriodGrid(this.start, this.periodMs, this.slots, cells);
  }
}
