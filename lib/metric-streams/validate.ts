/**
 * What PutMetricStream checks beyond the model (the validation stage answers
 * lengths, the OutputFormat enum and required members): the name's
 * characters, IncludeFilters against ExcludeFilters, the destination ARN, the
 * additional statistics each output format can carry, and tags. Limits from
 * the API reference (PutMetricStream, MetricStreamStatisticsConfiguration).
 */
import type { MetricStreamFilter, PutMetricStreamInput } from "@aws-sdk/client-cloudwatch";
import { invalidParameterCombination, invalidParameterValue, missingParameter } from "../errors.js";
import { checkTags } from "../alarms/validate.js";
import { isExtendedStatistic } from "../metrics/read/statistics.js";
import { NAME } from "./metric-stream.js";
import { firehoseName } from "./destination.js";

/** "This array can have up to 100 members" (StatisticsConfigurations); 20 statistics and 100 metrics each. */
export const STATISTICS_CONFIGURATIONS_MAX = 100;
export const ADDITIONAL_STATISTICS_MAX = 20;
export const INCLUDE_METRICS_MAX = 100;
/** A percentile, the only additional statistic the OpenTelemetry formats carry (MetricStreamStatisticsConfiguration). */
const PERCENTILE = /^p(\d{1,2}(\.\d{1,10})?|100(\.0{1,10})?)$/;

export const isEmpty = (filters: MetricStreamFilter[] | undefined) => !filters || filters.length === 0;

export function checkName(name: string): void {
  if (!NAME.test(name)) {
    throw invalidParameterValue("The value for parameter Name contains invalid characters. It can only contain alphanumerics, dash (-) and underscore (_).");
  }
}

function checkFilters(filters: MetricStreamFilter[] | undefined, parameter: string): void {
  (filters ?? []).forEach((f, i) => {
    if (!f.Namespace) throw missingParameter(`${parameter}.member.${i + 1}.Namespace`);
  });
}

export function validatePutMetricStream(input: PutMetricStreamInput): void {
  checkName(input.Name!);
  // "You cannot include IncludeFilters and ExcludeFilters in the same operation." (PutMetricStream)
  if (!isEmpty(input.IncludeFilters) && !isEmpty(input.ExcludeFilters)) {
    throw invalidParameterCombination("You cannot include IncludeFilters and ExcludeFilters in the same operation.");
  }
  checkFilters(input.IncludeFilters, "IncludeFilters");
  checkFilters(input.ExcludeFilters, "ExcludeFilters");
  if (firehoseName(input.FirehoseArn!) === undefined) throw invalidParameterValue(`The value ${input.FirehoseArn} for parameter FirehoseArn is not a valid Firehose delivery stream ARN.`);
  if (!/^arn:[^:]+:iam::\d{12}:role\/.+$/.test(input.RoleArn!)) throw invalidParameterValue(`The value ${input.RoleArn} for parameter RoleArn is not a valid IAM role ARN.`);
  const configs = input.StatisticsConfigurations ?? [];
  if (configs.length > STATISTICS_CONFIGURATIONS_MAX) {
    throw invalidParameterValue(`The collection StatisticsConfigurations must not have a size greater than ${STATISTICS_CONFIGURATIONS_MAX}.`);
  }
  const json = input.OutputFormat === "json";
  configs.forEach((c, i) => {
    const at = `StatisticsConfigurations.member.${i + 1}`;
    if (c.AdditionalStatistics!.length > ADDITIONAL_STATISTICS_MAX) {
      throw invalidParameterValue(`The collection ${at}.AdditionalStatistics must not have a size greater than ${ADDITIONAL_STATISTICS_MAX}.`);
    }
    if (c.IncludeMetrics!.length > INCLUDE_METRICS_MAX) {
      throw invalidParameterValue(`The collection ${at}.IncludeMetrics must not have a size greater than ${INCLUDE_METRICS_MAX}.`);
    }
    c.AdditionalStatistics!.forEach((s, j) => {
      // json: any statistic CloudWatch has beyond the four always sent; OpenTelemetry: percentiles only.
      if (json ? !isExtendedStatistic(s) : !PERCENTILE.test(s)) {
        throw invalidParameterValue(`The value ${s} for parameter ${at}.AdditionalStatistics.member.${j + 1} is not supported for OutputFormat ${input.OutputFormat}.`);
      }
    });
  });
  checkTags(input.Tags);
}
