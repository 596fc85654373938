/**
 * A chunk: a run of buckets of ONE series at ONE resolution (e.g. one
 * series-hour of 1-minute buckets), in a compact binary form for KV/S3.
 * Lossless: count, sum, min and max come back bit for bit, and the DDSketch
 * bins exactly as they were (so percentiles keep their 1% bound).
 *
 * Layout (version 1): docs/formats/chunk.md; its value columns:
 * docs/formats/value-columns.md. A one-value-a-minute series is all SINGLE
 * buckets at consecutive slots: a ~10-byte header plus the min column (bench/size.ts).
 */

import { deflateRawSync, inflateRawSync } from "node:zlib";
import { corruptStoredData } from "../../errors.js";
import { ByteReader, ByteWriter, varintSize, zigzag } from "./bytes.js";
import { Aggregate } from "../read/aggregate.js";
import { binIndex, DDSketch, type BinSink } from "../read/sketch.js";

export interface Bucket {
  t: number /* bucket start, epoch ms */;
  agg: Aggregate;
  unit?: string;
}

/**
 * What the encoder needs of a bucket: an Aggregate, or a bucket of the
 * aggregator's batch fold (batch-fold.ts), which keeps no sketch objects.
 */
export interface BucketStats {
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
  readonly hasDistribution: boolean;
  /** The distribution's bins, each sign in index order; asked only when there is a distribution and min < max. */
  sketchBins(sink: BinSink): void;
}

export interface EncodableBucket {
  t: number;
  agg: BucketStats;
  unit?: string;
}

const VERSION = 1;
const DEFLATED = 0x80;
// Far above any chunk written (a day of 1-second buckets with full sketches): a bound on what corrupt deflate data may inflate to.
const MAX_INFLATED_BYTES = 64 * 1024 * 1024;

const enum Kind {
  SINGLE = 0,
  UNIFORM = 1,
  UNIFORM_SUM = 2,
  FULL = 3,
  RESIDUAL = 4,
  NODIST = 5,
  EMPTY = 6,
}

const enum Ts {
  CONSECUTIVE = 0,
  BITMAP = 1,
  SLOT_GAPS = 2,
  RAW = 3,
}

const XOR_MODE = 0x80;
const GCD_FLAG = 0x10;
const MAX_DECIMALS = 15;
const MAX_SCALED = 2 ** 48;
const POW10 = Array.from({ length: MAX_DECIMALS + 1 }, (_, d) => 10 ** d);

// ---------------------------------------------------------------------------
// encode

/**
 * `level`: the deflate effort, 0 for none. Hot chunks are rewritten on every
 * aggregator batch and read by every query, so they skip it (their columns
 * are already compact); roll-off writes long-lived chunks once, at the best.
 */
export function encodeChunk(buckets: EncodableBucket[], resolutionMs: number, level = 9): Uint8Array {
  const body = writeBody(buckets, resolutionMs);
  // Tiny bodies never shrink: skip the attempt.
  const deflated = body.length < 48 || level === 0 ? body : deflateRawSync(body, { level });
  const out = new Uint8Array(1 + Math.min(body.length, deflated.length));
  if (deflated.length < body.length) {
    out[0] = VERSION | DEFLATED;
    out.set(deflated, 1);
  } else {
    out[0] = VERSION;
    out.set(body, 1);
  }
  return out;
}

/**
 * Writes an undeflated chunk into `w`, preceded by its length as a varint:
 * what encodeChunk(buckets, resolutionMs, 0) returns, without a copy of its own.
 */
export function writeChunk(w: ByteWriter, buckets: EncodableBucket[], resolutionMs: number): void {
  const body = writeBody(buckets, resolutionMs);
  w.varint(1 + body.length);
  w.byte(VERSION);
  w.bytes(body);
}

// One writer for every chunk body: the aggregator encodes thousands a batch.
const SCRATCH = new ByteWriter(64 * 1024);

/** The chunk's body (after the version byte), valid until the next call. */
function writeBody(buckets: EncodableBucket[], resolutionMs: number): Uint8Array {
  if (!Number.isSafeInteger(resolutionMs) || resolutionMs <= 0) {
    throw new RangeError(`encodeChunk: resolutionMs must be a positive integer, got ${resolutionMs}`);
  }
  const sorted = buckets.length > 1 ? [...buckets].sort((a, b) => a.t - b.t) : buckets;
  const w = SCRATCH;
  w.reset();
  w.varint(resolutionMs);
  w.varint(sorted.length);
  if (sorted.length > 0) {
    writeUnits(w, sorted);
    writeTimestamps(w, sorted, resolutionMs);
    writeValues(w, sorted);
  }
  return w.written();
}

