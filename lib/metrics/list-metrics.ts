/**
 * ListMetrics over the series index: exact namespace / metric name /
 * dimension matches, RecentlyActive, 500 a page with a stateless NextToken.
 */
import type { ListMetricsInput, ListMetricsOutput, Metric } from "@aws-sdk/client-cloudwatch";
import { invalidNextToken } from "../errors.js";
import { canonicalMetric } from "./store/identity.js";
import { identityOf, listSeries, type IndexedSeries } from "./store/series-index.js";

const PAGE = 500;
const RECENT_MS = 3 * 3600_000;

export async function listMetrics(account: string, input: ListMetricsInput, now = Date.now()): Promise<ListMetricsOutput> {
  const filters = input.Dimensions ?? [];
  const after = input.NextToken !== undefined ? decodeToken(input.NextToken) : undefined;

  const matches = (s: IndexedSeries) =>
    (input.Namespace === undefined || s.namespace === input.Namespace) &&
    (input.MetricName === undefined || s.metricName === input.MetricName) &&
    filters.every((f) => s.dimensions.some(([name, value]) => name === f.Name && (f.Value === undefined || value === f.Value))) &&
    (input.RecentlyActive === undefined || s.lastWrite >= now - RECENT_MS);

  const rows = (await listSeries(account))
    .filter(matches)
    .map((s) => ({ key: canonicalMetric(identityOf(s)), s }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const from = after === undefined ? 0 : rows.findIndex((r) => r.key > after);
  const page = from < 0 ? [] : rows.slice(from, from + PAGE);
  const more = from >= 0 && from + PAGE < rows.length;

  const metrics: Metric[] = page.map(({ s }) => ({
    Namespace: s.namespace,
    MetricName: s.metricName,
    Dimensions: s.dimensions.map(([Name, Value]) => ({ Name, Value })),
  }));
  const out: ListMetricsOutput = { Metrics: metrics };
  if (more) out.NextToken = encodeToken(page[page.length - 1].key);
  if (input.IncludeLinkedAccounts) out.OwningAccounts = metrics.map(() => account);
  return out;
}

function encodeToken(lastKey: string): string {
  return Buffer.from(JSON.stringify({ v: 1, after: lastKey })).toString("base64url");
}

function decodeToken(token: string): string {
  try {
    const t = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (t?.v === 1 && typeof t.after === "string") return t.after;
  } catch {
    // fall through
  }
  throw invalidNextToken();
}
