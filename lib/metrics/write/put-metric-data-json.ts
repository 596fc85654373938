/**
 * PutMetricData's awsJson body read straight into columns of ingest datums
 * (encoding/datum-columns.ts): the hot path of ingest, with no JSON.parse
 * tree, no SDK input objects, no object per datum or dimension and no
 * per-datum strings (names and values are interned by their bytes). It is the
 * operation's fast decoder in the protocol layer (lib/protocol/fast-decoders.ts).
 *
 * It accepts only what the general path (JSON.parse → InputReader → the
 * model's validation stage → normalizeDatum) surely accepts, with the same
 * result: strings are plain ASCII without escapes, members are the
 * MetricDatum ones, and every rule is checked — the model's, through the
 * validation stage's own compiled checks of each shape, and PutMetricData's.
 * Anything else (odd JSON, EntityMetricData, a broken rule) gives undefined
 * and the request takes the general path, which answers AWS's exact error.
 * test/pure/put-metric-data-json.test.ts holds the two paths equal.
 */
import { getConfig } from "../../config/config.js";
import { MODELS } from "../../validation/service-models.js";
import { shapeCheck } from "../../validation/validate-input.js";
import { DatumColumns, type ColumnText } from "../encoding/datum-columns.js";
import { HAS_COUNTS, HIGH_RESOLUTION, STATISTICS, VALUE, VALUES } from "../encoding/ingest-codec.js";
import { validateNamespace, type PreparedMetricData } from "../put-metric-data.js";
import { BACKSLASH, CLOSE_ARRAY, CLOSE_OBJECT, COLON, OPEN_ARRAY, OPEN_OBJECT, QUOTE } from "../../protocol/json-bytes.js";
import { JsonCursor, LEAVE } from "../../protocol/json-cursor.js";

const TWO_WEEKS_MS = 14 * 24 * 3600 * 1000;
const TWO_HOURS_MS = 2 * 3600 * 1000;
const MAX_VALUES = 150;
const LIMIT = 2 ** 360;
/** The largest time a Date holds (ms). */
const MAX_DATE = 8.64e15;

const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;

/** The roles a string is checked for, as bits: each interned string remembers the checks it passed. */
const METRIC_NAME = 1;
const DIMENSION_NAME = 2;
const DIMENSION_VALUE = 4;
const UNIT = 8;

const SHAPES: Array<[number, string]> = [
  [METRIC_NAME, "MetricName"],
  [DIMENSION_NAME, "DimensionName"],
  [DIMENSION_VALUE, "DimensionValue"],
  [UNIT, "StandardUnit"],
];
let checks: Map<number, (s: string) => boolean> | undefined;

/** The model's check of the shape each role reads (a shape without constraints passes all). */
function checkFor(role: number): (s: string) => boolean {
  checks ??= new Map(
    SHAPES.map(([r, shape]) => {
      const check = shapeCheck("cloudwatch", shape);
      return [r, check === null ? () => true : (s: string) => check(s, undefined, undefined)];
    }),
  );
  return checks.get(role)!;
}

interface Interned extends ColumnText {
  /** Roles whose checks passed. */
  passed: number;
}

/**
 * Strings met in bodies, by a hash of their bytes: a name sent a thousand
 * times a second becomes one string. Bounded by its characters; emptied when full.
 */
const INTERNED = new Map<number, Interned>();
const INTERNED_MAX_CHARS = 4 * 1024 * 1024;
let internedChars = 0;
/** Set when a text may have been given a second Interned since the read began (a collision, or the table emptied). */
let textsRepeat = false;

function intern(buf: Buffer, start: number, end: number, hash: number): Interned {
  const key = (hash ^ Math.imul(end - start, 0x9e3779b1)) | 0;
  const hit = INTERNED.get(key);
  if (hit !== undefined && hit.text.length === end - start) {
    const t = hit.text;
    let same = true;
    for (let i = start, j = 0; i < end; i++, j++) {
      if (t.charCodeAt(j) !== buf[i]) {
        same = false;
        break;
      }
    }
    if (same) return hit;
    textsRepeat = true;
    return { text: buf.toString("latin1", start, end), passed: 0, stamp: 0, slot: 0 }; // a collision: not cached
  }
  if (internedChars + end - start > INTERNED_MAX_CHARS) {
    INTERNED.clear();
    internedChars = 0;
    textsRepeat = true;
  }
  const entry = { text: buf.toString("latin1", start, end), passed: 0, stamp: 0, slot: 0 };
  INTERNED.set(key, entry);
  internedChars += end - start;
  return entry;
}


