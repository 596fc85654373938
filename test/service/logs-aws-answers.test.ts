/**
 * CloudWatch Logs answers as AWS gives them, driven by the JS SDK
 * (awsJson1_1). Each expectation cites where AWS's answer was seen; most are
 * responses localstack recorded against AWS (localstack/localstack
 * tests/aws/services/logs/test_logs_*.py and their .snapshot.json, recorded
 * February 2026), named below by file and snapshot key.
 */
import {
  CancelExportTaskCommand,
  CreateExportTaskCommand,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteMetricFilterCommand,
  DeleteSubscriptionFilterCommand,
  DescribeExportTasksCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  DescribeMetricFiltersCommand,
  DescribeSubscriptionFiltersCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  ListTagsForResourceCommand,
  ListTagsLogGroupCommand,
  PutDeliveryDestinationCommand,
  GetDeliverySourceCommand,
  GetDeliveryDestinationCommand,
  DescribeDestinationsCommand,
  DeleteDestinationCommand,
  PutDestinationPolicyCommand,
  DescribeResourcePoliciesCommand,
  StartQueryCommand,
  DescribeQueriesCommand,
  ListLogGroupsCommand,
  PutRetentionPolicyCommand,
  DeleteRetentionPolicyCommand,
  PutLogEventsCommand,
  DeleteResourcePolicyCommand,
  PutDestinationCommand,
  PutResourcePolicyCommand,
  PutMetricFilterCommand,
  PutSubscriptionFilterCommand,
  TagLogGroupCommand,
  TagResourceCommand,
  UntagLogGroupCommand,
  UntagResourceCommand,
  type CloudWatchLogsClient,
  type MetricTransformation,
} from "@aws-sdk/client-cloudwatch-logs";
import { CreateBucketCommand, GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsCli, logsClient, startStack, type Stack } from "../support/stack.js";
import { awsFailure as failure } from "../support/failure.js";

let stack: Stack;
let logs: CloudWatchLogsClient;
let account: string;
const REGION = "us-east-1";
const DAY = 86_400_000;
const RUN = `/ans/${Date.now().toString(36)}`;
let n = 0;
const unique = (what: string) => `${RUN}/${what}-${++n}`;

beforeAll(async () => {
  stack = await startStack();
  logs = logsClient(stack, { account: 0 });
  account = stack.credentials[0].accountId;
}, 180_000);
afterAll(async () => {
  logs?.destroy();
  await stack?.stop();
});

/** Sends a command on a client that keeps the raw HTTP response, for headers the SDK does not surface. */
async function httpResponseOf(command: FilterLogEventsCommand): Promise<{ statusCode: number; headers: Record<string, string> }> {
  const client = logsClient(stack, { account: 0 });
  let response: any;
  client.middlewareStack.add(
    (next) => async (args) => {
      const out = await next(args);
      response = out.response;
      return out;
    },
    { step: "deserialize" },
  );
  try {
    await client.send(command);
  } finally {
    client.destroy();
  }
  return { statusCode: response.statusCode, headers: response.headers };
}

async function group(): Promise<string> {
  const name = unique("g");
  await logs.send(new CreateLogGroupCommand({ logGroupName: name }));
  return name;
}
async function groupWithStream(): Promise<string> {
  const name = await group();
  await logs.send(new CreateLogStreamCommand({ logGroupName: name, logStreamName: "s" }));
  return name;
}

const invalid = (message: string) => ({ name: "InvalidParameterException", status: 400, message });
const tooLong = (value: string, at: string, max: number) =>
  invalid(`1 validation error detected: Value '${value}' at '${at}' failed to satisfy constraint: Member must have length less than or equal to ${max}`);

/** A group as DescribeLogGroups by prefix answers it (test_logs_groups.snapshot.json), with any extra fields. */
const describedGroup = (name: string, more: Record<string, unknown> = {}) => ({
  arn: `arn:aws:logs:${REGION}:${account}:log-group:${name}:*`,
  creationTime: expect.any(Number),
  deletionProtectionEnabled: false,
  logGroupArn: `arn:aws:logs:${REGION}:${account}:log-group:${name}`,
  logGroupClass: "STANDARD",
  logGroupName: name,
  metricFilterCount: 0,
  storedBytes: 0,
  ...more,
});

describe("log groups", () => {
  // test_logs_groups.snapshot.json test_describe_log_groups_with_prefix: every field, in a describe by prefix.
  it("DescribeLogGroups by prefix answers arn, logGroupArn, class, storedBytes, metricFilterCount and deletionProtectionEnabled", async () => {
    const name = await group();
    const out = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }));
    expect(out.logGroups).toEqual([
      describedGroup(name),
    ]);
  });

  // test_logs_groups.snapshot.json test_describe_log_groups_with_pattern and test_list_log_groups_with_pattern:
  // a describe by logGroupNamePattern leaves out storedBytes and deletionProtectionEnabled.
  it("DescribeLogGroups by pattern leaves out storedBytes and deletionProtectionEnabled", async () => {
    const name = await group();
    const out = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePattern: name.slice(RUN.length + 1) }));
    expect(out.logGroups!.find((g) => g.logGroupName === name)).toEqual({
      arn: `arn:aws:logs:${REGION}:${account}:log-group:${name}:*`,
      creationTime: expect.any(Number),
      logGroupArn: `arn:aws:logs:${REGION}:${account}:log-group:${name}`,
      logGroupClass: "STANDARD",
      logGroupName: name,
      metricFilterCount: 0,
    });
  });

  // test_logs_groups.snapshot.json test_create_log_group_duplicate_error, test_create_log_group_invalid_name_length,
  // test_describe_log_groups_prefix_and_pattern_error.
  it("refuses a duplicate, a 513-character name, and prefix with pattern", async () => {
    const name = await group();
    expect(await failure(logs.send(new CreateLogGroupCommand({ logGroupName: name })))).toMatchObject({
      name: "ResourceAlreadyExistsException",
      status: 400,
      message: "The specified log group already exists",
    });
    expect(await failure(logs.send(new CreateLogGroupCommand({ logGroupName: "a".repeat(513) })))).toMatchObject(
      invalid("Invalid LogGroup or LogStream, both must have length less than or equal to 512."),
    );
    expect(await failure(logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name, logGroupNamePattern: name })))).toMatchObject(
      invalid("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters."),
    );
  });

  // test_logs_groups.snapshot.json test_tag_resource_api: TagResource and TagLogGroup share one tag map.
  it("tags set by TagResource and TagLogGroup are one map, read by both List calls", async () => {
    const name = unique("tags");
    await logs.send(new CreateLogGroupCommand({ logGroupName: name, tags: { env: "testing1" } }));
    const arn = `arn:aws:logs:${REGION}:${account}:log-group:${name}`;
    const both = async () => {
      const a = (await logs.send(new ListTagsLogGroupCommand({ logGroupName: name }))).tags;
      const b = (await logs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags;
      expect(a).toEqual(b);
      return a;
    };
    expect(await both()).toEqual({ env: "testing1" });
    await logs.send(new TagResourceCommand({ resourceArn: arn, tags: { test1: "val1", test2: "val2" } }));
    expect(await both()).toEqual({ env: "testing1", test1: "val1", test2: "val2" });
    await logs.send(new TagLogGroupCommand({ logGroupName: name, tags: { test3: "val3" } }));
    expect(await both()).toEqual({ env: "testing1", test1: "val1", test2: "val2", test3: "val3" });
    await logs.send(new UntagLogGroupCommand({ logGroupName: name, tags: ["test3"] }));
    await logs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ["env", "test1"] }));
    expect(await both()).toEqual({ test2: "val2" });
  });
});

