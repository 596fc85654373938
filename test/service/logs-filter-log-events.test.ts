/**
 * FilterLogEvents end to end: events across streams in timestamp order,
 * matched with AWS's filter patterns, paged with nextToken; driven by the
 * AWS SDK for JavaScript and Debian's aws CLI.
 */
import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  FilterLogEventsCommand,
  PutLogEventsCommand,
  paginateFilterLogEvents,
  type CloudWatchLogsClient,
  type FilteredLogEvent,
} from "@aws-sdk/client-cloudwatch-logs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsFailure as failure } from "../support/failure.js";
import { awsCli, logsClient, startStack, type Stack } from "../support/stack.js";

let stack: Stack;
let logs: CloudWatchLogsClient;
let other: CloudWatchLogsClient;
let A: string;
const REGION = "us-east-1";
const RUN = Date.now().toString(36);
let group: string;
const T0 = Date.now() - 60_000;

// stream → [offset ms from T0, message]
const EVENTS: Record<string, [number, string][]> = {
  "app-1": [[0, "[ERROR 400] BAD REQUEST"], [20, '{"level":"info","latency":12}'], [40, "ERROR timeout"]],
  "app-2": [[10, '{"level":"error","latency":900}'], [20, "WARN disk"], [30, "[ERROR 401] UNAUTHORIZED REQUEST"]],
  worker: [[5, "job started"], [35, "ERROR job failed"]],
};

beforeAll(async () => {
  stack = await startStack();
  logs = logsClient(stack, { account: 0 });
  other = logsClient(stack, { account: 1 });
  A = stack.credentials[0].accountId;
  group = `/fle/${RUN}`;
  await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
  for (const [stream, events] of Object.entries(EVENTS)) {
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
    await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: events.map(([dt, message]) => ({ timestamp: T0 + dt, message })) }));
  }
}, 120_000);

afterAll(async () => {
  logs?.destroy();
  other?.destroy();
  await stack?.stop();
});

const brief = (events: FilteredLogEvent[] | undefined) => (events ?? []).map((e) => [e.logStreamName, e.timestamp! - T0, e.message]);

/** Every expected event, in AWS's order: timestamp, then stream. */
const expected = (keep: (stream: string, message: string, dt: number) => boolean) =>
  Object.entries(EVENTS)
    .flatMap(([stream, events]) => events.map(([dt, message]) => [stream, dt, message] as [string, number, string]))
    .filter(([s, dt, m]) => keep(s, m, dt))
    .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));

