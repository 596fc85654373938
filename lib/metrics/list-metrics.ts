/**
 * ListMetrics over the series index: exact namespace / metric name /
 * dimension matches, RecentlyActive, none without data for two weeks, 500 a
 * page with a stateless NextToken.
 * Pages come from the process's sorted listing of the account's series
 * (read/series-listing.ts), a range read; an account past its budget is
 * scanned, filtered and sorted per call, with the same answer.
 */
import type { ListMetricsInput, ListMetricsOutput, Metric } from "@aws-sdk/client-cloudwatch";
import { invalidParameterValue } from "../errors.js";
import { LISTED_FOR_MS, pageOf, rowMatches, rowMetricName, rowNamespace, rowOf, seriesListing, type ListedRow, type PageQuery } from "./read/series-listing.js";
import { listSeries } from "./store/series-index.js";

const PAGE = 500;
const RECENT_MS = 3 * 3600_000;

export async function listMetrics(account: string, input: ListMetricsInput, now = Date.now()): Promise<ListMetricsOutput> {
  const q: PageQuery = {
    namespace: input.Namespace,
    metricName: input.MetricName,
    dimensions: (input.Dimensions ?? []).map((f) => ({ name: f.Name!, value: f.Value })),
    // Metrics with no data for two weeks are not listed (AWS's ListMetrics reference).
    activeSince: now - (input.RecentlyActive === undefined ? LISTED_FOR_MS : RECENT_MS),
    after: input.NextToken !== undefined ? decodeToken(input.NextToken) : undefined,
  };
  // One past the page says whether there is another.
  const rows = (await seriesListing().page(account, q, PAGE + 1, now)) ?? (await scanPage(account, q, PAGE + 1));
  const page = rows.slice(0, PAGE);

  const metrics: Metric[] = page.map((r) => ({
    Namespace: rowNamespace(r),
    MetricName: rowMetricName(r),
    Dimensions: Array.from({ length: r.dims.length / 2 }, (_, i) => ({ Name: r.dims[2 * i], Value: r.dims[2 * i + 1] })),
  }));
  const out: ListMetricsOutput = { Metrics: metrics };
  if (rows.length > PAGE) out.NextToken = encodeToken(page[page.length - 1].key);
  if (input.IncludeLinkedAccounts) out.OwningAccounts = metrics.map(() => account);
  return out;
}

/** Without the listing: every series of the account from a KV scan, filtered and sorted. */
async function scanPage(account: string, q: PageQuery, limit: number): Promise<ListedRow[]> {
  const rows = (await listSeries(account)).map((s) => rowOf(s.id, s)).filter((r) => rowMatches(r, q));
  rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return pageOf(rows, { dimensions: [], after: q.after }, limit);
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
  // ListMetrics declares no InvalidNextToken (the model lists InvalidParameterValue); the
  // words are moto's test_list_metrics_paginated (no raw AWS answer was found).
  throw invalidParameterValue("Request parameter NextToken is invalid");
}
