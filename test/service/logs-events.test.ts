/**
 * CloudWatch Logs events end to end: the running service driven by the AWS
 * SDK for JavaScript (awsJson1_1) and Debian's aws CLI: PutLogEvents,
 * GetLogEvents and its tokens, compaction through the LogCompactor function,
 * storedBytes and the stream's event range, tenancy.
 */
import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  GetLogEventsCommand,
  CancelExportTaskCommand,
  CreateExportTaskCommand,
  DescribeExportTasksCommand,
  ListLogGroupsCommand,
  PutLogEventsCommand,
  type CloudWatchLogsClient,
  type InputLogEvent,
} from "@aws-sdk/client-cloudwatch-logs";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsCli, logsClient, startStack, type Stack } from "../support/stack.js";
import { awsFailure as failure } from "../support/failure.js";

let stack: Stack;
let logs: CloudWatchLogsClient;
let other: CloudWatchLogsClient;
let accountA: string;
const REGION = "us-east-1";
const RUN = `/ev/${Date.now().toString(36)}`;
let n = 0;
const unique = (what: string) => `${RUN}/${what}-${++n}`;

beforeAll(async () => {
  stack = await startStack();
  logs = logsClient(stack, { account: 0 });
  other = logsClient(stack, { account: 1 });
  accountA = stack.credentials[0].accountId;
}, 120_000);

afterAll(async () => {
  logs?.destroy();
  other?.destroy();
  await stack?.stop();
});

async function groupWithStream(stream = "s", client = logs): Promise<string> {
  const group = unique("g");
  await client.send(new CreateLogGroupCommand({ logGroupName: group }));
  await client.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
  return group;
}

const s3 = () =>
  new S3Client({ endpoint: stack.s3Endpoint, region: REGION, forcePathStyle: true, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } });

