/** What an expression is evaluated against: other queries' results, the time grid, and the caller's SEARCH, anomaly bands and Contributor Insights rules. */
import type { InsightRuleMetricName } from "../../../contributor-insights/period-stats.js";
import type { Series } from "../../types.js";

export interface AnomalyBandRequest {
  /** The metric query id, when the argument is one (ANOMALY_DETECTION_BAND(m1)). */
  id?: string;
  /** The argument's expression text. */
  expression: string;
  /** The argument's values. */
  series: Series;
  /** The band's width in standard deviations (default 2). */
  stdDevs: number;
}

export interface MathContext {
  /** Results of other queries by id; a METRICS()-style id may hold an array of series. */
  lookup(id: string): Series | Series[] | undefined;
  /** Resolves a SEARCH('...', 'Stat', period) call to series (provided by the caller). */
  search?(expression: string, stat: string, periodSeconds: number): Promise<Series[]>;
  /** The query's period. */
  periodSeconds: number;
  /** Epoch ms, start inclusive, end exclusive. */
  startTime: number;
  endTime: number;
  /**
   * All query ids in request order, for METRICS(): it returns the results of
   * those that are metrics, in this order (ids whose lookup is undefined are
   * skipped). AWS leaves math expressions out: pass isExpression, or only the
   * ids of MetricStat queries.
   */
  allIds: string[];
  /** Whether a query id is a math expression, which METRICS() leaves out. */
  isExpression?(id: string): boolean;
  /** The id of the expression evaluated: the label of a single-series result (default: the expression text). */
  id?: string;
  /** The period of a metric query, for PERIOD(m1) (default: periodSeconds). */
  periodOf?(id: string): number | undefined;
  /** Computes ANOMALY_DETECTION_BAND from a model; without it the function is a ValidationError. */
  anomalyDetectionBand?(request: AnomalyBandRequest): Promise<Series[]>;
  /**
   * INSIGHT_RULE_METRIC(rule, metric) over the query's range at its period
   * (metric is one of INSIGHT_RULE_METRICS); undefined when there is no such
   * rule. Without it the function is a ValidationError.
   */
  insightRuleMetric?(rule: string, metric: InsightRuleMetricName): Promise<{ timestamps: number[]; values: number[] } | undefined>;
}
