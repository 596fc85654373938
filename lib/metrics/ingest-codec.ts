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
 * Layout (varints are unsigned LEB128; numbers are little-endian f64):
 *   u8 VERSION
 *   varint n, n × string                           the string table
 *   varint account, varint namespace               string indexes
 *   varint n, n × series: varint name, varint k, k × (varint dimName, varint dimValue)
 *   f64 base time
 *   varint n, n × datum:
 *     varint series, varint unit, u8 flags, time, payload
 *     time: flags & EXACT_TIME ? f64 : zigzag varint of (t − base)
 *     payload by flags & KIND: VALUE f64 | STATISTICS 4 × f64 | VALUES varint k, k × f64, [k × f64 counts]
 *
 * Messages written before this format are JSON and still decode.
 */
import type { IngestDatum, IngestMessage } from "./ingest.js";

const VERSION = 1;
const KIND = 0b11;
const VALUE = 0;
const STATISTICS = 1;
const VALUES = 2;
const HIGH_RESOLUTION = 1 << 2;
const HAS_COUNTS = 1 << 3;
const EXACT_TIME = 1 << 4;
const JSON_OPEN_BRACE = 0x7b;

/** A growable byte buffer with the few writes the format needs. */
class Writer {
  bytes = new Uint8Array(16 * 1024);
  view = new DataView(this.bytes.buffer);
  at = 0;

  private room(n: number): void {
    if (this.at + n <= this.bytes.length) return;
    const next = new Uint8Array(Math.max(this.bytes.length * 2, this.at + n));
    next.set(this.bytes.subarray(0, this.at));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.room(1);
    this.bytes[this.at++] = v;
  }