describe("log streams", () => {
  // test_logs_streams.snapshot.json test_create_and_delete_log_stream and test_describe_log_streams_with_log_group_identifier:
  // a new stream has arn, creationTime, logStreamName and storedBytes 0, by name or by ARN.
  it("DescribeLogStreams answers a new stream's arn, creationTime and storedBytes, by name or ARN", async () => {
    const name = await groupWithStream();
    const want = [
      {
        arn: `arn:aws:logs:${REGION}:${account}:log-group:${name}:log-stream:s`,
        creationTime: expect.any(Number),
        logStreamName: "s",
        storedBytes: 0,
      },
    ];
    expect((await logs.send(new DescribeLogStreamsCommand({ logGroupName: name }))).logStreams).toEqual(want);
    expect((await logs.send(new DescribeLogStreamsCommand({ logGroupIdentifier: name }))).logStreams).toEqual(want);
    const arn = `arn:aws:logs:${REGION}:${account}:log-group:${name}`;
    expect((await logs.send(new DescribeLogStreamsCommand({ logGroupIdentifier: arn }))).logStreams).toEqual(want);
  });

  // test_logs_streams.snapshot.json test_create_log_stream_duplicate_error, error-both-name-and-identifier.
  it("refuses a duplicate stream and name with identifier", async () => {
    const name = await groupWithStream();
    expect(await failure(logs.send(new CreateLogStreamCommand({ logGroupName: name, logStreamName: "s" })))).toMatchObject({
      name: "ResourceAlreadyExistsException",
      status: 400,
      message: "The specified log stream already exists",
    });
    expect(await failure(logs.send(new DescribeLogStreamsCommand({ logGroupName: name, logGroupIdentifier: name })))).toMatchObject({
      name: "ValidationException",
      status: 400,
      message: "LogGroup name and LogGroup ARN are mutually exclusive parameters.",
    });
  });
});

describe("log events", () => {
  // moto's AWS-verified tests/test_logs/test_logs.py test_arn_formats_log_group_and_stream and
  // test_get_log_events_using_arn: the ':*' ARN fails the pattern, and AWS does not echo the value.
  it.each(["DescribeLogStreams", "GetLogEvents"])("%s refuses the ':*' ARN as logGroupIdentifier without echoing it", async (op) => {
    const name = await groupWithStream();
    const arn = `arn:aws:logs:${REGION}:${account}:log-group:${name}:*`;
    const call =
      op === "GetLogEvents"
        ? logs.send(new GetLogEventsCommand({ logGroupIdentifier: arn, logStreamName: "s" }))
        : logs.send(new DescribeLogStreamsCommand({ logGroupIdentifier: arn }));
    expect(await failure(call)).toMatchObject(
      invalid(
        "1 validation error detected: Value at 'logGroupIdentifier' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w#+=/:,.@-]*",
      ),
    );
    expect((await logs.send(new GetLogEventsCommand({ logGroupIdentifier: arn.slice(0, -2), logStreamName: "s" }))).events).toEqual([]);
  });

  // test_logs_events.snapshot.json test_put_log_events_to_invalid_stream.
  it("PutLogEvents to a missing stream is ResourceNotFoundException", async () => {
    const name = await group();
    const e = await failure(
      logs.send(new PutLogEventsCommand({ logGroupName: name, logStreamName: "invalid-stream", logEvents: [{ timestamp: Date.now(), message: "test" }] })),
    );
    expect(e).toMatchObject({ name: "ResourceNotFoundException", status: 400, message: "The specified log stream does not exist." });
  });

  // test_logs_events.snapshot.json test_put_log_events_wrong_order: a newer event before one two days older.
  it("PutLogEvents refuses a batch out of chronological order", async () => {
    const name = await groupWithStream();
    const now = Date.now();
    const e = await failure(
      logs.send(
        new PutLogEventsCommand({
          logGroupName: name,
          logStreamName: "s",
          logEvents: [
            { message: "Message 0", timestamp: now },
            { message: "Message 1", timestamp: now - 2 * DAY },
          ],
        }),
      ),
    );
    expect(e).toMatchObject(invalid("Log events in a single PutLogEvents request must be in chronological order."));
  });

  // test_logs_events.snapshot.json test_put_log_events_too_old (30 days ago) and test_put_log_events_too_new (a day ahead):
  // a 200 with a nextSequenceToken and the index of the rejected events (the recording hides the values; the API
  // reference says tooOldLogEventEndIndex is exclusive and tooNewLogEventStartIndex inclusive).
  it.each([
    ["30 days old", -30 * DAY, { tooOldLogEventEndIndex: 1 }],
    ["a day ahead", DAY, { tooNewLogEventStartIndex: 0 }],
  ])("PutLogEvents of one event %s answers rejectedLogEventsInfo and a nextSequenceToken", async (_what, offset, info) => {
    const name = await groupWithStream();
    const out = await logs.send(
      new PutLogEventsCommand({ logGroupName: name, logStreamName: "s", logEvents: [{ message: "m", timestamp: Date.now() + offset }] }),
    );
    expect(out.rejectedLogEventsInfo).toEqual(info);
    expect(out.nextSequenceToken).toEqual(expect.any(String));
  });

  // test_logs_events.snapshot.json test_get_log_events_invalid_token, test_get_log_events_limit_validation,
  // test_resource_does_not_exist; test_logs_filter_events.snapshot.json test_filter_log_events_unknown_token and
  // test_filter_log_events_limit_validation.
  it("GetLogEvents and FilterLogEvents refuse a bad token, a limit over 10000 and missing resources", async () => {
    const name = await groupWithStream();
    expect(await failure(logs.send(new GetLogEventsCommand({ logGroupName: name, logStreamName: "s", nextToken: "invalid-token" })))).toMatchObject(
      invalid("The specified nextToken is invalid."),
    );
    expect(await failure(logs.send(new GetLogEventsCommand({ logGroupName: name, logStreamName: "s", limit: 10001 })))).toMatchObject(
      invalid("1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000"),
    );
    expect(
      await failure(logs.send(new FilterLogEventsCommand({ logGroupName: name, logStreamNames: ["s"], limit: 20, nextToken: "invalid-token" }))),
    ).toMatchObject(invalid("The specified nextToken is invalid."));
    expect(await failure(logs.send(new FilterLogEventsCommand({ logGroupName: name, limit: 10001 })))).toMatchObject(
      invalid("1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000"),
    );
    expect(await failure(logs.send(new GetLogEventsCommand({ logGroupName: unique("none"), logStreamName: "s" })))).toMatchObject({
      name: "ResourceNotFoundException",
      message: "The specified log group does not exist.",
    });
    expect(await failure(logs.send(new GetLogEventsCommand({ logGroupName: name, logStreamName: "none" })))).toMatchObject({
      name: "ResourceNotFoundException",
      message: "The specified log stream does not exist.",
    });
  });
});

