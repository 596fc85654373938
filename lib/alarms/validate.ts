/**
 * PutMetricAlarm and PutCompositeAlarm validation beyond what the protocol
 * layer checks (types, required members): the model's lengths, ranges and
 * enums, and AWS's rules between parameters (one of Statistic,
 * ExtendedStatistic or Metrics; periods; M ≤ N; actions per state; EC2
 * actions need an InstanceId dimension and a single metric).
 */
import type { MetricDataQuery, PutCompositeAlarmInput, PutMetricAlarmInput, Tag } from "@aws-sdk/client-cloudwatch";
import { invalidParameterCombination, invalidParameterValue, missingParameter, validationError, cloudwatchError } from "../errors.js";
import { parseExpression } from "../metrics/query/math/parser.js";
import { isBasicStatistic, isExtendedStatistic, parseStatistic } from "../metrics/read/statistics.js";
import { ANOMALY_OPERATORS, COMPARISON_OPERATORS, type ComparisonOperator, type TreatMissing } from "./alarm.js";

export const NAME_MAX = 255;
export const DESCRIPTION_MAX = 1024;
/** "You can specify up to five actions per state" (PutMetricAlarm, AlarmActions: maximum 5 items). */
export const ACTIONS_MAX = 5;
export const TAGS_MAX = 50;
/** A math alarm may use "as many as 10 metrics". */
export const MATH_METRICS_MAX = 10;
export const RULE_MAX = 10240;
const TREAT_MISSING: readonly TreatMissing[] = ["breaching", "notBreaching", "ignore", "missing"];
const UNITS = [
  "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes", "Bits", "Kilobits",
  "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second", "Kilobytes/Second", "Megabytes/Second",
  "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second",
  "Terabits/Second", "Count/Second", "None",
];
const STATISTICS = ["SampleCount", "Average", "Sum", "Minimum", "Maximum"];

/** The model's enum error, in AWS's request-validation words. */
export function enumError(member: string, value: string, allowed: readonly string[]) {
  return validationError(
    `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(", ")}]`,
  );
}

export function checkAlarmName(name: string | undefined, parameter = "AlarmName"): string {
  if (name === undefined || name === null || name === "") throw missingParameter(parameter);
  if (name.length > NAME_MAX) {
    throw validationError(
      `1 validation error detected: Value '${name}' at '${lower(parameter)}' failed to satisfy constraint: Member must have length less than or equal to ${NAME_MAX}`,
    );
  }
  // "Alarm names must contain only ASCII characters" (Using Amazon CloudWatch alarms).
  if (!/^[\x20-\x7e]+$/.test(name)) throw invalidParameterValue(`The value for parameter ${parameter} must contain only ASCII characters.`);
  return name;
}

const lower = (s: string) => s[0].toLowerCase() + s.slice(1);

function checkDescription(d: string | undefined): void {
  if (d !== undefined && d.length > DESCRIPTION_MAX) {
    throw validationError(
      `1 validation error detected: Value '${d}' at 'alarmDescription' failed to satisfy constraint: Member must have length less than or equal to ${DESCRIPTION_MAX}`,
    );
  }
}

/** AlarmActions, OKActions and InsufficientDataActions: at most five ARNs each, each an ARN. */
export function checkActions(input: { AlarmActions?: string[]; OKActions?: string[]; InsufficientDataActions?: string[] }): void {
  for (const member of ["AlarmActions", "OKActions", "InsufficientDataActions"] as const) {
    const list = input[member] ?? [];
    if (list.length > ACTIONS_MAX) {
      throw validationError(
        `1 validation error detected: Value '[${list.join(", ")}]' at '${lower(member)}' failed to satisfy constraint: Member must have length less than or equal to ${ACTIONS_MAX}`,
      );
    }
    for (const arn of list) {
      if (typeof arn !== "string" || !/^arn:[^:]+:[^:]+:[^:]*:[^:]*:.+$/.test(arn) || arn.length > 1024) {
        throw invalidParameterValue(`Invalid arn syntax: ${arn}`);
      }
      const ec2 = /^arn:aws(?:-[a-z-]+)?:automate:[^:]+:ec2:(.*)$/.exec(arn);
      if (ec2 && !["stop", "terminate", "reboot", "recover"].includes(ec2[1])) {
        throw invalidParameterValue(`Invalid use of EC2 action: ${arn}. Valid actions are stop, terminate, reboot and recover.`);
      }
    }
  }
}

