/**
 * GetInsightRuleReport: the rule's contributors over a time range, read from
 * the stored log events of its log groups (AWS evaluates rules as events
 * arrive; here the same events are read back, those ingested since the rule
 * was put). Contributors are ranked by their sum (OrderBy `Sum`, the default)
 * or their largest value in one period (`Maximum`), the top
 * MaxContributorCount (default 10) returned with their datapoints; the
 * requested Metrics are computed a period at a time over every contribution.
 * Metric math's INSIGHT_RULE_METRIC reads one of those metrics through the
 * same scan (insightRulePeriods).
 *
 * As AWS answers (localstack's AWS-recorded snapshot test_insight_rule,
 * get_insight_rule_report): a Count rule's AggregationStatistic is
 * `SampleCount`, and MetricDatapoints has one datapoint for every period the
 * range touches, periods aligned to multiples of Period (13 for an hour at
 * 300 s from an unaligned start), zeros where nothing contributed.
 */
import type { GetInsightRuleReportInput, GetInsightRuleReportOutput } from "@aws-sdk/client-cloudwatch";
import { cloudwatchError, invalidParameterValue, missingParameter } from "../errors.js";
import { listGroupNames, logGroupsBucket } from "../logs/groups.js";
import { scanLogEvents } from "../logs/events/scan.js";
import { compileRule, contributionOf, type CompiledRule } from "./rule-definition.js";
import { getInsightRule, type InsightRuleRecord } from "./rules.js";
import {
  addContribution,
  CONTRIBUTORS_MAX,
  EMPTY_PERIOD,
  INSIGHT_RULE_METRICS,
  isInsightRuleMetric,
  largest,
  metricDatapoint,
  metricValue,
  type InsightRuleMetricName,
  type PeriodStats,
} from "./period-stats.js";

const MAX_PERIODS = 100_800;

interface Contributor {
  keys: string[];
  total: number;
  byPeriod: Map<number, number>;
}

/** What one read of a rule's events over a range gives. */
interface RuleScan {
  rule: CompiledRule;
  /** Aligned start of the first period (a multiple of the period). */
  start: number;
  periods: Map<number, PeriodStats>;
  /** Only when asked for: a metric needs the periods alone. */
  contributors: Map<string, Contributor>;
  aggregate: number;
}

export async function getInsightRuleReport(account: string, region: string, input: GetInsightRuleReportInput): Promise<GetInsightRuleReportOutput> {
  const name = input.RuleName!;
  const end = input.EndTime!.getTime();
  if (end <= input.StartTime!.getTime()) throw invalidParameterValue("The parameter EndTime must be greater than StartTime.");
  checkRange(input.StartTime!.getTime(), end, input.Period!);
  for (const m of input.Metrics ?? []) {
    if (!isInsightRuleMetric(m)) throw invalidParameterValue(`The value ${m} for parameter Metrics is not valid. Valid values are ${INSIGHT_RULE_METRICS.join(", ")}.`);
  }
  const orderBy = input.OrderBy ?? "Sum";
  if (orderBy !== "Sum" && orderBy !== "Maximum") throw invalidParameterValue(`The value ${orderBy} for parameter OrderBy is not valid. Valid values are Sum, Maximum.`);
  if (!name) throw missingParameter("RuleName");
  const record = await getInsightRule(account, region, name);
  if (!record) throw cloudwatchError("ResourceNotFoundException", `The rule ${name} does not exist.`);
  const periodMs = input.Period! * 1000;
  const { rule, start, periods, contributors, aggregate } = await scanRule(account, record, input.StartTime!.getTime(), end, periodMs, true);

  // Ranked once each, not in every comparison of the sort (a contributor may have 100,800 periods).
  const rank = (c: Contributor) => (orderBy === "Maximum" ? largest(c.byPeriod.values()) : c.total);
  const top = [...contributors.values()]
    .map((c) => ({ c, r: rank(c) }))
    .sort((a, b) => b.r - a.r)
    .slice(0, input.MaxContributorCount ?? 10)
    .map(({ c }) => c);
  const wanted = new Set((input.Metrics ?? []) as InsightRuleMetricName[]);
  return {
    KeyLabels: rule.keys,
    AggregationStatistic: rule.aggregateOn === "Count" ? "SampleCount" : "Sum",
    AggregateValue: aggregate,
    // Both are the first CONTRIBUTORS_MAX distinct keys seen, so the same set.
    ApproximateUniqueCount: contributors.size,
    Contributors: top.map((c) => ({
      Keys: c.keys,
      ApproximateAggregateValue: c.total,
      Datapoints: [...c.byPeriod].sort(([a], [b]) => a - b).map(([t, v]) => ({ Timestamp: new Date(t), ApproximateValue: v })),
    })),
    MetricDatapoints: wanted.size === 0 ? [] : periodStarts(start, end, periodMs).map((t) => metricDatapoint(t, periods.get(t) ?? EMPTY_PERIOD, wanted)),
  };
}

