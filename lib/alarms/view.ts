/** Alarm records as DescribeAlarms shows them (the SDK's MetricAlarm and CompositeAlarm shapes). */
import type { CompositeAlarm, MetricAlarm } from "@aws-sdk/client-cloudwatch";
import { alarmArn, type AlarmRecord } from "./alarm.js";

export function toMetricAlarm(account: string, a: AlarmRecord): MetricAlarm {
  const m = a.metric!;
  const out: MetricAlarm = {
    AlarmName: a.name,
    AlarmArn: alarmArn(a.region, account, a.name),
    AlarmDescription: a.description,
    AlarmConfigurationUpdatedTimestamp: new Date(a.configUpdatedAt),
    ActionsEnabled: a.actionsEnabled,
    OKActions: a.okActions,
    AlarmActions: a.alarmActions,
    InsufficientDataActions: a.insufficientDataActions,
    StateValue: a.state.value,
    StateReason: a.state.reason,
    StateReasonData: a.state.reasonData,
    StateUpdatedTimestamp: new Date(a.state.updatedAt),
    MetricName: m.metricName,
    Namespace: m.namespace,
    Statistic: m.statistic as MetricAlarm["Statistic"],
    ExtendedStatistic: m.extendedStatistic,
    Dimensions: m.metrics ? undefined : m.dimensions,
    Period: m.period,
    Unit: m.unit as MetricAlarm["Unit"],
    EvaluationPeriods: m.evaluationPeriods,
    DatapointsToAlarm: m.datapointsToAlarm,
    Threshold: m.threshold,
    ComparisonOperator: m.comparisonOperator,
    TreatMissingData: m.treatMissingData,
    EvaluateLowSampleCountPercentile: m.evaluateLowSampleCountPercentile,
    Metrics: m.metrics,
    ThresholdMetricId: m.thresholdMetricId,
    StateTransitionedTimestamp: new Date(a.state.transitionedAt),
  };
  return out;
}

export function toCompositeAlarm(account: string, a: AlarmRecord): CompositeAlarm {
  const c = a.composite!;
  return {
    ActionsEnabled: a.actionsEnabled,
    AlarmActions: a.alarmActions,
    AlarmArn: alarmArn(a.region, account, a.name),
    AlarmConfigurationUpdatedTimestamp: new Date(a.configUpdatedAt),
    AlarmDescription: a.description,
    AlarmName: a.name,
    AlarmRule: c.rule,
    InsufficientDataActions: a.insufficientDataActions,
    OKActions: a.okActions,
    StateReason: a.state.reason,
    StateReasonData: a.state.reasonData,
    StateUpdatedTimestamp: new Date(a.state.updatedAt),
    StateValue: a.state.value,
    StateTransitionedTimestamp: new Date(a.state.transitionedAt),
    ActionsSuppressedBy: a.suppressed?.by,
    ActionsSuppressedReason: a.suppressed?.reason,
    ActionsSuppressor: c.suppressor,
    ActionsSuppressorWaitPeriod: c.waitPeriod,
    ActionsSuppressorExtensionPeriod: c.extensionPeriod,
  };
}