export function checkTags(tags: Tag[] | undefined, parameter = "Tags"): void {
  if (!tags) return;
  if (tags.length > TAGS_MAX) throw invalidParameterValue(`The collection ${parameter} must not have a size greater than ${TAGS_MAX}.`);
  tags.forEach((t, i) => {
    if (!t.Key) throw missingParameter(`${parameter}.member.${i + 1}.Key`);
    if (t.Value === undefined || t.Value === null) throw missingParameter(`${parameter}.member.${i + 1}.Value`);
    if (t.Key.length > 128) throw invalidParameterValue(`The value for parameter ${parameter}.member.${i + 1}.Key must be at most 128 characters.`);
    if (t.Value.length > 256) throw invalidParameterValue(`The value for parameter ${parameter}.member.${i + 1}.Value must be at most 256 characters.`);
    if (/^aws:/i.test(t.Key)) throw invalidParameterValue(`The tag key ${t.Key} uses the reserved prefix aws:.`);
  });
}

/** Alarm periods: 10, 20, 30 or a multiple of 60 seconds (High-resolution alarms). */
function checkAlarmPeriod(period: number | undefined, parameter: string): void {
  if (period === undefined) return;
  if (!Number.isInteger(period) || period < 1) {
    throw validationError(
      `1 validation error detected: Value '${period}' at '${lower(parameter)}' failed to satisfy constraint: Member must have value greater than or equal to 1`,
    );
  }
  if (![10, 20, 30].includes(period) && period % 60 !== 0) {
    throw invalidParameterValue(`The parameter ${parameter} must be 10, 20, 30, or a multiple of 60.`);
  }
}