function writeUnits(w: ByteWriter, buckets: EncodableBucket[]): void {
  // One unit throughout, the aggregator's case: no tables.
  const u0 = buckets[0].unit;
  let same = true;
  for (let i = 1; i < buckets.length && same; i++) same = buckets[i].unit === u0;
  if (same) {
    if (u0 === undefined) w.varint(0);
    else {
      w.varint(1);
      w.string(u0);
    }
    w.byte(0);
    w.varint(u0 === undefined ? 0 : 1);
    return;
  }
  const table: string[] = [];
  const codes = buckets.map((b) => {
    if (b.unit === undefined) return 0;
    let i = table.indexOf(b.unit);
    if (i < 0) i = table.push(b.unit) - 1;
    return i + 1;
  });
  w.varint(table.length);
  for (const u of table) w.string(u);
  if (codes.every((c) => c === codes[0])) {
    w.byte(0);
    w.varint(codes[0]);
  } else {
    w.byte(1);
    for (const c of codes) w.varint(c);
  }
}

function writeTimestamps(w: ByteWriter, buckets: EncodableBucket[], res: number): void {
  if (buckets.length === 1) {
    // What the general case writes for one bucket, without its arrays.
    const t = buckets[0].t;
    if (!Number.isSafeInteger(t)) throw new RangeError(`encodeChunk: bucket time ${t} is not an integer of ms`);
    w.byte(t % res === 0 ? Ts.CONSECUTIVE : Ts.RAW);
    w.zigzag(t % res === 0 ? t / res : t);
    return;
  }
  const ts = buckets.map((b) => b.t);
  for (const t of ts) if (!Number.isSafeInteger(t)) throw new RangeError(`encodeChunk: bucket time ${t} is not an integer of ms`);
  const aligned = ts.every((t) => t % res === 0);
  if (!aligned) {
    w.byte(Ts.RAW);
    w.zigzag(ts[0]);
    for (let i = 1; i < ts.length; i++) w.varint(ts[i] - ts[i - 1]);
    return;
  }
  const slots = ts.map((t) => t / res);
  const n = slots.length;
  const span = slots[n - 1] - slots[0] + 1;
  let strictly = true;
  for (let i = 1; i < n; i++) if (slots[i] === slots[i - 1]) strictly = false;
  if (strictly && span === n) {
    w.byte(Ts.CONSECUTIVE);
    w.zigzag(slots[0]);
    return;
  }
  let gapBytes = 0;
  for (let i = 1; i < n; i++) gapBytes += varintSize(slots[i] - slots[i - 1]);
  const bitmapBytes = varintSize(span) + Math.ceil(span / 8);
  if (strictly && bitmapBytes <= gapBytes) {
    w.byte(Ts.BITMAP);
    w.zigzag(slots[0]);
    w.varint(span);
    const bits = new Uint8Array(Math.ceil(span / 8));
    for (const s of slots) {
      const k = s - slots[0];
      bits[k >> 3] |= 1 << (k & 7);
    }
    w.bytes(bits);
    return;
  }
  w.byte(Ts.SLOT_GAPS);
  w.zigzag(slots[0]);
  for (let i = 1; i < n; i++) w.varint(slots[i] - slots[i - 1]);
}

/**
 * The plan of the chunk being written, one row per bucket: its kind and, for
 * FULL and RESIDUAL, where its sketch's bins are in BINS; for RESIDUAL, the
 * bins of min and max (sign and index), one observation each to leave out
 * when writing. Columns reused from chunk to chunk: the aggregator plans
 * thousands of chunks a batch, and an object per bucket (and per bin key) was
 * garbage it made for every one.
 */
class Plan {
  capacity = 0;
  kind = new Uint8Array(0);
  zero = new Float64Array(0);
  at = new Int32Array(0);
  positive = new Int32Array(0);
  negative = new Int32Array(0);
  residual = new Uint8Array(0);
  loSign = new Int8Array(0);
  loIndex = new Float64Array(0);
  hiSign = new Int8Array(0);
  hiIndex = new Float64Array(0);

  ensure(n: number): void {
    if (n <= this.capacity) return;
    const c = Math.max(n, 2 * this.capacity, 64);
    this.capacity = c;
    this.kind = new Uint8Array(c);
    this.zero = new Float64Array(c);
    this.at = new Int32Array(c);
    this.positive = new Int32Array(c);
    this.negative = new Int32Array(c);
    this.residual = new Uint8Array(c);
    this.loSign = new Int8Array(c);
    this.loIndex = new Float64Array(c);
    this.hiSign = new Int8Array(c);
    this.hiIndex = new Float64Array(c);
  }
}

const PLAN = new Plan();

/**
 * The bins of every sketch in the chunk being written, filled by plan():
 * kinds are chosen (and columns written) before the sketches, so the bins
 * must outlive one bucket. Shared and grown as needed, like `column`. The
 * bucket being planned (`row`) gets its zero count and bin counts in PLAN.
 */
class BinArena implements BinSink {
  data = new Float64Array(1024);
  length = 0;
  private row = 0;

  reset(): void {
    this.length = 0;
  }

  begin(row: number): void {
    this.row = row;
    PLAN.zero[row] = 0;
    PLAN.at[row] = this.length;
    PLAN.positive[row] = 0;
    PLAN.negative[row] = 0;
  }

  zero(count: number): void {
    PLAN.zero[this.row] += count;
  }

  positive(index: number, count: number): void {
    if (PLAN.negative[this.row] > 0) throw new Error("BinArena: positive bins come before negative ones");
    this.push(index, count);
    PLAN.positive[this.row]++;
  }

