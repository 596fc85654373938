/**
 * GetMetricData: MetricStat queries, metric math (with SEARCH) and Metrics
 * Insights queries, evaluated in dependency order, labelled, ordered by
 * ScanBy and paginated by MaxDatapoints.
 */
import type {
  GetMetricDataInput, GetMetricDataOutput, MessageData, MetricDataQuery, MetricDataResult,
} from "@aws-sdk/client-cloudwatch";
import { invalidNextToken, invalidParameterValue, missingParameter, validationError } from "../errors.js";
import { sortDimensions } from "./store/identity.js";
import { parseInsightsQuery, runInsightsQuery, type InsightsMessage, type InsightsQuery } from "./query/insights/index.js";
import { evaluateExpression } from "./query/math/evaluate.js";
import { parseTimezone, renderLabel } from "./query/math/labels.js";
import type { Expr } from "./query/math/ast.js";
import { parseExpression, referencedIds } from "./query/math/parser.js";
import { alignStart, checkPeriod, periodAvailable, wholeSecond } from "./read/period-rules.js";
import { runSearch, type SearchMessage } from "./query/search/index.js";
import { AccountMetrics } from "./read/account-metrics.js";
import { isValidStatistic } from "./read/statistics.js";
import type { Series } from "./types.js";
import { anomalyDetectionBand } from "../anomaly-detectors/band.js";
import { statIdentity } from "../anomaly-detectors/store.js";
import { insightRulePeriods, type RulePeriods } from "../contributor-insights/report.js";

const MAX_QUERIES = 500;
const MAX_DATAPOINTS = 100_800;
const ID = /^[a-z][a-zA-Z0-9_]*$/;

interface Evaluated {
  query: MetricDataQuery;
  series: Series[];
  /** An array result (METRICS(), SEARCH, Insights), as opposed to one series. */
  array: boolean;
  /** The label the caller asked for, if any (may hold dynamic placeholders). */
  stat?: string;
  period?: number;
}

