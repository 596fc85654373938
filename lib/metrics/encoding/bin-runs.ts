/**
 * A bucket's sketch bins from (bin, count) entries kept in arrival order, as
 * the chunk encoder takes them (a BinSink): each bin once, in index order,
 * its entries' counts summed in arrival order, which is what a DDSketch's
 * Map would hold. Shared by the aggregator's fold (write/batch-fold.ts) and
 * compaction's merge (chunk-merge.ts), which keep their entries in typed
 * arrays and number them in arrival order.
 */
import type { BinSink } from "../read/sketch.js";
import { grow } from "./typed-arrays.js";

/** Scratch for one bucket's entry numbers by sign; grown by growBinScratch when full. */
export const BIN_SCRATCH = { positive: new Int32Array(1024), negative: new Int32Array(1024) };

export function growBinScratch(): void {
  BIN_SCRATCH.positive = grow(BIN_SCRATCH.positive, 2 * BIN_SCRATCH.positive.length);
  BIN_SCRATCH.negative = grow(BIN_SCRATCH.negative, 2 * BIN_SCRATCH.negative.length);
}

let SORT_KEYS = new Float64Array(256);
// Bin indexes of finite doubles lie within ±37,000 (sketch.ts binIndex of 2^±1074).
const BIN_BIAS = 2 ** 17;

/**
 * Sorts entries `ids[0..n)` by bin (`binOf[id]`), stably (entry numbers grow
 * in arrival order), and sends each bin's summed `weight` to `sink`, as
 * negative bins when `negative`.
 */
export function emitBinRuns(ids: Int32Array, n: number, binOf: Int32Array, weight: Float64Array, negative: boolean, sink: BinSink): void {
  if (n === 0) return;
  if (n <= 32) {
    for (let k = 1; k < n; k++) {
      const id = ids[k];
      let j = k - 1;
      while (j >= 0 && binOf[ids[j]] > binOf[id]) {
        ids[j + 1] = ids[j];
        j--;
      }
      ids[j + 1] = id;
    }
  } else {
    // One number per entry, bin then entry number (exact: bins are within ±2^17, entries under 2^31), sorted natively.
    if (SORT_KEYS.length < n) SORT_KEYS = new Float64Array(2 * n);
    for (let k = 0; k < n; k++) SORT_KEYS[k] = (binOf[ids[k]] + BIN_BIAS) * 2 ** 32 + ids[k];
    const keys = SORT_KEYS.subarray(0, n).sort();
    for (let k = 0; k < n; k++) ids[k] = keys[k] % 2 ** 32;
  }
  let key = binOf[ids[0]];
  let c = weight[ids[0]];
  for (let k = 1; k < n; k++) {
    const kk = binOf[ids[k]];
    if (kk === key) c += weight[ids[k]];
    else {
      if (negative) sink.negative(key, c);
      else sink.positive(key, c);
      key = kk;
      c = weight[ids[k]];
    }
  }
  if (negative) sink.negative(key, c);
  else sink.positive(key, c);
}
