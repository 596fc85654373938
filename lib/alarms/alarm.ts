/**
 * What the `cw-alarms` KV bucket holds per alarm, keyed
 * `{account}.{region}.{name}` (account first: one tenant's scan never reaches
 * another's alarms); layout in docs/formats/alarms.md. Metric and composite alarms share one record shape; the
 * state, the actions and the history items committed with a change live in the
 * same record, so one compare-and-set stores all of them (no state change,
 * action or history item lost or made twice).
 */
import { arn } from "../arn.js";
import type { Dimension, MetricDataQuery, Tag } from "@aws-sdk/client-cloudwatch";

export type StateValue = "OK" | "ALARM" | "INSUFFICIENT_DATA";
export type TreatMissing = "missing" | "ignore" | "breaching" | "notBreaching";
export type ComparisonOperator =
  | "GreaterThanOrEqualToThreshold"
  | "GreaterThanThreshold"
  | "LessThanThreshold"
  | "LessThanOrEqualToThreshold"
  | "LessThanLowerOrGreaterThanUpperThreshold"
  | "LessThanLowerThreshold"
  | "GreaterThanUpperThreshold";

export const ANOMALY_OPERATORS: readonly ComparisonOperator[] = [
  "LessThanLowerOrGreaterThanUpperThreshold",
  "LessThanLowerThreshold",
  "GreaterThanUpperThreshold",
];

export interface AlarmState {
  value: StateValue;
  reason: string;
  /** JSON text, as DescribeAlarms returns it. */
  reasonData?: string;
  /** Epoch ms of the last state update and of the last change of value. */
  updatedAt: number;
  transitionedAt: number;
  /** When the alarm last left ALARM (a suppressor's extension period runs from there). */
  leftAlarmAt?: number;
}

export interface MetricConfig {
  namespace?: string;
  metricName?: string;
  dimensions: Dimension[];
  statistic?: string;
  extendedStatistic?: string;
  period?: number;
  unit?: string;
  /** A metric math alarm's queries. */
  metrics?: MetricDataQuery[];
  evaluationPeriods: number;
  datapointsToAlarm?: number;
  threshold?: number;
  thresholdMetricId?: string;
  comparisonOperator: ComparisonOperator;
  treatMissingData?: TreatMissing;
  evaluateLowSampleCountPercentile?: string;
}

export interface CompositeConfig {
  rule: string;
  suppressor?: string;
  waitPeriod?: number;
  extensionPeriod?: number;
}

/** An action committed with a state change and not yet carried out (the outbox). */
export interface PendingAction {
  /** Unique per transition and action: the SNS message id, so a repeat publish is dropped by JetStream. */
  id: string;
  arn: string;
  /** The transition it belongs to. */
  oldState: StateValue;
  newState: StateValue;
  /** Epoch ms the state changed. */
  at: number;
  /** For a suppressed composite: not before this time (and dropped if the suppressor is in ALARM then). */
  notBefore?: number;
  /** Set when an evaluator took it: an EC2 request is never sent twice, so a claimed one is not retried. */
  claimedAt?: number;
}

export type HistoryItemType = "ConfigurationUpdate" | "StateUpdate" | "Action" | "AlarmContributorStateUpdate" | "AlarmContributorAction";

/** A history item as stored (lib/alarms/history.ts writes and reads them). */
export interface HistoryRecord {
  name: string;
  alarmType: AlarmRecord["type"];
  type: HistoryItemType;
  timestamp: number;
  summary: string;
  data: string;
}

/**
 * A history item committed with the change that made it and not yet written to
 * the history bucket (an outbox: written and taken out by store.ts recordHistory).
 */
export interface UnrecordedItem {
  /** The history key's suffix, fixed at commit: writing the item again after a crash leaves one item. */
  id: string;
  item: HistoryRecord;
}

export interface AlarmRecord {
  v: 1;
  type: "MetricAlarm" | "CompositeAlarm";
  name: string;
  region: string;
  description?: string;
  actionsEnabled: boolean;
  okActions: string[];
  alarmActions: string[];
  insufficientDataActions: string[];
  configUpdatedAt: number;
  state: AlarmState;
  metric?: MetricConfig;
  composite?: CompositeConfig;
  /** Composite: why its actions are held back now (ActionsSuppressedBy / Reason). */
  suppressed?: { by: "WaitPeriod" | "ExtensionPeriod" | "Alarm"; reason: string };
  tags: Tag[];
  pending: PendingAction[];
  /** Absent when empty (records stored before it have none); never shown in an answer. */
  unrecorded?: UnrecordedItem[];
}

export const alarmArn = (region: string, account: string, name: string) =>
  arn({ service: "cloudwatch", region, accountId: account, resource: `alarm:${name}` });

/** The name in an alarm ARN of this account and region, or undefined. */
export function nameFromArn(alarm: string, region: string, account: string): string | undefined {
  const prefix = alarmArn(region, account, "");
  return alarm.startsWith(prefix) ? alarm.slice(prefix.length) : undefined;
}

/** M of an alarm: DatapointsToAlarm, or EvaluationPeriods when unset. */
export const datapointsToAlarm = (m: MetricConfig) => m.datapointsToAlarm ?? m.evaluationPeriods;

/**
 * Whether a math alarm's query is the one it watches: it returns data and is
 * not the anomaly band (ThresholdMetricId), which returns data beside it
 * (validate.ts cites AWS).
 */
export const isWatchedQuery = (q: MetricDataQuery, thresholdMetricId: string | undefined) => q.ReturnData !== false && q.Id !== thresholdMetricId;

/** The period the alarm evaluates, in seconds (a math alarm's from its queries). */
export function alarmPeriod(m: MetricConfig): number {
  if (m.period) return m.period;
  const q = m.metrics?.find((x) => x.ReturnData !== false) ?? m.metrics?.[0];
  return q?.MetricStat?.Period ?? q?.Period ?? m.metrics?.find((x) => x.MetricStat)?.MetricStat?.Period ?? 60;
}

export const INITIAL_REASON = "Unchecked: Initial alarm creation";
