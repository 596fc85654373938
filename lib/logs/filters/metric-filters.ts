/**
 * PutMetricFilter, DescribeMetricFilters, DeleteMetricFilter and
 * TestMetricFilter, with AWS's limits (CloudWatch Logs quotas: 100 metric
 * filters per log group; 3 dimensions per transformation; at most 5 filters
 * with regular expressions per log group, metric and subscription filters
 * together). Model constraints are checked by the validation stage
 * (lib/validation/) before these run. A metric filter turns matching events into datapoints as they
 * are ingested (lib/logs/filters/log-events-processor.ts).
 */
import type {
  DeleteMetricFilterRequest,
  DescribeMetricFiltersRequest,
  DescribeMetricFiltersResponse,
  MetricFilter,
  MetricFilterMatchRecord,
  MetricTransformation,
  PutMetricFilterRequest,
  TestMetricFilterRequest,
  TestMetricFilterResponse,
} from "@aws-sdk/client-cloudwatch-logs";
import { logsError } from "../../errors.js";
import { compileFilterPattern, type FilterPattern, type PatternMatch } from "../patterns/index.js";
import { invalidParameter } from "../errors.js";
import { modifyLogGroup } from "../groups.js";
import { paginate } from "../pagination.js";
import { changeGroupFilters, readFilterableGroup, readGroupFilters, scanAccountFilters, type GroupFilters, type MetricFilterRecord } from "./filter-store.js";

/** AWS's quota: 100 metric filters per log group (CloudWatch Logs quotas, docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html). */
export const MAX_METRIC_FILTERS = 100;
export const MAX_DIMENSIONS = 3;
/** Filters with a regular expression per log group, metric and subscription filters together. */
export const MAX_REGEX_FILTERS = 5;


const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export const resourceNotFound = () => logsError("ResourceNotFoundException", "The specified resource does not exist.");
const limitExceeded = () => logsError("LimitExceededException", "Resource limit exceeded.");
const invalidTransformation = (detail: string) => invalidParameter(`Invalid metric transformation: ${detail}`);

/** Whether `ref` names a value the pattern can extract: `$.selector` for JSON, `$name` / `$N` for space-delimited. */
function isFieldRef(pattern: FilterPattern, ref: string): boolean {
  if (pattern.kind === "json") return ref.startsWith("$.") || ref.startsWith("$[");
  if (pattern.kind === "delimited") return /^\$[A-Za-z0-9_]+$/.test(ref);
  return false;
}

/** AWS's checks of a transformation against its pattern. */
function checkAgainstPattern(pattern: FilterPattern, t: MetricTransformation): void {
  const value = t.metricValue!.trim();
  if (!NUMBER.test(value) && !isFieldRef(pattern, value)) {
    throw invalidTransformation(`metricValue '${t.metricValue}' must be a number or a field of the filter pattern ($.field for JSON patterns, $name for space-delimited patterns)`);
  }
  const dims = Object.entries(t.dimensions ?? {});
  if (dims.length > 0) {
    // Seen from AWS (terraform-provider-aws #22105): text patterns cannot have dimensions.
    if (pattern.kind !== "json" && pattern.kind !== "delimited") throw invalidParameter("The specified filter pattern does not support dimensions");
    if (dims.length > MAX_DIMENSIONS) throw invalidTransformation(`a metric transformation can have at most ${MAX_DIMENSIONS} dimensions`);
    // Seen from AWS (aws-solutions-library-samples guidance-for-claude-code-with-amazon-bedrock #632).
    if (t.defaultValue !== undefined) throw invalidTransformation("dimensions and default value are mutually exclusive properties");
    for (const [k, ref] of dims) {
      if (!isFieldRef(pattern, ref)) throw invalidTransformation(`dimension ${k} must name a field of the filter pattern, not '${ref}'`);
    }
  }
}

