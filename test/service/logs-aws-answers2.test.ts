/**
 * CloudWatch Logs answers as AWS gives them, beyond logs-aws-answers.test.ts:
 * Logs Insights results past 10,000 rows, the log group classes, PutLogEvents'
 * sizes and rejected events, GetLogEvents at the ends of a stream, and the
 * first calls of a log shipper. Each expectation cites where AWS's answer was
 * seen.
 */
import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeLogGroupsCommand,
  DescribeSubscriptionFiltersCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  GetQueryResultsCommand,
  PutLogEventsCommand,
  PutMetricFilterCommand,
  PutRetentionPolicyCommand,
  PutSubscriptionFilterCommand,
  StartQueryCommand,
  type CloudWatchLogsClient,
  type GetQueryResultsCommandOutput,
} from "@aws-sdk/client-cloudwatch-logs";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsCli, logsClient, startStack, type Stack } from "../support/stack.js";
import { signedLogsRequest } from "../support/logs-raw.js";
import { awsFailure as failure } from "../support/failure.js";

let stack: Stack;
let logs: CloudWatchLogsClient;
let account: string;
const REGION = "us-east-1";
const DAY = 86_400_000;
const RUN = `/ans2/${Date.now().toString(36)}`;
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

async function groupWithStream(extra: { logGroupClass?: "STANDARD" | "INFREQUENT_ACCESS" } = {}): Promise<string> {
  const name = unique("g");
  await logs.send(new CreateLogGroupCommand({ logGroupName: name, ...extra }));
  await logs.send(new CreateLogStreamCommand({ logGroupName: name, logStreamName: "s" }));
  return name;
}

/** Puts `count` events a millisecond apart, ending a minute ago, in batches of 10,000. */
async function putNumbered(name: string, count: number): Promise<void> {
  const first = Date.now() - 60_000 - count;
  for (let at = 0; at < count; at += 10_000) {
    const logEvents = Array.from({ length: Math.min(10_000, count - at) }, (_, i) => ({ timestamp: first + at + i, message: `event ${at + i}` }));
    await logs.send(new PutLogEventsCommand({ logGroupName: name, logStreamName: "s", logEvents }));
  }
}

/** Starts a query over the last hour and waits until it is Complete; its id. */
async function completeQuery(name: string, queryString: string, limit?: number): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const { queryId } = await logs.send(new StartQueryCommand({ logGroupName: name, startTime: now - 3600, endTime: now + 60, queryString, limit }));
  for (let i = 0; i < 600; i++) {
    const out = await logs.send(new GetQueryResultsCommand({ queryId, maxItems: 0 }));
    if (out.status === "Complete") return queryId!;
    expect(out.status).toMatch(/^(Scheduled|Running)$/);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`query ${queryId} did not complete`);
}

const messages = (out: GetQueryResultsCommandOutput) => out.results!.map((row) => row.find((f) => f.field === "@message")!.value);