  negative(index: number, count: number): void {
    this.push(index, count);
    PLAN.negative[this.row]++;
  }

  private push(index: number, count: number): void {
    if (this.length + 2 > this.data.length) {
      const grown = new Float64Array(2 * this.data.length);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = index;
    this.data[this.length++] = count;
  }
}

const BINS = new BinArena();

/** Row `i` of PLAN for bucket statistics `a`. */
function plan(a: BucketStats, i: number): void {
  PLAN.residual[i] = 0;
  PLAN.kind[i] = planKind(a, i);
}

function planKind(a: BucketStats, i: number): Kind {
  if (a.count === 0 && a.hasDistribution) return Kind.EMPTY;
  if (!a.hasDistribution || a.count === 0) return Kind.NODIST;
  if (a.min === a.max) {
    if (a.count === 1 && a.sum === a.min) return Kind.SINGLE;
    if (a.sum === a.min * a.count) return Kind.UNIFORM;
    return Kind.UNIFORM_SUM;
  }
  BINS.begin(i);
  a.sketchBins(BINS);
  if (integralBins(i)) {
    const loSign = signOf(a.min);
    const loIndex = loSign === 0 ? 0 : binIndex(Math.abs(a.min));
    const hiSign = signOf(a.max);
    const hiIndex = hiSign === 0 ? 0 : binIndex(Math.abs(a.max));
    const same = loSign === hiSign && loIndex === hiIndex;
    if (binCount(i, loSign, loIndex) >= (same ? 2 : 1) && binCount(i, hiSign, hiIndex) >= 1) {
      PLAN.residual[i] = 1;
      PLAN.loSign[i] = loSign;
      PLAN.loIndex[i] = loIndex;
      PLAN.hiSign[i] = hiSign;
      PLAN.hiIndex[i] = hiIndex;
      return Kind.RESIDUAL;
    }
  }
  return Kind.FULL;
}

/** binKey's sign: the sketch's bin of v is in the zero bin, or a positive or negative one. */
const signOf = (v: number): 1 | 0 | -1 => (v > 0 ? 1 : v < 0 ? -1 : 0);

function binCount(row: number, sign: number, index: number): number {
  if (sign === 0) return PLAN.zero[row];
  const from = sign > 0 ? PLAN.at[row] : PLAN.at[row] + 2 * PLAN.positive[row];
  const n = sign > 0 ? PLAN.positive[row] : PLAN.negative[row];
  for (let i = 0; i < n; i++) if (BINS.data[from + 2 * i] === index) return BINS.data[from + 2 * i + 1];
  return 0;
}

function integralBins(row: number): boolean {
  if (!Number.isSafeInteger(PLAN.zero[row])) return false;
  const end = PLAN.at[row] + 2 * (PLAN.positive[row] + PLAN.negative[row]);
  for (let i = PLAN.at[row] + 1; i < end; i += 2) if (!Number.isSafeInteger(BINS.data[i])) return false;
  return true;
}

const hasCount = (k: Kind) => k !== Kind.SINGLE && k !== Kind.EMPTY;
const hasSum = (k: Kind) => k === Kind.UNIFORM_SUM || k === Kind.FULL || k === Kind.RESIDUAL || k === Kind.NODIST;
const hasMin = (k: Kind) => k !== Kind.EMPTY;
const hasMax = (k: Kind) => k === Kind.FULL || k === Kind.RESIDUAL || k === Kind.NODIST;
const hasSketch = (k: Kind) => k === Kind.FULL || k === Kind.RESIDUAL;

/** Column values gathered for writeColumn: reused, grown as needed. */
let column = new Float64Array(256);

const COUNT = 0;
const SUM = 1;
const MIN = 2;
const MAX = 3;

function gather(buckets: EncodableBucket[], has: (k: Kind) => boolean, field: number): number {
  if (column.length < buckets.length) column = new Float64Array(2 * buckets.length);
  let n = 0;
  for (let i = 0; i < buckets.length; i++) {
    if (!has(PLAN.kind[i])) continue;
    const a = buckets[i].agg;
    column[n++] = field === COUNT ? a.count : field === SUM ? a.sum : field === MIN ? a.min : a.max;
  }
  return n;
}

function writeValues(w: ByteWriter, buckets: EncodableBucket[]): void {
  BINS.reset();
  const n = buckets.length;
  PLAN.ensure(n);
  let allSingle = true;
  for (let i = 0; i < n; i++) {
    plan(buckets[i].agg, i);
    if (PLAN.kind[i] !== Kind.SINGLE) allSingle = false;
  }
  if (allSingle) w.byte(0);
  else {
    w.byte(1);
    for (let i = 0; i < n; i++) w.byte(PLAN.kind[i]);
  }
  // gather may replace `column` with a larger array: read it only after.
  let m = gather(buckets, hasCount, COUNT);
  writeColumn(w, column, m);
  m = gather(buckets, hasSum, SUM);
  writeColumn(w, column, m);
  m = gather(buckets, hasMin, MIN);
  writeColumn(w, column, m);
  m = gather(buckets, hasMax, MAX);
  writeColumn(w, column, m);
  let integral = true;
  let sketches = 0;
  for (let i = 0; i < n; i++) {
    if (!hasSketch(PLAN.kind[i])) continue;
    sketches++;
    if (integral && !integralBins(i)) integral = false;
  }
  if (sketches === 0) return;
  w.byte(integral ? 0 : 1);
  for (let i = 0; i < n; i++) {
    if (!hasSketch(PLAN.kind[i])) continue;
    const less = PLAN.residual[i] === 1;
    let zero = PLAN.zero[i];
    if (less && PLAN.loSign[i] === 0) zero--;
    if (less && PLAN.hiSign[i] === 0) zero--;
    writeCount(w, integral, zero);
    writeBins(w, i, PLAN.at[i], PLAN.positive[i], integral, less, 1);
    writeBins(w, i, PLAN.at[i] + 2 * PLAN.positive[i], PLAN.negative[i], integral, less, -1);
  }
}

const writeCount = (w: ByteWriter, integral: boolean, c: number) => (integral ? w.varint(c) : w.float64(c));

/** `m` bins of one sign from BINS at `at`, less one observation for row's min and max bins when `less` (bins left empty are not written). */
function writeBins(w: ByteWriter, row: number, at: number, m: number, integral: boolean, less: boolean, sign: 1 | -1): void {
  let n = 0;
  for (let i = 0; i < m; i++) if (binCountLess(row, at, i, less, sign) > 0) n++;
  w.varint(n);
  let prev: number | undefined;
  const data = BINS.data;
  for (let i = 0; i < m; i++) {
    const k = data[at + 2 * i];
    const c = binCountLess(row, at, i, less, sign);
    if (!(c > 0)) continue;
    if (prev === undefined) w.zigzag(k);
    else w.varint(k - prev - 1);
    prev = k;
    writeCount(w, integral, c);
  }
}

/** The count of bin `i` of the run at `at` in BINS, less one for each of row's min and max bins it is (when `less`). */
function binCountLess(row: number, at: number, i: number, less: boolean, sign: 1 | -1): number {
  const data = BINS.data;
  let c = data[at + 2 * i + 1];
  if (!less) return c;
  const index = data[at + 2 * i];
  if (PLAN.loSign[row] === sign && PLAN.loIndex[row] === index) c--;
  if (PLAN.hiSign[row] === sign && PLAN.hiIndex[row] === index) c--;
  return c;
}

/** Smallest d with every value = m/10^d exactly, |m| ≤ 2^48; -1 if none. */
function decimals(values: Float64Array, n: number): number {
  for (let d = 0; d <= MAX_DECIMALS; d++) {
    const p = POW10[d];
    let ok = true;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      const m = Math.round(v * p);
      if (!(Math.abs(m) <= MAX_SCALED) || Object.is(v, -0) || !Object.is(m / p, v)) {
        ok = false;
        break;
      }
    }
    if (ok) return d;
  }
  return -1;
}

