/**
 * PutMetricAlarm and PutCompositeAlarm rules the model cannot state. The
 * validation stage (lib/validation/) has already answered, in AWS's words,
 * every required member, length, range and enum of the model; what is left
 * here is AWS's rules between parameters (one of Statistic, ExtendedStatistic
 * or Metrics; periods; M ≤ N; EC2 actions need an InstanceId dimension and a
 * single metric), ARN syntax, ASCII names, the aws: tag prefix, the 50-tag
 * bound (the model's TagList has none) and the members the model leaves
 * optional but a metric alarm needs.
 */
import type { MetricDataQuery, PutCompositeAlarmInput, PutMetricAlarmInput, Tag } from "@aws-sdk/client-cloudwatch";
import { invalidParameterCombination, invalidParameterValue, missingParameter, validationError, cloudwatchError } from "../errors.js";
import { parseExpression } from "../metrics/query/math/parser.js";
import { isBasicStatistic, isExtendedStatistic, parseStatistic } from "../metrics/read/statistics.js";
import { ANOMALY_OPERATORS, isWatchedQuery, type ComparisonOperator, type TreatMissing } from "./alarm.js";

/** "You can associate as many as 50 tags with an alarm" (PutMetricAlarm, Tags); the model's TagList has no bound. */
export const TAGS_MAX = 50;
/** A math alarm may use "as many as 10 metrics". */
export const MATH_METRICS_MAX = 10;
const TREAT_MISSING: readonly TreatMissing[] = ["breaching", "notBreaching", "ignore", "missing"];
/** The stage has checked presence and length; the model states no character set. */
export function checkAlarmName(name: string, parameter = "AlarmName"): string {
  // "Alarm names must contain only ASCII characters" (Using Amazon CloudWatch alarms).
  if (!/^[\x20-\x7e]+$/.test(name)) throw invalidParameterValue(`The value for parameter ${parameter} must contain only ASCII characters.`);
  return name;
}

