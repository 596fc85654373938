/**
 * CloudWatch Logs error answers as Debian's aws CLI 2.9 shows them: each bad
 * request driven through /usr/bin/aws, which must exit 254 (the CLI's code for
 * an error the service answered) and print AWS's code and message. Each row
 * says where AWS's answer was seen, or that the answer is our choice.
 */
import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutSubscriptionFilterCommand,
  type CloudWatchLogsClient,
} from "@aws-sdk/client-cloudwatch-logs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runNames, startLogsStack, stopLogsStack } from "../support/logs-stack.js";
import { awsCli, type Stack } from "../support/stack.js";

let stack: Stack;
let logs: CloudWatchLogsClient;
let other: CloudWatchLogsClient;
const unique = runNames("clierr");
const REGION = "us-east-1";

/** What the rows run against: made once, before the table. */
interface Fixtures {
  account: string;
  /** A group with a stream "s". */
  group: string;
  /** A group that has AWS's two subscription filters already. */
  full: string;
  /** A name no group has. */
  missing: string;
}
let f: Fixtures;

beforeAll(async () => {
  ({ stack, logs, other } = await startLogsStack());
  f = { account: stack.credentials[0].accountId, group: unique("g"), full: unique("full"), missing: unique("missing") };
  await logs.send(new CreateLogGroupCommand({ logGroupName: f.group }));
  await logs.send(new CreateLogStreamCommand({ logGroupName: f.group, logStreamName: "s" }));
  await logs.send(new CreateLogGroupCommand({ logGroupName: f.full }));
  for (const filterName of ["one", "two"]) {
    await logs.send(new PutSubscriptionFilterCommand({ logGroupName: f.full, filterName, filterPattern: "", destinationArn: kinesis(f), roleArn: role(f) }));
  }
}, 180_000);
afterAll(() => stopLogsStack({ stack, logs, other }));

const kinesis = (x: Fixtures) => `arn:aws:kinesis:${REGION}:${x.account}:stream/s`;
const role = (x: Fixtures) => `arn:aws:iam::${x.account}:role/CWLtoKinesis`;
const transformation = (extra: object = {}) => JSON.stringify([{ metricName: "m", metricNamespace: "N", metricValue: "1", ...extra }]);
const putMetricFilter = (x: Fixtures, pattern: string, transformations: string) => [
  "logs", "put-metric-filter", "--log-group-name", x.group, "--filter-name", "f", "--filter-pattern", pattern, "--metric-transformations", transformations,
];
const putSubscriptionFilter = (group: string, name: string, destination: string, opts: { role?: string; pattern?: string } = {}) => [
  "logs", "put-subscription-filter", "--log-group-name", group, "--filter-name", name, "--filter-pattern", opts.pattern ?? "", "--destination-arn", destination,
  ...(opts.role ? ["--role-arn", opts.role] : []),
];
const overLimit = (value: number, max: number) =>
  `1 validation error detected: Value '${value}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to ${max}`;

const GROUP_NOT_FOUND = "The specified log group does not exist.";

type Row = [title: string, args: (x: Fixtures) => string[], code: string, operation: string, message: string];