/** A rule's periods over a range, each metric read from the same scan. */
export interface RulePeriods {
  timestamps: number[];
  values(metric: InsightRuleMetricName): number[];
}

/**
 * INSIGHT_RULE_METRIC(rule, metric): the report's MetricDatapoints over
 * [start, end) at `periodSeconds`, every period of the range (zeros where
 * nothing contributed), as GetInsightRuleReport answers them; one scan serves
 * every metric. Undefined when the account has no rule of that name in the region.
 */
export async function insightRulePeriods(
  account: string,
  region: string,
  name: string,
  range: { start: number; end: number; periodSeconds: number },
): Promise<RulePeriods | undefined> {
  const record = await getInsightRule(account, region, name);
  if (!record) return undefined;
  const periodMs = range.periodSeconds * 1000;
  checkRange(range.start, range.end, range.periodSeconds);
  const { start, periods } = await scanRule(account, record, range.start, range.end, periodMs, false);
  const timestamps = periodStarts(start, range.end, periodMs);
  return { timestamps, values: (metric) => timestamps.map((t) => metricValue(periods.get(t) ?? EMPTY_PERIOD, metric)) };
}

/** A bound on the answer's size, as GetMetricData's 100,800 datapoints a series. */
function checkRange(start: number, end: number, periodSeconds: number): void {
  const periodMs = periodSeconds * 1000;
  if ((end - Math.floor(start / periodMs) * periodMs) / periodMs > MAX_PERIODS) {
    throw invalidParameterValue(`The report would have more than ${MAX_PERIODS} periods; use a longer Period or a shorter time range.`);
  }
}

/** The rule's contributions over [from, end), a period at a time; contributors are tracked only for a report. */
async function scanRule(account: string, record: InsightRuleRecord, from: number, end: number, periodMs: number, ranked: boolean): Promise<RuleScan> {
  // A managed rule reads an AWS service's own data, which nothing here produces: it sees no contributions.
  const rule = record.managed ? MANAGED_RULE : compileRule(record.definition);
  const start = Math.floor(from / periodMs) * periodMs;
  const contributors = new Map<string, Contributor>();
  const periods = new Map<number, PeriodStats>();
  let aggregate = 0;
  for (const group of await matchingGroups(account, rule.logGroupNames)) {
    for await (const batch of scanLogEvents(account, group, { startTime: start, endTime: end })) {
      for (const e of batch) {
        if (e.ingestionTime < record.created) continue;
        const c = contributionOf(rule, e.message);
        if (!c) continue;
        const id = JSON.stringify(c.keys);
        const bucket = Math.floor(e.timestamp / periodMs) * periodMs;
        aggregate += c.value;
        addContribution(periods, bucket, id, c.value);
        if (!ranked) continue;
        let who = contributors.get(id);
        if (!who && contributors.size < CONTRIBUTORS_MAX) contributors.set(id, (who = { keys: c.keys, total: 0, byPeriod: new Map() }));
        if (who) {
          who.total += c.value;
          who.byPeriod.set(bucket, (who.byPeriod.get(bucket) ?? 0) + c.value);
        }
      }
    }
  }
  return { rule, start, periods, contributors, aggregate };
}

const MANAGED_RULE: CompiledRule = { logGroupNames: [], keys: [], aggregateOn: "Sum", fields: () => undefined, valueOf: undefined, filters: [] };

function periodStarts(start: number, end: number, periodMs: number): number[] {
  const out: number[] = [];
  for (let t = start; t < end; t += periodMs) out.push(t);
  return out;
}

/** The account's log groups the rule names: a name, or a prefix ending in `*`. */
async function matchingGroups(account: string, patterns: string[]): Promise<string[]> {
  if (patterns.length === 0) return [];
  const names = await listGroupNames(await logGroupsBucket(), account);
  return names.filter((n) => patterns.some((p) => (p.endsWith("*") ? n.startsWith(p.slice(0, -1)) : n === p)));
}
