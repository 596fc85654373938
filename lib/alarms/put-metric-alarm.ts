/**
 * PutMetricAlarm: creates or updates a metric alarm. A new alarm starts in
 * INSUFFICIENT_DATA ("Unchecked: Initial alarm creation"); an update keeps
 * the state, its tags (Tags are ignored on update, as AWS documents) and its
 * pending actions, and is recorded as a ConfigurationUpdate.
 */
import type { PutMetricAlarmInput } from "@aws-sdk/client-cloudwatch";
import { invalidParameterValue } from "../errors.js";
import { INITIAL_REASON, type AlarmRecord, type MetricConfig, type TreatMissing, type ComparisonOperator } from "./alarm.js";
import { addHistory, configurationItem } from "./history.js";
import { createAlarm, getAlarm, updateAlarm } from "./store.js";
import { validatePutMetricAlarm } from "./validate.js";

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

  const name = input.AlarmName!;
  for (let attempt = 0; attempt < 20; attempt++) {
    const existing = await getAlarm(account, region, name);
    if (existing && existing.value.type !== "MetricAlarm") {
      throw invalidParameterValue(`The alarm ${name} is a composite alarm; it cannot be updated by PutMetricAlarm.`);
    }
    const base: AlarmRecord = existing?.value ?? {
      v: 1,
      type: "MetricAlarm",
      name,
      region,
      actionsEnabled: true,
      okActions: [],
      alarmActions: [],
      insufficientDataActions: [],
      configUpdatedAt: now,
      state: { value: "INSUFFICIENT_DATA", reason: INITIAL_REASON, updatedAt: now, transitionedAt: now },
      tags: input.Tags ?? [],
      pending: [],
    };
    const record: AlarmRecord = {
      ...base,
      description: input.AlarmDescription,
      actionsEnabled: input.ActionsEnabled ?? true,
      okActions: input.OKActions ?? [],
      alarmActions: input.AlarmActions ?? [],
      insufficientDataActions: input.InsufficientDataActions ?? [],
      configUpdatedAt: now,
      metric,
    };
    if (record.description === undefined) delete record.description;
    const stored = existing ? await updateAlarm(account, record, existing.revision) : await createAlarm(account, record);
    if (!stored) continue;
    await addHistory(account, region, configurationItem(record, existing ? "Update" : "Create", existing?.value));
    return {};
  }
  throw new Error(`too much contention on alarm ${name}`);
}