describe("metric filters", () => {
  const transformation = (extra: Partial<MetricTransformation> = {}): MetricTransformation => ({
    metricNamespace: "namespace",
    metricName: "metric",
    metricValue: "1",
    ...extra,
  });

  // test_logs_metric_filters.snapshot.json test_put_metric_filter_basic (pattern " ", defaultValue 0) and
  // test_describe_metric_filters_by_log_group (no defaultValue: none answered).
  it.each([
    [" ", { defaultValue: 0 }],
    ['{$.message = "test"}', { defaultValue: 0 }],
    ["pattern", {}],
  ])("DescribeMetricFilters answers pattern %j as stored, applyOnTransformedLogs false and defaultValue only if given", async (pattern, extra) => {
    const name = await group();
    await logs.send(
      new PutMetricFilterCommand({ logGroupName: name, filterName: "f", filterPattern: pattern, metricTransformations: [transformation(extra)] }),
    );
    expect((await logs.send(new DescribeMetricFiltersCommand({ logGroupName: name }))).metricFilters).toEqual([
      {
        applyOnTransformedLogs: false,
        creationTime: expect.any(Number),
        filterName: "f",
        filterPattern: pattern,
        logGroupName: name,
        metricTransformations: [{ metricName: "metric", metricNamespace: "namespace", metricValue: "1", ...extra }],
      },
    ]);
  });

  // test_logs_metric_filters.snapshot.json: error-invalid-filter-name, error-invalid-filter-pattern,
  // error-too-many-transformations, error-invalid-log-group-name, error-invalid-filter-prefix, error-invalid-metric-name.
  it("refuses over-long names and patterns and two transformations with AWS's messages", async () => {
    const name = await group();
    const put = (extra: object) =>
      failure(logs.send(new PutMetricFilterCommand({ logGroupName: name, filterName: "valid-filter", filterPattern: "pattern", metricTransformations: [transformation()], ...extra })));
    const x = (k: number) => "X".repeat(k);
    expect(await put({ filterName: x(513) })).toMatchObject(tooLong(x(513), "filterName", 512));
    expect(await put({ filterPattern: x(1025) })).toMatchObject(tooLong(x(1025), "filterPattern", 1024));
    expect(
      await put({
        metricTransformations: [
          { metricNamespace: "namespace1", metricName: "metric1", metricValue: "1" },
          { metricNamespace: "namespace2", metricName: "metric2", metricValue: "1" },
        ],
      }),
    ).toMatchObject(
      invalid(
        "1 validation error detected: Value '[MetricTransformation(metricName=metric1, metricNamespace=namespace1, metricValue=1, defaultValue=null, unit=null, dimensions=null), MetricTransformation(metricName=metric2, metricNamespace=namespace2, metricValue=1, defaultValue=null, unit=null, dimensions=null)]' at 'metricTransformations' failed to satisfy constraint: Member must have length less than or equal to 1",
      ),
    );
    expect(await failure(logs.send(new DeleteMetricFilterCommand({ logGroupName: name, filterName: x(513) })))).toMatchObject(
      tooLong(x(513), "filterName", 512),
    );
    expect(await failure(logs.send(new DeleteMetricFilterCommand({ logGroupName: x(513), filterName: "valid-filter" })))).toMatchObject(
      invalid("Invalid LogGroup or LogStream, both must have length less than or equal to 512."),
    );
    expect(await failure(logs.send(new DescribeMetricFiltersCommand({ filterNamePrefix: x(513) })))).toMatchObject(
      tooLong(x(513), "filterNamePrefix", 512),
    );
    expect(await failure(logs.send(new DescribeMetricFiltersCommand({ metricName: x(256), metricNamespace: "valid" })))).toMatchObject(
      tooLong(x(256), "metricName", 255),
    );
  });
});

describe("subscription filters", () => {
  const kinesis = (stream: string) => `arn:aws:kinesis:${REGION}:${account}:stream/${stream}`;
  const role = () => `arn:aws:iam::${account}:role/CWLtoKinesis`;

  // test_logs_subscription_filters.snapshot.json test_describe_subscription_filters_empty and _log_group_not_found.
  it("DescribeSubscriptionFilters answers an empty list, or ResourceNotFoundException for a missing group", async () => {
    const name = await group();
    expect((await logs.send(new DescribeSubscriptionFiltersCommand({ logGroupName: name }))).subscriptionFilters).toEqual([]);
    expect(await failure(logs.send(new DescribeSubscriptionFiltersCommand({ logGroupName: unique("none") })))).toMatchObject({
      name: "ResourceNotFoundException",
      message: "The specified log group does not exist.",
    });
  });

  // test_logs_subscription_filters.snapshot.json test_put_subscription_filter_update (the fields, distribution
  // ByLogStream by default) and test_put_subscription_filter_limit_exceeded (two per group).
  it("PutSubscriptionFilter replaces by name, answers AWS's fields and allows two per group", async () => {
    const name = await group();
    const put = (filterName: string, filterPattern: string) =>
      logs.send(new PutSubscriptionFilterCommand({ logGroupName: name, filterName, filterPattern, destinationArn: kinesis("s"), roleArn: role() }));
    await put("test", "");
    await put("test", "[]");
    expect((await logs.send(new DescribeSubscriptionFiltersCommand({ logGroupName: name }))).subscriptionFilters).toEqual([
      {
        applyOnTransformedLogs: false,
        creationTime: expect.any(Number),
        destinationArn: kinesis("s"),
        distribution: "ByLogStream",
        filterName: "test",
        filterPattern: "[]",
        logGroupName: name,
        roleArn: role(),
      },
    ]);
    await put("test-2", "[]");
    expect(await failure(put("test-3", ""))).toMatchObject({ name: "LimitExceededException", status: 400, message: "Resource limit exceeded." });
  });

  // test_logs_subscription_filters.snapshot.json test_delete_subscription_filter_errors.
  it("DeleteSubscriptionFilter names what is missing: the group or the filter", async () => {
    const name = await group();
    expect(await failure(logs.send(new DeleteSubscriptionFilterCommand({ logGroupName: unique("none"), filterName: "test" })))).toMatchObject({
      name: "ResourceNotFoundException",
      message: "The specified log group does not exist.",
    });
    expect(await failure(logs.send(new DeleteSubscriptionFilterCommand({ logGroupName: name, filterName: "wrong-filter-name" })))).toMatchObject({
      name: "ResourceNotFoundException",
      message: "The specified subscription filter does not exist.",
    });
  });

  // test_logs_subscription_filters.snapshot.json test_put_subscription_filter_errors: another account's Lambda
  // function is refused even before the group is looked for; a Kinesis stream needs a roleArn.
  it("refuses another account's Lambda function and a Kinesis stream without roleArn", async () => {
    const name = await group();
    const crossAccount = {
      name: "AccessDeniedException",
      status: 400,
      message: "Cross-account lambda invocation passing is not allowed. You must use DestinationPolicies to create cross account lambda triggers.",
    };
    const other = "arn:aws:lambda:us-east-1:123456789012:function:test";
    expect(
      await failure(logs.send(new PutSubscriptionFilterCommand({ logGroupName: unique("none"), filterName: "test", filterPattern: "", destinationArn: other }))),
    ).toMatchObject(crossAccount);
    expect(
      await failure(logs.send(new PutSubscriptionFilterCommand({ logGroupName: name, filterName: "test", filterPattern: "", destinationArn: other }))),
    ).toMatchObject(crossAccount);
    expect(
      await failure(
        logs.send(
          new PutSubscriptionFilterCommand({
            logGroupName: name,
            filterName: "test",
            filterPattern: "",
            destinationArn: "arn:aws:kinesis:us-east-1:123456789012:stream/unknown-stream",
          }),
        ),
      ),
    ).toMatchObject(invalid("destinationArn for vendor kinesis cannot be used without roleArn"));
  });
});