/**
 * The i-th first (order 1) or second (order 2) difference of the scaled
 * integers round(values·p), computed in place: columns are encoded on every
 * aggregator batch, and arrays per column were most of its garbage.
 */
function difference(values: Float64Array, p: number, order: 1 | 2, i: number): number {
  const m0 = Math.round(values[i] * p);
  const m1 = i > 0 ? Math.round(values[i - 1] * p) : 0;
  const d1 = m0 - m1;
  if (order === 1 || i < 2) return d1;
  return d1 - (m1 - Math.round(values[i - 2] * p));
}

function differenceGcd(values: Float64Array, n: number, p: number, order: 1 | 2): number {
  let g = 0;
  for (let i = 0; i < n; i++) g = gcd(g, Math.abs(difference(values, p, order, i)));
  return g <= 1 ? 1 : g;
}

function differenceSize(values: Float64Array, n: number, p: number, order: 1 | 2, g: number): number {
  let size = g > 1 ? varintSize(g) : 0;
  for (let i = 0; i < n; i++) size += varintSize(zigzag(difference(values, p, order, i) / g));
  return size;
}

function writeColumn(w: ByteWriter, values: Float64Array, n: number): void {
  if (n === 0) return;
  const xor = xorSize(values, n);
  const d = decimals(values, n);
  if (d >= 0) {
    const p = POW10[d];
    // First or second differences, whichever is smaller (no objects: this runs per column per chunk).
    const g1 = differenceGcd(values, n, p, 1);
    const g2 = differenceGcd(values, n, p, 2);
    const size1 = differenceSize(values, n, p, 1, g1);
    const size2 = differenceSize(values, n, p, 2, g2);
    const order = size2 < size1 ? 2 : 1;
    const g = order === 2 ? g2 : g1;
    if (Math.min(size1, size2) <= xor) {
      w.byte((order << 5) | (g > 1 ? GCD_FLAG : 0) | d);
      if (g > 1) w.varint(g);
      for (let i = 0; i < n; i++) w.zigzag(difference(values, p, order, i) / g);
      return;
    }
  }
  w.byte(XOR_MODE);
  xorWrite(w, values, n);
}