const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** Member names, by their first byte: each candidate is then compared whole, closing quote included. */
const enum Key {
  Namespace,
  MetricData,
  MetricName,
  Dimensions,
  Timestamp,
  Value,
  StatisticValues,
  Values,
  Counts,
  Unit,
  StorageResolution,
  Name,
  SampleCount,
  Sum,
  Minimum,
  Maximum,
}
const KEYS: Array<[string, Key]> = [
  ["Namespace", Key.Namespace],
  ["MetricData", Key.MetricData],
  ["MetricName", Key.MetricName],
  ["Dimensions", Key.Dimensions],
  ["Timestamp", Key.Timestamp],
  ["Value", Key.Value],
  ["StatisticValues", Key.StatisticValues],
  ["Values", Key.Values],
  ["Counts", Key.Counts],
  ["Unit", Key.Unit],
  ["StorageResolution", Key.StorageResolution],
  ["Name", Key.Name],
  ["SampleCount", Key.SampleCount],
  ["Sum", Key.Sum],
  ["Minimum", Key.Minimum],
  ["Maximum", Key.Maximum],
];
const KEY_BY_FIRST: Array<Array<[Uint8Array, Key]>> = Array.from({ length: 128 }, () => []);
for (const [name, key] of KEYS) KEY_BY_FIRST[name.charCodeAt(0)].push([Buffer.from(`${name}"`, "latin1"), key]);

/** A cursor over one body. */
class Reader extends JsonCursor {
  /** A member name and its colon. */
  key(): Key {
    this.expect(QUOTE);
    const buf = this.buf;
    const start = this.i;
    const first = buf[start];
    const candidates = first < 128 ? KEY_BY_FIRST[first] : undefined;
    if (candidates !== undefined) {
      for (let c = 0; c < candidates.length; c++) {
        const [bytes, key] = candidates[c];
        let j = 1;
        while (j < bytes.length && bytes[j] === buf[start + j]) j++;
        if (j === bytes.length) {
          this.i = start + j;
          this.expect(COLON);
          return key;
        }
      }
    }
    throw LEAVE; // a member this path does not read
  }

  /** A plain ASCII string with no escape, interned. */
  string(): Interned {
    this.expect(QUOTE);
    const buf = this.buf;
    const start = this.i;
    let i = start;
    let h = 0x811c9dc5;
    let c = buf[i];
    while (c !== QUOTE) {
      if (c === undefined || c === BACKSLASH || c < 0x20 || c >= 0x80) throw LEAVE;
      h = Math.imul(h ^ c, 0x01000193);
      c = buf[++i];
    }
    this.i = i + 1;
    return intern(buf, start, i, h);
  }

  /**
   * The last number read by readNumber. A double returned from a call is
   * boxed on the heap (two boxes a datum, a third of the reader's garbage);
   * kept in this field it is written in place.
   */
  num = 0;

  /** A JSON number, as JSON.parse reads it. */
  number(): number {
    this.readNumber();
    return this.num;
  }

  /** A JSON number, as JSON.parse reads it, into `num`. */
  readNumber(): void {
    const buf = this.buf;
    let i = this.i;
    let c = buf[i];
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = buf[++i];
    const start = i;
    const negative = c === MINUS;
    if (negative) c = buf[++i];
    let mantissa = 0;
    let digits = 0;
    let fraction = 0;
    if (c === ZERO) c = buf[++i];
    else if (c > ZERO && c <= 0x39) {
      while (c >= ZERO && c <= 0x39) {
        mantissa = mantissa * 10 + (c - ZERO);
        digits++;
        c = buf[++i];
      }
    } else throw LEAVE;
    if (c === DOT) {
      c = buf[++i];
      if (!(c >= ZERO && c <= 0x39)) throw LEAVE;
      while (c >= ZERO && c <= 0x39) {
        mantissa = mantissa * 10 + (c - ZERO);
        if (mantissa !== 0) digits++;
        fraction++;
        c = buf[++i];
      }
    }
    let exact = digits <= 15 && fraction <= 22;
    let value = 0;
    if (c === 0x65 || c === 0x45) {
      // An exponent: left to Number, which reads it exactly as JSON.parse does.
      c = buf[++i];
      if (c === 0x2b || c === MINUS) c = buf[++i];
      if (!(c >= ZERO && c <= 0x39)) throw LEAVE;
      while (c >= ZERO && c <= 0x39) c = buf[++i];
      exact = false;
    }
    // Up to 15 digits over a power of ten up to 10^22: both exact doubles, so one division rounds correctly.
    if (exact) value = fraction === 0 ? mantissa : mantissa / POW10[fraction];
    else value = Math.abs(Number(buf.toString("latin1", negative ? start + 1 : start, i)));
    this.i = i;
    this.num = negative ? -value : value;
  }

  /** A list of numbers. */
  numbers(): number[] {
    const out: number[] = [];
    if (!this.open(OPEN_ARRAY, CLOSE_ARRAY)) return out;
    do out.push(this.number());
    while (this.more(CLOSE_ARRAY));
    return out;
  }
}