async function waitFor<T>(f: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Fires the LogCompactor's Drain event (one pass that flushes everything), as the scheduler would. */
async function drain(): Promise<void> {
  const res = await fetch(`${stack.endpoint}/_hive/schedule/LogCompactor?event=Drain`, { method: "POST" });
  expect(res.status).toBe(200);
}

const events = (count: number, t0: number, text = "event"): InputLogEvent[] =>
  Array.from({ length: count }, (_, i) => ({ timestamp: t0 + i, message: `${text} ${i}` }));

describe("PutLogEvents and GetLogEvents (SDK, awsJson1_1)", () => {
  it("stores a batch and reads it back from the tail and from the head, with tokens that stop at the end", async () => {
    const group = await groupWithStream();
    const t0 = Date.now() - 60_000;
    // Shippers send the previous answer's token back: accepted and ignored (API reference, PutLogEvents).
    const put = await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: "s", logEvents: events(25, t0), sequenceToken: "49590000000000000000000000000000000000000000000000000000" }));
    expect(put.rejectedLogEventsInfo).toBeUndefined();
    expect(put.nextSequenceToken).toMatch(/^\d+$/);

    const tail = await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: "s", limit: 10 }));
    expect(tail.events!.map((e) => e.message)).toEqual(events(25, t0).slice(15).map((e) => e.message));
    expect(tail.events![0]).toEqual({ timestamp: t0 + 15, message: "event 15", ingestionTime: expect.any(Number) });
    expect(tail.nextForwardToken).toMatch(/^f\//);
    expect(tail.nextBackwardToken).toMatch(/^b\//);
    const back = await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: "s", limit: 10, nextToken: tail.nextBackwardToken }));
    expect(back.events!.map((e) => e.message)).toEqual(events(25, t0).slice(5, 15).map((e) => e.message));
    const back2 = await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: "s", limit: 10, nextToken: back.nextBackwardToken }));
    expect(back2.events!.map((e) => e.message)).toEqual(events(25, t0).slice(0, 5).map((e) => e.message));
    // The API reference: at the end, the token passed in comes back.
    const end = await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: "s", nextToken: back2.nextBackwardToken }));
    expect(end.events).toEqual([]);
    expect(end.nextBackwardToken).toBe(back2.nextBackwardToken);

    const seen: string[] = [];
    let token: string | undefined;
    for (let page = 0; page < 10; page++) {
      const out = await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: "s", limit: 7, startFromHead: true, nextToken: token }));
      seen.push(...out.events!.map((e) => e.message!));
      if (out.nextForwardToken === token) break;
      token = out.nextForwardToken;
    }
    expect(seen).toEqual(events(25, t0).map((e) => e.message));
  });

  it("reads the same events after compaction, across buffer and chunks, with startTime/endTime", async () => {
    const group = await groupWithStream();
    const t0 = Date.now() - 120_000;
    await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: "s", logEvents: events(10, t0, "old") }));
    const before = await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: "s", startFromHead: true }));
    await drain();
    await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: "s", logEvents: events(5, t0 + 100, "new") }));
    const after = await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: "s", startFromHead: true }));
    expect(after.events!.slice(0, 10)).toEqual(before.events);
    expect(after.events!.map((e) => e.message)).toEqual([...events(10, t0, "old"), ...events(5, t0 + 100, "new")].map((e) => e.message));
    const window = await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: "s", startTime: t0 + 5, endTime: t0 + 102, startFromHead: true }));
    expect(window.events!.map((e) => e.message)).toEqual(["old 5", "old 6", "old 7", "old 8", "old 9", "new 0", "new 1"]);
    // By ARN (logGroupIdentifier), as AWS accepts it.
    const arn = `arn:aws:logs:${REGION}:${accountA}:log-group:${group}`;
    const byArn = await logs.send(new GetLogEventsCommand({ logGroupIdentifier: arn, logStreamName: "s", startFromHead: true, limit: 1 }));
    expect(byArn.events!.map((e) => e.message)).toEqual(["old 0"]);

    const g = (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: group }))).logGroups![0];
    expect(g.storedBytes).toBeGreaterThan(0);
    const s = (await logs.send(new DescribeLogStreamsCommand({ logGroupName: group }))).logStreams![0];
    expect(s).toMatchObject({ firstEventTimestamp: t0, lastIngestionTime: expect.any(Number) });
    expect(s.lastEventTimestamp).toBeGreaterThanOrEqual(t0 + 9);
  });

  it("answers AWS's errors for bad requests", async () => {
    const group = await groupWithStream();
    const now = Date.now();
    const cases: Array<[() => Promise<unknown>, string, string]> = [
      [() => logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: "s", logEvents: [{ timestamp: now, message: "b" }, { timestamp: now - 1, message: "a" }] })),
        "InvalidParameterException", "Log events in a single PutLogEvents request must be in chronological order."],
      [() => logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: "missing", logEvents: [{ timestamp: now, message: "a" }] })),
        "ResourceNotFoundException", "The specified log stream does not exist."],
      [() => logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: "missing" })), "ResourceNotFoundException", "The specified log stream does not exist."],
      // The model's constraints, checked by the validation stage in AWS's words.
      [() => logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: "s", logEvents: [] })),
        "InvalidParameterException", "1 validation error detected: Value '[]' at 'logEvents' failed to satisfy constraint: Member must have length greater than or equal to 1"],
      [() => logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: "s", nextToken: "garbage" })), "InvalidParameterException", "The specified nextToken is invalid."],
      [() => logs.send(new GetLogEventsCommand({ logGroupName: group, logGroupIdentifier: group, logStreamName: "s" })), "ValidationException", "LogGroup name and LogGroup ARN are mutually exclusive parameters."],
    ];
    for (const [call, code, message] of cases) {
      const f = await failure(call());
      expect([f.name, f.message]).toEqual([code, message]);
      expect(f.status).toBe(400);
    }
  });

  it("accepts the entity fields PutLogEvents carries", async () => {
    const group = await groupWithStream();
    const out = await logs.send(new PutLogEventsCommand({
      logGroupName: group, logStreamName: "s", logEvents: [{ timestamp: Date.now(), message: "with entity" }],
      entity: { keyAttributes: { Type: "Service", Name: "checkout", Environment: "prod" }, attributes: { "EC2.InstanceId": "i-0123" } },
    }));
    expect(out.rejectedLogEventsInfo).toBeUndefined();
    expect((await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: "s" }))).events!.map((e) => e.message)).toEqual(["with entity"]);
  });

  it("keeps accounts apart: another account cannot write to, read or export a group of the same name", async () => {
    const group = await groupWithStream();
    expect((await failure(other.send(new CreateExportTaskCommand({ logGroupName: group, from: 0, to: Date.now(), destination: "any" })))).name).toBe("ResourceNotFoundException");
    expect((await failure(other.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: "s", logEvents: [{ timestamp: Date.now(), message: "x" }] })))).name).toBe("ResourceNotFoundException");
    await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: "s", logEvents: [{ timestamp: Date.now(), message: "private" }] }));
    const f = await failure(other.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: "s" })));
    expect(f.name).toBe("ResourceNotFoundException");
    const arn = `arn:aws:logs:${REGION}:${accountA}:log-group:${group}`;
    expect((await failure(other.send(new GetLogEventsCommand({ logGroupIdentifier: arn, logStreamName: "s" })))).name).toBe("ResourceNotFoundException");
  });
});