/**
 * Gorilla-style XOR of value i's float64 bits with value i-1's (0 for the
 * first): its 8 bytes go to XOR_BYTES_OUT, and the answer is its leading
 * zero byte count << 4 | its trailing zero byte count.
 */
function xorAt(values: Float64Array, i: number): number {
  const x = XOR_BYTES_OUT;
  XOR_VIEW_OUT.setFloat64(0, values[i]);
  let xh = XOR_VIEW_OUT.getUint32(0);
  let xl = XOR_VIEW_OUT.getUint32(4);
  if (i > 0) {
    XOR_VIEW_OUT.setFloat64(0, values[i - 1]);
    xh = (xh ^ XOR_VIEW_OUT.getUint32(0)) >>> 0;
    xl = (xl ^ XOR_VIEW_OUT.getUint32(4)) >>> 0;
  }
  for (let k = 0; k < 4; k++) {
    x[k] = (xh >>> (24 - 8 * k)) & 0xff;
    x[4 + k] = (xl >>> (24 - 8 * k)) & 0xff;
  }
  let lz = 0;
  while (lz < 8 && x[lz] === 0) lz++;
  let tz = 0;
  if (lz < 8) while (x[7 - tz] === 0) tz++;
  return (lz << 4) | tz;
}

const XOR_BYTES_OUT = new Uint8Array(8);
const XOR_VIEW_OUT = new DataView(new ArrayBuffer(8));

/** Bytes the XOR column of `values` takes (without its mode byte). */
function xorSize(values: Float64Array, n: number): number {
  let size = 0;
  for (let i = 0; i < n; i++) {
    const h = xorAt(values, i);
    size += 1 + Math.max(0, 8 - (h >> 4) - (h & 15));
  }
  return size;
}

function xorWrite(w: ByteWriter, values: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const h = xorAt(values, i);
    w.byte(h);
    for (let k = h >> 4; k < 8 - (h & 15); k++) w.byte(XOR_BYTES_OUT[k]);
  }
}

// ---------------------------------------------------------------------------
// decode

type Column = Float64Array;

/**
 * Where a decode puts its columns: one shared set, grown as needed. Every
 * decoder copies out what it keeps before returning, so reads that decode
 * thousands of chunks make no garbage per column.
 */
class ColumnBuffers {
  ts: Column;
  units: Column;
  kinds: Uint8Array;
  counts: Column;
  sums: Column;
  mins: Column;
  maxs: Column;
  /** Decimal columns' scaled integers. */
  scaled: Column;
  // What basic statistics read, per bucket.
  count: Column;
  sum: Column;
  min: Column;
  max: Column;

  constructor(readonly capacity: number) {
    const f = () => new Float64Array(capacity);
    this.ts = f();
    this.units = f();
    this.kinds = new Uint8Array(capacity);
    this.counts = f();
    this.sums = f();
    this.mins = f();
    this.maxs = f();
    this.scaled = f();
    this.count = f();
    this.sum = f();
    this.min = f();
    this.max = f();
  }
}

let shared = new ColumnBuffers(0);
const sharedBuffers = (n: number) => (shared.capacity >= n ? shared : (shared = new ColumnBuffers(Math.max(n, 2 * shared.capacity))));

interface ChunkColumns {
  resolutionMs: number;
  n: number;
  table: string[];
  buf: ColumnBuffers;
  /** Positioned at the sketches. */
  r: ByteReader;
}

/** Everything before the sketches: what basic statistics need. */
function readColumns(bytes: Uint8Array, buffers: (n: number) => ColumnBuffers): ChunkColumns | { resolutionMs: number; n: 0 } {
  if (bytes.length < 1) throw corruptStoredData("chunk", "empty");
  const head = bytes[0];
  if ((head & 0x7f) !== VERSION) throw corruptStoredData("chunk", `unknown version ${head & 0x7f}`);
  const body = head & DEFLATED ? inflate(bytes.subarray(1)) : bytes.subarray(1);
  const r = new ByteReader(body, "chunk");
  const resolutionMs = r.varint();
  // Every bucket takes at least a byte (its value, or its kind): a larger count is corrupt.
  const n = r.count();
  if (n === 0) return { resolutionMs, n: 0 };
  const buf = buffers(n);

  // units
  const table: string[] = [];
  for (let i = r.count(); i > 0; i--) table.push(r.string());
  const { units } = buf;
  if (r.byte() === 0) units.fill(r.varint(), 0, n);
  else for (let i = 0; i < n; i++) units[i] = r.varint();

  // timestamps
  const { ts } = buf;
  const mode = r.byte() as Ts;
  if (mode === Ts.RAW) {
    ts[0] = r.zigzag();
    for (let i = 1; i < n; i++) ts[i] = ts[i - 1] + r.varint();
  } else {
    const s0 = r.zigzag();
    if (mode === Ts.CONSECUTIVE) {
      for (let i = 0; i < n; i++) ts[i] = (s0 + i) * resolutionMs;
    } else if (mode === Ts.BITMAP) {
      const span = r.varint();
      const bits = r.bytes(Math.ceil(span / 8));
      let i = 0;
      for (let k = 0; k < span; k++) {
        if (!(bits[k >> 3] & (1 << (k & 7)))) continue;
        if (i < n) ts[i] = (s0 + k) * resolutionMs;
        i++;
      }
      if (i !== n) r.corrupt("the timestamp bitmap does not match the bucket count");
    } else if (mode === Ts.SLOT_GAPS) {
      let s = s0;
      ts[0] = s * resolutionMs;
      for (let i = 1; i < n; i++) ts[i] = (s += r.varint()) * resolutionMs;
    } else r.corrupt(`unknown timestamp mode ${mode}`);
  }

  // kinds and columns
  const allSingle = r.byte() === 0;
  const { kinds } = buf;
  if (allSingle) kinds.fill(Kind.SINGLE, 0, n);
  else {
    for (let i = 0; i < n; i++) {
      const k = r.byte();
      if (k > Kind.EMPTY) r.corrupt(`unknown bucket kind ${k}`);
      kinds[i] = k;
    }
  }
  // Column lengths: how many buckets have each part (all-SINGLE chunks, the common case, only a min).
  let nCount = 0, nSum = 0, nMin = n, nMax = 0;
  if (!allSingle) {
    nMin = 0;
    for (let i = 0; i < n; i++) {
      const k = kinds[i] as Kind;
      if (hasCount(k)) nCount++;
      if (hasSum(k)) nSum++;
      if (hasMin(k)) nMin++;
      if (hasMax(k)) nMax++;
    }
  }
  readColumn(r, nCount, buf.counts, buf.scaled);
  readColumn(r, nSum, buf.sums, buf.scaled);
  readColumn(r, nMin, buf.mins, buf.scaled);
  readColumn(r, nMax, buf.maxs, buf.scaled);
  return { resolutionMs, n, table, buf, r };
}