// --- PutMetricFilter ----------------------------------------------------------
export async function putMetricFilter(accountId: string, _region: string, input: PutMetricFilterRequest): Promise<{}> {
  // metricTransformations has exactly one member (the model: min 1, max 1; checked by the validation stage).
  const pattern = compileFilterPattern(input.filterPattern!, "metric filter pattern");
  const t = input.metricTransformations![0]!;
  checkAgainstPattern(pattern, t);

  const transformation: MetricTransformation = {
    metricName: t.metricName,
    metricNamespace: t.metricNamespace,
    metricValue: t.metricValue,
  };
  if (t.defaultValue !== undefined) transformation.defaultValue = t.defaultValue;
  if (t.dimensions && Object.keys(t.dimensions).length) transformation.dimensions = { ...t.dimensions };
  if (t.unit !== undefined) transformation.unit = t.unit;
  const name = input.filterName!;
  let added = false;
  await readFilterableGroup(accountId, input.logGroupName!);
  await changeGroupFilters(accountId, input.logGroupName!, (cur) => {
    const existing = cur.metricFilters.find((f) => f.filterName === name);
    if (!existing && cur.metricFilters.length >= MAX_METRIC_FILTERS) throw limitExceeded();
    checkRegexQuota(cur, name, "metric", pattern);
    const record: MetricFilterRecord = {
      filterName: name,
      filterPattern: input.filterPattern!,
      metricTransformations: [transformation],
      creationTime: existing?.creationTime ?? Date.now(),
    };
    if (input.applyOnTransformedLogs) record.applyOnTransformedLogs = true;
    added = !existing;
    const metricFilters = cur.metricFilters.filter((f) => f.filterName !== name);
    metricFilters.push(record);
    return { ...cur, metricFilters };
  });
  if (added) await syncFilterCount(accountId, input.logGroupName!);
  return {};
}

/** AWS allows at most 5 filters with a regular expression per log group. */
export function checkRegexQuota(cur: GroupFilters, name: string, kind: "metric" | "subscription", pattern: FilterPattern): void {
  if (pattern.regexCount === 0) return;
  const others = [
    ...cur.metricFilters.filter((f) => kind !== "metric" || f.filterName !== name),
    ...cur.subscriptionFilters.filter((f) => kind !== "subscription" || f.filterName !== name),
  ].filter((f) => /%/.test(f.filterPattern) && compileFilterPattern(f.filterPattern).regexCount > 0).length;
  if (others >= MAX_REGEX_FILTERS) throw limitExceeded();
}

/**
 * Keeps LogGroup.metricFilterCount (DescribeLogGroups) equal to the stored
 * filters. The count is read before the group's compare-and-set, so a
 * concurrent put's older count can land after a newer one (CI saw 99 of 100
 * filters with ten writers): after writing, the filters are read again and
 * the count written again until they agree. The last put's writer reads the
 * final filters, and any stale write after it is followed by its own re-read.
 */
async function syncFilterCount(accountId: string, logGroupName: string): Promise<void> {
  let count = (await readGroupFilters(accountId, logGroupName))?.metricFilters.length ?? 0;
  for (let attempt = 0; attempt < 8; attempt++) {
    const wanted = count;
    const ok = await modifyLogGroup(accountId, logGroupName, (g) => (g.metricFilterCount === wanted ? undefined : { ...g, metricFilterCount: wanted })).then(
      () => true,
      () => false,
    );
    count = (await readGroupFilters(accountId, logGroupName))?.metricFilters.length ?? 0;
    if (ok && count === wanted) return;
  }
}

// --- DeleteMetricFilter -------------------------------------------------------
export async function deleteMetricFilter(accountId: string, _region: string, input: DeleteMetricFilterRequest): Promise<{}> {
  await changeGroupFilters(accountId, input.logGroupName!, (cur) => {
    if (!cur.metricFilters.some((f) => f.filterName === input.filterName)) throw resourceNotFound();
    return { ...cur, metricFilters: cur.metricFilters.filter((f) => f.filterName !== input.filterName) };
  });
  await syncFilterCount(accountId, input.logGroupName!);
  return {};
}

