/**
 * Which members of the two services hold doubles. The SDK schemas give every
 * number one type, but AWS writes a double as a double ("41.0", a CBOR
 * float, never 41), and boto3 hands its users what the wire held: a Python
 * float from AWS, an int from a server that wrote 41 (localstack's
 * test_basic_operations_multiple_protocols, recorded against AWS). Taken
 * from the botocore models (shapes of type double or float, or lists and maps
 * of them) by scripts/double-members.py; test/pure/protocol-doubles.test.ts
 * checks it against them.
 */
import type { NormalizedSchema } from "@smithy/core/schema";

/** `{namespace}#{Structure}${member}` of every member that is a double or a list or map of doubles. */
export const DOUBLE_MEMBERS: ReadonlySet<string> = new Set([
  "com.amazonaws.cloudwatch#Datapoint$Average",
  "com.amazonaws.cloudwatch#Datapoint$ExtendedStatistics",
  "com.amazonaws.cloudwatch#Datapoint$Maximum",
  "com.amazonaws.cloudwatch#Datapoint$Minimum",
  "com.amazonaws.cloudwatch#Datapoint$SampleCount",
  "com.amazonaws.cloudwatch#Datapoint$Sum",
  "com.amazonaws.cloudwatch#GetInsightRuleReportOutput$AggregateValue",
  "com.amazonaws.cloudwatch#InsightRuleContributor$ApproximateAggregateValue",
  "com.amazonaws.cloudwatch#InsightRuleContributorDatapoint$ApproximateValue",
  "com.amazonaws.cloudwatch#InsightRuleMetricDatapoint$Average",
  "com.amazonaws.cloudwatch#InsightRuleMetricDatapoint$MaxContributorValue",
  "com.amazonaws.cloudwatch#InsightRuleMetricDatapoint$Maximum",
  "com.amazonaws.cloudwatch#InsightRuleMetricDatapoint$Minimum",
  "com.amazonaws.cloudwatch#InsightRuleMetricDatapoint$SampleCount",
  "com.amazonaws.cloudwatch#InsightRuleMetricDatapoint$Sum",
  "com.amazonaws.cloudwatch#InsightRuleMetricDatapoint$UniqueContributors",
  "com.amazonaws.cloudwatch#MetricAlarm$Threshold",
  "com.amazonaws.cloudwatch#MetricDataResult$Values",
  "com.amazonaws.cloudwatch#MetricDatum$Counts",
  "com.amazonaws.cloudwatch#MetricDatum$Value",
  "com.amazonaws.cloudwatch#MetricDatum$Values",
  "com.amazonaws.cloudwatch#PutMetricAlarmInput$Threshold",
  "com.amazonaws.cloudwatch#StatisticSet$Maximum",
  "com.amazonaws.cloudwatch#StatisticSet$Minimum",
  "com.amazonaws.cloudwatch#StatisticSet$SampleCount",
  "com.amazonaws.cloudwatch#StatisticSet$Sum",
  "com.amazonaws.cloudwatchlogs#DeliverySourceConfigurationSchema$maxValue",
  "com.amazonaws.cloudwatchlogs#DeliverySourceConfigurationSchema$minValue",
  "com.amazonaws.cloudwatchlogs#MetricTransformation$defaultValue",
  "com.amazonaws.cloudwatchlogs#QueryInfo$bytesScanned",
  "com.amazonaws.cloudwatchlogs#QueryStatistics$bytesScanned",
  "com.amazonaws.cloudwatchlogs#QueryStatistics$estimatedBytesSkipped",
  "com.amazonaws.cloudwatchlogs#QueryStatistics$estimatedRecordsSkipped",
  "com.amazonaws.cloudwatchlogs#QueryStatistics$logGroupsScanned",
  "com.amazonaws.cloudwatchlogs#QueryStatistics$recordsMatched",
  "com.amazonaws.cloudwatchlogs#QueryStatistics$recordsScanned",
]);

export const isDoubleMember = (struct: NormalizedSchema, member: string): boolean =>
  DOUBLE_MEMBERS.has(`${struct.getName(true)}$${member}`);

/**
 * A double as AWS writes it in text: always with a fraction ("41.0", "0.5");
 * JavaScript's shortest form otherwise (AWS's form of very large or very
 * small values was not seen; any client reads either).
 */
export function doubleText(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e21) return Object.is(v, -0) ? "-0.0" : `${v}.0`;
  return String(v);
}
