/**
 * From a parsed query to a plan: which metrics match (namespace, metric name,
 * SCHEMA, WHERE), how they group, and which per-series statistics to fetch so
 * that the cross-series aggregate is exact.
 *
 * Aggregating across series per time bucket needs mergeable statistics:
 *   SUM   = Σ Sum                    COUNT = Σ SampleCount
 *   MIN   = min Minimum              MAX   = max Maximum
 *   AVG   = Σ Sum / Σ SampleCount    (the mean of every observation, not a mean of means)
 */
import type { Dimension, MetricIdentity } from "../../types.js";
import type { Condition, InsightsFunction, InsightsQuery } from "./ast.js";

/** Statistics a source is asked for, in CloudWatch's names. */
export type SourceStat = "Sum" | "SampleCount" | "Minimum" | "Maximum";

export function statsFor(func: InsightsFunction): SourceStat[] {
  switch (func) {
    case "SUM":
      return ["Sum"];
    case "COUNT":
      return ["SampleCount"];
    case "MIN":
      return ["Minimum"];
    case "MAX":
      return ["Maximum"];
    case "AVG":
      return ["Sum", "SampleCount"];
  }
}

/** The value of a dimension, or undefined when the metric does not have it. */
export function dimensionValue(dims: Dimension[], name: string): string | undefined {
  for (let i = 0; i < dims.length; i++) if (dims[i].name === name) return dims[i].value;
  return undefined;
}

/** SQL LIKE with `%` as the only wildcard, anchored at both ends; case-sensitive. */
export function likeToRegExp(pattern: string): RegExp {
  const body = pattern
    .split("%")
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("[\\s\\S]*");
  return new RegExp(`^${body}$`);
}

/**
 * Compiles a WHERE condition to a predicate. A metric without the label never
 * equals a value: `=`, `IN`, `LIKE` are false for it and their negations true
 * (`InstanceType != 'c3.4xlarge'` keeps metrics that have no InstanceType).
 */
export function compileCondition(c: Condition): (dims: Dimension[]) => boolean {
  switch (c.kind) {
    case "and": {
      const l = compileCondition(c.left);
      const r = compileCondition(c.right);
      return (d) => l(d) && r(d);
    }
    case "or": {
      const l = compileCondition(c.left);
      const r = compileCondition(c.right);
      return (d) => l(d) || r(d);
    }
    case "not": {
      const o = compileCondition(c.operand);
      return (d) => !o(d);
    }
    case "compare": {
      const { key, value } = c;
      return c.op === "=" ? (d) => dimensionValue(d, key) === value : (d) => dimensionValue(d, key) !== value;
    }
    case "in": {
      const { key, negated } = c;
      const set = new Set(c.values);
      return (d) => {
        const v = dimensionValue(d, key);
        return (v !== undefined && set.has(v)) !== negated;
      };
    }
    case "like": {
      const { key, negated } = c;
      const re = likeToRegExp(c.pattern);
      return (d) => {
        const v = dimensionValue(d, key);
        return (v !== undefined && re.test(v)) !== negated;
      };
    }
  }
}

/** A predicate for "this metric is in the query's FROM/SCHEMA/WHERE scope". */
export function compileMatcher(q: InsightsQuery): (m: MetricIdentity) => boolean {
  const where = q.where ? compileCondition(q.where) : undefined;
  const schema = q.schemaKeys ? [...new Set(q.schemaKeys)].sort() : undefined;
  return (m) => {
    if (m.namespace !== q.namespace || m.metricName !== q.metricName) return false;
    if (schema) {
      const dims = m.dimensions;
      if (dims.length !== schema.length) return false;
      // Dimensions are sorted by name (MetricIdentity's contract); compare as sets anyway.
      for (let i = 0; i < schema.length; i++) {
        if (dimensionValue(dims, schema[i]) === undefined) return false;
      }
    }
    return where ? where(m.dimensions) : true;
  };
}

/** AWS: a metric without a GROUP BY label key falls in a null group named `Other`. */
export const OTHER_GROUP = "Other";

/** The GROUP BY values of a metric, `Other` for a missing label. */
export function groupValues(m: MetricIdentity, keys: string[]): string[] {
  return keys.map((k) => dimensionValue(m.dimensions, k) ?? OTHER_GROUP);
}