// --- DescribeMetricFilters ----------------------------------------------------
function toMetricFilter(logGroupName: string, f: MetricFilterRecord): MetricFilter {
  const out: MetricFilter = {
    filterName: f.filterName,
    filterPattern: f.filterPattern,
    metricTransformations: f.metricTransformations,
    creationTime: f.creationTime,
    logGroupName,
  };
  out.applyOnTransformedLogs = f.applyOnTransformedLogs ?? false;
  return out;
}

export async function describeMetricFilters(
  accountId: string,
  _region: string,
  input: DescribeMetricFiltersRequest,
): Promise<DescribeMetricFiltersResponse> {
  if ((input.metricName === undefined) !== (input.metricNamespace === undefined)) {
    throw invalidParameter("If you specify metricName, you must also specify metricNamespace, and the other way round.");
  }
  let groups: GroupFilters[];
  if (input.logGroupName !== undefined) {
    const g = await readGroupFilters(accountId, input.logGroupName);
    if (!g) throw logsError("ResourceNotFoundException", "The specified log group does not exist.");
    groups = [g];
  } else {
    groups = await scanAccountFilters(accountId);
  }
  const candidates = groups.flatMap((g) =>
    g.metricFilters
      .filter((f) => input.filterNamePrefix === undefined || f.filterName.startsWith(input.filterNamePrefix))
      .filter(
        (f) =>
          input.metricName === undefined ||
          f.metricTransformations.some((t) => t.metricName === input.metricName && t.metricNamespace === input.metricNamespace),
      )
      .map((f) => ({ group: g.logGroupName, f })),
  );
  // A stale record of a deleted group is not shown: check the group still has these filters.
  const live = input.logGroupName !== undefined ? candidates : await liveOnly(accountId, candidates);
  const page = await paginate({
    operation: "DescribeMetricFilters",
    query: { g: input.logGroupName, p: input.filterNamePrefix, m: input.metricName, n: input.metricNamespace },
    candidates: live,
    key: (c) => [c.group, c.f.filterName],
    limit: input.limit ?? 50,
    nextToken: input.nextToken,
    load: async (c) => toMetricFilter(c.group, c.f),
  });
  const out: DescribeMetricFiltersResponse = { metricFilters: page.items };
  if (page.nextToken) out.nextToken = page.nextToken;
  return out;
}

async function liveOnly<T extends { group: string }>(accountId: string, candidates: T[]): Promise<T[]> {
  const groups = [...new Set(candidates.map((c) => c.group))];
  const live = new Set<string>();
  await Promise.all(
    groups.map(async (g) => {
      const f = await readGroupFilters(accountId, g);
      if (f && (f.metricFilters.length || f.subscriptionFilters.length)) live.add(g);
    }),
  );
  return candidates.filter((c) => live.has(c.group));
}

// --- TestMetricFilter ---------------------------------------------------------
export async function testMetricFilter(_accountId: string, _region: string, input: TestMetricFilterRequest): Promise<TestMetricFilterResponse> {
  const pattern = compileFilterPattern(input.filterPattern!, "metric filter pattern");
  const matches: MetricFilterMatchRecord[] = [];
  input.logEventMessages!.forEach((message, i) => {
    const m = pattern.match(message);
    if (!m) return;
    // [SYNTAX]: extracted values are those of space-delimited fields; other patterns have none.
    matches.push({ eventNumber: i + 1, eventMessage: message, extractedValues: pattern.kind === "delimited" ? stringFields(m) : {} });
  });
  return { matches };
}

function stringFields(m: PatternMatch): Record<string, string> {
  return Object.fromEntries(Object.entries(m.fields).map(([k, v]) => [k, String(v)]));
}