describe("Logs Insights results past 10,000 rows", () => {
  // The API reference (StartQuery, botocore 1.43.67's model): limit is 1..100,000, "The maximum events returned in a
  // single GetQueryResults API call is 10,000 ... You can retrieve up to 100,000 log event results from a query by
  // paginating with the nextToken"; past the range the model's own words, as GetLogEvents' limit answers them
  // (localstack's AWS-recorded test_logs_events.snapshot.json test_get_log_events_limit_validation).
  it("StartQuery takes a limit up to 100,000 and refuses 100,001 with the model's words", async () => {
    const name = await groupWithStream();
    const now = Math.floor(Date.now() / 1000);
    const start = (limit: number) => logs.send(new StartQueryCommand({ logGroupName: name, startTime: now - 60, endTime: now, queryString: "fields @message", limit }));
    expect((await start(100_000)).queryId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await failure(start(100_001))).toMatchObject({
      name: "InvalidParameterException",
      status: 400,
      message: "1 validation error detected: Value '100001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100000",
    });
  });

  // The same pages: 10,000 rows a GetQueryResults by default, then a nextToken that reads the rest.
  it("a query of 10,050 rows answers 10,000 of them and a nextToken, then the last 50 and no token", async () => {
    const name = await groupWithStream();
    await putNumbered(name, 10_050);
    const queryId = await completeQuery(name, "fields @message | sort @timestamp asc", 20_000);
    const first = await logs.send(new GetQueryResultsCommand({ queryId }));
    expect(first.results).toHaveLength(10_000);
    expect(first.statistics).toMatchObject({ recordsMatched: 10_050, recordsScanned: 10_050 });
    expect(first.nextToken).toEqual(expect.any(String));
    const second = await logs.send(new GetQueryResultsCommand({ queryId, nextToken: first.nextToken }));
    expect(second.nextToken).toBeUndefined();
    expect([...messages(first), ...messages(second)]).toEqual(Array.from({ length: 10_050 }, (_, i) => `event ${i}`));
    // Without a StartQuery limit a query still answers AWS's default of 10,000 rows, in one page.
    const capped = await logs.send(new GetQueryResultsCommand({ queryId: await completeQuery(name, "fields @message") }));
    expect(capped.results).toHaveLength(10_000);
    expect(capped.nextToken).toBeUndefined();
  }, 240_000);

  // GetQueryResults' maxItems (0..10,000 in the model) sizes the pages; each row keeps its @ptr.
  it("maxItems pages a result: 10, 10, then 5 rows, each with @message and @ptr", async () => {
    const name = await groupWithStream();
    await putNumbered(name, 25);
    const queryId = await completeQuery(name, "fields @message | sort @timestamp asc");
    const pages: GetQueryResultsCommandOutput[] = [];
    let nextToken: string | undefined;
    do {
      const page = await logs.send(new GetQueryResultsCommand({ queryId, maxItems: 10, nextToken }));
      pages.push(page);
      nextToken = page.nextToken;
    } while (nextToken);
    expect(pages.map((p) => p.results!.length)).toEqual([10, 10, 5]);
    expect(pages.flatMap(messages)).toEqual(Array.from({ length: 25 }, (_, i) => `event ${i}`));
    expect(pages[2].results![4].map((f) => f.field)).toEqual(["@message", "@ptr"]);
    expect(pages.every((p) => p.status === "Complete")).toBe(true);
  }, 120_000);

  // A token is the query's own: the wording AWS gives a bad token elsewhere in the API (localstack's AWS-recorded
  // test_logs_events.snapshot.json test_get_log_events_invalid_token).
  it("a token of another query, or not a token, is InvalidParameterException", async () => {
    const name = await groupWithStream();
    await putNumbered(name, 3);
    const a = await completeQuery(name, "fields @message");
    const b = await completeQuery(name, "fields @timestamp");
    const { nextToken } = await logs.send(new GetQueryResultsCommand({ queryId: a, maxItems: 1 }));
    expect(nextToken).toEqual(expect.any(String));
    const bad = { name: "InvalidParameterException", status: 400, message: "The specified nextToken is invalid." };
    expect(await failure(logs.send(new GetQueryResultsCommand({ queryId: b, nextToken })))).toMatchObject(bad);
    expect(await failure(logs.send(new GetQueryResultsCommand({ queryId: a, nextToken: "invalid-token" })))).toMatchObject(bad);
  }, 120_000);
});

