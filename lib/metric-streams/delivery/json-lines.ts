/**
 * AWS's JSON output format for metric streams (user guide, "CloudWatch metric
 * stream output in JSON format"): one object per metric, unit and minute,
 * one per line, as
 *   {"metric_stream_name","account_id","region","namespace","metric_name",
 *    "dimensions":{name:value},"timestamp":epoch ms,
 *    "value":{"max","min","sum","count", …additional statistics},"unit"}
 * Values are written as doubles (`3.0`), as the guide's example and its Glue
 * schema (double) have them.
 */
import type { Aggregate } from "../../metrics/read/aggregate.js";
import { computeStatistic, parseStatistic } from "../../metrics/read/statistics.js";
import type { MetricIdentity } from "../../metrics/types.js";

export interface LineContext {
  streamName: string;
  account: string;
  region: string;
}

/** A double as JSON: whole numbers keep a `.0`. */
export function jsonDouble(v: number): string {
  return Number.isInteger(v) && Math.abs(v) < 1e21 ? v.toFixed(1) : JSON.stringify(v);
}

export function jsonLine(ctx: LineContext, metric: MetricIdentity, unit: string, minute: number, agg: Aggregate, extra: readonly string[]): string {
  const values = [`"max":${jsonDouble(agg.max)}`, `"min":${jsonDouble(agg.min)}`, `"sum":${jsonDouble(agg.sum)}`, `"count":${jsonDouble(agg.count)}`];
  for (const stat of extra) {
    // A statistic the data cannot give (a statistic set has no distribution, as AWS rules) is left out.
    const v = computeStatistic(agg, parseStatistic(stat));
    if (v !== undefined && Number.isFinite(v)) values.push(`${JSON.stringify(stat)}:${jsonDouble(v)}`);
  }
  const dims = metric.dimensions.map((d) => `${JSON.stringify(d.name)}:${JSON.stringify(d.value)}`).join(",");
  return (
    `{"metric_stream_name":${JSON.stringify(ctx.streamName)},"account_id":${JSON.stringify(ctx.account)},"region":${JSON.stringify(ctx.region)},` +
    `"namespace":${JSON.stringify(metric.namespace)},"metric_name":${JSON.stringify(metric.metricName)},"dimensions":{${dims}},` +
    `"timestamp":${minute},"value":{${values.join(",")}},"unit":${JSON.stringify(unit)}}`
  );
}