describe("destinations", () => {
  // test_logs_destinations.snapshot.json test_put_destination and test_destination_tags: tags given at creation,
  // added by TagResource and removed by UntagResource on the destination's ARN.
  it("PutDestination answers AWS's fields, and its ARN takes TagResource, UntagResource and ListTagsForResource", async () => {
    const name = `dest-${Date.now().toString(36)}`;
    const targetArn = `arn:aws:kinesis:${REGION}:${account}:stream/s`;
    const roleArn = `arn:aws:iam::${account}:role/CWLtoKinesis`;
    const arn = `arn:aws:logs:${REGION}:${account}:destination:${name}`;
    const out = await logs.send(new PutDestinationCommand({ destinationName: name, targetArn, roleArn, tags: { key1: "val1" } }));
    expect(out.destination).toEqual({ arn, creationTime: expect.any(Number), destinationName: name, roleArn, targetArn });
    await logs.send(new TagResourceCommand({ resourceArn: arn, tags: { key2: "val2" } }));
    expect((await logs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual({ key1: "val1", key2: "val2" });
    await logs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ["key2"] }));
    expect((await logs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual({ key1: "val1" });
  });
});

describe("resource policies", () => {
  // test_logs_resource_policies.snapshot.json test_put_resource_policy_limit_exceeded (ten per account) and
  // test_delete_resource_policy_not_found.
  it("allows ten per account, then LimitExceededException but updates; deleting a missing one names it", async () => {
    const doc = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Sid: "Route53", Effect: "Allow", Principal: { Service: "route53.amazonaws.com" }, Action: "logs:PutLogEvents", Resource: "*" }],
    });
    for (let i = 0; i < 10; i++) await logs.send(new PutResourcePolicyCommand({ policyName: `policy-${i}`, policyDocument: doc }));
    expect(await failure(logs.send(new PutResourcePolicyCommand({ policyName: "policy-10", policyDocument: doc })))).toMatchObject({
      name: "LimitExceededException",
      status: 400,
      message: "Resource limit exceeded.",
    });
    // test_logs_resource_policies.py test_put_resource_policy_update_existing_when_at_limit (AWS-validated): a put
    // to an existing name is an update, allowed at the limit.
    const update = '{"Statement":[{"Action":"logs:*","Effect":"Allow","Principal":{"Service":"logs.amazonaws.com"},"Resource":"*"}]}';
    expect((await logs.send(new PutResourcePolicyCommand({ policyName: "policy-1", policyDocument: update }))).resourcePolicy!.policyDocument).toBe(update);
    expect(await failure(logs.send(new DeleteResourcePolicyCommand({ policyName: "non-existent" })))).toMatchObject({
      name: "ResourceNotFoundException",
      status: 400,
      message: "Policy with name [non-existent] does not exist.",
    });
    for (let i = 0; i < 10; i++) await logs.send(new DeleteResourcePolicyCommand({ policyName: `policy-${i}` }));
  });
});

describe("export tasks", () => {
  // test_logs_export_tasks.snapshot.json test_create_export_task_bucket_not_found, test_describe_export_tasks_not_found
  // and test_cancel_export_task_not_found.
  it("refuses a missing bucket, describes an unknown task as none, and cannot cancel one", async () => {
    const name = await group();
    const missing = `non-existent-bucket-${Date.now().toString(36)}`;
    expect(
      await failure(logs.send(new CreateExportTaskCommand({ logGroupName: name, from: 1611316574, to: 1642852574, destination: missing }))),
    ).toMatchObject(invalid("The given bucket does not exist. Please make sure the bucket is valid."));
    expect((await logs.send(new DescribeExportTasksCommand({ taskId: "non-existent-task-id" }))).exportTasks).toEqual([]);
    expect(await failure(logs.send(new CancelExportTaskCommand({ taskId: "abc-def" })))).toMatchObject({
      name: "ResourceNotFoundException",
      status: 400,
      message: "The specified export task does not exist.",
    });
  });
});

// ---- second pass ----