describe("log group classes", () => {
  // AWS's "Log classes" page: metric filters and subscription filters are Standard-class features. AWS's answer for
  // an Infrequent Access group, quoted from DescribeSubscriptionFilters in turbot/steampipe-plugin-aws#2758:
  // "api error ValidationException: This operation is only supported on the Standard log class.", HTTP 400.
  const standardOnly = { name: "ValidationException", status: 400, message: "This operation is only supported on the Standard log class." };

  it("an Infrequent Access group takes events and queries, but no filters, FilterLogEvents or GetLogEvents", async () => {
    const name = await groupWithStream({ logGroupClass: "INFREQUENT_ACCESS" });
    expect((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }))).logGroups![0].logGroupClass).toBe("INFREQUENT_ACCESS");
    await logs.send(new PutLogEventsCommand({ logGroupName: name, logStreamName: "s", logEvents: [{ timestamp: Date.now() - 1000, message: "ERROR kept" }] }));
    // Logs Insights reads such a group (AWS's "Log classes" page; the karpenter report moved to it for that reason).
    const kept = await logs.send(new GetQueryResultsCommand({ queryId: await completeQuery(name, "fields @message") }));
    expect(messages(kept)).toEqual(["ERROR kept"]);
    expect(await failure(logs.send(new DescribeSubscriptionFiltersCommand({ logGroupName: name })))).toMatchObject(standardOnly);
    expect(
      await failure(
        logs.send(
          new PutSubscriptionFilterCommand({ logGroupName: name, filterName: "f", filterPattern: "", destinationArn: `arn:aws:lambda:${REGION}:${account}:function:f` }),
        ),
      ),
    ).toMatchObject(standardOnly);
    expect(
      await failure(
        logs.send(
          new PutMetricFilterCommand({
            logGroupName: name,
            filterName: "f",
            filterPattern: "ERROR",
            metricTransformations: [{ metricName: "errors", metricNamespace: "app", metricValue: "1" }],
          }),
        ),
      ),
    ).toMatchObject(standardOnly);
    // The raw answer quoted in aws/karpenter-provider-aws#9567: "InvalidOperationException: The log group
    // /aws/eks/<cluster>/cluster is of log-group-class INFREQUENT_ACCESS. FilterLogEvents is not supported for this log class.", 400.
    expect(await failure(logs.send(new FilterLogEventsCommand({ logGroupName: name })))).toMatchObject({
      name: "InvalidOperationException",
      status: 400,
      message: `The log group ${name} is of log-group-class INFREQUENT_ACCESS. FilterLogEvents is not supported for this log class.`,
    });
    // GetLogEvents is a Standard-class read too (the "Log classes" page, as elastic/docs-content#2418 reads it);
    // its answer is taken to be FilterLogEvents' words with its own name.
    expect(await failure(logs.send(new GetLogEventsCommand({ logGroupName: name, logStreamName: "s" })))).toMatchObject({
      name: "InvalidOperationException",
      status: 400,
      message: `The log group ${name} is of log-group-class INFREQUENT_ACCESS. GetLogEvents is not supported for this log class.`,
    });
    // A Standard group of the same shape takes the metric filter.
    const standard = await groupWithStream();
    await logs.send(
      new PutMetricFilterCommand({
        logGroupName: standard,
        filterName: "f",
        filterPattern: "ERROR",
        metricTransformations: [{ metricName: "errors", metricNamespace: "app", metricValue: "1" }],
      }),
    );
  });

  it("Debian's aws CLI shows the same answers for describe-subscription-filters and filter-log-events", async () => {
    const name = await groupWithStream({ logGroupClass: "INFREQUENT_ACCESS" });
    const filtered = await awsCli(stack, ["logs", "filter-log-events", "--log-group-name", name]);
    expect(filtered.stderr).toMatch(
      new RegExp(
        `An error occurred \\(InvalidOperationException\\) when calling the FilterLogEvents operation( \\(reached max retries: \\d+\\))?: The log group ${name} is of log-group-class INFREQUENT_ACCESS\\. FilterLogEvents is not supported for this log class\\.`,
      ),
    );
    const out = await awsCli(stack, ["logs", "describe-subscription-filters", "--log-group-name", name]);
    expect(out.code).toBe(254);
    // The CLI may insert its retry note ("(reached max retries: 0)") between the operation and the message.
    expect(out.stderr).toMatch(
      /An error occurred \(ValidationException\) when calling the DescribeSubscriptionFilters operation( \(reached max retries: \d+\))?: This operation is only supported on the Standard log class\./,
    );
  }, 120_000);
});

