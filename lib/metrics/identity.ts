/**
 * Series identity: account + namespace + metric name + dimension set (order
 * does not matter, as in AWS). The id is a short hash used in storage keys.
 */
import { createHash } from "node:crypto";
import type { Dimension, MetricIdentity } from "./types.js";

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
// compared in full, so a collision only costs a chain step.
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
  const h = identityHash(namespace, metricName, pairs);
  const first = ID_CACHE.get(h);
  for (let e = first; e; e = e.next) if (sameIdentity(e, namespace, metricName, pairs)) return e.id;
  if (ID_CACHE.size > 200_000) ID_CACHE.clear();
  const id = seriesId(identityFromPairs(namespace, metricName, pairs));
  ID_CACHE.set(h, { namespace, metricName, pairs: pairs.map(([k, v]) => [k, v]), id, next: first });
  return id;
}

function sameIdentity(e: IdEntry, namespace: string, metricName: string, pairs: Array<[string, string]>): boolean {
  if (e.namespace !== namespace || e.metricName !== metricName || e.pairs.length !== pairs.length) return false;
  for (let i = 0; i < pairs.length; i++) if (e.pairs[i][0] !== pairs[i][0] || e.pairs[i][1] !== pairs[i][1]) return false;
  return true;
}

/** Two 32-bit FNV-1a style hashes with different primes, as one 53-bit number. */
function identityHash(namespace: string, metricName: string, pairs: Array<[string, string]>): number {
  // No closure: this runs per datapoint, and a closure would be allocated per call.
  let a = mixA(0x811c9dc5, namespace);
  let b = mixB(0x9747b28c, namespace);
  a = mixA(a, metricName);
  b = mixB(b, metricName);
  for (let i = 0; i < pairs.length; i++) {
    a = mixA(mixA(a, pairs[i][0]), pairs[i][1]);
    b = mixB(mixB(b, pairs[i][0]), pairs[i][1]);
  }
  return (a >>> 0) * 2 ** 21 + ((b >>> 0) & 0x1fffff);
}

// Each name ends with a separator, so boundaries count (a collision only costs a comparison).
function mixA(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return Math.imul(h ^ 0xffff, 0x01000193);
}

function mixB(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x5bd1e995);
  return Math.imul(h ^ 0xffff, 0x5bd1e995);
}

/** A metric's identity as a Map key (exact: `\u0001` cannot appear in names). */
export function metricKey(m: MetricIdentity): string {
  let s = `${m.namespace}\u0000${m.metricName}`;
  for (const d of m.dimensions) s += `\u0000${d.name}\u0001${d.value}`;
  return s;
}

/** 128 bits of SHA-256, base64url: key-safe and collision-free in practice. */
export function seriesId(m: MetricIdentity): string {
  return createHash("sha256").update(canonicalMetric(m)).digest("base64url").slice(0, 22);
}