/** Fills buf.count/sum/min/max per bucket from the columns (EMPTY buckets: count 0). */
function basicValues(n: number, buf: ColumnBuffers): void {
  const { kinds, counts, sums, mins, maxs, count, sum, min, max } = buf;
  let ci = 0, si = 0, mi = 0, xi = 0;
  for (let i = 0; i < n; i++) {
    const k = kinds[i] as Kind;
    if (k === Kind.EMPTY) {
      count[i] = 0;
      sum[i] = 0;
      min[i] = Infinity;
      max[i] = -Infinity;
      continue;
    }
    const c = hasCount(k) ? counts[ci++] : 1;
    const lo = mins[mi++];
    count[i] = c;
    min[i] = lo;
    max[i] = hasMax(k) ? maxs[xi++] : lo;
    sum[i] = hasSum(k) ? sums[si++] : k === Kind.SINGLE ? lo : lo * c;
  }
}

/** Bucket start times and their count, sum, min and max, without distributions. */
export interface BasicColumns {
  t: ArrayLike<number>;
  count: ArrayLike<number>;
  sum: ArrayLike<number>;
  min: ArrayLike<number>;
  max: ArrayLike<number>;
}

/**
 * Decodes only what SampleCount, Sum, Average, Minimum and Maximum need: no
 * sketches and no object per bucket. The read path of basic statistics.
 */
export function decodeChunkBasic(bytes: Uint8Array): BasicColumns {
  const { n, t, count, sum, min, max } = viewChunkBasic(bytes);
  return { t: t.slice(0, n), count: count.slice(0, n), sum: sum.slice(0, n), min: min.slice(0, n), max: max.slice(0, n) };
}

/** A chunk's buckets as columns (bucket i: t[i], count[i], …; count 0 = empty). */
export interface BasicView {
  n: number;
  t: Float64Array;
  count: Float64Array;
  sum: Float64Array;
  min: Float64Array;
  max: Float64Array;
}

/**
 * Decodes what basic statistics need into the shared buffers and returns a
 * view of them, valid until the next decode: for wide reads that fold each
 * chunk at once and keep nothing of it.
 */
export function viewChunkBasic(bytes: Uint8Array): BasicView {
  const c = readColumns(bytes, sharedBuffers);
  if (c.n === 0) return { n: 0, t: shared.ts, count: shared.count, sum: shared.sum, min: shared.min, max: shared.max };
  const { n, buf } = c as ChunkColumns;
  basicValues(n, buf);
  return { n, t: buf.ts, count: buf.count, sum: buf.sum, min: buf.min, max: buf.max };
}

/** Whether the sketches' counts are float64 (else varints): the count mode byte, present when some bucket has a sketch. */
function readsFloatCounts(r: ByteReader, n: number, kinds: ArrayLike<number>): boolean {
  let sketches = false;
  for (let i = 0; i < n && !sketches; i++) sketches = hasSketch(kinds[i] as Kind);
  const countMode = sketches ? r.byte() : 0;
  if (countMode > 1) r.corrupt(`unknown sketch count mode ${countMode}`);
  return countMode === 1;
}

/**
 * The chunk's buckets; with `from`/`to`, only those reaching into [from, to):
 * the others' sketches are read past, never built (a read of the last hour
 * from a 12-hour sealed chunk decodes one hour's sketches, not twelve).
 */