describe("PutLogEvents sizes and rejected events", () => {
  // The seed's and issue 13's max_event_size of 262,144 bytes (AWS's 256 KB before April 2025; 1048576 in the config
  // gives AWS's 1 MB of since then), with AWS's message for an event over it (each event counted as UTF-8 + 26):
  // the raw answer quoted in maxbanton/cwh#101, {"__type":"InvalidParameterException","message":"Log event too
  // large: 292824 bytes exceeds limit of 262144"}, and aws/aws-sdk-js-v3#6164.
  it("refuses an event of 300,000 bytes over the default max_event_size of 262,144 bytes, and stores nothing", async () => {
    const name = await groupWithStream();
    const message = "x".repeat(300_000);
    expect(await failure(logs.send(new PutLogEventsCommand({ logGroupName: name, logStreamName: "s", logEvents: [{ timestamp: Date.now(), message }] })))).toMatchObject({
      name: "InvalidParameterException",
      message: "Log event too large: 300026 bytes exceeds limit of 262144",
    });
    expect((await logs.send(new GetLogEventsCommand({ logGroupName: name, logStreamName: "s" }))).events).toEqual([]);
  });

  // The raw AWS answers quoted in nhs-england-tools/terraform-aws-opennext#27 and cloudstax/firecamp#82:
  // InvalidParameterException "Upload too large: 1049882 bytes exceeds limit of 1048576" (messages in UTF-8 + 26 an event).
  it("refuses a batch over 1,048,576 bytes, counting 26 bytes an event, over the SDK and Debian's CLI", async () => {
    const name = await groupWithStream();
    const logEvents = Array.from({ length: 5 }, (_, i) => ({ timestamp: Date.now() - 5 + i, message: "y".repeat(210_000) }));
    const tooLarge = "Upload too large: 1050130 bytes exceeds limit of 1048576";
    expect(await failure(logs.send(new PutLogEventsCommand({ logGroupName: name, logStreamName: "s", logEvents })))).toMatchObject({
      name: "InvalidParameterException",
      status: 400,
      message: tooLarge,
    });
    const dir = mkdtempSync(join(tmpdir(), "ans2-"));
    writeFileSync(join(dir, "events.json"), JSON.stringify(logEvents));
    const cli = await awsCli(stack, ["logs", "put-log-events", "--log-group-name", name, "--log-stream-name", "s", "--log-events", `file://${join(dir, "events.json")}`]);
    rmSync(dir, { recursive: true, force: true });
    expect(cli.stderr).toMatch(new RegExp(`An error occurred \\(InvalidParameterException\\) when calling the PutLogEvents operation( \\(reached max retries: \\d+\\))?: ${tooLarge}`));
    expect((await logs.send(new GetLogEventsCommand({ logGroupName: name, logStreamName: "s" }))).events).toEqual([]);
  }, 120_000);

  // The API reference's RejectedLogEventsInfo: events older than 14 days (tooOldLogEventEndIndex, exclusive),
  // older than the group's retention (expiredLogEventEndIndex, exclusive) and more than 2 hours ahead
  // (tooNewLogEventStartIndex) are dropped and the call succeeds; localstack's AWS recordings
  // (test_put_log_events_too_old / _too_new) show the 200 with a nextSequenceToken.
  it("answers the rejected indexes of a batch with old, expired, kept and new events, and stores only the kept one", async () => {
    const name = await groupWithStream();
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: name, retentionInDays: 1 }));
    const now = Date.now();
    const out = await logs.send(
      new PutLogEventsCommand({
        logGroupName: name,
        logStreamName: "s",
        logEvents: [
          { timestamp: now - 20 * DAY, message: "too old" },
          { timestamp: now - 2 * DAY, message: "expired" },
          { timestamp: now - 60_000, message: "kept" },
          { timestamp: now + 3 * 3_600_000, message: "too new" },
        ],
      }),
    );
    expect(out.rejectedLogEventsInfo).toEqual({ tooOldLogEventEndIndex: 1, expiredLogEventEndIndex: 2, tooNewLogEventStartIndex: 3 });
    expect(out.nextSequenceToken).toEqual(expect.any(String));
    expect((await logs.send(new GetLogEventsCommand({ logGroupName: name, logStreamName: "s" }))).events!.map((e) => e.message)).toEqual(["kept"]);
  });
});