export function validatePutMetricAlarm(input: PutMetricAlarmInput): void {
  checkAlarmName(input.AlarmName);
  checkDescription(input.AlarmDescription);
  if (!input.EvaluationPeriods && input.EvaluationPeriods !== 0) throw missingParameter("EvaluationPeriods");
  if (!input.ComparisonOperator) throw missingParameter("ComparisonOperator");
  const op = input.ComparisonOperator as ComparisonOperator;
  if (!COMPARISON_OPERATORS.includes(op)) throw enumError("comparisonOperator", op, COMPARISON_OPERATORS);
  if (input.TreatMissingData !== undefined && !TREAT_MISSING.includes(input.TreatMissingData as TreatMissing)) {
    // The model types TreatMissingData as a free string; AWS names the allowed values.
    throw invalidParameterValue(`The value ${input.TreatMissingData} is not valid for TreatMissingData. Valid values are breaching, notBreaching, ignore, missing.`);
  }
  if (input.Statistic !== undefined && !STATISTICS.includes(input.Statistic)) throw enumError("statistic", input.Statistic, STATISTICS);
  if (input.Unit !== undefined && !UNITS.includes(input.Unit)) throw enumError("unit", input.Unit, UNITS);
  if (!Number.isInteger(input.EvaluationPeriods) || input.EvaluationPeriods! < 1) {
    throw validationError(
      `1 validation error detected: Value '${input.EvaluationPeriods}' at 'evaluationPeriods' failed to satisfy constraint: Member must have value greater than or equal to 1`,
    );
  }
  if (input.DatapointsToAlarm !== undefined) {
    if (!Number.isInteger(input.DatapointsToAlarm) || input.DatapointsToAlarm < 1) {
      throw validationError(
        `1 validation error detected: Value '${input.DatapointsToAlarm}' at 'datapointsToAlarm' failed to satisfy constraint: Member must have value greater than or equal to 1`,
      );
    }
    if (input.DatapointsToAlarm > input.EvaluationPeriods!) {
      throw validationError("DatapointsToAlarm must be less than or equal to EvaluationPeriods.");
    }
  }
  checkActions(input);
  checkTags(input.Tags);

  const single = input.MetricName !== undefined || input.Namespace !== undefined || input.Statistic !== undefined || input.ExtendedStatistic !== undefined;
  if (input.Metrics?.length) {
    for (const p of ["MetricName", "Namespace", "Statistic", "ExtendedStatistic", "Dimensions", "Period", "Unit"] as const) {
      if (input[p] !== undefined && !(p === "Dimensions" && input.Dimensions!.length === 0)) {
        throw invalidParameterCombination(`The parameters ${p} and Metrics are mutually exclusive and you have specified both.`);
      }
    }
    validateMathAlarm(input.Metrics, input);
  } else {
    if (input.Statistic !== undefined && input.ExtendedStatistic !== undefined) {
      throw invalidParameterCombination("The parameters Statistic and ExtendedStatistic are mutually exclusive and you have specified both.");
    }
    if (input.Statistic === undefined && input.ExtendedStatistic === undefined) {
      throw missingParameter(single ? "Statistic or ExtendedStatistic" : "Statistic, ExtendedStatistic or Metrics");
    }
    if (!input.MetricName) throw missingParameter("MetricName");
    if (!input.Namespace) throw missingParameter("Namespace");
    if (input.Period === undefined) throw missingParameter("Period");
    if (input.ExtendedStatistic !== undefined && !isExtendedStatistic(input.ExtendedStatistic)) {
      parseStatistic(input.ExtendedStatistic, "ExtendedStatistic");
      throw invalidParameterValue(`The value ${input.ExtendedStatistic} for parameter ExtendedStatistic is not supported.`);
    }
    checkAlarmPeriod(input.Period, "Period");
    if ((input.Dimensions ?? []).length > 30) {
      throw invalidParameterValue("The collection Dimensions must not have a size greater than 30.");
    }
    for (const [i, d] of (input.Dimensions ?? []).entries()) {
      if (!d.Name) throw missingParameter(`Dimensions.member.${i + 1}.Name`);
      if (d.Value === undefined || d.Value === null || d.Value === "") throw missingParameter(`Dimensions.member.${i + 1}.Value`);
    }
    // "The number of evaluation periods for an alarm multiplied by the length of each evaluation period cannot exceed one day."
    if (input.Period! * input.EvaluationPeriods! > 86_400 && input.Period! < 3600) {
      throw invalidParameterValue("The evaluation period (Period * EvaluationPeriods) must not exceed 86400 seconds (1 day) for periods under one hour.");
    }
    if (input.Period! * input.EvaluationPeriods! > 7 * 86_400) {
      throw invalidParameterValue("The evaluation period (Period * EvaluationPeriods) must not exceed 604800 seconds (7 days).");
    }
  }

  const anomaly = ANOMALY_OPERATORS.includes(op);
  if (anomaly) {
    if (!input.ThresholdMetricId) throw missingParameter("ThresholdMetricId");
    if (input.Threshold !== undefined) {
      throw invalidParameterCombination("The parameters Threshold and ThresholdMetricId are mutually exclusive and you have specified both.");
    }
    if (!input.Metrics?.some((m) => m.Id === input.ThresholdMetricId)) {
      throw validationError(`ThresholdMetricId ${input.ThresholdMetricId} does not refer to a query of Metrics.`);
    }
  } else {
    if (input.ThresholdMetricId !== undefined) {
      throw validationError("ThresholdMetricId can only be used with the anomaly detection comparison operators.");
    }
    if (input.Threshold === undefined || input.Threshold === null) throw missingParameter("Threshold");
    if (!Number.isFinite(input.Threshold)) throw invalidParameterValue(`The value ${input.Threshold} for parameter Threshold is not valid.`);
  }

  if (input.EvaluateLowSampleCountPercentile !== undefined && input.EvaluateLowSampleCountPercentile !== "") {
    if (!["evaluate", "ignore"].includes(input.EvaluateLowSampleCountPercentile)) {
      throw invalidParameterValue(
        `The value ${input.EvaluateLowSampleCountPercentile} is not valid for EvaluateLowSampleCountPercentile. Valid values are evaluate and ignore.`,
      );
    }
    if (!input.ExtendedStatistic || !/^p\d/i.test(input.ExtendedStatistic)) {
      throw invalidParameterCombination("EvaluateLowSampleCountPercentile can only be used with a percentile ExtendedStatistic.");
    }
  }

  // EC2 actions act on the instance of the alarm's metric: one metric with an InstanceId dimension.
  const ec2 = [...(input.AlarmActions ?? []), ...(input.OKActions ?? []), ...(input.InsufficientDataActions ?? [])].filter((a) =>
    /^arn:aws(?:-[a-z-]+)?:automate:/.test(a),
  );
  if (ec2.length) {
    if (input.Metrics?.length) throw invalidParameterCombination("EC2 actions are not supported for alarms on metric math expressions.");
    if (!(input.Dimensions ?? []).some((d) => d.Name === "InstanceId")) {
      throw invalidParameterValue(`The EC2 action ${ec2[0]} requires an alarm on a metric with an InstanceId dimension.`);
    }
  }
}

