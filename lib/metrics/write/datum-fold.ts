/**
 * Folding datapoints from the ingest log into buckets.
 */
import { Aggregate } from "../read/aggregate.js";
import type { IngestDatum } from "../encoding/ingest-codec.js";
import { bucketStart } from "../store/tiers.js";

export function foldDatum(buckets: Map<number, Aggregate>, d: IngestDatum, resolutionMs: number): void {
  const t = bucketStart(d.t, resolutionMs);
  let agg = buckets.get(t);
  if (!agg) buckets.set(t, (agg = new Aggregate()));
  foldInto(agg, d);
}

export function foldInto(agg: Aggregate, d: IngestDatum): void {
  if (d.v !== undefined) agg.add(d.v);
  else if (d.a) agg.merge(d.a);
  else if (d.s) agg.addStatisticSet({ SampleCount: d.s[0], Sum: d.s[1], Minimum: d.s[2], Maximum: d.s[3] });
  else if (d.vs) {
    for (let i = 0; i < d.vs.length; i++) {
      const c = d.cs ? d.cs[i] : 1;
      if (c > 0) agg.add(d.vs[i], c);
    }
  }
}

/**
 * A datapoint's SampleCount, Sum, Minimum and Maximum, without building the
 * distribution basic reads would throw away (count, sum, min and max come
 * out the same).
 */
export function basicOf(d: IngestDatum): Aggregate {
  const agg = new Aggregate();
  agg.hasDistribution = false;
  foldInto(agg, d);
  return agg;
}
