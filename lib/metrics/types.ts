/**
 * Shared vocabulary of the metric engine.
 */

export interface Dimension {
  name: string;
  value: string;
}

/** A metric: namespace + name + dimension set. Dimensions are kept sorted by name. */
export interface MetricIdentity {
  namespace: string;
  metricName: string;
  dimensions: Dimension[];
}

/**
 * A time series as queries and math see it: timestamps (epoch ms, ascending
 * unless a query asks otherwise) and one value per timestamp.
 */
export interface Series {
  label: string;
  timestamps: number[];
  values: number[];
  /** The metric it came from, when it came from one (not from math). */
  metric?: MetricIdentity;
  /** The period of its data points in seconds, when known (a metric query's, a SEARCH's). */
  periodSeconds?: number;
  /** What AWS tells about this result (e.g. MultipleUnits), as MetricDataResult.Messages. */
  messages?: Array<{ Code: string; Value: string }>;
}

/** Where SEARCH() and Metrics Insights find metrics and their data for one account. */
export interface MetricSource {
  /** Metrics of the account matching namespace (exact) when given; all otherwise. */
  listMetrics(filter: { namespace?: string; metricName?: string }): Promise<MetricIdentity[]>;
  /** One series per metric, aligned to `period` buckets in [start, end), empty buckets omitted. */
  fetch(metrics: MetricIdentity[], stat: string, periodSeconds: number, start: Date, end: Date): Promise<Series[]>;
}