function validateMathAlarm(metrics: MetricDataQuery[], input: PutMetricAlarmInput): void {
  const ids = new Set<string>();
  let returning = 0;
  let metricCount = 0;
  const periods = new Set<number>();
  metrics.forEach((q, i) => {
    const path = `Metrics.member.${i + 1}`;
    if (!q.Id) throw missingParameter(`${path}.Id`);
    if (!/^[a-z][a-zA-Z0-9_]*$/.test(q.Id)) {
      throw validationError(`The value ${q.Id} for parameter ${path}.Id is not valid. It must start with a lowercase letter and contain only letters, numbers and underscores.`);
    }
    if (ids.has(q.Id)) throw validationError(`The value ${q.Id} for parameter ${path}.Id is used more than once.`);
    ids.add(q.Id);
    if (q.ReturnData !== false) returning++;
    if (q.MetricStat && q.Expression !== undefined) {
      throw invalidParameterCombination(`The parameters ${path}.MetricStat and ${path}.Expression are mutually exclusive and you have specified both.`);
    }
    if (!q.MetricStat && q.Expression === undefined) throw missingParameter(`${path}.MetricStat or ${path}.Expression`);
    if (q.MetricStat) {
      metricCount++;
      const ms = q.MetricStat;
      if (!ms.Metric?.MetricName) throw missingParameter(`${path}.MetricStat.Metric.MetricName`);
      if (!ms.Metric?.Namespace) throw missingParameter(`${path}.MetricStat.Metric.Namespace`);
      if (!ms.Stat) throw missingParameter(`${path}.MetricStat.Stat`);
      if (!isBasicStatistic(ms.Stat)) parseStatistic(ms.Stat, `${path}.MetricStat.Stat`);
      if (ms.Period === undefined) throw missingParameter(`${path}.MetricStat.Period`);
      checkAlarmPeriod(ms.Period, `${path}.MetricStat.Period`);
      periods.add(ms.Period);
    } else {
      if (q.Period !== undefined) checkAlarmPeriod(q.Period, `${path}.Period`);
      const text = q.Expression!;
      // Metrics Insights queries are checked when the alarm is evaluated, as GetMetricData checks them.
      if (!/^\s*SELECT\s/i.test(text)) parseExpression(text);
    }
  });
  // "Exactly one element of the metrics list should return data." (AWS's ValidationError for PutMetricAlarm)
  if (returning !== 1) throw validationError("Exactly one element of the metrics list should return data.");
  if (metricCount > MATH_METRICS_MAX) {
    throw validationError(`An alarm on a math expression can use at most ${MATH_METRICS_MAX} metrics; this one uses ${metricCount}.`);
  }
  if (periods.size > 1) throw validationError("All metrics in an alarm on a math expression must use the same period.");
  const period = [...periods][0] ?? metrics.find((q) => q.Period)?.Period ?? 60;
  if (period * input.EvaluationPeriods! > 7 * 86_400) {
    throw invalidParameterValue("The evaluation period (Period * EvaluationPeriods) must not exceed 604800 seconds (7 days).");
  }
}

export function validatePutCompositeAlarm(input: PutCompositeAlarmInput): void {
  checkAlarmName(input.AlarmName);
  checkDescription(input.AlarmDescription);
  if (!input.AlarmRule) throw missingParameter("AlarmRule");
  if (input.AlarmRule.length > RULE_MAX) {
    throw validationError(
      `1 validation error detected: Value at 'alarmRule' failed to satisfy constraint: Member must have length less than or equal to ${RULE_MAX}`,
    );
  }
  checkActions(input);
  for (const arn of [...(input.AlarmActions ?? []), ...(input.OKActions ?? []), ...(input.InsufficientDataActions ?? [])]) {
    if (/^arn:aws(?:-[a-z-]+)?:automate:/.test(arn)) throw invalidParameterValue(`Composite alarms do not support EC2 actions: ${arn}`);
  }
  checkTags(input.Tags);
  if (input.ActionsSuppressor !== undefined) {
    checkAlarmName(input.ActionsSuppressor, "ActionsSuppressor");
    if (input.ActionsSuppressorWaitPeriod === undefined) throw missingParameter("ActionsSuppressorWaitPeriod");
    if (input.ActionsSuppressorExtensionPeriod === undefined) throw missingParameter("ActionsSuppressorExtensionPeriod");
  } else if (input.ActionsSuppressorWaitPeriod !== undefined || input.ActionsSuppressorExtensionPeriod !== undefined) {
    throw cloudwatchError(
      "InvalidParameterCombinationException",
      "ActionsSuppressorWaitPeriod and ActionsSuppressorExtensionPeriod can only be given with ActionsSuppressor.",
    );
  }
  for (const p of ["ActionsSuppressorWaitPeriod", "ActionsSuppressorExtensionPeriod"] as const) {
    const v = input[p];
    if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw invalidParameterValue(`The value ${v} for parameter ${p} must be a non-negative integer.`);
  }
}