export async function getMetricData(account: string, region: string, input: GetMetricDataInput, now = Date.now()): Promise<GetMetricDataOutput> {
  const queries = input.MetricDataQueries ?? [];
  if (queries.length === 0) throw invalidParameterValue("The collection MetricDataQueries must not be empty.");
  if (queries.length > MAX_QUERIES) {
    throw invalidParameterValue(`The collection MetricDataQueries must not have a size greater than ${MAX_QUERIES}.`);
  }
  const start = wholeSecond(input.StartTime!);
  const end = wholeSecond(input.EndTime!);
  if (start === end) throw requestInvalid(["The parameter StartTime must not equal parameter EndTime."]);
  if (start > end) throw requestInvalid(["The parameter EndTime must be greater than StartTime."]);
  const maxDatapoints = input.MaxDatapoints ?? MAX_DATAPOINTS;
  if (!Number.isInteger(maxDatapoints) || maxDatapoints < 1) {
    throw invalidParameterValue(`The value ${maxDatapoints} for parameter MaxDatapoints is invalid.`);
  }
  const scanBy = input.ScanBy ?? "TimestampDescending";
  const skip = input.NextToken !== undefined ? decodeToken(input.NextToken) : 0;
  parseTimezone(input.LabelOptions?.Timezone); // a bad one is an error even when no label needs it

  checkIdsAndStats(queries);
  const byId = new Map<string, MetricDataQuery>();
  const parsed = new Map<string, ParsedExpression>();
  queries.forEach((q, i) => validateQuery(q, i, byId, parsed));
  if (!queries.some((q) => q.ReturnData !== false)) {
    throw invalidParameterValue("At least one MetricDataQuery must have ReturnData set to true.");
  }
  const order = evaluationOrder(queries, parsed);

  const source = new AccountMetrics(account, now);
  const messages: MessageData[] = [];
  const results = new Map<string, Evaluated>();
  const statPeriods = queries.filter((q) => q.MetricStat).map((q) => q.MetricStat!.Period!);
  const defaultLabels = defaultStatLabels(queries);
  const defaultPeriod = statPeriods.length ? Math.max(...statPeriods) : 60;
  const ruleScans = new Map<string, Promise<RulePeriods | undefined>>();

  // MetricStat queries first, all at once: they are the bulk of the reading.
  await Promise.all(
    queries.filter((q) => q.MetricStat).map(async (q) => {
      const ms = q.MetricStat!;
      const period = ms.Period!;
      const from = alignStart(start, period, now);
      const series = await source.stat({
        metric: {
          namespace: ms.Metric!.Namespace!,
          metricName: ms.Metric!.MetricName!,
          dimensions: sortDimensions((ms.Metric!.Dimensions ?? []).map((d) => ({ name: d.Name!, value: d.Value! }))),
        },
        stat: ms.Stat!,
        periodSeconds: period,
        start: from,
        // A period too fine for the data's age has no datapoints (AWS), not an error.
        end: periodAvailable(period, start, now) ? end : from,
        unit: ms.Unit,
        label: q.Label ?? defaultLabels.get(q.Id!),
      });
      results.set(q.Id!, { query: q, series: [{ ...series, periodSeconds: period }], array: false, stat: ms.Stat, period });
    }),
  );

  for (const q of order) {
    if (q.MetricStat) continue;
    const expression = parsed.get(q.Id!)!;
    const period = q.Period ?? defaultPeriod;
    const alignedStart = alignStart(start, period, now);
    let series: Series[];
    let array = true;
    if (expression.kind === "insights") {
      const insightsMessages: InsightsMessage[] = [];
      series = await runInsightsQuery(expression.query, source, {
        periodSeconds: period,
        start: new Date(alignedStart),
        end: new Date(end),
        messages: insightsMessages,
        now: new Date(now),
      });
      for (const m of insightsMessages) messages.push({ Code: m.Code, Value: m.Value });
      series = series.map((s) => ({ ...s, periodSeconds: period }));
    } else {
      const searchMessages: SearchMessage[] = [];
      const value = await evaluateExpression(expression.expr, {
        lookup: (id) => {
          const r = results.get(id);
          return r ? (r.array ? r.series : r.series[0]) : undefined;
        },
        search: (expression, stat, periodSeconds) =>
          runSearch(expression, stat, periodSeconds, source, {
            start: new Date(alignStart(start, periodSeconds, now)),
            end: new Date(end),
            messages: searchMessages,
            accountId: account,
          }),
        periodSeconds: period,
        startTime: alignedStart,
        endTime: end,
        allIds: queries.map((x) => x.Id!),
        isExpression: (id) => !byId.get(id)?.MetricStat,
        id: q.Id,
        periodOf: (id) => byId.get(id)?.MetricStat?.Period ?? byId.get(id)?.Period,
        anomalyDetectionBand: (request) => {
          const ms = request.id ? byId.get(request.id)?.MetricStat : undefined;
          const needed = neededQueries(request.expression, byId, parsed);
          return anomalyDetectionBand(request, {
            account,
            periodSeconds: period,
            endTime: end,
            metric: ms ? statIdentity(ms) : undefined,
            // A metric's model is its metric and statistic's, whatever the query's id; an expression's, its text and queries.
            identity: ms ? ["single", statIdentity(ms)] : ["math", request.expression, needed.map((id) => ({ ...byId.get(id)!, ReturnData: undefined }))],
            history: (from) => expressionHistory(account, region, request.expression, byId, needed, period, from, end, now),
          });
        },
        insightRuleMetric: async (rule, metric) => {
          // One scan of a rule's events per period and call, however many of its metrics the queries read.
          const key = JSON.stringify([rule, period, alignedStart]);
          let scan = ruleScans.get(key);
          if (!scan) ruleScans.set(key, (scan = insightRulePeriods(account, region, rule, { start: alignedStart, end, periodSeconds: period })));
          const found = await scan;
          return found && { timestamps: found.timestamps, values: found.values(metric) };
        },
      });
      array = Array.isArray(value);
      series = Array.isArray(value) ? value : [value];
      for (const m of searchMessages) messages.push({ Code: m.Code, Value: m.Value });
    }
    results.set(q.Id!, { query: q, series, array, period });
  }

  // Labels, order and pagination.
  const out: MetricDataResult[] = [];
  const dates = new SharedDates();
  let position = 0;
  let remaining = maxDatapoints;
  let more = false;
  for (const q of queries) {
    if (q.ReturnData === false) continue;
    const r = results.get(q.Id!)!;
    for (const s of r.series) {
      const { timestamps, values } = s;
      const label = labelFor(q, s, r, input, account, region, now);
      const n = timestamps.length;
      const from = Math.max(0, skip - position);
      position += n;
      if (from >= n && !(n === 0 && skip === 0)) continue;
      const take = Math.min(n - from, remaining);
      remaining -= take;
      const partial = from + take < n;
      if (partial) more = true;
      if (take === 0 && n > 0) {
        more = true;
        continue;
      }
      // Series are in ascending time; TimestampDescending reads them from the end.
      const descending = scanBy === "TimestampDescending";
      const Values = new Array<number>(take);
      for (let k = 0; k < take; k++) Values[k] = values[descending ? n - 1 - (from + k) : from + k];
      const Timestamps = dates.of(timestamps, from, take, descending);
      const result: MetricDataResult = { Id: q.Id, Label: label, Timestamps, Values, StatusCode: partial ? "PartialData" : "Complete" };
      // AWS leaves an empty Messages out of a result (localstack's test_label_generation, recorded against AWS).
      if (s.messages?.length) result.Messages = s.messages;
      out.push(result);
    }
  }
  const result: GetMetricDataOutput = { MetricDataResults: out, Messages: messages };
  if (more) result.NextToken = encodeToken(skip + (maxDatapoints - remaining));
  return result;
}

