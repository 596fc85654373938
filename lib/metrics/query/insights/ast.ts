/**
 * The parsed form of a Metrics Insights query.
 *
 *   SELECT FUNCTION(metricName)
 *   FROM namespace | SCHEMA(namespace[, labelKey ...])
 *   [ WHERE condition ]
 *   [ GROUP BY labelKey [, ...] ]
 *   [ ORDER BY FUNCTION() [ ASC | DESC ] ]
 *   [ LIMIT n ]
 */

export type InsightsFunction = "AVG" | "COUNT" | "MAX" | "MIN" | "SUM";
export const INSIGHTS_FUNCTIONS: readonly InsightsFunction[] = ["AVG", "COUNT", "MAX", "MIN", "SUM"];

/** A WHERE condition over label (dimension) values. */
export type Condition =
  | { kind: "and" | "or"; left: Condition; right: Condition }
  | { kind: "not"; operand: Condition }
  /** `key = 'v'` / `key != 'v'` */
  | { kind: "compare"; key: string; op: "=" | "!="; value: string }
  /** `key [NOT] IN ('a', 'b')` */
  | { kind: "in"; key: string; values: string[]; negated: boolean }
  /** `key [NOT] LIKE 'pat%'` (`%` = any run of characters) */
  | { kind: "like"; key: string; pattern: string; negated: boolean };

export interface InsightsQuery {
  func: InsightsFunction;
  metricName: string;
  namespace: string;
  /**
   * Label keys of `SCHEMA(namespace, k1, k2)`: only metrics with exactly these
   * dimension names match (`[]` = metrics without dimensions). Undefined when
   * FROM names a bare namespace (every metric of it matches).
   */
  schemaKeys?: string[];
  where?: Condition;
  groupBy: string[];
  orderBy?: { func: InsightsFunction; direction: "ASC" | "DESC" };
  /** As written; the executor applies the 500-series cap when absent. */
  limit?: number;
}
