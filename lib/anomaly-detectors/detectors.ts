/**
 * PutAnomalyDetector, DescribeAnomalyDetectors and DeleteAnomalyDetector over
 * the `cw-anomaly-detectors` bucket (lib/anomaly-detectors/store.ts).
 *
 * A detector is a single metric and statistic (SingleMetricAnomalyDetector,
 * or the deprecated top-level Namespace/MetricName/Dimensions/Stat) or a
 * metric math expression (MetricMathAnomalyDetector). Its StateValue is worked
 * out when it is described, from the history its model would train on.
 */
import type {
  AnomalyDetector,
  AnomalyDetectorStateValue,
  DeleteAnomalyDetectorInput,
  DeleteAnomalyDetectorOutput,
  DescribeAnomalyDetectorsInput,
  DescribeAnomalyDetectorsOutput,
  Dimension,
  MetricDataQuery,
  PutAnomalyDetectorInput,
  PutAnomalyDetectorOutput,
} from "@aws-sdk/client-cloudwatch";
import { cloudwatchError, invalidNextToken, invalidParameterCombination, invalidParameterValue, missingParameter } from "../errors.js";
import { getMetricData } from "../metrics/get-metric-data.js";
import { parseStatistic } from "../metrics/read/statistics.js";
import { parseExpression } from "../metrics/query/math/parser.js";
import { deleteRecord, getRecord, putRecord, scanRecords } from "../storage/kv.js";
import { TRAINING_SPAN_MS } from "./band.js";
import { bucket, detectorKey, RECORD_VERSION, singleIdentity, type AnomalyDetectorRecord, type SingleMetricIdentity } from "./store.js";
import { decodeAfterToken, encodeAfterToken } from "../after-token.js";

/** DescribeAnomalyDetectors: "The maximum value that you can specify is 100." */
export const DESCRIBE_PAGE_MAX = 100;
/** Configuration: "You can specify as many as 10 time ranges." */
export const EXCLUDED_RANGES_MAX = 10;
/** Hours of history with data a model needs to be TRAINED rather than TRAINED_INSUFFICIENT_DATA: one day. */
export const TRAINED_HOURS = 24;

type Identity = Pick<AnomalyDetectorRecord, "single" | "math">;

const LEGACY = ["Namespace", "MetricName", "Dimensions", "Stat"] as const;

/** The detector a Put or Delete names, checked as AWS checks it. */
function identityOf(input: PutAnomalyDetectorInput | DeleteAnomalyDetectorInput): Identity {
  const legacy = LEGACY.filter((p) => input[p] !== undefined && !(p === "Dimensions" && input.Dimensions!.length === 0));
  const single = input.SingleMetricAnomalyDetector;
  const math = input.MetricMathAnomalyDetector;
  if (single && math) {
    throw invalidParameterCombination("The parameters SingleMetricAnomalyDetector and MetricMathAnomalyDetector are mutually exclusive and you have specified both.");
  }
  const nested = single ? "SingleMetricAnomalyDetector" : math ? "MetricMathAnomalyDetector" : undefined;
  if (nested && legacy.length) {
    throw invalidParameterCombination(`The parameters ${legacy[0]} and ${nested} are mutually exclusive and you have specified both.`);
  }
  if (math) return { math: checkMathQueries(math.MetricDataQueries) };
  const source = single ?? input;
  const prefix = single ? "SingleMetricAnomalyDetector." : "";
  if (!single && legacy.length === 0) missingAll();
  if (!source.Namespace) throw missingParameter(`${prefix}Namespace`);
  if (!source.MetricName) throw missingParameter(`${prefix}MetricName`);
  if (!source.Stat) throw missingParameter(`${prefix}Stat`);
  parseStatistic(source.Stat, `${prefix}Stat`);
  return { single: singleIdentity(source.Namespace, source.MetricName, source.Dimensions, source.Stat) };
}

function missingAll(): never {
  throw missingParameter("SingleMetricAnomalyDetector or MetricMathAnomalyDetector");
}