/**
 * An expression's values over [from, end) at `period`: a GetMetricData call of
 * its own, with only the queries the expression needs (an anomaly band's
 * training history, which is far longer than the query's range).
 */
async function expressionHistory(
  account: string,
  region: string,
  expression: string,
  byId: Map<string, MetricDataQuery>,
  needed: string[],
  period: number,
  from: number,
  end: number,
  now: number,
): Promise<Series | undefined> {
  let id = "anomaly_history";
  while (byId.has(id)) id += "_";
  const queries: MetricDataQuery[] = needed.map((n) => ({ ...byId.get(n)!, ReturnData: false }));
  queries.push({ Id: id, Expression: expression, Period: period, ReturnData: true });
  const out = await getMetricData(account, region, { MetricDataQueries: queries, StartTime: new Date(from), EndTime: new Date(end), ScanBy: "TimestampAscending" }, now);
  const r = out.MetricDataResults?.find((x) => x.Id === id);
  return r ? { label: r.Label ?? id, timestamps: (r.Timestamps ?? []).map((t) => t.getTime()), values: r.Values ?? [] } : undefined;
}

/** The ids of the queries an expression reads, directly or through other expressions, in the order first met. */
function neededQueries(expression: string, byId: Map<string, MetricDataQuery>, parsed: Map<string, ParsedExpression>): string[] {
  const needed = new Set<string>();
  const visit = (ids: string[]) => {
    for (const id of ids) {
      if (needed.has(id) || !byId.has(id)) continue;
      needed.add(id);
      const p = parsed.get(id);
      if (p?.kind === "math") visit(referencedIds(p.expr));
    }
  };
  visit(referencedIds(parseExpression(expression)));
  return [...needed];
}

/**
 * Timestamps as Dates, one array shared by every result with the same times
 * (metrics on one period grid): a wide answer has 100,800 timestamps and
 * usually far fewer distinct ones. The answer is only serialised, never
 * changed, so sharing is safe.
 */
