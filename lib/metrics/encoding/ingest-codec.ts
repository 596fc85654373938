/**
 * The wire form of an ingest message: compact binary with a string table.
 *
 * JSON cost every datapoint about 100 bytes and a dozen objects three times
 * over: serialised by PutMetricData, stored and served by JetStream, parsed
 * by the aggregator and by reads of the unaggregated tail. Here a metric
 * name, dimension or unit is written once per message and a datapoint is
 * about 12 bytes; decoding makes one object per datapoint, and the datapoints
 * of one series share their dimension list.
 *
 * Layout (version 1, and the JSON form of earlier versions, still read):
 * docs/formats/ingest-message.md. Written by one encoder, over columns
 * (datum-columns.ts: encodeIngestMessage, encodeColumnRows).
 */
import { corruptStoredData } from "../../errors.js";
import { ByteReader } from "./bytes.js";
import { cachedSeriesId, FNV_OFFSET, fnvStep } from "../store/identity.js";
import { knownName, knownSeries, type KnownName, type MessageSeries } from "./known-series.js";

export type { MessageSeries };
import type { Aggregate } from "../read/aggregate.js";
import type { TierName } from "../store/tiers.js";

/** A datapoint as stored in the ingest log: compact, already validated. */
export interface IngestDatum {
  /** metric name */
  m: string;
  /** dimensions as [name, value] pairs, sorted by name */
  d: Array<[string, string]>;
  /** timestamp, epoch ms */
  t: number;
  /** unit ("None" when not given) */
  u: string;
  /** storage resolution in seconds: 1 for high resolution; absent (older messages: 60) for standard */
  r?: 1 | 60;
  /** a single value */
  v?: number;
  /** values and their counts */
  vs?: number[];
  cs?: number[];
  /** statistic set: [SampleCount, Sum, Minimum, Maximum] */
  s?: [number, number, number, number];
  /**
   * Never in the ingest log: a bucket the aggregator already folded (a delta
   * record's, see read/tail-cache.ts), with `t` its start and `k` its tier.
   */
  a?: Aggregate;
  k?: TierName;
}

export interface IngestMessage {
  account: string;
  namespace: string;
  data: IngestDatum[];
}

/** The binary form's version byte. */
export const INGEST_VERSION = 1;
export const KIND = 0b11;
export const VALUE = 0;
export const STATISTICS = 1;
export const VALUES = 2;
export const HIGH_RESOLUTION = 1 << 2;
export const HAS_COUNTS = 1 << 3;
export const EXACT_TIME = 1 << 4;
const JSON_OPEN_BRACE = 0x7b;

const LONE_SURROGATE = /\p{Cs}/u;

/**
 * A name UTF-8 cannot carry: a lone UTF-16 surrogate, which a JSON request can
 * spell as "\ud800". Stored, it would come back as U+FFFD and never match a query.
 */
export class NotUnicodeError extends Error {
  constructor(readonly text: string) {
    super("text with a lone UTF-16 surrogate");
  }
}

/** Throws NotUnicodeError for a text UTF-8 cannot carry. */
export function checkUnicode(text: string): void {
  if (LONE_SURROGATE.test(text)) throw new NotUnicodeError(text);
}

/** The encoder's series hash: FNV-1a steps over string indexes (exported for the test that makes two series collide). */
export const SERIES_HASH_SEED = FNV_OFFSET;
export const mixSeriesHash = fnvStep;

const DECODER = new TextDecoder();

const kindOf = (d: IngestDatum) => (d.v !== undefined ? VALUE : d.s ? STATISTICS : VALUES);
/** A datum's wire flags, but EXACT_TIME (the encoder's choice). */
export const flagsOf = (d: IngestDatum) => kindOf(d) | (d.r === 1 ? HIGH_RESOLUTION : 0) | (d.cs ? HAS_COUNTS : 0);

/** Where a datum's payload goes: IngestColumns (a VALUES datum's length as a number) or DatumColumns (the length implied). */
interface PayloadSink {
  value(x: number): void;
  length(n: number): void;
}

/** The payload, by kind: VALUE the value; STATISTICS its four; VALUES the length, the values, then the counts if any. */
export function writePayload(d: IngestDatum, sink: PayloadSink): void {
  const kind = kindOf(d);
  if (kind === VALUE) sink.value(d.v!);
  else if (kind === STATISTICS) for (const x of d.s!) sink.value(x);
  else {
    const vs = d.vs ?? [];
    sink.length(vs.length);
    for (const x of vs) sink.value(x);
    if (d.cs) for (const c of d.cs) sink.value(c);
  }
}