export function decodeChunk(bytes: Uint8Array, from = -Infinity, to = Infinity): { resolutionMs: number; buckets: Bucket[] } {
  // The columns are read into Buckets before anything else decodes: shared buffers will do.
  const cols = readColumns(bytes, sharedBuffers);
  if (cols.n === 0) return { resolutionMs: cols.resolutionMs, buckets: [] };
  const { resolutionMs, n, table, buf, r } = cols as ChunkColumns;
  const { ts, units: unitCodes, kinds, counts, sums, mins, maxs } = buf;
  const floatCounts = readsFloatCounts(r, n, kinds);
  const readCount = floatCounts ? () => r.float64() : () => r.varint();
  let ci = 0, si = 0, mi = 0, xi = 0;

  const whole = from === -Infinity && to === Infinity;
  const buckets: Bucket[] = whole ? new Array(n) : [];
  for (let i = 0; i < n; i++) {
    const k = kinds[i] as Kind;
    if (!whole && (ts[i] + resolutionMs <= from || ts[i] >= to)) {
      // Outside the range: keep the columns' cursors and the reader in step, build nothing.
      if (k === Kind.EMPTY) continue;
      if (hasCount(k)) ci++;
      if (hasSum(k)) si++;
      mi++;
      if (hasMax(k)) xi++;
      if (hasSketch(k)) {
        readCount();
        readBins(r, readCount, skipBin);
        readBins(r, readCount, skipBin);
      }
      continue;
    }
    let agg: Aggregate;
    if (k === Kind.EMPTY) agg = new Aggregate();
    else {
      const count = hasCount(k) ? counts[ci++] : 1;
      const sum = hasSum(k) ? sums[si++] : undefined;
      const min = mins[mi++];
      const max = hasMax(k) ? maxs[xi++] : min;
      let sketch: DDSketch | undefined;
      if (hasSketch(k)) {
        sketch = new DDSketch();
        sketch.add(0, readCount());
        readBins(r, readCount, (i, c) => addBin(sketch!.positive, i, c));
        readBins(r, readCount, (i, c) => addBin(sketch!.negative, i, c));
        let total = sketch.zero;
        for (const c of sketch.positive.values()) total += c;
        for (const c of sketch.negative.values()) total += c;
        sketch.count = total;
        if (k === Kind.RESIDUAL) {
          sketch.add(min, 1);
          sketch.add(max, 1);
        }
      }
      agg = Aggregate.fromParts({
        count,
        sum: sum ?? (k === Kind.SINGLE ? min : min * count),
        min,
        max,
        hasDistribution: k !== Kind.NODIST,
        sketch,
      });
    }
    const b: Bucket = { t: ts[i], agg };
    const u = unitCodes[i];
    if (u > 0) {
      if (u > table.length) r.corrupt("a unit code is out of range");
      b.unit = table[u - 1];
    }
    if (whole) buckets[i] = b;
    else buckets.push(b);
  }
  return { resolutionMs, buckets };
}

/**
 * Receives a chunk's buckets as visitChunk reads them: each bucket's
 * statistics, then (when it has a sketch) its bins, as decodeChunk would
 * add them to a DDSketch.
 */
export interface ChunkVisitor extends BinSink {
  /**
   * A bucket as decodeChunk's Aggregate would hold it: an EMPTY one has count
   * 0, sum 0, min Infinity and max -Infinity; a statistic set's has no distribution.
   */
  bucket(t: number, count: number, sum: number, min: number, max: number, hasDistribution: boolean): void;
}

/**
 * The chunk's buckets in stored order, with no object per bucket or bin: what
 * decodeChunk builds, told to `v`. A bucket whose sketch is implied (all its
 * values equal) gets no bin calls. A RESIDUAL bucket's min and max come as
 * bins of count 1 after the stored ones, in the order decodeChunk adds them.
 * Throws as decodeChunk does on corrupt bytes.
 */
export function visitChunk(bytes: Uint8Array, v: ChunkVisitor): void {
  const cols = readColumns(bytes, sharedBuffers);
  if (cols.n === 0) return;
  const { n, table, buf, r } = cols as ChunkColumns;
  const { ts, units: unitCodes, kinds, counts, sums, mins, maxs } = buf;
  const floatCounts = readsFloatCounts(r, n, kinds);
  let ci = 0, si = 0, mi = 0, xi = 0;
  for (let i = 0; i < n; i++) {
    const k = kinds[i] as Kind;
    if (unitCodes[i] > table.length) r.corrupt("a unit code is out of range");
    if (k === Kind.EMPTY) {
      v.bucket(ts[i], 0, 0, Infinity, -Infinity, true);
      continue;
    }
    const count = hasCount(k) ? counts[ci++] : 1;
    const sum = hasSum(k) ? sums[si++] : undefined;
    const min = mins[mi++];
    const max = hasMax(k) ? maxs[xi++] : min;
    v.bucket(ts[i], count, sum ?? (k === Kind.SINGLE ? min : min * count), min, max, k !== Kind.NODIST);
    if (!hasSketch(k)) continue;
    const zero = floatCounts ? r.float64() : r.varint();
    if (zero > 0) v.zero(zero);
    visitBins(r, floatCounts, v, 1);
    visitBins(r, floatCounts, v, -1);
    if (k === Kind.RESIDUAL) {
      visitValue(v, min);
      visitValue(v, max);
    }
  }
}

