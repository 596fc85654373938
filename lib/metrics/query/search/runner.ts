/**
 * Runs a SEARCH(): lists the account's metrics (narrowed by the exact namespace and
 * metric name every match must have), keeps the first 500 matches in a stable order,
 * fetches their series and labels them.
 */
import { metricKey } from "../../store/identity.js";
import type { MetricIdentity, MetricSource, Series } from "../../types.js";
import type { SearchNode, SearchQuery } from "./ast.js";
import { compileSearch } from "./matcher.js";
import { parseSearch } from "./parser.js";

export const MAX_SEARCH_RESULTS = 500;

export interface SearchMessage {
  Code: string;
  Value: string;
}

export interface SearchRunOptions {
  start: Date;
  end: Date;
  /** Receives non-fatal limit messages (MaxMetricsExceeded when more than 500 metrics match). */
  messages?: SearchMessage[];
  /** The caller's account, for `:aws.AccountId = '<id>'` terms. */
  accountId?: string;
}

export const SEARCH_MESSAGES = {
  maxMetrics: {
    Code: "MaxMetricsExceeded",
    Value: `The search matched more than ${MAX_SEARCH_RESULTS} metrics; only ${MAX_SEARCH_RESULTS} time series were returned.`,
  },
} as const satisfies Record<string, SearchMessage>;

/** Exact `Namespace=` / `MetricName=` terms every match must satisfy (to narrow listMetrics). */
function requiredExact(node: SearchNode | undefined, key: "Namespace" | "MetricName"): string | undefined {
  if (!node) return undefined;
  if (node.kind === "exact" && node.key === key) return node.text;
  if (node.kind === "and") return requiredExact(node.left, key) ?? requiredExact(node.right, key);
  return undefined;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function compareMetrics(a: MetricIdentity, b: MetricIdentity): number {
  const c = cmp(a.namespace, b.namespace) || cmp(a.metricName, b.metricName);
  if (c) return c;
  const n = Math.min(a.dimensions.length, b.dimensions.length);
  for (let i = 0; i < n; i++) {
    const d = cmp(a.dimensions[i].name, b.dimensions[i].name) || cmp(a.dimensions[i].value, b.dimensions[i].value);
    if (d) return d;
  }
  return a.dimensions.length - b.dimensions.length;
}

/**
 * Labels of search results: the dimension values (in schema order when a
 * schema names them, else by dimension name), followed by the metric name when
 * the results span several metric names; the metric name alone for a metric
 * without dimensions.
 */
export function searchLabels(metrics: MetricIdentity[], schema?: SearchQuery["schema"]): string[] {
  const names = new Set(metrics.map((m) => m.metricName));
  const withName = names.size > 1;
  return metrics.map((m) => {
    const order = schema && schema.dimensionNames.length ? schema.dimensionNames : m.dimensions.map((d) => d.name);
    const vals: string[] = [];
    for (const k of order) {
      const d = m.dimensions.find((x) => x.name === k);
      if (d) vals.push(d.value);
    }
    if (vals.length === 0) return m.metricName;
    return withName ? `${vals.join(" ")} ${m.metricName}` : vals.join(" ");
  });
}

/** One series per matching metric (at most 500), with `stat` per `periodSeconds` over [start, end). */
export async function runSearch(
  expression: string,
  stat: string,
  periodSeconds: number,
  source: MetricSource,
  opts: SearchRunOptions,
): Promise<Series[]> {
  const q = parseSearch(expression);
  const namespace = q.schema?.namespace ?? requiredExact(q.term, "Namespace");
  const metricName = requiredExact(q.term, "MetricName");
  const filter: { namespace?: string; metricName?: string } = {};
  if (namespace !== undefined) filter.namespace = namespace;
  if (metricName !== undefined) filter.metricName = metricName;

  const matches = compileSearch(q, { accountId: opts.accountId });
  const listed = await source.listMetrics(filter);
  const seen = new Set<string>();
  let found: MetricIdentity[] = [];
  for (const m of listed) {
    if (!matches(m)) continue;
    const key = metricKey(m);
    if (seen.has(key)) continue;
    seen.add(key);
    found.push(m);
  }
  found.sort(compareMetrics);
  if (found.length > MAX_SEARCH_RESULTS) {
    found = found.slice(0, MAX_SEARCH_RESULTS);
    opts.messages?.push({ ...SEARCH_MESSAGES.maxMetrics });
  }
  if (found.length === 0) return [];

  const fetched = await source.fetch(found, stat, periodSeconds, opts.start, opts.end);
  const byKey = new Map<string, Series>();
  fetched.forEach((s, j) => {
    const m = s.metric ?? found[j];
    if (m) byKey.set(metricKey(m), s);
  });
  const labels = searchLabels(found, q.schema);
  return found.map((m, i) => {
    const s = byKey.get(metricKey(m));
    return { label: labels[i], timestamps: s ? s.timestamps : [], values: s ? s.values : [], metric: m };
  });
}