/** A math detector's queries: ids unique, each a metric or an expression, exactly one returning the modelled series. */
function checkMathQueries(queries: MetricDataQuery[] | undefined): MetricDataQuery[] {
  if (!queries?.length) throw missingParameter("MetricMathAnomalyDetector.MetricDataQueries");
  const ids = new Set<string>();
  let returning = 0;
  queries.forEach((q, i) => {
    const path = `MetricMathAnomalyDetector.MetricDataQueries.member.${i + 1}`;
    if (!/^[a-z][a-zA-Z0-9_]*$/.test(q.Id!)) {
      throw invalidParameterValue(`The value ${q.Id} for parameter ${path}.Id is invalid. It must start with a lowercase letter and contain only letters, numbers and underscores.`);
    }
    if (ids.has(q.Id!)) throw invalidParameterValue(`The values for parameter Id in MetricMathAnomalyDetector.MetricDataQueries are not unique: ${q.Id}.`);
    ids.add(q.Id!);
    if ((q.MetricStat === undefined) === (q.Expression === undefined)) {
      throw invalidParameterValue(`The parameter ${path} must contain exactly one of MetricStat or Expression.`);
    }
    if (q.MetricStat) {
      if (!q.MetricStat.Metric?.Namespace) throw missingParameter(`${path}.MetricStat.Metric.Namespace`);
      if (!q.MetricStat.Metric?.MetricName) throw missingParameter(`${path}.MetricStat.Metric.MetricName`);
      parseStatistic(q.MetricStat.Stat!, `${path}.MetricStat.Stat`);
    } else parseExpression(q.Expression!);
    if (q.ReturnData !== false) returning++;
  });
  if (returning !== 1) throw invalidParameterValue("Exactly one element of the MetricDataQueries list should return data.");
  return queries;
}

function checkConfiguration(input: PutAnomalyDetectorInput): Pick<AnomalyDetectorRecord, "excludedTimeRanges" | "metricTimezone"> {
  const out: Pick<AnomalyDetectorRecord, "excludedTimeRanges" | "metricTimezone"> = {};
  const ranges = input.Configuration?.ExcludedTimeRanges;
  if (ranges?.length) {
    if (ranges.length > EXCLUDED_RANGES_MAX) {
      throw invalidParameterValue(`The collection Configuration.ExcludedTimeRanges must not have a size greater than ${EXCLUDED_RANGES_MAX}.`);
    }
    out.excludedTimeRanges = ranges.map((r, i) => {
      const start = r.StartTime!.getTime();
      const end = r.EndTime!.getTime();
      if (end <= start) {
        throw invalidParameterValue(`The value for parameter Configuration.ExcludedTimeRanges.member.${i + 1}.EndTime must be greater than StartTime.`);
      }
      return [start, end];
    });
  }
  const zone = input.Configuration?.MetricTimezone;
  if (zone !== undefined && zone !== "") {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: zone });
    } catch {
      throw invalidParameterValue(`The value ${zone} for parameter Configuration.MetricTimezone is not a valid time zone.`);
    }
    out.metricTimezone = zone;
  }
  return out;
}

export async function putAnomalyDetector(account: string, input: PutAnomalyDetectorInput, now = Date.now()): Promise<PutAnomalyDetectorOutput> {
  const identity = identityOf(input);
  const record: AnomalyDetectorRecord = { v: RECORD_VERSION, ...identity, ...checkConfiguration(input), created: now };
  if (input.MetricCharacteristics?.PeriodicSpikes !== undefined) record.periodicSpikes = input.MetricCharacteristics.PeriodicSpikes;
  const kv = await bucket();
  const key = detectorKey(account, identity);
  // A Put on an existing detector replaces its configuration (the identity is the same by construction).
  const existing = await getRecord<AnomalyDetectorRecord>(kv, key);
  if (existing) record.created = existing.value.created;
  await putRecord(kv, key, record);
  return {};
}

export async function deleteAnomalyDetector(account: string, input: DeleteAnomalyDetectorInput): Promise<DeleteAnomalyDetectorOutput> {
  const identity = identityOf(input);
  const kv = await bucket();
  const key = detectorKey(account, identity);
  if (!(await getRecord<AnomalyDetectorRecord>(kv, key))) {
    throw cloudwatchError("ResourceNotFoundException", "The anomaly detection model does not exist.");
  }
  await deleteRecord(kv, key);
  return {};
}

const sdkDimensions = (single: SingleMetricIdentity): Dimension[] => single.dimensions.map((d) => ({ Name: d.name, Value: d.value }));

/** The order Describe lists detectors in: by metric, then statistic (math ones by their queries). */
const sortKey = (r: AnomalyDetectorRecord) =>
  JSON.stringify(r.single ? [0, r.single.namespace, r.single.metricName, r.single.dimensions, r.single.stat] : [1, r.math]);

function matches(r: AnomalyDetectorRecord, input: DescribeAnomalyDetectorsInput, types: string[]): boolean {
  if (!types.includes(r.single ? "SINGLE_METRIC" : "METRIC_MATH")) return false;
  const filtered = input.Namespace || input.MetricName || input.Dimensions?.length;
  if (!r.single) return !filtered; // a math detector has no one namespace, name or dimensions to match
  if (input.Namespace && r.single.namespace !== input.Namespace) return false;
  if (input.MetricName && r.single.metricName !== input.MetricName) return false;
  return (input.Dimensions ?? []).every((d) => r.single!.dimensions.some((x) => x.name === d.Name && x.value === d.Value));
}

