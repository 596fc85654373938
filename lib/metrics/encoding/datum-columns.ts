/**
 * A PutMetricData request's datums in columns, and the one encoder of ingest
 * messages (docs/formats/ingest-message.md), which reads them. The fast JSON
 * reader (lib/metrics/write/put-metric-data-json.ts) fills columns straight
 * from the body: no object per datum or per dimension, and names as its
 * interned strings, so that the encoder numbers a name once per message by a
 * stamp on it instead of a map lookup per use. The general path's datums
 * (objects) are put into columns first (datumColumnsOf).
 */
import { ByteWriter } from "./bytes.js";
import { growDoubling } from "./typed-arrays.js";
import {
  checkUnicode,
  EXACT_TIME,
  flagsOf,
  HAS_COUNTS,
  HIGH_RESOLUTION,
  INGEST_VERSION,
  KIND,
  mixSeriesHash,
  SERIES_HASH_SEED,
  STATISTICS,
  VALUE,
  VALUES,
  writePayload,
  type IngestDatum,
  type IngestMessage,
} from "./ingest-codec.js";

/** A name as the reader interned it; `stamp` and `slot` are the encoder's scratch (the message that last numbered it, its number there). */
export interface ColumnText {
  readonly text: string;
  stamp: number;
  slot: number;
}

export class DatumColumns {
  /** Datums (rows): a statistic set sent with values is two, as in the ingest log. */
  length = 0;
  // Object columns are made at the rows expected and filled by index: pushed, V8 regrew them
  // ~12 times on the way to a 1000-datum request, three times their size in garbage.
  readonly names: ColumnText[];
  readonly units: ColumnText[];
  // Numbers in typed arrays, grown by doubling: outside the heap the garbage collector scans and copies while a request waits for its acks.
  times: Float64Array;
  /** The wire flags but EXACT_TIME: KIND, HIGH_RESOLUTION, HAS_COUNTS. */
  flags: Uint8Array;
  /** Row i's dimensions, sorted by name: dims[dimStart[i]] .. dims[dimStart[i + 1]), name then value. */
  dimStart: Int32Array;
  /** Made for two dimensions a row; entries from dimsLength on are unused. */
  readonly dims: ColumnText[];
  dimsLength = 0;
  /** Row i's numbers: payload[payloadStart[i]] .. [payloadStart[i + 1]): the value, the set's four, or the values then the counts. */
  payloadStart: Int32Array;
  payload: Float64Array;
  /** Numbers in `payload`. */
  payloadLength = 0;
  /** Whether each text is one ColumnText (then the encoder needs no map of texts to number them). */
  uniqueTexts = false;

  /** `rows`: the rows expected (more grow the columns). */
  constructor(rows = 64) {
    this.names = new Array(rows);
    this.units = new Array(rows);
    this.dims = new Array(4 * rows);
    this.times = new Float64Array(rows);
    this.flags = new Uint8Array(rows);
    this.dimStart = new Int32Array(rows + 1);
    this.payloadStart = new Int32Array(rows + 1);
    this.payload = new Float64Array(rows);
  }

  /** Appends a number to the payload of the row being read. */
  number(x: number): void {
    if (this.payloadLength === this.payload.length) this.payload = growDoubling(this.payload, this.payloadLength + 1);
    this.payload[this.payloadLength++] = x;
  }

  /** Appends a dimension to the row being read. */
  dim(name: ColumnText, value: ColumnText): void {
    const n = this.dimsLength;
    this.dims[n] = name;
    this.dims[n + 1] = value;
    this.dimsLength = n + 2;
  }

  /** Ends a row whose dimensions and payload were appended by `dim` and `number`. */
  row(name: ColumnText, t: number, unit: ColumnText, flags: number): void {
    const i = this.length;
    if (i === this.times.length) {
      this.times = growDoubling(this.times, i + 1);
      this.flags = growDoubling(this.flags, i + 1);
      this.dimStart = growDoubling(this.dimStart, i + 2);
      this.payloadStart = growDoubling(this.payloadStart, i + 2);
    }
    this.names[i] = name;
    this.units[i] = unit;
    this.times[i] = t;
    this.flags[i] = flags;
    this.dimStart[i + 1] = this.dimsLength;
    this.payloadStart[i + 1] = this.payloadLength;
    this.length = i + 1;
  }

