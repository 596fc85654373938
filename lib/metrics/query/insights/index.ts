/**
 * CloudWatch Metrics Insights: `SELECT FUNCTION(metric) FROM namespace | SCHEMA(...)
 * [WHERE ...] [GROUP BY ...] [ORDER BY FUNCTION() ASC|DESC] [LIMIT n]` over a MetricSource.
 */
export type { Condition, InsightsFunction, InsightsQuery } from "./ast.js";
export { INSIGHTS_FUNCTIONS } from "./ast.js";
export { parseInsightsQuery, MAX_LIMIT } from "./parser.js";
export {
  runInsightsQuery,
  MAX_METRICS_PROCESSED,
  MAX_SERIES_RETURNED,
  MAX_QUERY_AGE_MS,
  MIN_PERIOD_SECONDS,
  MESSAGES,
  ungroupedLabel,
  type InsightsMessage,
  type InsightsRunOptions,
} from "./executor.js";
export { compileMatcher, statsFor, OTHER_GROUP } from "./planner.js";