describe("log groups, second pass", () => {
  // test_logs_groups.snapshot.json test_create_log_group_with_kms_key: kmsKeyId joins the prefix answer's fields.
  it("DescribeLogGroups answers kmsKeyId beside every other field of a group created with one", async () => {
    const name = unique("kms");
    const kmsKeyId = `arn:aws:kms:${REGION}:${account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    await logs.send(new CreateLogGroupCommand({ logGroupName: name, kmsKeyId }));
    expect((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }))).logGroups).toEqual([
      describedGroup(name, { kmsKeyId }),
    ]);
  });

  // test_logs_groups.snapshot.json test_describe_log_groups_with_prefix: three groups of one prefix, by name.
  it("DescribeLogGroups by prefix answers every group of the prefix in name order", async () => {
    const prefix = unique("three");
    for (const i of [2, 0, 1]) await logs.send(new CreateLogGroupCommand({ logGroupName: `${prefix}-${i}` }));
    const out = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: prefix }));
    expect(out.logGroups!.map((g) => g.logGroupName)).toEqual([0, 1, 2].map((i) => `${prefix}-${i}`));
    expect(out.logGroups!.every((g) => g.storedBytes === 0 && g.deletionProtectionEnabled === false)).toBe(true);
  });

  // test_logs_groups.snapshot.json test_list_log_groups_with_pattern list-log-groups-no-match: an empty list, no token.
  it("ListLogGroups with a pattern that matches nothing answers an empty logGroups and no nextToken", async () => {
    const out = await logs.send(new ListLogGroupsCommand({ logGroupNamePattern: `no-such-group-${Date.now().toString(36)}` }));
    expect(out.logGroups).toEqual([]);
    expect(out.nextToken).toBeUndefined();
  });

  // test_logs_groups.py test_put_retention_policy / test_delete_retention_policy (AWS-validated asserts).
  it("retentionInDays shows after PutRetentionPolicy and is absent after DeleteRetentionPolicy", async () => {
    const name = await group();
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: name, retentionInDays: 7 }));
    expect((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }))).logGroups![0].retentionInDays).toBe(7);
    await logs.send(new DeleteRetentionPolicyCommand({ logGroupName: name }));
    expect((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }))).logGroups![0]).not.toHaveProperty("retentionInDays");
  });

  // test_logs_groups.snapshot.json test_create_log_group_with_tags, test_tag_log_group (a second tag on the same
  // key overwrites it) and test_untag_log_group.
  it("TagLogGroup adds and overwrites, UntagLogGroup removes, CreateLogGroup's tags are listed", async () => {
    const tagged = unique("t");
    await logs.send(new CreateLogGroupCommand({ logGroupName: tagged, tags: { env: "testing" } }));
    expect(await logs.send(new ListTagsLogGroupCommand({ logGroupName: tagged }))).toMatchObject({ tags: { env: "testing" } });
    const name = await group();
    const tags = async () => (await logs.send(new ListTagsLogGroupCommand({ logGroupName: name }))).tags;
    await logs.send(new TagLogGroupCommand({ logGroupName: name, tags: { tag_key_1: "tag_value_1" } }));
    expect(await tags()).toEqual({ tag_key_1: "tag_value_1" });
    await logs.send(new TagLogGroupCommand({ logGroupName: name, tags: { tag_key_2: "tag_value_2" } }));
    await logs.send(new TagLogGroupCommand({ logGroupName: name, tags: { tag_key_1: "tag_value_XX" } }));
    expect(await tags()).toEqual({ tag_key_1: "tag_value_XX", tag_key_2: "tag_value_2" });
    await logs.send(new UntagLogGroupCommand({ logGroupName: name, tags: ["tag_key_1"] }));
    expect(await tags()).toEqual({ tag_key_2: "tag_value_2" });
  });
});

describe("log streams and events, second pass", () => {
  // test_logs_streams.snapshot.json test_describe_log_streams_with_prefix: three streams, by name, storedBytes 0.
  it("DescribeLogStreams by prefix answers each stream's arn, creationTime, name and storedBytes in name order", async () => {
    const name = await group();
    for (const s of ["p-2", "p-0", "p-1", "q-0"]) await logs.send(new CreateLogStreamCommand({ logGroupName: name, logStreamName: s }));
    expect((await logs.send(new DescribeLogStreamsCommand({ logGroupName: name, logStreamNamePrefix: "p-" }))).logStreams).toEqual(
      ["p-0", "p-1", "p-2"].map((s) => ({
        arn: `arn:aws:logs:${REGION}:${account}:log-group:${name}:log-stream:${s}`,
        creationTime: expect.any(Number),
        logStreamName: s,
        storedBytes: 0,
      })),
    );
  });

  // test_logs_events.py test_put_events_multi_bytes_msg, test_get_log_events_start_from_head and
  // test_get_log_events_using_log_group_identifier (AWS-validated asserts).
  it("GetLogEvents reads back a multi-byte message, from the head with a limit, by name, identifier or ARN", async () => {
    const name = await groupWithStream();
    const t = Date.now() - 10_000;
    const put = await logs.send(
      new PutLogEventsCommand({
        logGroupName: name,
        logStreamName: "s",
        logEvents: [{ timestamp: t - 1, message: "🙀 - 参よ - 日本語" }, ...Array.from({ length: 20 }, (_, i) => ({ timestamp: t + i * 100, message: `message ${i}` }))],
      }),
    );
    expect(put.nextSequenceToken).toEqual(expect.any(String));
    expect(put).not.toHaveProperty("rejectedLogEventsInfo");
    const head = await logs.send(new GetLogEventsCommand({ logGroupName: name, logStreamName: "s", limit: 10, startFromHead: true }));
    expect(head.events!.map((e) => e.message)).toEqual(["🙀 - 参よ - 日本語", ...Array.from({ length: 9 }, (_, i) => `message ${i}`)]);
    expect(Object.keys(head.events![0]).sort()).toEqual(["ingestionTime", "message", "timestamp"]);
    const arn = `arn:aws:logs:${REGION}:${account}:log-group:${name}`;
    for (const id of [{ logGroupName: name }, { logGroupIdentifier: name }, { logGroupIdentifier: arn }]) {
      expect((await logs.send(new GetLogEventsCommand({ ...id, logStreamName: "s" }))).events).toHaveLength(21);
    }
  });
});

describe("PutLogEvents span, second pass", () => {
  // The raw AWS answer quoted in maxbanton/cwh#96: {"__type":"InvalidParameterException","message":"The batch of log
  // events in a single PutLogEvents request cannot span more than 24 hours."} (also aws/amazon-cloudwatch-logs-for-fluent-bit#29).
  it("refuses a batch in order whose events span more than 24 hours", async () => {
    const name = await groupWithStream();
    const now = Date.now();
    const e = await failure(
      logs.send(
        new PutLogEventsCommand({
          logGroupName: name,
          logStreamName: "s",
          logEvents: [
            { timestamp: now - 25 * 3_600_000, message: "a" },
            { timestamp: now, message: "b" },
          ],
        }),
      ),
    );
    expect(e).toMatchObject(invalid("The batch of log events in a single PutLogEvents request cannot span more than 24 hours."));
  });
});

describe("FilterLogEvents, second pass", () => {
  const messages = ["hello", "world", "hello world", "goodbye world", "hello cruela", "goodbye cruel world"];
  async function seeded(): Promise<string> {
    const name = await groupWithStream();
    const t = Date.now() - 10_000;
    await logs.send(
      new PutLogEventsCommand({ logGroupName: name, logStreamName: "s", logEvents: messages.map((message, i) => ({ timestamp: t + i * 100, message })) }),
    );
    return name;
  }

  // test_logs_filter_events.py TestFilterLogEventsPatterns (AWS-validated asserts): terms, all terms, a quoted
  // phrase as a substring, and a JSON pattern over messages that are not JSON.
  it.each([
    ["hello", ["hello", "hello world", "hello cruela"]],
    ["goodbye world", ["goodbye world", "goodbye cruel world"]],
    ['"hello cruel"', ["hello cruela"]],
    ['{$.message = "hello"}', []],
  ])("filterPattern %j matches %j", async (filterPattern, want) => {
    const name = await seeded();
    const out = await logs.send(new FilterLogEventsCommand({ logGroupName: name, logStreamNames: ["s"], filterPattern }));
    expect(out.events!.map((e) => e.message)).toEqual(want);
  });

  // test_logs_filter_events.py test_filter_log_events_interleaved and _pagination (AWS-validated asserts): each event
  // has eventId, timestamp, message; 25 events in pages of 20 give 20 with a nextToken, then 5.
  it("answers events with eventId, ingestionTime, logStreamName, message and timestamp, in pages of the limit", async () => {
    const name = await groupWithStream();
    const t = Date.now() - 10_000;
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: name,
        logStreamName: "s",
        logEvents: Array.from({ length: 25 }, (_, i) => ({ timestamp: t + i * 100, message: `Message number ${i}` })),
      }),
    );
    const first = await logs.send(new FilterLogEventsCommand({ logGroupName: name, logStreamNames: ["s"], limit: 20, interleaved: true }));
    expect(first.events).toHaveLength(20);
    expect(Object.keys(first.events![0]).sort()).toEqual(["eventId", "ingestionTime", "logStreamName", "message", "timestamp"]);
    expect(first.nextToken).toEqual(expect.any(String));
    const second = await logs.send(new FilterLogEventsCommand({ logGroupName: name, logStreamNames: ["s"], limit: 20, nextToken: first.nextToken }));
    expect([...first.events!, ...second.events!].map((e) => e.message)).toEqual(Array.from({ length: 25 }, (_, i) => `Message number ${i}`));
  });

  // test_logs_filter_events.py test_filter_log_events_response_header (AWS-validated): Content-Type application/x-amz-json-1.1.
  it("answers with Content-Type application/x-amz-json-1.1", async () => {
    const name = await seeded();
    const res = await httpResponseOf(new FilterLogEventsCommand({ logGroupName: name }));
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("application/x-amz-json-1.1");
  });
});

describe("metric filters, second pass", () => {
  // test_logs_metric_filters.snapshot.json test_describe_metric_filters_by_prefix: filters of one name prefix
  // across groups, each with its own group, in filter-name order, without defaultValue when none was given.
  it("DescribeMetricFilters by filterNamePrefix alone answers filters of every group", async () => {
    const prefix = `f-${Date.now().toString(36)}-${++n}`;
    const groups = [await group(), await group()];
    for (const i of [1, 0]) {
      await logs.send(
        new PutMetricFilterCommand({
          logGroupName: groups[i],
          filterName: `${prefix}-${i}`,
          filterPattern: `filterPattern${i}`,
          metricTransformations: [{ metricNamespace: `namespace${i}`, metricName: `metric${i}`, metricValue: String(i) }],
        }),
      );
    }
    expect((await logs.send(new DescribeMetricFiltersCommand({ filterNamePrefix: prefix }))).metricFilters).toEqual(
      [0, 1].map((i) => ({
        applyOnTransformedLogs: false,
        creationTime: expect.any(Number),
        filterName: `${prefix}-${i}`,
        filterPattern: `filterPattern${i}`,
        logGroupName: groups[i],
        metricTransformations: [{ metricName: `metric${i}`, metricNamespace: `namespace${i}`, metricValue: String(i) }],
      })),
    );
  });

  // test_logs_metric_filters.snapshot.json test_describe_metric_filters_by_metric_name, and .py
  // test_put_metric_filter_with_special_namespace and test_delete_metric_filter (AWS-validated asserts).
  it("DescribeMetricFilters by metricName and metricNamespace, a namespace with . - _ / # :, and DeleteMetricFilter", async () => {
    const name = await group();
    const namespace = `A.B-c_d/1#2:${Date.now().toString(36)}`;
    await logs.send(
      new PutMetricFilterCommand({
        logGroupName: name,
        filterName: "f-special",
        filterPattern: "{ $.val = * }",
        metricTransformations: [{ metricNamespace: namespace, metricName: "metricName", metricValue: "$.value" }],
      }),
    );
    expect((await logs.send(new DescribeMetricFiltersCommand({ metricName: "metricName", metricNamespace: namespace }))).metricFilters).toEqual([
      {
        applyOnTransformedLogs: false,
        creationTime: expect.any(Number),
        filterName: "f-special",
        filterPattern: "{ $.val = * }",
        logGroupName: name,
        metricTransformations: [{ metricName: "metricName", metricNamespace: namespace, metricValue: "$.value" }],
      },
    ]);
    await logs.send(new DeleteMetricFilterCommand({ logGroupName: name, filterName: "f-special" }));
    expect((await logs.send(new DescribeMetricFiltersCommand({ logGroupName: name, filterNamePrefix: "f-special" }))).metricFilters).toEqual([]);
  });
});

