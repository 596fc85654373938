/**
 * Series identity: account + namespace + metric name + dimension set (order
 * does not matter, as in AWS). The id is a short hash used in storage keys.
 */
import * as crypto from "node:crypto";
import type { Dimension, MetricIdentity } from "../types.js";

export function sortDimensions(dims: Dimension[]): Dimension[] {
  return [...dims].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Stable text form of a metric; `\u0000` cannot appear in names. */
export function canonicalMetric(m: MetricIdentity): string {
  let s = `${m.namespace}\u0000${m.metricName}`;
  for (const d of m.dimensions) s += `\u0000${d.name}=${d.value}`;
  return s;
}

/** A metric from a name and [name, value] dimension pairs: the form of the ingest log and the series index. */
export function identityFromPairs(namespace: string, metricName: string, pairs: Array<[string, string]>): MetricIdentity {
  return { namespace, metricName, dimensions: pairs.map(([name, value]) => ({ name, value })) };
}

// Hashing is a visible cost at a million datapoints a second; series repeat.
// The cache is keyed by a 53-bit hash computed without building a string
// (key strings were a tenth of the aggregator's garbage); entries are
// compared in full, so a collision only costs a chain step. The hash is
// built from one hash per string (textHash), so a caller that sees the same
// strings in many series (a decoded ingest message's string table) hashes
// each string once and combines integers per series.
interface IdEntry {
  namespace: string;
  metricName: string;
  pairs: Array<[string, string]>;
  id: string;
  next?: IdEntry;
}
const ID_CACHE = new Map<number, IdEntry>();

/** seriesId of a metric given as pairs (sorted by name), cached. */
export function cachedSeriesId(namespace: string, metricName: string, pairs: Array<[string, string]>): string {
  PAIR_HASHES.length = 0;
  for (let i = 0; i < pairs.length; i++) PAIR_HASHES.push(textHash(pairs[i][0]), textHash(pairs[i][1]));
  return cachedSeriesIdByHash(namespace, metricName, pairs, seriesHash(textHash(namespace), textHash(metricName), PAIR_HASHES));
}

const PAIR_HASHES: number[] = [];

/** cachedSeriesId given the series' hash (seriesHash of its strings' textHash). */
export function cachedSeriesIdByHash(namespace: string, metricName: string, pairs: Array<[string, string]>, h: number): string {
  const first = ID_CACHE.get(h);
  for (let e = first; e; e = e.next) if (sameIdentity(e, namespace, metricName, pairs)) return e.id;
  if (ID_CACHE.size > 200_000) ID_CACHE.clear();
  const id = seriesIdOfPairs(namespace, metricName, pairs);
  ID_CACHE.set(h, { namespace, metricName, pairs: pairs.map(([k, v]) => [k, v]), id, next: first });
  return id;
}

function sameIdentity(e: IdEntry, namespace: string, metricName: string, pairs: Array<[string, string]>): boolean {
  if (e.namespace !== namespace || e.metricName !== metricName || e.pairs.length !== pairs.length) return false;
  for (let i = 0; i < pairs.length; i++) if (e.pairs[i][0] !== pairs[i][0] || e.pairs[i][1] !== pairs[i][1]) return false;
  return true;
}

/** FNV-1a: its offset basis, and one step over a 32-bit value (a character, or a hash being combined). */
export const FNV_OFFSET = 0x811c9dc5;
export const fnvStep = (h: number, x: number): number => Math.imul(h ^ x, 0x01000193);
// A second lane with another multiplier, for 53 bits of series hash.
const otherStep = (h: number, x: number): number => Math.imul(h ^ x, 0x5bd1e995);

/** FNV-1a over the UTF-16 code units, 32 bits. */
export function textHash(text: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < text.length; i++) h = fnvStep(h, text.charCodeAt(i));
  return h;
}

/**
 * A series' 53-bit hash from the textHash of its namespace, metric name and
 * each dimension's name and value (`pairHashes`, in order): two 32-bit lanes
 * with different multipliers, packed.
 */
export function seriesHash(namespaceHash: number, nameHash: number, pairHashes: ArrayLike<number>): number {
  let a = fnvStep(fnvStep(FNV_OFFSET, namespaceHash), nameHash);
  let b = otherStep(otherStep(0x9747b28c, namespaceHash), nameHash);
  for (let k = 0; k < pairHashes.length; k++) {
    a = fnvStep(a, pairHashes[k]);
    b = otherStep(b, pairHashes[k]);
  }
  return (a >>> 0) * 2 ** 21 + ((b >>> 0) & 0x1fffff);
}

/** A metric's identity as a Map key (exact: `\u0001` cannot appear in names). */
export function metricKey(m: MetricIdentity): string {
  let s = `${m.namespace}\u0000${m.metricName}`;
  for (const d of m.dimensions) s += `\u0000${d.name}\u0001${d.value}`;
  return s;
}

/** Ids already known for metric objects (read with them from the series index). */
const KNOWN_IDS = new WeakMap<MetricIdentity, string>();

/** Records the id of a metric object built from the series index, so seriesId need not hash it. */
export function rememberSeriesId(m: MetricIdentity, id: string): MetricIdentity {
  KNOWN_IDS.set(m, id);
  return m;
}

/** seriesId of identityFromPairs(namespace, metricName, pairs), without building it. */
export function seriesIdOfPairs(namespace: string, metricName: string, pairs: Array<[string, string]>): string {
  let s = `${namespace}\u0000${metricName}`;
  for (const [name, value] of pairs) s += `\u0000${name}=${value}`;
  return sha256Base64url(s).slice(0, 22);
}

/** 128 bits of SHA-256, base64url: key-safe and collision-free in practice. */
export function seriesId(m: MetricIdentity): string {
  return KNOWN_IDS.get(m) ?? sha256Base64url(canonicalMetric(m)).slice(0, 22);
}

// crypto.hash (Node 20.12+) is one call where a Hash object was three: 1-7 µs against 9-19 (20,000 ids, load 15), paid once per new series.
const sha256Base64url: (text: string) => string =
  typeof crypto.hash === "function" ? (text) => crypto.hash("sha256", text, "base64url") : (text) => crypto.createHash("sha256").update(text).digest("base64url");