  varint(v: number): void {
    this.room(10);
    // Arithmetic, not bit operations: values may exceed 32 bits.
    while (v >= 0x80) {
      this.bytes[this.at++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.bytes[this.at++] = v;
  }

  f64(v: number): void {
    this.room(8);
    this.view.setFloat64(this.at, v, true);
    this.at += 8;
  }

  string(s: string): void {
    // UTF-8 is at most three bytes per UTF-16 unit.
    this.room(10 + s.length * 3);
    const lengthAt = this.at;
    this.at += 1; // one length byte fits most strings; moved along when it does not
    const { written } = ENCODER.encodeInto(s, this.bytes.subarray(this.at));
    if (written < 0x80) {
      this.bytes[lengthAt] = written;
      this.at += written;
      return;
    }
    const text = this.bytes.slice(this.at, this.at + written);
    this.at = lengthAt;
    this.varint(written);
    this.room(written);
    this.bytes.set(text, this.at);
    this.at += written;
  }

  finish(): Uint8Array {
    return this.bytes.subarray(0, this.at);
  }
}

const ENCODER = new TextEncoder();
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

type TrieNode = Map<number, TrieNode> & { series?: number };
function child(node: TrieNode, key: number): TrieNode {
  let next = node.get(key);
  if (next === undefined) node.set(key, (next = new Map()));
  return next;
}
const DECODER = new TextDecoder();

export function encodeIngestMessage(msg: IngestMessage): Uint8Array {
  const strings = new Map<string, number>();
  const intern = (s: string) => {
    let i = strings.get(s);
    if (i === undefined) {
      if (LONE_SURROGATE.test(s)) throw new NotUnicodeError(s);
      strings.set(s, (i = strings.size));
    }
    return i;
  };
  const account = intern(msg.account);
  const namespace = intern(msg.namespace);

  // Series by identity, looked up in a trie of string indexes: no key string per datapoint.
  const root: TrieNode = new Map();
  const seriesFirst: number[] = []; // a datum of each series, in series order
  const datumSeries = new Array<number>(msg.data.length);
  const datumUnit = new Array<number>(msg.data.length);
  for (let i = 0; i < msg.data.length; i++) {
    const d = msg.data[i];
    let node = child(child(root, intern(d.m)), d.d.length);
    for (let k = 0; k < d.d.length; k++) node = child(child(node, intern(d.d[k][0])), intern(d.d[k][1]));
    let s = node.series;
    if (s === undefined) {
      node.series = s = seriesFirst.length;
      seriesFirst.push(i);
    }
    datumSeries[i] = s;
    datumUnit[i] = intern(d.u);
  }

  const w = new Writer();
  w.u8(VERSION);
  w.varint(strings.size);
  for (const s of strings.keys()) w.string(s);
  w.varint(account);
  w.varint(namespace);
  w.varint(seriesFirst.length);
  for (const i of seriesFirst) {
    const d = msg.data[i];
    w.varint(strings.get(d.m)!);
    w.varint(d.d.length);
    for (const [k, v] of d.d) {
      w.varint(strings.get(k)!);
      w.varint(strings.get(v)!);
    }
  }
  const base = msg.data.length ? msg.data[0].t : 0;
  w.f64(base);
  w.varint(msg.data.length);
  for (let i = 0; i < msg.data.length; i++) {
    const d = msg.data[i];
    w.varint(datumSeries[i]);
    w.varint(datumUnit[i]);
    const delta = d.t - base;
    const exact = !Number.isSafeInteger(delta) || Math.abs(delta) > 2 ** 50;
    const kind = d.v !== undefined ? VALUE : d.s ? STATISTICS : VALUES;
    w.u8(kind | (d.r === 1 ? HIGH_RESOLUTION : 0) | (d.cs ? HAS_COUNTS : 0) | (exact ? EXACT_TIME : 0));
    if (exact) w.f64(d.t);
    else w.varint(delta < 0 ? -2 * delta - 1 : 2 * delta);
    if (kind === VALUE) w.f64(d.v!);
    else if (kind === STATISTICS) for (const x of d.s!) w.f64(x);
    else {
      const vs = d.vs ?? [];
      w.varint(vs.length);
      for (const x of vs) w.f64(x);
      if (d.cs) for (const c of d.cs) w.f64(c);
    }
  }
  return w.finish();
}

/** Sequential reads; fields, not closures, so V8 keeps the hot loop fast. */
class Reader {
  at = 1;
  private readonly view: DataView;
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  varint(): number {
    const bytes = this.bytes;
    let b = bytes[this.at++];
    if (b < 0x80) return b;
    let v = 0;
    let scale = 1;
    for (;;) {
      if (b === undefined) throw new Error("truncated ingest message");
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= 0x80;
      b = bytes[this.at++];
    }
  }

  f64(): number {
    const v = this.view.getFloat64(this.at, true);
    this.at += 8;
    return v;
  }

  u8(): number {
    return this.bytes[this.at++];
  }

  string(): string {
    const n = this.varint();
    const start = this.at;
    const end = (this.at += n);
    if (end > this.bytes.length) throw new Error("truncated ingest message");
    // Names are short and mostly ASCII: a loop beats a call into TextDecoder.
    if (n <= 32) {
      let s = "";
      for (let i = start; i < end; i++) {
        const c = this.bytes[i];
        if (c >= 0x80) return DECODER.decode(this.bytes.subarray(start, end));
        s += String.fromCharCode(c);
      }
      return s;
    }
    return DECODER.decode(this.bytes.subarray(start, end));
  }
}

/** Reads a message in either form; throws on bytes that are neither. */
export function decodeIngestMessage(bytes: Uint8Array): IngestMessage {
  if (bytes[0] === JSON_OPEN_BRACE) return JSON.parse(DECODER.decode(bytes)) as IngestMessage;
  if (bytes[0] !== VERSION) throw new Error(`unknown ingest message format ${bytes[0]}`);
  const r = new Reader(bytes);
  const strings = new Array<string>(r.varint());
  for (let i = 0; i < strings.length; i++) strings[i] = r.string();
  const account = strings[r.varint()];
  const namespace = strings[r.varint()];
  const series = new Array<{ m: string; d: Array<[string, string]> }>(r.varint());
  for (let i = 0; i < series.length; i++) {
    const m = strings[r.varint()];
    const d = new Array<[string, string]>(r.varint());
    for (let k = 0; k < d.length; k++) d[k] = [strings[r.varint()], strings[r.varint()]];
    series[i] = { m, d };
  }
  const base = r.f64();
  const data = new Array<IngestDatum>(r.varint());
  for (let i = 0; i < data.length; i++) {
    const s = series[r.varint()];
    const u = strings[r.varint()];
    const flags = r.u8();
    let t: number;
    if (flags & EXACT_TIME) t = r.f64();
    else {
      const z = r.varint();
      t = base + (z % 2 === 0 ? z / 2 : -(z + 1) / 2);
    }
    if (s === undefined || u === undefined) throw new Error("corrupt ingest message");
    const d: IngestDatum = flags & HIGH_RESOLUTION ? { m: s.m, d: s.d, t, u, r: 1 } : { m: s.m, d: s.d, t, u };
    const kind = flags & KIND;
    if (kind === VALUE) d.v = r.f64();
    else if (kind === STATISTICS) d.s = [r.f64(), r.f64(), r.f64(), r.f64()];
    else {
      const vs = new Array<number>(r.varint());
      for (let k = 0; k < vs.length; k++) vs[k] = r.f64();
      d.vs = vs;
      if (flags & HAS_COUNTS) {
        const cs = new Array<number>(vs.length);
        for (let k = 0; k < cs.length; k++) cs[k] = r.f64();
        d.cs = cs;
      }
    }
    data[i] = d;
  }
  if (r.at > bytes.length) throw new Error("truncated ingest message");
  return { account, namespace, data };
}