  /** The rows as ingest datums (what the general path gives for the same request). */
  datums(): IngestDatum[] {
    const out: IngestDatum[] = [];
    for (let i = 0; i < this.length; i++) {
      const pairs: Array<[string, string]> = [];
      for (let k = this.dimStart[i]; k < this.dimStart[i + 1]; k += 2) pairs.push([this.dims[k].text, this.dims[k + 1].text]);
      const f = this.flags[i];
      const p = Array.from(this.payload.subarray(this.payloadStart[i], this.payloadStart[i + 1]));
      const d: IngestDatum = { m: this.names[i].text, d: pairs, t: this.times[i], u: this.units[i].text, r: f & HIGH_RESOLUTION ? 1 : undefined };
      if ((f & KIND) === VALUE) d.v = p[0];
      else if ((f & KIND) === STATISTICS) d.s = [p[0], p[1], p[2], p[3]];
      else if (f & HAS_COUNTS) {
        d.vs = p.slice(0, p.length / 2);
        d.cs = p.slice(p.length / 2);
      } else d.vs = p;
      out.push(d);
    }
    return out;
  }
}

/**
 * The datums of `msg` in columns, each distinct text one ColumnText. Throws
 * NotUnicodeError for a text UTF-8 cannot carry (the fast reader's are ASCII).
 */
export function datumColumnsOf(msg: IngestMessage): DatumColumns {
  checkUnicode(msg.account);
  checkUnicode(msg.namespace);
  const texts = new Map<string, ColumnText>();
  const text = (s: string): ColumnText => {
    let t = texts.get(s);
    if (t === undefined) {
      checkUnicode(s);
      texts.set(s, (t = { text: s, stamp: 0, slot: 0 }));
    }
    return t;
  };
  const c = new DatumColumns(msg.data.length);
  c.uniqueTexts = true; // one ColumnText a text, by `texts`
  const sink = { value: (x: number) => c.number(x), length: () => undefined };
  for (const d of msg.data) {
    const name = text(d.m);
    for (const [k, v] of d.d) c.dim(text(k), text(v));
    writePayload(d, sink);
    c.row(name, d.t, text(d.u), flagsOf(d));
  }
  return c;
}

/** The message of all of `msg`'s datums. */
export function encodeIngestMessage(msg: IngestMessage): Uint8Array {
  const c = datumColumnsOf(msg);
  return encodeColumnRows(msg.account, msg.namespace, c, Int32Array.from({ length: c.length }, (_, i) => i));
}

/** Numbers messages: a name whose stamp is this message's has its slot. */
let generation = 0;

/**
 * The ingest message of the rows of `c` numbered in `rows`, for `account`
 * and `namespace`: strings numbered as first met (account, namespace, then
 * each row's name, dimensions and unit), series as first met, datums in
 * `rows`' order. Names must be texts UTF-8 carries (checkUnicode).
 */
