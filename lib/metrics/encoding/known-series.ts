/**
 * The names and series the ingest decoder has met, so a batch resolves each
 * series once rather than once per message. A PutMetricData request names
 * each of its series once, so a message carries most series once: resolving
 * them per message (decode every name, hash it, look the series id up) was
 * per-datapoint work and most of the aggregator's garbage.
 *
 * Names are found by their UTF-8 bytes (hashed and compared in place, no
 * string made), each with a small number; a series by the numbers of its
 * namespace, metric name and dimension pairs, with its series id worked out
 * once. Bounded in entries (docs/memory.md): past the bound both tables start
 * over, and a series that outlives that is merely looked up again.
 */
import { utf8At } from "./bytes.js";
import { FNV_OFFSET, fnvStep, seriesIdOfPairs } from "../store/identity.js";

/** A series of a decoded message: its identity and series id (identity.ts seriesId). */
export interface MessageSeries {
  readonly m: string;
  readonly d: Array<[string, string]>;
  readonly id: string;
  /**
   * Scratch of the aggregator's fold (batch-fold.ts): the fold that met it
   * last and its entry there, so a batch looks a series up once, not once a message.
   */
  foldMark?: number;
  folded?: object;
}

/** A name (metric, dimension, unit, account, namespace) as met in messages. */
export interface KnownName {
  readonly text: string;
  /** Its number, never given to another name (not even after the tables start over): series are found by these. */
  readonly id: number;
  /** Its UTF-8 bytes as char codes (the text itself when ASCII): compared without a Uint8Array per name. */
  readonly raw: string;
  next?: KnownName;
}

/** A series as met in messages: its identity and its id (identity.ts seriesId). */
export interface KnownSeries extends MessageSeries {
  /** Namespace, metric name, then each dimension's name and value, as KnownName ids. */
  readonly key: number[];
  next?: KnownSeries;
}

export const KNOWN_NAMES_MAX = 100_000;
export const KNOWN_SERIES_MAX = 200_000;

const names = new Map<number, KnownName>();
const series = new Map<number, KnownSeries>();
let nameCount = 0;
let seriesCount = 0;
let nextNameId = 0;

/** Entries held now, for the memory docs and tests. */
export const knownSizes = (): { names: number; series: number } => ({ names: nameCount, series: seriesCount });

/** The name spelled by the UTF-8 bytes `bytes[at, at + n)`. */
export function knownName(bytes: Uint8Array, at: number, n: number): KnownName {
  let h = FNV_OFFSET;
  for (let i = at; i < at + n; i++) h = fnvStep(h, bytes[i]);
  const first = names.get(h);
  for (let e = first; e; e = e.next) if (sameBytes(e.raw, bytes, at, n)) return e;
  if (nameCount >= KNOWN_NAMES_MAX) startOver();
  const text = utf8At(bytes, at, n);
  let ascii = true;
  for (let i = at; i < at + n && ascii; i++) ascii = bytes[i] < 0x80;
  const raw = ascii ? text : Buffer.from(bytes.buffer, bytes.byteOffset + at, n).toString("latin1");
  const e: KnownName = { text, id: nextNameId++, raw, next: names.get(h) };
  names.set(h, e);
  nameCount++;
  return e;
}

/**
 * The series of namespace `ns`, metric `name` and dimension pairs `pairs`
 * (name, value, name, value…, sorted by name), all from one message's
 * names. `pairs` is the caller's scratch: it is copied when kept.
 */
export function knownSeries(ns: KnownName, name: KnownName, pairs: KnownName[], nPairs: number): KnownSeries {
  let h = fnvStep(fnvStep(FNV_OFFSET, ns.id), name.id);
  for (let k = 0; k < 2 * nPairs; k++) h = fnvStep(h, pairs[k].id);
  const first = series.get(h);
  for (let e = first; e; e = e.next) if (sameKey(e.key, ns, name, pairs, nPairs)) return e;
  if (seriesCount >= KNOWN_SERIES_MAX) startOver();
  const key = [ns.id, name.id];
  const d = new Array<[string, string]>(nPairs);
  for (let k = 0; k < nPairs; k++) {
    const a = pairs[2 * k];
    const b = pairs[2 * k + 1];
    key.push(a.id, b.id);
    d[k] = [a.text, b.text];
  }
  // Worked out once a series, here: identity.ts's cache of ids need not hold it too.
  const id = seriesIdOfPairs(ns.text, name.text, d);
  const e: KnownSeries = { m: name.text, d, id, key, next: series.get(h), foldMark: 0, folded: undefined };
  series.set(h, e);
  seriesCount++;
  return e;
}

/** Both tables at once (a name's entry is what keeps its bytes and number). */
function startOver(): void {
  names.clear();
  series.clear();
  nameCount = 0;
  seriesCount = 0;
}

function sameBytes(raw: string, b: Uint8Array, at: number, n: number): boolean {
  if (raw.length !== n) return false;
  for (let i = 0; i < n; i++) if (raw.charCodeAt(i) !== b[at + i]) return false;
  return true;
}

function sameKey(key: number[], ns: KnownName, name: KnownName, pairs: KnownName[], nPairs: number): boolean {
  if (key.length !== 2 + 2 * nPairs || key[0] !== ns.id || key[1] !== name.id) return false;
  for (let k = 0; k < 2 * nPairs; k++) if (key[2 + k] !== pairs[k].id) return false;
  return true;
}