describe("subscription filters, second pass", () => {
  // test_logs_subscription_filters.snapshot.json test_put_subscription_filter_lambda: a same-account Lambda function
  // needs no roleArn, and the filter is described without one.
  it("a same-account Lambda destination is described without roleArn", async () => {
    const name = await group();
    const fn = `arn:aws:lambda:${REGION}:${account}:function:echo`;
    expect(await logs.send(new PutSubscriptionFilterCommand({ logGroupName: name, filterName: "test", filterPattern: "", destinationArn: fn }))).not.toHaveProperty(
      "roleArn",
    );
    expect((await logs.send(new DescribeSubscriptionFiltersCommand({ logGroupName: name }))).subscriptionFilters).toEqual([
      {
        applyOnTransformedLogs: false,
        creationTime: expect.any(Number),
        destinationArn: fn,
        distribution: "ByLogStream",
        filterName: "test",
        filterPattern: "",
        logGroupName: name,
      },
    ]);
  });
});

describe("destinations, second pass", () => {
  const targetArn = () => `arn:aws:kinesis:${REGION}:${account}:stream/s`;
  const roleArn = () => `arn:aws:iam::${account}:role/CWLtoKinesis`;

  // test_logs_destinations.snapshot.json test_describe_destinations_empty, _with_prefix, test_update_destination,
  // test_put_destination_policy and test_delete_destination.
  it("DescribeDestinations by prefix: none, then AWS's fields, the same after an update, accessPolicy once put, none after delete", async () => {
    const name = `dest-${Date.now().toString(36)}-${++n}`;
    expect(await logs.send(new DescribeDestinationsCommand({ DestinationNamePrefix: name }))).toMatchObject({ destinations: [] });
    await logs.send(new PutDestinationCommand({ destinationName: name, targetArn: targetArn(), roleArn: roleArn(), tags: { Name: name } }));
    const described = async () => (await logs.send(new DescribeDestinationsCommand({ DestinationNamePrefix: name }))).destinations;
    const want = {
      arn: `arn:aws:logs:${REGION}:${account}:destination:${name}`,
      creationTime: expect.any(Number),
      destinationName: name,
      roleArn: roleArn(),
      targetArn: targetArn(),
    };
    const original = await described();
    expect(original).toEqual([want]);
    await logs.send(new PutDestinationCommand({ destinationName: name, targetArn: targetArn(), roleArn: roleArn(), tags: { tag1: "value1" } }));
    expect(await described()).toEqual([{ ...want, creationTime: original![0].creationTime }]);
    const accessPolicy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { AWS: "logs.amazonaws.com" }, Action: "logs:PutSubscriptionFilter", Resource: targetArn() }],
    });
    const put = await logs.send(new PutDestinationPolicyCommand({ destinationName: name, accessPolicy }));
    expect(Object.keys(put).filter((k) => k !== "$metadata")).toEqual([]);
    const withPolicy = await described();
    expect(withPolicy).toEqual([{ ...want, accessPolicy: expect.any(String) }]);
    expect(JSON.parse(withPolicy![0].accessPolicy!)).toEqual(JSON.parse(accessPolicy));
    const del = await logs.send(new DeleteDestinationCommand({ destinationName: name }));
    expect(Object.keys(del).filter((k) => k !== "$metadata")).toEqual([]);
    expect(await described()).toEqual([]);
  });
});