describe("GetLogEvents at the ends of a stream", () => {
  // The API reference (GetLogEventsResponse): "If you have reached the end of the stream, it returns the same token
  // you passed in", for nextForwardToken and nextBackwardToken alike; "The returned tokens are never null."
  it("answers the token it was given once a direction has no more events", async () => {
    const name = await groupWithStream();
    const t = Date.now() - 10_000;
    await logs.send(
      new PutLogEventsCommand({ logGroupName: name, logStreamName: "s", logEvents: ["a", "b", "c"].map((message, i) => ({ timestamp: t + i, message })) }),
    );
    const get = (extra: { nextToken?: string; limit?: number; startFromHead?: boolean }) =>
      logs.send(new GetLogEventsCommand({ logGroupName: name, logStreamName: "s", ...extra }));
    const head = await get({ startFromHead: true });
    expect(head.events!.map((e) => e.message)).toEqual(["a", "b", "c"]);
    const end = await get({ nextToken: head.nextForwardToken, startFromHead: true });
    expect(end.events).toEqual([]);
    expect(end.nextForwardToken).toBe(head.nextForwardToken);

    const tail = await get({ limit: 2 });
    expect(tail.events!.map((e) => e.message)).toEqual(["b", "c"]);
    const back = await get({ nextToken: tail.nextBackwardToken, limit: 2 });
    expect(back.events!.map((e) => e.message)).toEqual(["a"]);
    const start = await get({ nextToken: back.nextBackwardToken, limit: 2 });
    expect(start.events).toEqual([]);
    expect(start.nextBackwardToken).toBe(back.nextBackwardToken);
    expect(start.nextForwardToken).toEqual(expect.any(String));
  });
});

describe("a log shipper's first calls", () => {
  /** A signed awsJson1_1 request with the body exactly as given; the status and the parsed body. */
  async function raw(op: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
    const res = await signedLogsRequest(stack, op, body, headers);
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  // Fluent Bit's cloudwatch_logs output (plugins/out_cloudwatch_logs/cloudwatch_api.c) writes these bodies by hand
  // and reads `__type` from a 400 (flb_aws_error): CreateLogStream first; on "ResourceNotFoundException" it creates the
  // group (with its log_group_class), takes "ResourceAlreadyExistsException" as created, sets the retention, makes
  // the stream again, then puts events with an empty x-amzn-logs-format header. AWS's messages: localstack's
  // AWS-recorded test_logs_groups / test_logs_streams snapshots (duplicate errors) and test_logs_events (not found).
  it("Fluent Bit's start: stream on a missing group, group with its class, duplicates by __type, retention, events", async () => {
    const group = unique("fluent-bit");
    const stream = "host-1.var.log.app";
    const createStream = `{"logGroupName":"${group}","logStreamName":"${stream}"}`;
    expect(await raw("CreateLogStream", createStream)).toEqual({
      status: 400,
      body: { __type: "ResourceNotFoundException", message: "The specified log group does not exist." },
    });
    const createGroup = `{"logGroupName":"${group}", "logGroupClass":"STANDARD"}`;
    expect(await raw("CreateLogGroup", createGroup)).toMatchObject({ status: 200 });
    expect(await raw("CreateLogGroup", createGroup)).toEqual({
      status: 400,
      body: { __type: "ResourceAlreadyExistsException", message: "The specified log group already exists" },
    });
    expect(await raw("PutRetentionPolicy", `{"logGroupName":"${group}","retentionInDays":14}`)).toMatchObject({ status: 200 });
    expect(await raw("CreateLogStream", createStream)).toMatchObject({ status: 200 });
    expect(await raw("CreateLogStream", createStream)).toEqual({
      status: 400,
      body: { __type: "ResourceAlreadyExistsException", message: "The specified log stream already exists" },
    });
    const put = await raw(
      "PutLogEvents",
      `{"logGroupName":"${group}","logStreamName":"${stream}","logEvents":[{"timestamp":${Date.now()},"message":"{\\"log\\":\\"started\\"}"}]}`,
      { "x-amzn-logs-format": "" },
    );
    expect(put).toEqual({ status: 200, body: { nextSequenceToken: expect.any(String) } });
    expect((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: group }))).logGroups).toMatchObject([
      { logGroupName: group, logGroupClass: "STANDARD", retentionInDays: 14 },
    ]);
    expect((await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream }))).events!.map((e) => e.message)).toEqual([
      '{"log":"started"}',
    ]);
  });
});
