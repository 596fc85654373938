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
const ID_CACHE = new Map<string, string>();
/** seriesId of a metric given as pairs (sorted by name), cached. */
export function cachedSeriesId(namespace: string, metricName: string, pairs: Array<[string, string]>): string {
  let key = `${namespace}\u0000${metricName}`;
  for (const [k, v] of pairs) key += `\u0000${k}\u0001${v}`;
  let id = ID_CACHE.get(key);
  if (id === undefined) {
    if (ID_CACHE.size > 200_000) ID_CACHE.clear();
    id = seriesId(identityFromPairs(namespace, metricName, pairs));
    ID_CACHE.set(key, id);
  }
  return id;
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
