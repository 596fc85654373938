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

/** 128 bits of SHA-256, base64url: key-safe and collision-free in practice. */
export function seriesId(m: MetricIdentity): string {
  return createHash("sha256").update(canonicalMetric(m)).digest("base64url").slice(0, 22);
}