const rows: Row[] = [
  // --- filter patterns -------------------------------------------------------------------------------------------------
  // AWS answered a bad pattern with the bare "Invalid filter pattern" (InvalidParameterException, 400): the SDK error
  // quoted in aws/aws-toolkit-jetbrains#3219 and mapbox/ecs-watchbot#350. The pattern is closed: FilterLogEvents words
  // an unclosed `{` apart (jorgebastida/awslogs#210, pinned in logs-filter-log-events.test.ts).
  ["filter-log-events with a bad pattern", (x) => ["logs", "filter-log-events", "--log-group-name", x.group, "--filter-pattern", "{ $.a = }"],
    "InvalidParameterException", "FilterLogEvents", "Invalid filter pattern"],
  ["filter-log-events with an unclosed JSON pattern", (x) => ["logs", "filter-log-events", "--log-group-name", x.group, "--filter-pattern", "{ $.a = 1"],
    "InvalidParameterException", "FilterLogEvents", "If a filter pattern starts with '{' it must end with '}'"],
  // "Invalid metric filter pattern", as aws/aws-cdk#16278 quotes AWS (CloudFormation relaying PutMetricFilter).
  ["put-metric-filter with a bad pattern", (x) => putMetricFilter(x, "{ $.a = ", transformation()),
    "InvalidParameterException", "PutMetricFilter", "Invalid metric filter pattern"],

  // --- limits ------------------------------------------------------------------------------------------------------------
  // localstack's AWS recordings test_logs_events.snapshot.json test_get_log_events_limit_validation and
  // test_logs_filter_events.snapshot.json test_filter_log_events_limit_validation.
  ["get-log-events with --limit 10001", (x) => ["logs", "get-log-events", "--log-group-name", x.group, "--log-stream-name", "s", "--limit", "10001"],
    "InvalidParameterException", "GetLogEvents", overLimit(10001, 10000)],
  ["filter-log-events with --limit 10001", (x) => ["logs", "filter-log-events", "--log-group-name", x.group, "--limit", "10001"],
    "InvalidParameterException", "FilterLogEvents", overLimit(10001, 10000)],
  // The model's range for DescribeLogGroups' limit (1-50), in the message form of the two recordings above.
  ["describe-log-groups with --limit 51", () => ["logs", "describe-log-groups", "--limit", "51"],
    "InvalidParameterException", "DescribeLogGroups", overLimit(51, 50)],

  // --- PutMetricFilter's metricTransformations -------------------------------------------------------------------------------
  // localstack's AWS recording test_logs_metric_filters.snapshot.json error-too-many-transformations.
  ["put-metric-filter with two transformations", (x) => putMetricFilter(x, "ERROR", JSON.stringify([
    { metricName: "metric1", metricNamespace: "namespace1", metricValue: "1" },
    { metricName: "metric2", metricNamespace: "namespace2", metricValue: "1" },
  ])), "InvalidParameterException", "PutMetricFilter",
  "1 validation error detected: Value '[MetricTransformation(metricName=metric1, metricNamespace=namespace1, metricValue=1, defaultValue=null, unit=null, dimensions=null), MetricTransformation(metricName=metric2, metricNamespace=namespace2, metricValue=1, defaultValue=null, unit=null, dimensions=null)]' at 'metricTransformations' failed to satisfy constraint: Member must have length less than or equal to 1"],
  // AWS's words relayed by CloudFormation in aws-solutions-library-samples/guidance-for-claude-code-with-amazon-bedrock#632.
  ["put-metric-filter with dimensions and a default value", (x) => putMetricFilter(x, "{ $.a = 1 }", transformation({ defaultValue: 0, dimensions: { A: "$.a" } })),
    "InvalidParameterException", "PutMetricFilter", "Invalid metric transformation: dimensions and default value are mutually exclusive properties"],
  // hashicorp/terraform-provider-aws#22105 quotes AWS: dimensions on a text pattern.
  ["put-metric-filter with dimensions on a text pattern", (x) => putMetricFilter(x, "ERROR", transformation({ dimensions: { A: "$.a" } })),
    "InvalidParameterException", "PutMetricFilter", "The specified filter pattern does not support dimensions"],
  // AWS refuses a metricValue that is neither a number nor a field (aws-cloudformation/cfn-lint#1525) but no one quotes
  // its words: the message is our choice.
  ["put-metric-filter with a metricValue neither a number nor a field", (x) => putMetricFilter(x, "ERROR", transformation({ metricValue: "lots" })),
    "InvalidParameterException", "PutMetricFilter",
    "Invalid metric transformation: metricValue 'lots' must be a number or a field of the filter pattern ($.field for JSON patterns, $name for space-delimited patterns)"],
  // Our choice, no AWS answer found: more than 3 dimensions (the user guide's limit).
  ["put-metric-filter with four dimensions", (x) => putMetricFilter(x, "{ $.a = 1 }", transformation({ dimensions: { A: "$.a", B: "$.b", C: "$.c", D: "$.d" } })),
    "InvalidParameterException", "PutMetricFilter", "Invalid metric transformation: a metric transformation can have at most 3 dimensions"],
  // The generic not-found of a missing group (localstack's AWS recording test_logs_events.snapshot.json test_resource_does_not_exist).
  ["put-metric-filter on a missing group", (x) => ["logs", "put-metric-filter", "--log-group-name", x.missing, "--filter-name", "f", "--filter-pattern", "ERROR", "--metric-transformations", transformation()],
    "ResourceNotFoundException", "PutMetricFilter", GROUP_NOT_FOUND],

  // --- PutSubscriptionFilter -------------------------------------------------------------------------------------------------
  // localstack's AWS recording test_logs_subscription_filters.snapshot.json test_put_subscription_filter_limit_exceeded.
  ["put-subscription-filter, a third filter on a group", (x) => putSubscriptionFilter(x.full, "three", kinesis(x), { role: role(x) }),
    "LimitExceededException", "PutSubscriptionFilter", "Resource limit exceeded."],
  // The same recordings, test_put_subscription_filter_errors: a Kinesis stream without roleArn, another account's function.
  ["put-subscription-filter to a Kinesis stream without --role-arn", (x) => putSubscriptionFilter(x.group, "k", "arn:aws:kinesis:us-east-1:123456789012:stream/unknown-stream"),
    "InvalidParameterException", "PutSubscriptionFilter", "destinationArn for vendor kinesis cannot be used without roleArn"],
  ["put-subscription-filter to another account's Lambda function", (x) => putSubscriptionFilter(x.group, "l", "arn:aws:lambda:us-east-1:123456789012:function:test"),
    "AccessDeniedException", "PutSubscriptionFilter",
    "Cross-account lambda invocation passing is not allowed. You must use DestinationPolicies to create cross account lambda triggers."],
  // Our choice, no AWS answer found: a logs destination of this account that was never put.
  ["put-subscription-filter to a missing logs destination", (x) => putSubscriptionFilter(x.group, "d", `arn:aws:logs:${REGION}:${x.account}:destination:${x.missing.replace(/\W/g, "")}`),
    "ResourceNotFoundException", "PutSubscriptionFilter", "The specified destination does not exist."],

  // Our choice, no AWS answer found: an ARN of a service that cannot be a destination (S3).
  ["put-subscription-filter to an ARN that is no destination", (x) => putSubscriptionFilter(x.group, "s3", "arn:aws:s3:::a-bucket"),
    "InvalidParameterException", "PutSubscriptionFilter",
    "Invalid destinationArn: arn:aws:s3:::a-bucket. Use a Kinesis stream, Firehose stream, Lambda function or CloudWatch Logs destination ARN."],
  // Our choice in the form of the metric filter's answer above: AWS answers a bad subscription pattern with
  // InvalidParameterException (serverless-plugin-log-subscription#47 quotes one, "Invalid character(s) in term '?'"),
  // but no one quotes its words for this pattern.
  ["put-subscription-filter with a bad pattern", (x) => putSubscriptionFilter(x.group, "p", kinesis(x), { role: role(x), pattern: "{ $.a = " }),
    "InvalidParameterException", "PutSubscriptionFilter", "Invalid subscription filter pattern"],

  // --- destinations ---------------------------------------------------------------------------------------------------------
  // Our choice, no AWS answer found (the API reference lists ResourceNotFoundException for both, without words).
  ["put-destination-policy on a missing destination", () => ["logs", "put-destination-policy", "--destination-name", "never-put", "--access-policy", "{}"],
    "ResourceNotFoundException", "PutDestinationPolicy", "The specified destination does not exist."],
  ["delete-destination of a missing destination", () => ["logs", "delete-destination", "--destination-name", "never-put"],
    "ResourceNotFoundException", "DeleteDestination", "The specified destination does not exist."],

  // --- describe-* / delete-* of missing resources ---------------------------------------------------------------------------
  // localstack's AWS recordings: test_logs_events.snapshot.json test_resource_does_not_exist (group, stream),
  // test_logs_subscription_filters.snapshot.json test_describe_subscription_filters_log_group_not_found and
  // test_delete_subscription_filter_errors, test_logs_resource_policies.snapshot.json test_delete_resource_policy_not_found,
  // test_logs_export_tasks.snapshot.json test_cancel_export_task_not_found.
  ["delete-log-group of a missing group", (x) => ["logs", "delete-log-group", "--log-group-name", x.missing],
    "ResourceNotFoundException", "DeleteLogGroup", GROUP_NOT_FOUND],
  ["describe-log-streams of a missing group", (x) => ["logs", "describe-log-streams", "--log-group-name", x.missing],
    "ResourceNotFoundException", "DescribeLogStreams", GROUP_NOT_FOUND],
  ["delete-log-stream of a missing stream", (x) => ["logs", "delete-log-stream", "--log-group-name", x.group, "--log-stream-name", "absent"],
    "ResourceNotFoundException", "DeleteLogStream", "The specified log stream does not exist."],
  ["get-log-events of a missing stream", (x) => ["logs", "get-log-events", "--log-group-name", x.group, "--log-stream-name", "absent"],
    "ResourceNotFoundException", "GetLogEvents", "The specified log stream does not exist."],
  ["describe-subscription-filters of a missing group", (x) => ["logs", "describe-subscription-filters", "--log-group-name", x.missing],
    "ResourceNotFoundException", "DescribeSubscriptionFilters", GROUP_NOT_FOUND],
  ["delete-subscription-filter of a missing filter", (x) => ["logs", "delete-subscription-filter", "--log-group-name", x.group, "--filter-name", "wrong-filter-name"],
    "ResourceNotFoundException", "DeleteSubscriptionFilter", "The specified subscription filter does not exist."],
  ["delete-subscription-filter on a missing group", (x) => ["logs", "delete-subscription-filter", "--log-group-name", x.missing, "--filter-name", "test"],
    "ResourceNotFoundException", "DeleteSubscriptionFilter", GROUP_NOT_FOUND],
  // Our choice, no AWS answer found: the API reference's ResourceNotFoundException with its generic words.
  ["delete-metric-filter of a missing filter", (x) => ["logs", "delete-metric-filter", "--log-group-name", x.group, "--filter-name", "absent"],
    "ResourceNotFoundException", "DeleteMetricFilter", "The specified resource does not exist."],
  ["delete-retention-policy of a missing group", (x) => ["logs", "delete-retention-policy", "--log-group-name", x.missing],
    "ResourceNotFoundException", "DeleteRetentionPolicy", GROUP_NOT_FOUND],
  ["delete-resource-policy of a missing policy", () => ["logs", "delete-resource-policy", "--policy-name", "non-existent"],
    "ResourceNotFoundException", "DeleteResourcePolicy", "Policy with name [non-existent] does not exist."],
  ["cancel-export-task of a missing task", () => ["logs", "cancel-export-task", "--task-id", "abc-def"],
    "ResourceNotFoundException", "CancelExportTask", "The specified export task does not exist."],
];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("Debian's aws CLI shows AWS's error answers", () => {
  it.each(rows)("%s", async (_title, args, code, operation, message) => {
    const out = await awsCli(stack, args(f));
    // 254: the CLI's exit code for an error the service answered (252 would be the CLI refusing the input itself).
    expect(out.code, out.stderr).toBe(254);
    expect(out.stdout).toBe("");
    // The CLI may insert its retry note ("(reached max retries: 0)") between the operation and the message.
    expect(out.stderr).toMatch(
      new RegExp(`^\\s*An error occurred \\(${code}\\) when calling the ${operation} operation( \\(reached max retries: \\d+\\))?: ${escape(message)}\\s*$`),
    );
  }, 60_000);
});