class SharedDates {
  private last?: { take: number; descending: boolean; dates: Date[] };

  of(source: number[], from: number, take: number, descending: boolean): Date[] {
    const n = source.length;
    const at = (k: number) => source[descending ? n - 1 - (from + k) : from + k];
    const last = this.last;
    if (last && last.take === take && last.descending === descending && sameTimes(last, at)) return last.dates;
    const dates = new Array<Date>(take);
    for (let k = 0; k < take; k++) dates[k] = new Date(at(k));
    this.last = { take, descending, dates };
    return dates;
  }
}

function sameTimes(last: { take: number; dates: Date[] }, at: (k: number) => number): boolean {
  for (let k = 0; k < last.take; k++) if (last.dates[k].getTime() !== at(k)) return false;
  return true;
}

function labelFor(
  q: MetricDataQuery,
  s: Series,
  r: Evaluated,
  input: GetMetricDataInput,
  account: string,
  region: string,
  now: number,
): string {
  // A math array result keeps its own per-series labels unless the query names one.
  const template = q.Label ?? s.label ?? q.Id!;
  return renderLabel(template, { ...s, label: s.label ?? q.Id! }, {
    id: q.Id!,
    timezone: input.LabelOptions?.Timezone,
    now,
    propSource: { stat: r.stat, periodSeconds: r.period, accountId: account, region },
  });
}

/**
 * Default labels of MetricStat queries on a metric that several queries read:
 * the metric name and what tells them apart, the statistic and/or the period
 * ("metric1 Sum 60"); a unit alone tells nothing, so they keep the plain name
 * (localstack's test_label_generation, recorded against AWS).
 */
function defaultStatLabels(queries: MetricDataQuery[]): Map<string, string> {
  const byMetric = new Map<string, MetricDataQuery[]>();
  for (const q of queries) {
    const m = q.MetricStat?.Metric;
    if (!m) continue;
    const dims = sortDimensions((m.Dimensions ?? []).map((d) => ({ name: d.Name!, value: d.Value! })));
    const key = JSON.stringify([m.Namespace, m.MetricName, dims]);
    const group = byMetric.get(key);
    if (group) group.push(q);
    else byMetric.set(key, [q]);
  }
  const labels = new Map<string, string>();
  for (const group of byMetric.values()) {
    if (group.length < 2) continue;
    const stats = new Set(group.map((q) => q.MetricStat!.Stat));
    const periods = new Set(group.map((q) => q.MetricStat!.Period));
    for (const q of group) {
      const ms = q.MetricStat!;
      let label = ms.Metric!.MetricName!;
      if (stats.size > 1) label += ` ${ms.Stat}`;
      if (periods.size > 1) label += ` ${ms.Period}`;
      labels.set(q.Id!, label);
    }
  }
  return labels;
}

/** An Expression, parsed once when the request is checked. */
type ParsedExpression = { kind: "math"; expr: Expr } | { kind: "insights"; query: InsightsQuery };

const isInsightsQuery = (text: string) => /^\s*SELECT\b/i.test(text);

/**
 * GetMetricData's request validator answers ValidationError with one line per
 * fault, each ending in a newline (raw AWS answers: `<Message>The parameter
 * StartTime must not equal parameter EndTime.\n</Message>` in
 * prometheus-community/yet-another-cloudwatch-exporter#729, elastic/beats#32687).
 */
const requestInvalid = (lines: string[]) => validationError(lines.map((l) => `${l}\n`).join(""));

/**
 * Every Id off the pattern and every unknown statistic, all in one answer
 * (raw AWS answers in influxdata/telegraf#5420 and yet-another-cloudwatch-exporter#385),
 * then Ids used twice (aws-solutions/quota-monitor-for-aws#171).
 */