const isBadNumber = (v: number) => !(v === v && v <= LIMIT && v >= -LIMIT);
const passes = (s: Interned, role: number): boolean => {
  if ((s.passed & role) !== 0) return true;
  if (!checkFor(role)(s.text)) return false;
  s.passed |= role;
  return true;
};

/** What the reader gives: the input's Namespace, and its datums prepared for ingest. */
export interface PutMetricDataRead {
  input: { Namespace: string };
  prepared: PreparedMetricData;
}

/** The request, read and checked; undefined when it must take the general path. */
export function readPutMetricDataJson(body: Buffer, now: number): PutMetricDataRead | undefined {
  try {
    return read(new Reader(body), now);
  } catch (e) {
    if (e === LEAVE) return undefined;
    throw e;
  }
}

function read(r: Reader, now: number): PutMetricDataRead {
  let namespace: string | undefined;
  let data: DatumColumns | undefined;
  textsRepeat = false;
  if (!r.open(OPEN_OBJECT, CLOSE_OBJECT)) throw LEAVE;
  do {
    const key = r.key();
    if (key === Key.Namespace && namespace === undefined) namespace = r.string().text;
    else if (key === Key.MetricData && data === undefined) data = datums(r, now);
    else throw LEAVE;
  } while (r.more(CLOSE_OBJECT));
  if (r.peek() !== -1) throw LEAVE;
  if (namespace === undefined || data === undefined || data.length === 0) throw LEAVE;
  const namespaceCheck = shapeCheck("cloudwatch", "Namespace");
  if (namespaceCheck !== null && !namespaceCheck(namespace, undefined, undefined)) throw LEAVE;
  try {
    validateNamespace(namespace);
  } catch {
    throw LEAVE;
  }
  data.uniqueTexts = !textsRepeat;
  return { input: { Namespace: namespace }, prepared: data };
}

function datums(r: Reader, now: number): DatumColumns {
  const max = getConfig().maxMetricsPerRequest;
  const out = new DatumColumns(Math.min(Math.ceil(r.end / ROW_BYTES), max));
  if (!r.open(OPEN_ARRAY, CLOSE_ARRAY)) throw LEAVE;
  let count = 0;
  do {
    if (++count > max) throw LEAVE;
    datum(r, now, out);
  } while (r.more(CLOSE_ARRAY));
  return out;
}

/** About the bytes of JSON a datum takes as the SDKs send them (two dimensions, a value, a unit): the columns' first size. */
const ROW_BYTES = 160;

/** The unit of a datum that names none. */
const NONE: Interned = { text: "None", passed: UNIT, stamp: 0, slot: 0 };

// Members seen in one datum, as bits: a member twice leaves the fast path (JSON.parse keeps the last).
const seen = (key: Key) => 1 << key;

/**
 * One datum, checked, as a row of `out` (two rows for a statistic set sent
 * with values: the ingest log's forms, as ingestForms in put-metric-data.ts).
 */