describe("FilterLogEvents", () => {
  it("returns every event of every stream interleaved by timestamp, with ids and ingestion times", async () => {
    const out = await logs.send(new FilterLogEventsCommand({ logGroupName: group }));
    expect(brief(out.events)).toEqual(expected(() => true));
    expect(out.searchedLogStreams).toEqual([]);
    expect(out.nextToken).toBeUndefined();
    for (const e of out.events!) {
      expect(e.eventId).toMatch(/^\d{56}$/);
      expect(e.ingestionTime).toBeGreaterThanOrEqual(e.timestamp!);
    }
  });

  it.each([
    ["ERROR", (_s: string, m: string) => m.includes("ERROR")],
    ["?WARN ?timeout", (_s: string, m: string) => m.includes("WARN") || m.includes("timeout")],
    ['"[ERROR 401]"', (_s: string, m: string) => m.includes("[ERROR 401]")],
    ["ERROR -job", (_s: string, m: string) => m.includes("ERROR") && !m.includes("job")],
    ["{ $.latency > 100 }", (_s: string, m: string) => m.includes('"latency":900')],
    ['{ $.level = "info" || $.level = "error" }', (_s: string, m: string) => m.startsWith("{")],
    ["%ERROR 4[0-9]+%", (_s: string, m: string) => /ERROR 4\d+/.test(m)],
    ["[w1, w2 = job, w3]", (_s: string, m: string) => /^\S+ job \S+$/.test(m)],
  ])("matches %s as the filter pattern syntax says", async (filterPattern, keep) => {
    const out = await logs.send(new FilterLogEventsCommand({ logGroupName: group, filterPattern }));
    expect(brief(out.events)).toEqual(expected(keep));
  });

  it("selects streams by name or prefix and a time range whose end is inclusive", async () => {
    const named = await logs.send(new FilterLogEventsCommand({ logGroupName: group, logStreamNames: ["worker", "app-2"] }));
    expect(brief(named.events)).toEqual(expected((s) => s === "worker" || s === "app-2"));
    const prefixed = await logs.send(new FilterLogEventsCommand({ logGroupName: group, logStreamNamePrefix: "app-" }));
    expect(brief(prefixed.events)).toEqual(expected((s) => s.startsWith("app-")));
    const ranged = await logs.send(new FilterLogEventsCommand({ logGroupName: group, startTime: T0 + 10, endTime: T0 + 30 }));
    expect(brief(ranged.events)).toEqual(expected((_s, _m, dt) => dt >= 10 && dt <= 30));
  });

  it("takes the group's ARN as logGroupIdentifier", async () => {
    const out = await logs.send(new FilterLogEventsCommand({ logGroupIdentifier: `arn:aws:logs:${REGION}:${A}:log-group:${group}`, filterPattern: "WARN" }));
    expect(brief(out.events)).toEqual(expected((_s, m) => m.includes("WARN")));
  });

  it("pages with limit and nextToken without losing or repeating an event", async () => {
    const first = await logs.send(new FilterLogEventsCommand({ logGroupName: group, limit: 3 }));
    expect(first.events).toHaveLength(3);
    expect(first.nextToken).toEqual(expect.any(String));
    const pages: FilteredLogEvent[] = [];
    for await (const page of paginateFilterLogEvents({ client: logs, pageSize: 2 }, { logGroupName: group })) pages.push(...(page.events ?? []));
    expect(brief(pages)).toEqual(expected(() => true));
    const wrong = await failure(logs.send(new FilterLogEventsCommand({ logGroupName: group, filterPattern: "ERROR", nextToken: first.nextToken })));
    expect([wrong.name, wrong.message]).toEqual(["InvalidParameterException", "The specified nextToken is invalid."]);
  });

  it.each([
    ["a bad pattern", { logGroupName: "/x", filterPattern: "{ $.a = }" }, /^Invalid filter pattern$/],
    // botocore's report of FilterLogEvents' answer for an unclosed JSON pattern (jorgebastida/awslogs #210).
    ["an unclosed JSON pattern", { logGroupName: "/x", filterPattern: "{ $.a = 1" }, /^If a filter pattern starts with '\{' it must end with '\}'$/],
    ["both logStreamNames and logStreamNamePrefix", { logGroupName: "/x", logStreamNames: ["a"], logStreamNamePrefix: "a" }, /logStreamNames and logStreamNamePrefix/],
    ["both logGroupName and logGroupIdentifier", { logGroupName: "/x", logGroupIdentifier: "/x" }, /either logGroupName or logGroupIdentifier/],
    ["a limit over 10,000", { logGroupName: "/x", limit: 10_001 }, /Value '10001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000/],
  ])("rejects %s with InvalidParameterException", async (_what, input, message) => {
    const e = await failure(logs.send(new FilterLogEventsCommand(input)));
    expect(e.name).toBe("InvalidParameterException");
    expect(e.message).toMatch(message);
  });

  it("keeps tenants apart: account B cannot filter A's group", async () => {
    const e = await failure(other.send(new FilterLogEventsCommand({ logGroupName: group })));
    expect([e.name, e.message]).toEqual(["ResourceNotFoundException", "The specified log group does not exist."]);
    const byArn = await failure(other.send(new FilterLogEventsCommand({ logGroupIdentifier: `arn:aws:logs:${REGION}:${A}:log-group:${group}` })));
    expect(byArn.name).toBe("ResourceNotFoundException");
  });

  it("answers Debian's aws CLI, which pages through every result", async () => {
    const out = await awsCli(stack, ["logs", "filter-log-events", "--log-group-name", group, "--filter-pattern", "ERROR", "--page-size", "2"]);
    expect(out.stderr).toBe("");
    expect(out.json.events.map((e: any) => e.message)).toEqual(expected((_s, m) => m.includes("ERROR")).map((e) => e[2]));
  });

  it("finds the same events once the compactor has moved them into chunks (token filters skip chunks, never events)", async () => {
    await stack.fireSchedule("LogCompactor");
    for (const [filterPattern, keep] of [
      ["", () => true],
      ['"[ERROR 401]"', (_s: string, m: string) => m.includes("[ERROR 401]")],
      ['" job "', (_s: string, m: string) => m.includes(" job ")],
      ["{ $.latency > 100 }", (_s: string, m: string) => m.includes('"latency":900')],
    ] as [string, (s: string, m: string, dt: number) => boolean][]) {
      const out = await logs.send(new FilterLogEventsCommand({ logGroupName: group, filterPattern }));
      expect(brief(out.events), filterPattern).toEqual(expected(keep));
    }
  }, 300_000);
});