/** readBins with addBin, to a sink: bins of one sign, those of no count left out. */
function visitBins(r: ByteReader, floatCounts: boolean, v: BinSink, sign: 1 | -1): void {
  const k = r.count(2);
  let index = 0;
  for (let i = 0; i < k; i++) {
    index = i === 0 ? r.zigzag() : index + r.varint() + 1;
    const c = floatCounts ? r.float64() : r.varint();
    if (!(c > 0)) continue;
    if (sign > 0) v.positive(index, c);
    else v.negative(index, c);
  }
}

/** DDSketch.add(value, 1), to a sink. */
function visitValue(v: BinSink, value: number): void {
  if (value > 0) v.positive(binIndex(value), 1);
  else if (value < 0) v.negative(binIndex(-value), 1);
  else v.zero(1);
}

const skipBin = () => undefined;

function addBin(m: Map<number, number>, i: number, c: number): void {
  if (c > 0) m.set(i, c);
}

function readBins(r: ByteReader, readCount: () => number, put: (index: number, count: number) => void): void {
  const k = r.count(2);
  let index = 0;
  for (let i = 0; i < k; i++) {
    index = i === 0 ? r.zigzag() : index + r.varint() + 1;
    put(index, readCount());
  }
}

/** Reads a column of n values into `out`; `scaled` is scratch for decimal columns. */
function readColumn(r: ByteReader, n: number, out: Column, scaled: Column): void {
  if (n === 0) return;
  const mode = r.byte();
  if (mode === XOR_MODE) {
    let prevHi = 0;
    let prevLo = 0;
    for (let i = 0; i < n; i++) {
      const h = r.byte();
      const lz = h >> 4;
      const tz = h & 0x0f;
      XOR_BYTES.fill(0);
      for (let j = lz; j < 8 - tz; j++) XOR_BYTES[j] = r.byte();
      const x = XOR_BYTES;
      const hi = (((x[0] << 24) | (x[1] << 16) | (x[2] << 8) | x[3]) ^ prevHi) >>> 0;
      const lo = (((x[4] << 24) | (x[5] << 16) | (x[6] << 8) | x[7]) ^ prevLo) >>> 0;
      XOR_VIEW.setUint32(0, hi);
      XOR_VIEW.setUint32(4, lo);
      out[i] = XOR_VIEW.getFloat64(0);
      // No aggregate holds NaN (PutMetricData refuses it, and accepted values cannot sum to it).
      if (Number.isNaN(out[i])) r.corrupt("a value is NaN");
      prevHi = hi;
      prevLo = lo;
    }
    return;
  }
  const d = mode & 0x0f;
  const order = (mode >> 5) & 3;
  if (order !== 1 && order !== 2) r.corrupt(`unknown column mode ${mode}`);
  const g = mode & GCD_FLAG ? r.varint() : 1;
  const p = POW10[d];
  const m = scaled;
  for (let i = 0; i < n; i++) {
    const e = r.zigzag() * g;
    if (order === 1 || i < 2) m[i] = (i > 0 ? m[i - 1] : 0) + e;
    else m[i] = m[i - 1] + (m[i - 1] - m[i - 2]) + e;
    out[i] = m[i] / p;
  }
}

const XOR_BYTES = new Uint8Array(8);
const XOR_VIEW = new DataView(new ArrayBuffer(8));

function inflate(deflated: Uint8Array): Uint8Array {
  try {
    return new Uint8Array(inflateRawSync(deflated, { maxOutputLength: MAX_INFLATED_BYTES }));
  } catch (e) {
    throw corruptStoredData("chunk", `deflate: ${(e as Error).message}`);
  }
}

// ---------------------------------------------------------------------------
// merge

/**
 * Union of two runs of buckets, sorted by time; buckets with the same time
 * and the same unit are merged into one. Buckets of one time with different
 * units stay apart, because AWS keeps the unit per datapoint and queries can
 * filter on it. The inputs are left untouched.
 */
export function mergeChunks(a: Bucket[], b: Bucket[]): Bucket[] {
  const byKey = new Map<string, Bucket>();
  for (const x of [...a, ...b]) {
    const key = `${x.t}\u0000${x.unit === undefined ? "" : "=" + x.unit}`;
    const have = byKey.get(key);
    if (have) have.agg.merge(x.agg);
    else {
      const copy: Bucket = { t: x.t, agg: x.agg.clone() };
      if (x.unit !== undefined) copy.unit = x.unit;
      byKey.set(key, copy);
    }
  }
  return [...byKey.values()].sort((x, y) => x.t - y.t || unitOrder(x.unit, y.unit));
}

function unitOrder(x: string | undefined, y: string | undefined): number {
  if (x === y) return 0;
  if (x === undefined) return -1;
  if (y === undefined) return 1;
  return x < y ? -1 : 1;
}

// ---------------------------------------------------------------------------
// bytes

function gcd(a: number, b: number): number {
  while (b > 0) {
    const r = a % b;
    a = b;
    b = r;
  }
  return a;
}