function datum(r: Reader, now: number, out: DatumColumns): void {
  const dimsFrom = out.dimsLength;
  let name: Interned | undefined;
  let t = now;
  let unit = NONE;
  let resolution = 60;
  let value = 0;
  let hasValue = false;
  let set: [number, number, number, number] | undefined;
  let values: number[] | undefined;
  let counts: number[] | undefined;
  let members = 0;
  if (!r.open(OPEN_OBJECT, CLOSE_OBJECT)) throw LEAVE;
  do {
    const key = r.key();
    if (members & seen(key)) throw LEAVE;
    members |= seen(key);
    switch (key) {
      case Key.MetricName: {
        const s = r.string();
        if (!passes(s, METRIC_NAME)) throw LEAVE;
        if (s.text === NONE.text) textsRepeat = true; // NONE's text, in another ColumnText
        name = s;
        break;
      }
      case Key.Dimensions:
        dimensions(r, out);
        break;
      case Key.Timestamp: {
        // Epoch seconds, to the millisecond as the SDK's reader makes a Date of them.
        r.readNumber();
        const ms = Math.round(r.num * 1000);
        if (!(ms >= -MAX_DATE && ms <= MAX_DATE)) throw LEAVE;
        t = ms;
        break;
      }
      case Key.Value:
        r.readNumber();
        value = r.num;
        hasValue = true;
        break;
      case Key.StatisticValues:
        set = statistics(r);
        break;
      case Key.Values:
        values = r.numbers();
        break;
      case Key.Counts:
        counts = r.numbers();
        break;
      case Key.Unit: {
        const s = r.string();
        if (!passes(s, UNIT)) throw LEAVE;
        unit = s.text === NONE.text ? NONE : s; // one ColumnText for "None", sent or not (DatumColumns.uniqueTexts)
        break;
      }
      case Key.StorageResolution:
        resolution = r.number();
        break;
      default:
        throw LEAVE;
    }
  } while (r.more(CLOSE_OBJECT));
  // normalizeDatum's rules (lib/metrics/put-metric-data.ts), as conditions to stay on this path.
  if (name === undefined) throw LEAVE;
  if (t < now - TWO_WEEKS_MS || t > now + TWO_HOURS_MS) throw LEAVE;
  if (resolution !== 1 && resolution !== 60) throw LEAVE;
  if (hasValue && (set !== undefined || values !== undefined)) throw LEAVE;
  if (counts !== undefined && values === undefined) throw LEAVE;
  const high = resolution === 1 ? HIGH_RESOLUTION : 0;
  if (hasValue) {
    if (isBadNumber(value)) throw LEAVE;
    out.number(value);
    return out.row(name, t, unit, VALUE | high);
  }
  if (values === undefined && set === undefined) throw LEAVE;
  if (values !== undefined) {
    if (values.length > MAX_VALUES) throw LEAVE;
    for (const x of values) if (isBadNumber(x)) throw LEAVE;
    if (counts !== undefined) {
      if (counts.length !== values.length) throw LEAVE;
      for (const c of counts) if (isBadNumber(c) || c < 0) throw LEAVE;
    }
  }
  if (set !== undefined) {
    for (const x of set) if (isBadNumber(x)) throw LEAVE;
    if (set[0] <= 0 || set[2] > set[3]) throw LEAVE;
    for (const x of set) out.number(x);
    out.row(name, t, unit, STATISTICS | high);
    if (values === undefined) return;
    const dimsTo = out.dimStart[out.length]; // the values' row: the same dimensions again
    for (let k = dimsFrom; k < dimsTo; k += 2) out.dim(out.dims[k], out.dims[k + 1]);
  }
  for (const x of values!) out.number(x);
  if (counts !== undefined) for (const c of counts) out.number(c);
  out.row(name, t, unit, VALUES | high | (counts !== undefined ? HAS_COUNTS : 0));
}

const MAX_DIMENSIONS = MODELS.cloudwatch.shapes.Dimensions.max ?? Infinity;

/** Dimensions onto `out`'s row as name, value, sorted by name; a repeated name leaves the fast path. */
function dimensions(r: Reader, out: DatumColumns): void {
  if (!r.open(OPEN_ARRAY, CLOSE_ARRAY)) return;
  const from = out.dimsLength;
  let ascending = true;
  do {
    let name: Interned | undefined;
    let value: Interned | undefined;
    if (!r.open(OPEN_OBJECT, CLOSE_OBJECT)) throw LEAVE;
    do {
      const key = r.key();
      if (key === Key.Name && name === undefined) name = r.string();
      else if (key === Key.Value && value === undefined) value = r.string();
      else throw LEAVE;
    } while (r.more(CLOSE_OBJECT));
    if (name === undefined || value === undefined || !passes(name, DIMENSION_NAME) || !passes(value, DIMENSION_VALUE)) throw LEAVE;
    if (name.text === NONE.text || value.text === NONE.text) textsRepeat = true; // NONE's text, in another ColumnText
    if (out.dimsLength > from && !(out.dims[out.dimsLength - 2].text < name.text)) ascending = false;
    out.dim(name, value);
    if (out.dimsLength - from > 2 * MAX_DIMENSIONS) throw LEAVE;
  } while (r.more(CLOSE_ARRAY));
  if (!ascending) {
    const dims = out.dims;
    const end = out.dimsLength;
    // Insertion sort of the pairs by name (at most MAX_DIMENSIONS of them), then no name twice.
    for (let i = from + 2; i < end; i += 2) {
      const n = dims[i];
      const v = dims[i + 1];
      let j = i;
      while (j > from && dims[j - 2].text > n.text) {
        dims[j] = dims[j - 2];
        dims[j + 1] = dims[j - 1];
        j -= 2;
      }
      dims[j] = n;
      dims[j + 1] = v;
    }
    for (let i = from + 2; i < end; i += 2) if (dims[i].text === dims[i - 2].text) throw LEAVE;
  }
}

/** A StatisticSet: all four members, once each. */
function statistics(r: Reader): [number, number, number, number] {
  const s: [number, number, number, number] = [NaN, NaN, NaN, NaN];
  let members = 0;
  if (!r.open(OPEN_OBJECT, CLOSE_OBJECT)) throw LEAVE;
  do {
    const key = r.key();
    const at = key === Key.SampleCount ? 0 : key === Key.Sum ? 1 : key === Key.Minimum ? 2 : key === Key.Maximum ? 3 : 4;
    if (at === 4 || members & (1 << at)) throw LEAVE;
    members |= 1 << at;
    s[at] = r.number();
  } while (r.more(CLOSE_OBJECT));
  if (members !== 0b1111) throw LEAVE;
  return s;
}