describe("Debian's aws CLI", () => {
  it("put-log-events and get-log-events", async () => {
    const group = await groupWithStream("cli");
    const now = Date.now();
    const put = await awsCli(stack, ["logs", "put-log-events", "--log-group-name", group, "--log-stream-name", "cli",
      "--log-events", JSON.stringify([{ timestamp: now - 10, message: "from the cli" }, { timestamp: now, message: "ünïcödé" }])]);
    expect(put.code, put.stderr).toBe(0);
    expect(put.json.nextSequenceToken).toBeDefined();
    const got = await awsCli(stack, ["logs", "get-log-events", "--log-group-name", group, "--log-stream-name", "cli", "--start-from-head"]);
    expect(got.code, got.stderr).toBe(0);
    expect(got.json.events.map((e: { message: string }) => e.message)).toEqual(["from the cli", "ünïcödé"]);
    // (Debian's CLI 2.9 predates ListLogGroups: the SDK test above covers it.)
    const task = await awsCli(stack, ["logs", "create-export-task", "--log-group-name", group, "--from", "0", "--to", String(now), "--destination", "no-such-bucket-cli"]);
    expect(task.code).not.toBe(0);
    expect(task.stderr).toContain("InvalidParameterException");
    const described = await awsCli(stack, ["logs", "describe-export-tasks", "--status-code", "COMPLETED"]);
    expect(described.code, described.stderr).toBe(0);
    expect(Array.isArray(described.json.exportTasks)).toBe(true);
    const cancel = await awsCli(stack, ["logs", "cancel-export-task", "--task-id", "00000000-0000-0000-0000-000000000000"]);
    expect(cancel.stderr).toContain("ResourceNotFoundException");
    const bad = await awsCli(stack, ["logs", "get-log-events", "--log-group-name", group, "--log-stream-name", "nope"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("ResourceNotFoundException");
  }, 240_000);
});

describe("export tasks", () => {
  it("exports a group's events in [from, to] to a bucket in AWS's layout, one task at a time", async () => {
    const group = await groupWithStream("app/1");
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: "app/2" }));
    const t0 = Date.now() - 60_000;
    await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: "app/1", logEvents: events(5, t0, "one") }));
    await drain();
    await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: "app/2", logEvents: events(3, t0, "two") }));
    const bucket = `exports-${Date.now().toString(36)}`;
    const client = s3();
    await client.send(new CreateBucketCommand({ Bucket: bucket }));

    const { taskId } = await logs.send(new CreateExportTaskCommand({ taskName: "t", logGroupName: group, from: t0 + 1, to: t0 + 3, destination: bucket, destinationPrefix: "exp" }));
    expect(taskId).toBeTruthy();
    const done = await waitFor(
      () => logs.send(new DescribeExportTasksCommand({ taskId })),
      (o) => o.exportTasks?.[0]?.status?.code === "COMPLETED",
    );
    expect(done.exportTasks![0]).toMatchObject({
      taskId, taskName: "t", logGroupName: group, from: t0 + 1, to: t0 + 3, destination: bucket, destinationPrefix: "exp",
      status: { code: "COMPLETED" }, executionInfo: { creationTime: expect.any(Number), completionTime: expect.any(Number) },
    });
    const keys = ((await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `exp/${taskId}/` }))).Contents ?? []).map((o) => o.Key).sort();
    expect(keys).toEqual([`exp/${taskId}/app/1/000000.gz`, `exp/${taskId}/app/2/000000.gz`]);
    const body = await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: keys[0] }))).Body!.transformToByteArray();
    // Each line: ISO-8601 timestamp, a space, the message; `to` is inclusive.
    expect(gunzipSync(Buffer.from(body)).toString()).toBe(
      [1, 2, 3].map((i) => `${new Date(t0 + i).toISOString()} one ${i}\n`).join(""),
    );
    client.destroy();
  });

  it("answers AWS's errors: a missing bucket or group, a finished task, an unknown task", async () => {
    const group = await groupWithStream();
    const now = Date.now();
    const f1 = await failure(logs.send(new CreateExportTaskCommand({ logGroupName: group, from: 0, to: now, destination: "no-such-bucket-here" })));
    expect([f1.name, f1.message]).toEqual(["InvalidParameterException", "The given bucket does not exist. Please make sure the bucket is valid."]);
    const f2 = await failure(logs.send(new CreateExportTaskCommand({ logGroupName: `${group}-x`, from: 0, to: now, destination: "x" })));
    expect([f2.name, f2.message]).toEqual(["ResourceNotFoundException", "The specified log group does not exist."]);
    const f3 = await failure(logs.send(new CancelExportTaskCommand({ taskId: "00000000-0000-0000-0000-000000000000" })));
    expect([f3.name, f3.message]).toEqual(["ResourceNotFoundException", "The specified export task does not exist."]);
    const finished = (await logs.send(new DescribeExportTasksCommand({ statusCode: "COMPLETED" }))).exportTasks ?? [];
    if (finished.length) {
      // No full stop: moto's AWS-verified test_create_export_task_happy_path.
      const f4 = await failure(logs.send(new CancelExportTaskCommand({ taskId: finished[0].taskId })));
      expect([f4.name, f4.message]).toEqual(["InvalidOperationException", "The specified export task has already finished"]);
    }
    // Another account sees none of A's tasks.
    expect((await other.send(new DescribeExportTasksCommand({}))).exportTasks).toEqual([]);
  });
});