export function encodeColumnRows(account: string, namespace: string, c: DatumColumns, rows: Int32Array): Uint8Array {
  const gen = ++generation;
  const count = rows.length;
  const strings: string[] = [account];
  const namespaceSlot = namespace === account ? 0 : strings.push(namespace) - 1;
  // Two ColumnTexts of one text (the reader's table emptied between them) still get one number: by a map
  // of texts, unless the columns have one ColumnText a text; then only the account and namespace can repeat one.
  const byText = c.uniqueTexts ? undefined : new Map<string, number>([[account, 0], [namespace, namespaceSlot]]);
  const slot = (s: ColumnText): number => {
    if (s.stamp === gen) return s.slot;
    const text = s.text;
    let i = byText === undefined ? (text === account ? 0 : text === namespace ? namespaceSlot : undefined) : byText.get(text);
    if (i === undefined) {
      i = strings.push(text) - 1;
      byText?.set(text, i);
    }
    s.stamp = gen;
    s.slot = i;
    return i;
  };

  const { names, dims, dimStart, units, times, flags, payload, payloadStart } = c; // the columns are whole: no row is added meanwhile
  const table = seriesTable(count);
  const mask = table.keys.length - 1;
  const stamp = table.stamp;
  let collided: Map<string, number> | undefined;
  const seriesFirst = table.first; // a row of each series, in series order
  let series = 0;
  const datumSeries = new Int32Array(count);
  const datumUnit = new Int32Array(count);
  for (let j = 0; j < count; j++) {
    const i = rows[j];
    const a = dimStart[i];
    const b = dimStart[i + 1];
    let h = mixSeriesHash(mixSeriesHash(SERIES_HASH_SEED, slot(names[i])), (b - a) / 2);
    for (let k = a; k < b; k += 2) h = mixSeriesHash(mixSeriesHash(h, slot(dims[k])), slot(dims[k + 1]));
    // The series of this hash, by linear probing in the table (an entry is this call's if it bears its stamp).
    let e = h & mask;
    while (table.stamps[e] === stamp && table.keys[e] !== h) e = (e + 1) & mask;
    let s: number;
    if (table.stamps[e] !== stamp) {
      table.stamps[e] = stamp;
      table.keys[e] = h;
      table.series[e] = s = series;
      seriesFirst[series++] = i;
    } else if (!sameSeries(c, seriesFirst[(s = table.series[e])], i)) {
      // Another series with the same hash: these few go by their full identity.
      const pairs: Array<[string, string]> = [];
      for (let k = a; k < b; k += 2) pairs.push([dims[k].text, dims[k + 1].text]);
      const key = JSON.stringify([names[i].text, pairs]);
      collided ??= new Map();
      let other = collided.get(key);
      if (other === undefined) {
        collided.set(key, (other = series));
        seriesFirst[series++] = i;
      }
      s = other;
    }
    datumSeries[j] = s;
    datumUnit[j] = slot(units[i]);
  }

  // Sized for the message (a value a datum, short names), so that it seldom grows; its bytes are returned without a copy.
  let size = 32 + 24 * count + 12 * series;
  for (const s of strings) size += 2 + s.length;
  const w = new ByteWriter(size);
  w.byte(INGEST_VERSION);
  w.varint(strings.length);
  for (const s of strings) w.string(s);
  w.varint(0);
  w.varint(namespaceSlot);
  w.varint(series);
  for (let q = 0; q < series; q++) {
    const i = seriesFirst[q];
    w.varint(names[i].slot);
    w.varint((dimStart[i + 1] - dimStart[i]) / 2);
    for (let k = dimStart[i]; k < dimStart[i + 1]; k++) w.varint(dims[k].slot);
  }
  const base = count ? times[rows[0]] : 0;
  w.float64(base);
  w.varint(count);
  for (let j = 0; j < count; j++) {
    const i = rows[j];
    w.varint(datumSeries[j]);
    w.varint(datumUnit[j]);
    const t = times[i];
    const delta = t - base;
    const exact = !Number.isSafeInteger(delta) || Math.abs(delta) > 2 ** 50;
    const f = flags[i];
    w.byte(f | (exact ? EXACT_TIME : 0));
    if (exact) w.float64(t);
    else w.zigzag(delta);
    const from = payloadStart[i];
    const to = payloadStart[i + 1];
    if ((f & KIND) === VALUES) w.varint(f & HAS_COUNTS ? (to - from) / 2 : to - from);
    for (let k = from; k < to; k++) w.float64(payload[k]);
  }
  return w.written();
}

/**
 * encodeColumnRows' series by hash: an open-addressing table kept between
 * calls (a Map per message grew and rehashed ~8 times for 250 series), its
 * entries told apart by the call's stamp, so it is not cleared; and the
 * first row of each series, in order (`first`).
 */
const kept = { keys: new Int32Array(0), series: new Int32Array(0), stamps: new Int32Array(0), stamp: 0, first: new Int32Array(0) };
/** Entries of the largest table kept (1 MiB): room for 32,768 series, 16 times a 1000-datum request's rows. */
const KEPT_TABLE_SIZE = 65_536;

/** The table for a new call, with room for `count` series at most half full, and the call's stamp. */
function seriesTable(count: number): typeof kept {
  if (kept.keys.length < 2 * count) {
    let size = 1024;
    while (size < 2 * count) size *= 2;
    const made = { keys: new Int32Array(size), series: new Int32Array(size), stamps: new Int32Array(size), stamp: 1, first: new Int32Array(size) };
    if (size > KEPT_TABLE_SIZE) return made; // a message far larger than a request's: its table is not kept
    Object.assign(kept, made, { stamp: 0 });
  }
  if (kept.stamp === 0x7fffffff) {
    kept.stamps.fill(0); // stamps wrap after 2^31 calls
    kept.stamp = 0;
  }
  kept.stamp++;
  return kept;
}

function sameSeries(c: DatumColumns, x: number, y: number): boolean {
  const { dims, dimStart } = c;
  if (c.names[x].text !== c.names[y].text || dimStart[x + 1] - dimStart[x] !== dimStart[y + 1] - dimStart[y]) return false;
  for (let k = dimStart[x], l = dimStart[y]; k < dimStart[x + 1]; k++, l++) if (dims[k].text !== dims[l].text) return false;
  return true;
}