export async function describeAnomalyDetectors(account: string, region: string, input: DescribeAnomalyDetectorsInput, now = Date.now()): Promise<DescribeAnomalyDetectorsOutput> {
  const max = input.MaxResults ?? DESCRIBE_PAGE_MAX;
  if (!Number.isInteger(max) || max < 1 || max > DESCRIBE_PAGE_MAX) {
    throw invalidParameterValue(`The value ${max} for parameter MaxResults is not valid. It must be between 1 and ${DESCRIBE_PAGE_MAX}.`);
  }
  // Without AnomalyDetectorTypes, single-metric detectors only: math ones are listed "by adding METRIC_MATH to the AnomalyDetectorTypes array".
  const types = input.AnomalyDetectorTypes?.length ? input.AnomalyDetectorTypes : ["SINGLE_METRIC"];
  const after = input.NextToken !== undefined ? decodeAfterToken(input.NextToken, () => invalidNextToken()) : undefined;
  const all = (await scanRecords<AnomalyDetectorRecord>(await bucket(), `${account}.*`))
    .map((e) => ({ sort: sortKey(e.value), record: e.value }))
    .filter((e) => matches(e.record, input, types) && (after === undefined || e.sort > after))
    .sort((a, b) => (a.sort < b.sort ? -1 : a.sort > b.sort ? 1 : 0));
  const page = all.slice(0, max);
  const detectors = await Promise.all(page.map(async (e) => view(account, e.record, await trainingState(account, region, e.record, now))));
  const out: DescribeAnomalyDetectorsOutput = { AnomalyDetectors: detectors };
  if (all.length > page.length) out.NextToken = encodeAfterToken(page[page.length - 1].sort);
  return out;
}

function view(account: string, r: AnomalyDetectorRecord, state: AnomalyDetectorStateValue): AnomalyDetector {
  const out: AnomalyDetector = {};
  if (r.single) {
    const single = { Namespace: r.single.namespace, MetricName: r.single.metricName, Dimensions: sdkDimensions(r.single), Stat: r.single.stat };
    // The deprecated top-level members are filled in too, and SingleMetricAnomalyDetector names the owning
    // account though it was put without one (localstack's AWS-recorded test_anomaly_detector_lifecycle).
    Object.assign(out, single, { SingleMetricAnomalyDetector: { AccountId: account, ...single } });
  } else out.MetricMathAnomalyDetector = { MetricDataQueries: r.math };
  out.Configuration = {
    ExcludedTimeRanges: (r.excludedTimeRanges ?? []).map(([s, e]) => ({ StartTime: new Date(s), EndTime: new Date(e) })),
    ...(r.metricTimezone ? { MetricTimezone: r.metricTimezone } : {}),
  };
  out.StateValue = state;
  if (r.periodicSpikes !== undefined) out.MetricCharacteristics = { PeriodicSpikes: r.periodicSpikes };
  return out;
}

/**
 * PENDING_TRAINING while the metric has no data in the two weeks a model
 * trains on, TRAINED_INSUFFICIENT_DATA with less than a day of hours with
 * data, TRAINED after. AWS does not publish its thresholds; these are ours.
 */
async function trainingState(account: string, region: string, r: AnomalyDetectorRecord, now: number): Promise<AnomalyDetectorStateValue> {
  const queries: MetricDataQuery[] = r.single
    ? [{
        Id: "m1",
        MetricStat: {
          Metric: { Namespace: r.single.namespace, MetricName: r.single.metricName, Dimensions: sdkDimensions(r.single) },
          Stat: r.single.stat,
          Period: 3600,
        },
      }]
    : r.math!.map((q) => (q.ReturnData === false ? q : { ...q, Period: q.MetricStat ? q.Period : 3600 }));
  const end = Math.floor(now / 3_600_000) * 3_600_000 + 3_600_000;
  const hours = new Set<number>();
  try {
    const out = await getMetricData(account, region, { MetricDataQueries: queries, StartTime: new Date(end - TRAINING_SPAN_MS), EndTime: new Date(end) }, now);
    const excluded = r.excludedTimeRanges ?? [];
    for (const t of out.MetricDataResults?.[0]?.Timestamps ?? []) {
      if (!excluded.some(([s, e]) => t.getTime() >= s && t.getTime() < e)) hours.add(Math.floor(t.getTime() / 3_600_000));
    }
  } catch {
    // a math detector whose queries cannot run now has nothing to train on
  }
  return hours.size === 0 ? "PENDING_TRAINING" : hours.size < TRAINED_HOURS ? "TRAINED_INSUFFICIENT_DATA" : "TRAINED";
}