/** The JSON form of earlier versions, checked: every datum as the binary form would decode it. */
function decodeJsonMessage(bytes: Uint8Array): IngestMessage {
  let msg: unknown;
  try {
    msg = JSON.parse(DECODER.decode(bytes));
  } catch (e) {
    throw corruptStoredData("ingest message", `JSON: ${(e as Error).message}`);
  }
  const m = msg as IngestMessage;
  if (typeof m?.account !== "string" || typeof m.namespace !== "string" || !Array.isArray(m.data) || !m.data.every(isStoredDatum)) {
    throw corruptStoredData("ingest message", "JSON that is not an ingest message");
  }
  return m;
}

const isNumber = (x: unknown): x is number => typeof x === "number";
const isNumbers = (x: unknown): x is number[] => Array.isArray(x) && x.every(isNumber);

function isStoredDatum(x: unknown): x is IngestDatum {
  const d = x as IngestDatum;
  if (typeof d?.m !== "string" || typeof d.u !== "string" || !isNumber(d.t) || !Array.isArray(d.d)) return false;
  if (!d.d.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === "string" && typeof p[1] === "string")) return false;
  if (d.r !== undefined && d.r !== 1 && d.r !== 60) return false;
  if (d.v !== undefined) return isNumber(d.v);
  if (d.s !== undefined) return isNumbers(d.s) && d.s.length === 4;
  const vs = d.vs ?? []; // encoded as no values, as writePayload does
  return isNumbers(vs) && (d.cs === undefined || (isNumbers(d.cs) && d.cs.length === vs.length));
}

/** Reads a message in either form; throws corruptStoredData on bytes that are neither. */
export function decodeIngestMessage(bytes: Uint8Array): IngestMessage {
  if (bytes[0] === JSON_OPEN_BRACE) return decodeJsonMessage(bytes);
  const r = new ByteReader(bytes, "ingest message");
  const version = r.byte();
  if (version !== INGEST_VERSION) r.corrupt(`unknown version ${version}`);
  const strings = new Array<string>(r.count());
  for (let i = 0; i < strings.length; i++) strings[i] = r.string();
  const string = (i: number) => (i < strings.length ? strings[i] : r.corrupt("a string index is out of range"));
  const account = string(r.varint());
  const namespace = string(r.varint());
  const series = new Array<{ m: string; d: Array<[string, string]> }>(r.count(2));
  for (let i = 0; i < series.length; i++) {
    const m = string(r.varint());
    const d = new Array<[string, string]>(r.count(2));
    for (let k = 0; k < d.length; k++) d[k] = [string(r.varint()), string(r.varint())];
    series[i] = { m, d };
  }
  const base = r.float64();
  // A datum is at least four bytes: series, unit, flags and time.
  const data = new Array<IngestDatum>(r.count(4));
  for (let i = 0; i < data.length; i++) {
    const si = r.varint();
    const s = si < series.length ? series[si] : r.corrupt("a series index is out of range");
    const u = string(r.varint());
    const flags = r.byte();
    const t = flags & EXACT_TIME ? r.float64() : base + r.zigzag();
    const kind = flags & KIND;
    if (kind > VALUES) r.corrupt(`unknown datum kind ${kind}`);
    // One literal per form: adding properties later would change the object's shape per datum.
    let d: IngestDatum;
    if (kind === VALUE) {
      const v = r.float64();
      d = flags & HIGH_RESOLUTION ? { m: s.m, d: s.d, t, u, r: 1, v } : { m: s.m, d: s.d, t, u, v };
    } else if (kind === STATISTICS) {
      const st: [number, number, number, number] = [r.float64(), r.float64(), r.float64(), r.float64()];
      d = flags & HIGH_RESOLUTION ? { m: s.m, d: s.d, t, u, r: 1, s: st } : { m: s.m, d: s.d, t, u, s: st };
    } else {
      const vs = new Array<number>(r.count(8));
      for (let k = 0; k < vs.length; k++) vs[k] = r.float64();
      d = flags & HIGH_RESOLUTION ? { m: s.m, d: s.d, t, u, r: 1, vs } : { m: s.m, d: s.d, t, u, vs };
      if (flags & HAS_COUNTS) {
        const cs = new Array<number>(vs.length);
        for (let k = 0; k < cs.length; k++) cs[k] = r.float64();
        d.cs = cs;
      }
    }
    data[i] = d;
  }
  return { account, namespace, data };
}

/**
 * A message decoded into columns, for the aggregator: no object per
 * datapoint, and series resolved through known-series.ts, so a series met
 * before costs no string and no lookup by text. One instance is refilled
 * message after message (its arrays grow as needed).
 *
 * Datapoint i: series[seriesOf[i]], unit strings[unitOf[i]], flags[i] (the
 * wire flags: KIND, HIGH_RESOLUTION, HAS_COUNTS), time t[i], and its payload
 * from payload[at[i]]: VALUE the value; STATISTICS SampleCount, Sum, Minimum,
 * Maximum; VALUES k, then k values, then k counts when HAS_COUNTS.
 */