describe("ListLogGroups", () => {
  it("lists names, ARNs and classes, filtered by pattern (prefix, substring, alternatives) and paged", async () => {
    const base = unique("lg");
    for (const suffix of ["alpha", "beta", "gamma"]) await logs.send(new CreateLogGroupCommand({ logGroupName: `${base}/${suffix}` }));
    const all = await logs.send(new ListLogGroupsCommand({ logGroupNamePattern: `^${base}` }));
    expect(all.logGroups).toEqual(["alpha", "beta", "gamma"].map((s) => ({
      logGroupName: `${base}/${s}`,
      logGroupArn: `arn:aws:logs:${REGION}:${accountA}:log-group:${base}/${s}`,
      logGroupClass: "STANDARD",
    })));
    const tail = base.slice(-20);
    const alt = await logs.send(new ListLogGroupsCommand({ logGroupNamePattern: `${tail}/alp|${tail}/gam` }));
    expect(alt.logGroups!.map((g) => g.logGroupName)).toEqual([`${base}/alpha`, `${base}/gamma`]);
    const first = await logs.send(new ListLogGroupsCommand({ logGroupNamePattern: `^${base}`, limit: 2 }));
    expect(first.logGroups).toHaveLength(2);
    const second = await logs.send(new ListLogGroupsCommand({ logGroupNamePattern: `^${base}`, limit: 2, nextToken: first.nextToken }));
    expect(second.logGroups!.map((g) => g.logGroupName)).toEqual([`${base}/gamma`]);
    expect(second.nextToken).toBeUndefined();
    expect((await other.send(new ListLogGroupsCommand({ logGroupNamePattern: `^${base}` }))).logGroups).toEqual([]);
  });
});
