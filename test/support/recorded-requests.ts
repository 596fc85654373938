/**
 * Requests and answer shapes taken from AWS's own recordings, shared by the
 * tests that pin AWS's answers.
 */
import type { PutMetricAlarmCommandInput } from "@aws-sdk/client-cloudwatch";

/** The CLF contributor insight rule of AWS's user guide, as localstack's test_insight_rule (recorded against AWS) puts it. */
export const GUIDE_CLF_RULE = {
  Schema: { Name: "CloudWatchLogRule", Version: 1 },
  LogGroupNames: ["API-Gateway-Access-Logs*"],
  LogFormat: "CLF",
  Fields: { "4": "IpAddress", "7": "StatusCode" },
  Contribution: { Keys: ["IpAddress"], Filters: [{ Match: "StatusCode", EqualTo: 200 }] },
  AggregateOn: "Count",
};

/** The members an SDK answer has, without the SDK's $metadata and members it left undefined. */
export const definedKeys = (o: object): string[] =>
  Object.keys(o)
    .filter((k) => k !== "$metadata" && (o as Record<string, unknown>)[k] !== undefined)
    .sort();

/** localstack test_describe_minimal_metric_alarm's request: only what PutMetricAlarm requires. */
export const minimalAlarm = (name: string, namespace: string, over: Partial<PutMetricAlarmCommandInput> = {}): PutMetricAlarmCommandInput => ({
  AlarmName: name,
  MetricName: "m",
  Namespace: namespace,
  EvaluationPeriods: 1,
  ComparisonOperator: "GreaterThanThreshold",
  Period: 10,
  Statistic: "Sum",
  Threshold: 30,
  ...over,
});