export class IngestColumns {
  account = "";
  namespace = "";
  strings: string[] = [];
  series: MessageSeries[] = [];
  length = 0;
  seriesOf = new Int32Array(1024);
  unitOf = new Int32Array(1024);
  flags = new Uint8Array(1024);
  t = new Float64Array(1024);
  at = new Int32Array(1024);
  payload = new Float64Array(4096);
  private payloadLength = 0;

  reset(account: string, namespace: string, length: number): void {
    this.account = account;
    this.namespace = namespace;
    this.length = 0;
    this.payloadLength = 0;
    if (this.seriesOf.length < length) {
      const n = 2 * length;
      this.seriesOf = new Int32Array(n);
      this.unitOf = new Int32Array(n);
      this.flags = new Uint8Array(n);
      this.t = new Float64Array(n);
      this.at = new Int32Array(n);
    }
  }

  /** Appends a datapoint; its payload follows with `value` calls. */
  push(series: number, unit: number, flags: number, t: number): void {
    const i = this.length++;
    this.seriesOf[i] = series;
    this.unitOf[i] = unit;
    this.flags[i] = flags;
    this.t[i] = t;
    this.at[i] = this.payloadLength;
  }

  value(x: number): void {
    if (this.payloadLength === this.payload.length) {
      const grown = new Float64Array(2 * this.payload.length);
      grown.set(this.payload);
      this.payload = grown;
    }
    this.payload[this.payloadLength++] = x;
  }
}

// Scratch of decodeIngestColumns: a message's names, and one series' dimension names.
const NAMES: KnownName[] = [];
const PAIRS: KnownName[] = [];

/** Decodes a message (either form) into `into`. Throws on bytes that are neither. */
export function decodeIngestColumns(bytes: Uint8Array, into: IngestColumns): IngestColumns {
  if (bytes[0] === JSON_OPEN_BRACE) return columnsOf(decodeJsonMessage(bytes), into);
  const r = new ByteReader(bytes, "ingest message");
  const version = r.byte();
  if (version !== INGEST_VERSION) r.corrupt(`unknown version ${version}`);
  const k = r.count();
  const strings = into.strings;
  strings.length = k;
  NAMES.length = k;
  for (let i = 0; i < k; i++) {
    const n = r.varint();
    const name = knownName(bytes, r.skip(n), n);
    NAMES[i] = name;
    strings[i] = name.text;
  }
  const accountIndex = r.varint();
  const namespaceIndex = r.varint();
  if (accountIndex >= k || namespaceIndex >= k) r.corrupt("a string index is out of range");
  const namespace = NAMES[namespaceIndex];
  const nSeries = r.count(2);
  const series = into.series;
  series.length = nSeries;
  for (let i = 0; i < nSeries; i++) {
    const name = r.varint();
    const p = r.count(2);
    for (let j = 0; j < 2 * p; j++) {
      const x = r.varint();
      if (x >= k) r.corrupt("a string index is out of range");
      PAIRS[j] = NAMES[x];
    }
    if (name >= k) r.corrupt("a string index is out of range");
    series[i] = knownSeries(namespace, NAMES[name], PAIRS, p);
  }
  const base = r.float64();
  const n = r.count(4);
  into.reset(strings[accountIndex], namespace.text, n);
  for (let i = 0; i < n; i++) {
    const s = r.varint();
    const u = r.varint();
    const flags = r.byte();
    const t = flags & EXACT_TIME ? r.float64() : base + r.zigzag();
    if (s >= nSeries || u >= k) r.corrupt("a series or unit index is out of range");
    const kind = flags & KIND;
    if (kind > VALUES) r.corrupt(`unknown datum kind ${kind}`);
    into.push(s, u, flags & ~EXACT_TIME, t);
    if (kind === VALUE) into.value(r.float64());
    else if (kind === STATISTICS) for (let j = 0; j < 4; j++) into.value(r.float64());
    else {
      const m = r.count(8);
      into.value(m);
      for (let j = 0; j < m; j++) into.value(r.float64());
      if (flags & HAS_COUNTS) for (let j = 0; j < m; j++) into.value(r.float64());
    }
  }
  return into;
}

/** A message already decoded to objects (the JSON form), as columns: one series entry per datapoint. */
function columnsOf(msg: IngestMessage, into: IngestColumns): IngestColumns {
  const strings: string[] = [];
  const index = new Map<string, number>();
  const intern = (s: string) => {
    let i = index.get(s);
    if (i === undefined) index.set(s, (i = strings.push(s) - 1));
    return i;
  };
  into.series = msg.data.map((d) => ({ m: d.m, d: d.d, id: cachedSeriesId(msg.namespace, d.m, d.d) }));
  into.strings = strings;
  into.reset(msg.account, msg.namespace, msg.data.length);
  const sink: PayloadSink = { value: (x) => into.value(x), length: (n) => into.value(n) };
  msg.data.forEach((d, i) => {
    into.push(i, intern(d.u), flagsOf(d), d.t);
    writePayload(d, sink);
  });
  return into;
}
