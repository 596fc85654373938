/**
 * PutMetricAlarm: creates or updates a metric alarm. A new alarm starts in
 * INSUFFICIENT_DATA ("Unchecked: Initial alarm creation"); an update keeps
 * the state, its tags (Tags are ignored on update, as AWS documents) and its
 * pending actions, and is recorded as a ConfigurationUpdate.
 */
import type { PutMetricAlarmInput } from "@aws-sdk/client-cloudwatch";
import { type MetricConfig, type TreatMissing, type ComparisonOperator } from "./alarm.js";
import { saveAlarm } from "./save-alarm.js";
import { validatePutMetricAlarm } from "./validate.js";
import { ensureDetector, statIdentity } from "../anomaly-detectors/store.js";

export async function putMetricAlarm(account: string, region: string, input: PutMetricAlarmInput, now = Date.now()): Promise<{}> {
  validatePutMetricAlarm(input);
  const metric: MetricConfig = {
    evaluationPeriods: input.EvaluationPeriods!,
    comparisonOperator: input.ComparisonOperator as ComparisonOperator,
    dimensions: input.Metrics?.length ? [] : (input.Dimensions ?? []).map((d) => ({ Name: d.Name, Value: d.Value })),
  };
  if (input.Namespace !== undefined) metric.namespace = input.Namespace;
  if (input.MetricName !== undefined) metric.metricName = input.MetricName;
  if (input.Statistic !== undefined) metric.statistic = input.Statistic;
  if (input.ExtendedStatistic !== undefined) metric.extendedStatistic = input.ExtendedStatistic;
  if (input.Period !== undefined) metric.period = input.Period;
  if (input.Unit !== undefined) metric.unit = input.Unit;
  if (input.Metrics?.length) metric.metrics = input.Metrics;
  if (input.DatapointsToAlarm !== undefined) metric.datapointsToAlarm = input.DatapointsToAlarm;
  if (input.Threshold !== undefined) metric.threshold = input.Threshold;
  if (input.ThresholdMetricId !== undefined) metric.thresholdMetricId = input.ThresholdMetricId;
  if (input.TreatMissingData !== undefined) metric.treatMissingData = input.TreatMissingData as TreatMissing;
  if (input.EvaluateLowSampleCountPercentile) metric.evaluateLowSampleCountPercentile = input.EvaluateLowSampleCountPercentile;

  await saveAlarm(account, region, "MetricAlarm", input, { metric }, now);
  // An alarm on the band of a metric creates that metric's detector when it has none, as AWS does (go-to-k/cdkd#1304).
  const band = input.Metrics?.find((q) => q.Id === input.ThresholdMetricId)?.Expression?.match(/^\s*ANOMALY_DETECTION_BAND\s*\(\s*([a-z][a-zA-Z0-9_]*)\s*[,)]/);
  const ms = band ? input.Metrics!.find((q) => q.Id === band[1])?.MetricStat : undefined;
  if (ms) await ensureDetector(account, statIdentity(ms), now);
  return {};
}