describe("resource policies, second pass", () => {
  const doc = (resource: string) =>
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Sid: "Route53LogsToCloudWatchLogs", Effect: "Allow", Principal: { Service: ["route53.amazonaws.com"] }, Action: "logs:PutLogEvents", Resource: resource },
      ],
    });
  const mine = async (prefix: string) =>
    ((await logs.send(new DescribeResourcePoliciesCommand({}))).resourcePolicies ?? []).filter((p) => p.policyName!.startsWith(prefix));

  // test_logs_resource_policies.snapshot.json test_put_resource_policy: the document as sent, lastUpdatedTime and
  // policyScope ACCOUNT; .py test_put_resource_policy_update_existing_when_at_limit: the answer echoes the string.
  it("PutResourcePolicy answers the document as sent, lastUpdatedTime and policyScope ACCOUNT", async () => {
    const name = `rp-${Date.now().toString(36)}-${++n}`;
    const sent = doc(`arn:aws:logs:${REGION}:${account}:log-group:x:*`);
    const out = await logs.send(new PutResourcePolicyCommand({ policyName: name, policyDocument: sent }));
    expect(out.resourcePolicy).toEqual({ lastUpdatedTime: expect.any(Number), policyDocument: sent, policyName: name, policyScope: "ACCOUNT" });
    await logs.send(new DeleteResourcePolicyCommand({ policyName: name }));
  });

  // test_logs_resource_policies.snapshot.json test_describe_resource_policies and test_put_resource_policy_update:
  // DescribeResourcePolicies answers the document as AWS keeps it: Version first (2008-10-17 when none was sent),
  // each statement's keys in Sid, Effect, Principal, Action, Resource order, a one-element list as its element.
  it("DescribeResourcePolicies answers each document normalized, and an update moves lastUpdatedTime", async () => {
    const prefix = `rpd-${Date.now().toString(36)}-${++n}`;
    for (let i = 0; i < 3; i++) await logs.send(new PutResourcePolicyCommand({ policyName: `${prefix}-${i}`, policyDocument: doc("log_arn") }));
    const listed = await mine(prefix);
    expect(listed).toEqual(
      [0, 1, 2].map((i) => ({ lastUpdatedTime: expect.any(Number), policyDocument: expect.any(String), policyName: `${prefix}-${i}`, policyScope: "ACCOUNT" })),
    );
    expect(listed[0].policyDocument).toBe(
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Sid: "Route53LogsToCloudWatchLogs", Effect: "Allow", Principal: { Service: "route53.amazonaws.com" }, Action: "logs:PutLogEvents", Resource: "log_arn" }],
      }),
    );
    await new Promise((r) => setTimeout(r, 5));
    const update = '{"Statement":[{"Action":"logs:*","Effect":"Allow","Principal":{"Service": ["route53.amazonaws.com"]},"Resource":"*"}]}';
    const put = await logs.send(new PutResourcePolicyCommand({ policyName: `${prefix}-1`, policyDocument: update }));
    expect(put.resourcePolicy!.policyDocument).toBe(update);
    const updated = (await mine(prefix))[1];
    expect(updated.lastUpdatedTime).not.toBe(listed[1].lastUpdatedTime);
    expect(updated.policyDocument).toBe(
      JSON.stringify({ Version: "2008-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "route53.amazonaws.com" }, Action: "logs:*", Resource: "*" }] }),
    );
    for (let i = 0; i < 3; i++) await logs.send(new DeleteResourcePolicyCommand({ policyName: `${prefix}-${i}` }));
    expect(await mine(prefix)).toEqual([]);
  });
});

describe("export tasks, second pass", () => {
  // test_logs_export_tasks.snapshot.json test_create_export_task_log_group_not_found and test_create_export_task_with_logs:
  // a task id that is a UUID, described with destinationPrefix "exportedlogs" when none was given.
  it("CreateExportTask answers a UUID taskId, has written its write check; the task keeps AWS's default prefix; a missing group is named", async () => {
    const name = await groupWithStream();
    const bucket = `exp-${Date.now().toString(36)}`;
    const s3 = new S3Client({ endpoint: stack.s3Endpoint, region: REGION, forcePathStyle: true, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    expect(
      await failure(logs.send(new CreateExportTaskCommand({ logGroupName: unique("none"), from: 1611316574, to: 1642852574, destination: bucket }))),
    ).toMatchObject({ name: "ResourceNotFoundException", status: 400, message: "The specified log group does not exist." });
    const t = Date.now();
    const out = await logs.send(new CreateExportTaskCommand({ logGroupName: name, from: t - DAY, to: t + DAY, destination: bucket }));
    expect(Object.keys(out).filter((k) => k !== "$metadata")).toEqual(["taskId"]);
    expect(out.taskId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    // moto's AWS-verified test_create_export_task_happy_path: the write check is in the bucket's root on return.
    const check = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "aws-logs-write-test" }));
    expect(await check.Body!.transformToString()).toBe("Permission Check Successful");
    const task = (await logs.send(new DescribeExportTasksCommand({ taskId: out.taskId }))).exportTasks![0];
    expect(task).toMatchObject({
      destination: bucket,
      destinationPrefix: "exportedlogs",
      executionInfo: { creationTime: expect.any(Number) },
      from: t - DAY,
      logGroupName: name,
      status: { code: expect.stringMatching(/^(PENDING|RUNNING|COMPLETED)$/) },
      taskId: out.taskId,
      to: t + DAY,
    });
    // A pending task carries no status message (the recording's `status: {code: PENDING}`).
    if (task.status!.code === "PENDING") expect(task.status).toEqual({ code: "PENDING" });
    // The same test: cancelling a task that has finished is InvalidOperationException, its message without a full stop.
    for (let i = 0; i < 300; i++) {
      const code = (await logs.send(new DescribeExportTasksCommand({ taskId: out.taskId }))).exportTasks![0].status!.code;
      if (code === "COMPLETED") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await failure(logs.send(new CancelExportTaskCommand({ taskId: out.taskId })))).toMatchObject({
      name: "InvalidOperationException",
      status: 400,
      message: "The specified export task has already finished",
    });
    s3.destroy();
  });
});