function checkIdsAndStats(queries: MetricDataQuery[]): void {
  const faults: string[] = [];
  queries.forEach((q, i) => {
    const path = `MetricDataQueries.member.${i + 1}`;
    if (!ID.test(q.Id!)) faults.push(`The value ${q.Id} for parameter ${path}.Id is not matching the expected pattern ${ID.source}.`);
    const stat = q.MetricStat?.Stat;
    if (stat !== undefined && !isValidStatistic(stat)) faults.push(`The value ${stat} for parameter ${path}.MetricStat.Stat is not a valid statistic.`);
  });
  if (faults.length) throw requestInvalid(faults);
  if (new Set(queries.map((q) => q.Id)).size < queries.length) {
    throw requestInvalid(["The values for parameter id in MetricDataQueries are not unique."]);
  }
}

function validateQuery(
  q: MetricDataQuery,
  i: number,
  byId: Map<string, MetricDataQuery>,
  parsed: Map<string, ParsedExpression>,
): void {
  const path = `MetricDataQueries.member.${i + 1}`;
  byId.set(q.Id!, q);
  // A query with neither: moto's test_get_metric_data__no_metric_data_or_expression quotes AWS's line.
  if (q.MetricStat === undefined && q.Expression === undefined) throw requestInvalid([`The parameter ${path}.MetricStat is required.`]);
  if (q.MetricStat !== undefined && q.Expression !== undefined) {
    throw invalidParameterValue(`The parameter ${path} must contain exactly one of MetricStat or Expression.`);
  }
  if (q.MetricStat) {
    const ms = q.MetricStat;
    if (!ms.Metric?.Namespace || !ms.Metric?.MetricName) {
      throw missingParameter(`${path}.MetricStat.Metric.${!ms.Metric?.Namespace ? "Namespace" : "MetricName"}`);
    }
    checkPeriod(ms.Period!, `${path}.MetricStat.Period`);
  } else {
    const text = q.Expression!;
    if (q.Period !== undefined) checkPeriod(q.Period, `${path}.Period`);
    // Syntax errors now, with their position.
    if (isInsightsQuery(text)) {
      if (q.Period === undefined) throw invalidParameterValue(`The parameter ${path}.Period is required for a Metrics Insights query.`);
      parsed.set(q.Id!, { kind: "insights", query: parseInsightsQuery(text) });
    } else {
      parsed.set(q.Id!, { kind: "math", expr: parseExpression(text) });
    }
  }
}

/** Expressions after what they reference; a cycle or an unknown id is an error. */
function evaluationOrder(queries: MetricDataQuery[], parsed: Map<string, ParsedExpression>): MetricDataQuery[] {
  const byId = new Map(queries.map((q) => [q.Id!, q]));
  const state = new Map<string, "visiting" | "done">();
  const out: MetricDataQuery[] = [];
  const visit = (q: MetricDataQuery, via: string[]) => {
    const id = q.Id!;
    if (state.get(id) === "done") return;
    if (state.get(id) === "visiting") {
      throw invalidParameterValue(`Circular dependency among metric data queries: ${[...via, id].join(" -> ")}.`);
    }
    state.set(id, "visiting");
    const expression = parsed.get(id);
    if (expression?.kind === "math") {
      for (const ref of referencedIds(expression.expr)) {
        const dep = byId.get(ref);
        if (!dep) throw invalidParameterValue(`Error in expression '${q.Id}': Unrecognized metric ID or function name: ${ref}`);
        visit(dep, [...via, id]);
      }
    }
    state.set(id, "done");
    out.push(q);
  };
  for (const q of queries) visit(q, []);
  return out;
}

function encodeToken(skip: number): string {
  return Buffer.from(JSON.stringify({ v: 1, skip })).toString("base64url");
}

function decodeToken(token: string): number {
  try {
    const t = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (t?.v === 1 && Number.isInteger(t.skip) && t.skip >= 0) return t.skip;
  } catch {
    // fall through
  }
  throw invalidNextToken();
}
