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
  PutLogEventsCommand,
  type CloudWatchLogsClient,
  type InputLogEvent,
} from "@aws-sdk/client-cloudwatch-logs";
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
      [() => logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: "s", nextToken: "garbage" })), "InvalidParameterException", "The specified nextToken is invalid."],
      [() => logs.send(new GetLogEventsCommand({ logGroupName: group, logGroupIdentifier: group, logStreamName: "s" })), "ValidationException", "LogGroup name and LogGroup ARN are mutually exclusive parameters."],
    ];
    for (const [call, code, message] of cases) {
      const f = await failure(call());
      expect([f.name, f.message]).toEqual([code, message]);
      expect(f.status).toBe(400);
    }
  });

  it("keeps accounts apart: another account cannot write to or read a group of the same name", async () => {
    const group = await groupWithStream();
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
    const bad = await awsCli(stack, ["logs", "get-log-events", "--log-group-name", group, "--log-stream-name", "nope"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("ResourceNotFoundException");
  });
});
