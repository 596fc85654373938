/**
 * GetInsightRuleReport: the rule's contributors over a time range, read from
 * the stored log events of its log groups (AWS evaluates rules as events
 * arrive; here the same events are read back, those ingested since the rule
 * was put). Contributors are ranked by their sum (OrderBy `Sum`, the default)
 * or their largest value in one period (`Maximum`), the top
 * MaxContributorCount (default 10) returned with their datapoints; the
 * requested Metrics are computed a period at a time over every contribution.
 *
 * As AWS answers (localstack's AWS-recorded snapshot test_insight_rule,
 * get_insight_rule_report): a Count rule's AggregationStatistic is
 * `SampleCount`, and MetricDatapoints has one datapoint for every period the
 * range touches, periods aligned to multiples of Period (13 for an hour at
 * 300 s from an unaligned start), zeros where nothing contributed.
 */
import type { GetInsightRuleReportInput, GetInsightRuleReportOutput, InsightRuleMetricDatapoint } from "@aws-sdk/client-cloudwatch";
import { cloudwatchError, invalidParameterValue, missingParameter } from "../errors.js";
import { listGroupNames, logGroupsBucket } from "../logs/groups.js";
import { scanLogEvents } from "../logs/events/scan.js";
import { compileRule, contributionOf } from "./rule-definition.js";
import { getInsightRule } from "./rules.js";

const METRICS = ["UniqueContributors", "MaxContributorValue", "SampleCount", "Sum", "Minimum", "Maximum", "Average"] as const;
type MetricName = (typeof METRICS)[number];
/** Distinct contributors a report tracks; past it new ones are not ranked (AWS's report is approximate too). */
const CONTRIBUTORS_MAX = 10_000;
const MAX_PERIODS = 100_800;

interface Contributor {
  keys: string[];
  total: number;
  byPeriod: Map<number, number>;
}

interface PeriodStats {
  contributors: Map<string, number>;
  count: number;
  sum: number;
  min: number;
  max: number;
}

export async function getInsightRuleReport(account: string, region: string, input: GetInsightRuleReportInput): Promise<GetInsightRuleReportOutput> {
  const name = input.RuleName!;
  const periodMs = input.Period! * 1000;
  const end = input.EndTime!.getTime();
  const start = Math.floor(input.StartTime!.getTime() / periodMs) * periodMs;
  if (end <= input.StartTime!.getTime()) throw invalidParameterValue("The parameter EndTime must be greater than StartTime.");
  // A bound on the answer's size, as GetMetricData's 100,800 datapoints a series.
  if ((end - start) / periodMs > MAX_PERIODS) throw invalidParameterValue(`The report would have more than ${MAX_PERIODS} periods; use a longer Period or a shorter time range.`);
  for (const m of input.Metrics ?? []) {
    if (!(METRICS as readonly string[]).includes(m)) throw invalidParameterValue(`The value ${m} for parameter Metrics is not valid. Valid values are ${METRICS.join(", ")}.`);
  }
  const orderBy = input.OrderBy ?? "Sum";
  if (orderBy !== "Sum" && orderBy !== "Maximum") throw invalidParameterValue(`The value ${orderBy} for parameter OrderBy is not valid. Valid values are Sum, Maximum.`);
  if (!name) throw missingParameter("RuleName");
  const record = await getInsightRule(account, region, name);
  if (!record) throw cloudwatchError("ResourceNotFoundException", `The rule ${name} does not exist.`);
  const rule = compileRule(record.definition);

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
        let who = contributors.get(id);
        if (!who && contributors.size < CONTRIBUTORS_MAX) contributors.set(id, (who = { keys: c.keys, total: 0, byPeriod: new Map() }));
        if (who) {
          who.total += c.value;
          who.byPeriod.set(bucket, (who.byPeriod.get(bucket) ?? 0) + c.value);
        }
        let p = periods.get(bucket);
        if (!p) periods.set(bucket, (p = { contributors: new Map(), count: 0, sum: 0, min: Infinity, max: -Infinity }));
        p.count++;
        p.sum += c.value;
        p.min = Math.min(p.min, c.value);
        p.max = Math.max(p.max, c.value);
        if (p.contributors.size < CONTRIBUTORS_MAX || p.contributors.has(id)) p.contributors.set(id, (p.contributors.get(id) ?? 0) + c.value);
      }
    }
  }

  // Ranked once each, not in every comparison of the sort (a contributor may have 100,800 periods).
  const rank = (c: Contributor) => (orderBy === "Maximum" ? largest(c.byPeriod.values()) : c.total);
  const top = [...contributors.values()]
    .map((c) => ({ c, r: rank(c) }))
    .sort((a, b) => b.r - a.r)
    .slice(0, input.MaxContributorCount ?? 10)
    .map(({ c }) => c);
  const wanted = new Set<MetricName>((input.Metrics ?? []) as MetricName[]);
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
    MetricDatapoints: wanted.size === 0 ? [] : periodStarts(start, end, periodMs).map((t) => metricDatapoint(t, periods.get(t) ?? EMPTY, wanted)),
  };
}

/** The largest value, by a loop: a spread of up to 100,800 periods or 10,000 contributors can pass the stack. */
function largest(values: Iterable<number>): number {
  let max = -Infinity;
  for (const v of values) if (v > max) max = v;
  return max;
}

const EMPTY: PeriodStats = { contributors: new Map(), count: 0, sum: 0, min: 0, max: 0 };

function periodStarts(start: number, end: number, periodMs: number): number[] {
  const out: number[] = [];
  for (let t = start; t < end; t += periodMs) out.push(t);
  return out;
}

function metricDatapoint(t: number, p: PeriodStats, wanted: Set<MetricName>): InsightRuleMetricDatapoint {
  const d: InsightRuleMetricDatapoint = { Timestamp: new Date(t) };
  if (wanted.has("UniqueContributors")) d.UniqueContributors = p.contributors.size;
  if (wanted.has("MaxContributorValue")) d.MaxContributorValue = p.contributors.size ? largest(p.contributors.values()) : 0;
  if (wanted.has("SampleCount")) d.SampleCount = p.count;
  if (wanted.has("Sum")) d.Sum = p.sum;
  if (wanted.has("Minimum")) d.Minimum = p.min;
  if (wanted.has("Maximum")) d.Maximum = p.max;
  if (wanted.has("Average")) d.Average = p.count ? p.sum / p.count : 0;
  return d;
}

/** The account's log groups the rule names: a name, or a prefix ending in `*`. */
async function matchingGroups(account: string, patterns: string[]): Promise<string[]> {
  if (patterns.length === 0) return [];
  const names = await listGroupNames(await logGroupsBucket(), account);
  return names.filter((n) => patterns.some((p) => (p.endsWith("*") ? n.startsWith(p.slice(0, -1)) : n === p)));
}