/** AlarmActions, OKActions and InsufficientDataActions: each an ARN (the stage bounds their count and length). */
export function checkActions(input: { AlarmActions?: string[]; OKActions?: string[]; InsufficientDataActions?: string[] }): void {
  for (const member of ["AlarmActions", "OKActions", "InsufficientDataActions"] as const) {
    for (const arn of input[member] ?? []) {
      if (!/^arn:[^:]+:[^:]+:[^:]*:[^:]*:.+$/.test(arn)) {
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
  for (const t of tags) {
    if (/^aws:/i.test(t.Key!)) throw invalidParameterValue(`The tag key ${t.Key} uses the reserved prefix aws:.`);
  }
}

/**
 * Alarm periods: 10, 20, 30 or a multiple of 60 seconds (High-resolution alarms); the model states only ≥ 1.
 * AWS's words for a Period of 1, as CloudFormation printed them (awsdocs/aws-cloudformation-user-guide PR #777):
 * ValidationError "Period must be 10, 30 or a multiple of 60" (written before 20 was allowed; kept verbatim).
 */
function checkAlarmPeriod(period: number): void {
  if (![10, 20, 30].includes(period) && period % 60 !== 0) throw validationError("Period must be 10, 30 or a multiple of 60");
}

export function validatePutMetricAlarm(input: PutMetricAlarmInput): void {
  checkAlarmName(input.AlarmName!);
  // The current model leaves these optional (they are not, for a metric alarm).
  if (input.EvaluationPeriods === undefined || input.EvaluationPeriods === null) throw missingParameter("EvaluationPeriods");
  if (!input.ComparisonOperator) throw missingParameter("ComparisonOperator");
  const op = input.ComparisonOperator as ComparisonOperator;
  if (input.TreatMissingData !== undefined && !TREAT_MISSING.includes(input.TreatMissingData as TreatMissing)) {
    // The model types TreatMissingData as a free string; AWS names the allowed values.
    throw invalidParameterValue(`The value ${input.TreatMissingData} is not valid for TreatMissingData. Valid values are breaching, notBreaching, ignore, missing.`);
  }
  if (input.DatapointsToAlarm !== undefined && input.DatapointsToAlarm > input.EvaluationPeriods) {
    // AWS's words, as the Go SDK printed them in hashicorp/terraform issue #24070.
    throw validationError("DatapointsToAlarm must be less than or equal to EvaluationPeriods");
  }
  checkActions(input);
  checkTags(input.Tags);

  const anomaly = ANOMALY_OPERATORS.includes(op);
  // AWS's words, as CloudFormation printed them in aws/aws-cdk PR #31232.
  if (anomaly && !input.ThresholdMetricId) throw validationError("ComparisonOperators for ranges require ThresholdMetricId to be set");
  if (input.Metrics?.length) {
    // AWS's ValidationError texts, as the Java SDK printed them: "Unit should not be set if list of Metrics is set."
    // (aws-cloudformation/cfn-lint PR #1306) and "Statistic should not be set ..." (cfn-lint issue #766,
    // cloudtools/troposphere PR #1276); the other single-metric members are refused in the same words.
    for (const p of ["Unit", "Statistic", "ExtendedStatistic", "MetricName", "Namespace", "Dimensions", "Period"] as const) {
      if (input[p] !== undefined && !(p === "Dimensions" && input.Dimensions!.length === 0)) {
        throw validationError(`${p} should not be set if list of Metrics is set.`);
      }
    }
    validateMathAlarm(input.Metrics, input, anomaly);
  } else {
    // With neither Metrics nor MetricName AWS answers ValidationError "MetricName must not be null", whatever
    // else is missing (cfn-lint PR #771, hashicorp/terraform-provider-aws PR #11105); Period likewise
    // ("Period must not be null", aws/aws-cdk #7155).
    if (!input.MetricName) throw validationError("MetricName must not be null");
    if (!input.Namespace) throw validationError("Namespace must not be null");
    if (input.Statistic !== undefined && input.ExtendedStatistic !== undefined) {
      throw invalidParameterCombination("The parameters Statistic and ExtendedStatistic are mutually exclusive and you have specified both.");
    }
    if (input.Statistic === undefined && input.ExtendedStatistic === undefined) throw missingParameter("Statistic or ExtendedStatistic");
    if (input.Period === undefined) throw validationError("Period must not be null");
    if (input.ExtendedStatistic !== undefined && !isExtendedStatistic(input.ExtendedStatistic)) {
      parseStatistic(input.ExtendedStatistic, "ExtendedStatistic");
      throw invalidParameterValue(`The value ${input.ExtendedStatistic} for parameter ExtendedStatistic is not supported.`);
    }
    checkAlarmPeriod(input.Period);
    // "The number of evaluation periods for an alarm multiplied by the length of each evaluation period cannot exceed one day."
    if (input.Period! * input.EvaluationPeriods! > 86_400 && input.Period! < 3600) {
      throw invalidParameterValue("The evaluation period (Period * EvaluationPeriods) must not exceed 86400 seconds (1 day) for periods under one hour.");
    }
    if (input.Period! * input.EvaluationPeriods! > 7 * 86_400) {
      throw invalidParameterValue("The evaluation period (Period * EvaluationPeriods) must not exceed 604800 seconds (7 days).");
    }
  }

  // AWS's ValidationError text, as the Java SDK printed it in aws-cloudformation/cfn-lint PR #1306.
  if (input.Threshold !== undefined && input.Threshold !== null && input.ThresholdMetricId !== undefined) {
    throw validationError("Threshold and ThresholdMetricId cannot both be set");
  }
  if (anomaly) {
    if (!input.Metrics?.some((m) => m.Id === input.ThresholdMetricId)) throw validationError(NO_THRESHOLD_METRIC);
  } else {
    if (input.ThresholdMetricId !== undefined) {
      throw validationError("ThresholdMetricId can only be used with the anomaly detection comparison operators.");
    }
    if (input.Threshold === undefined || input.Threshold === null) throw missingParameter("Threshold");
    if (!Number.isFinite(input.Threshold)) throw invalidParameterValue(`The value ${input.Threshold} for parameter Threshold is not valid.`);
  }

  if (input.EvaluateLowSampleCountPercentile !== undefined && input.EvaluateLowSampleCountPercentile !== "") {
    if (!["evaluate", "ignore"].includes(input.EvaluateLowSampleCountPercentile)) {
      // AWS's words as moto took them into its PutMetricAlarm (PR #4179, tests/test_cloudwatch test_put_metric_alarm_error_evaluate_low_sample_count_percentile).
      throw validationError(
        `Option ${input.EvaluateLowSampleCountPercentile} is not supported. Supported options for parameter EvaluateLowSampleCountPercentile are evaluate and ignore.`,
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

const NO_THRESHOLD_METRIC = "Metrics list must contain exactly one metric matching the ThresholdMetricId parameter";

/** `anomaly`: a band alarm (its ThresholdMetricId is set, checked before). */
function validateMathAlarm(metrics: MetricDataQuery[], input: PutMetricAlarmInput, anomaly: boolean): void {
  const ids = new Set<string>();
  let returning = 0;
  let metricCount = 0;
  const periods = new Set<number>();
  metrics.forEach((q, i) => {
    const path = `Metrics.member.${i + 1}`;
    const id = q.Id!; // required by the model
    if (!/^[a-z][a-zA-Z0-9_]*$/.test(id)) {
      throw validationError(`The value ${id} for parameter ${path}.Id is not valid. It must start with a lowercase letter and contain only letters, numbers and underscores.`);
    }
    if (ids.has(id)) throw validationError(`The value ${id} for parameter ${path}.Id is used more than once.`);
    ids.add(id);
    if (isWatchedQuery(q, input.ThresholdMetricId)) returning++;
    if (q.MetricStat && q.Expression !== undefined) {
      // AWS's words, quoted by an AWS SDK maintainer in boto/boto3 issue #3856.
      throw validationError("The parameters MetricDataQuery Expression and MetricStat are mutually exclusive and you have specified both.");
    }
    if (!q.MetricStat && q.Expression === undefined) throw missingParameter(`${path}.MetricStat or ${path}.Expression`);
    if (q.MetricStat) {
      metricCount++;
      const ms = q.MetricStat;
      // The model requires Metric, Stat and Period but leaves the metric's name and namespace optional.
      if (!ms.Metric!.MetricName) throw missingParameter(`${path}.MetricStat.Metric.MetricName`);
      if (!ms.Metric!.Namespace) throw missingParameter(`${path}.MetricStat.Metric.Namespace`);
      if (!isBasicStatistic(ms.Stat!)) parseStatistic(ms.Stat!, `${path}.MetricStat.Stat`);
      checkAlarmPeriod(ms.Period!);
      periods.add(ms.Period!);
    } else {
      if (q.Period !== undefined) checkAlarmPeriod(q.Period);
      const text = q.Expression!;
      // Metrics Insights queries are checked when the alarm is evaluated, as GetMetricData checks them.
      if (!/^\s*SELECT\s/i.test(text)) parseExpression(text);
    }
  });
  // "Exactly one element of the metrics list should return data." (AWS's ValidationError for PutMetricAlarm). An
  // anomaly alarm returns two, its band (ThresholdMetricId) and the metric it watches: the API reference's "Anomaly
  // Detection Model Alarm" example (the band leaves ReturnData out), cdklabs/cdk-monitoring-constructs PR #426, and
  // AWS's refusals as the Go SDK printed them in hashicorp/terraform-provider-aws PR #42504 (band's ReturnData false:
  // no metric matching ThresholdMetricId; only the band returning: exactly two).
  if (anomaly) {
    const band = metrics.find((q) => q.Id === input.ThresholdMetricId);
    if (!band || band.ReturnData === false) throw validationError(NO_THRESHOLD_METRIC);
    if (metrics.filter((q) => q.ReturnData !== false).length !== 2) throw validationError("Exactly two elements of the metrics list should return data.");
  } else if (returning !== 1) throw validationError("Exactly one element of the metrics list should return data.");
  if (metricCount > MATH_METRICS_MAX) {
    throw validationError(`An alarm on a math expression can use at most ${MATH_METRICS_MAX} metrics; this one uses ${metricCount}.`);
  }
  if (periods.size > 1) throw validationError("All metrics in an alarm on a math expression must use the same period.");
  // With no metric to take a period from, the expression must give one (INSIGHT_RULE_METRIC alone):
  // AWS's ValidationError "Period must not be null" (aws/aws-cdk#7155, aws/aws-cdk#6562).
  if (metricCount === 0 && !metrics.some((q) => q.Period !== undefined)) throw validationError("Period must not be null");
  const period = [...periods][0] ?? metrics.find((q) => q.Period)?.Period ?? 60;
  if (period * input.EvaluationPeriods! > 7 * 86_400) {
    throw invalidParameterValue("The evaluation period (Period * EvaluationPeriods) must not exceed 604800 seconds (7 days).");
  }
}

export function validatePutCompositeAlarm(input: PutCompositeAlarmInput): void {
  checkAlarmName(input.AlarmName!);
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
