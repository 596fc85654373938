/**
 * Which metrics a stream sends, and with which additional statistics (API
 * reference, PutMetricStream and MetricStreamFilter): with IncludeFilters,
 * only metrics of a listed namespace (and, when the filter names metrics, of
 * those names); with ExcludeFilters, all but those; with neither, every
 * metric of the account. StatisticsConfigurations add statistics to every
 * metric of a listed namespace and name, whatever its dimensions.
 */
import type { MetricStreamFilter } from "@aws-sdk/client-cloudwatch";
import type { MetricIdentity } from "../../metrics/types.js";
import type { MetricStreamRecord } from "../metric-stream.js";

const matches = (filters: MetricStreamFilter[], m: MetricIdentity) =>
  filters.some((f) => f.Namespace === m.namespace && (!f.MetricNames?.length || f.MetricNames.includes(m.metricName)));

export function includes(stream: Pick<MetricStreamRecord, "includeFilters" | "excludeFilters">, metric: MetricIdentity): boolean {
  if (stream.includeFilters?.length) return matches(stream.includeFilters, metric);
  if (stream.excludeFilters?.length) return !matches(stream.excludeFilters, metric);
  return true;
}

/** The additional statistics the stream sends for this metric, each once, in the order configured. */
export function statisticsFor(stream: Pick<MetricStreamRecord, "statisticsConfigurations">, metric: MetricIdentity): string[] {
  const out = new Set<string>();
  for (const c of stream.statisticsConfigurations ?? []) {
    if (c.IncludeMetrics?.some((m) => m.Namespace === metric.namespace && m.MetricName === metric.metricName)) {
      for (const s of c.AdditionalStatistics ?? []) out.add(s);
    }
  }
  return [...out];
}