describe("Logs Insights queries, second pass", () => {
  // test_logs_queries.snapshot.json test_start_query_basic, test_describe_queries, test_describe_queries_with_status_filter
  // and .py test_describe_queries_empty.
  it("StartQuery answers a UUID queryId; DescribeQueries answers AWS's fields, by status, and none for a quiet group", async () => {
    const name = await group();
    const quiet = await group();
    const now = Math.floor(Date.now() / 1000);
    const { queryId } = await logs.send(new StartQueryCommand({ logGroupName: name, startTime: now - 3600, endTime: now + 300, queryString: "fields @message" }));
    expect(queryId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const want = {
      createTime: expect.any(Number),
      logGroupName: name,
      queryId,
      queryLanguage: "CWLI",
      queryString: `SOURCE "${name}" START=${now - 3600}000 END=${now + 300}999 | fields @message`,
      status: expect.any(String),
    };
    expect((await logs.send(new DescribeQueriesCommand({ logGroupName: name }))).queries).toEqual([want]);
    let complete: unknown[] = [];
    for (let i = 0; i < 100 && complete.length === 0; i++) {
      complete = (await logs.send(new DescribeQueriesCommand({ logGroupName: name, status: "Complete" }))).queries ?? [];
      if (complete.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(complete).toEqual([{ ...want, status: "Complete" }]);
    expect((await logs.send(new DescribeQueriesCommand({ logGroupName: name, status: "Scheduled" }))).queries).toEqual([]);
    expect((await logs.send(new DescribeQueriesCommand({ logGroupName: quiet }))).queries).toEqual([]);
  });
});

describe("delivery operations (not built)", () => {
  // test_logs_delivery.snapshot.json test_put_delivery_destination_invalid_format: the model's enum check answers
  // before anything else, as ValidationException with AWS's order of the set.
  it("PutDeliveryDestination with an unknown outputFormat is AWS's ValidationException", async () => {
    expect(
      await failure(
        logs.send(
          new PutDeliveryDestinationCommand({
            name: "d",
            outputFormat: "foobar" as any,
            deliveryDestinationConfiguration: { destinationResourceArn: "arn:aws:s3:::bucket" },
          }),
        ),
      ),
    ).toMatchObject({
      name: "ValidationException",
      status: 400,
      message: "1 validation error detected: Value 'foobar' at 'outputFormat' failed to satisfy constraint: Member must satisfy enum value set: [w3c, raw, json, plain, parquet]",
    });
  });

  // Deliveries have no store here: a valid request answers NotImplemented (501) naming the operation.
  it.each([
    ["GetDeliverySource", () => new GetDeliverySourceCommand({ name: "missing" })],
    ["GetDeliveryDestination", () => new GetDeliveryDestinationCommand({ name: "missing" })],
  ])("%s answers NotImplemented, 501", async (op, command) => {
    expect(await failure(logs.send(command() as any))).toMatchObject({
      name: "NotImplemented",
      status: 501,
      message: `The operation ${op} is not implemented by this service yet.`,
    });
  });
});

describe("Debian's aws CLI, second pass", () => {
  // The same recordings through awsJson1_1 from botocore: test_logs_metric_filters.py
  // test_put_metric_filter_with_special_namespace and _by_prefix; test_logs_resource_policies.snapshot.json
  // test_put_resource_policy_update.
  it("put-metric-filter with ':' in the namespace, describe-metric-filters by prefix alone, describe-resource-policies normalized", async () => {
    const cli = (...args: string[]) => awsCli(stack, ["logs", ...args]);
    const name = await group();
    const filterName = `cli-${Date.now().toString(36)}`;
    const put = await cli(
      "put-metric-filter",
      "--log-group-name", name,
      "--filter-name", filterName,
      "--filter-pattern", "ERROR",
      "--metric-transformations", "metricName=m,metricNamespace=A.B-c_d/1#2:ns,metricValue=1,defaultValue=0",
    );
    expect(put.code).toBe(0);
    const described = await cli("describe-metric-filters", "--filter-name-prefix", filterName);
    // test_put_metric_filter_basic recorded `"defaultValue": 0.0`: a double on the wire, which Python prints as 0.0.
    expect(described.stdout).toContain('"defaultValue": 0.0');
    // CLI 2.9's model predates applyOnTransformedLogs, so the CLI leaves it out.
    expect(described.json.metricFilters).toEqual([
      {
        creationTime: expect.any(Number),
        filterName,
        filterPattern: "ERROR",
        logGroupName: name,
        metricTransformations: [{ defaultValue: 0, metricName: "m", metricNamespace: "A.B-c_d/1#2:ns", metricValue: "1" }],
      },
    ]);
    const policyName = `cli-rp-${Date.now().toString(36)}`;
    const update = '{"Statement":[{"Action":"logs:*","Effect":"Allow","Principal":{"Service": ["route53.amazonaws.com"]},"Resource":"*"}]}';
    // CLI 2.9's model predates policyScope too.
    expect((await cli("put-resource-policy", "--policy-name", policyName, "--policy-document", update)).json.resourcePolicy).toEqual({
      lastUpdatedTime: expect.any(Number),
      policyDocument: update,
      policyName,
    });
    const listed = (await cli("describe-resource-policies")).json.resourcePolicies.find((p: any) => p.policyName === policyName);
    expect(listed.policyDocument).toBe(
      '{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"route53.amazonaws.com"},"Action":"logs:*","Resource":"*"}]}',
    );
    await logs.send(new DeleteResourcePolicyCommand({ policyName }));
  }, 240_000);
});
