/**
 * AWS's documented filter patterns (test/support/aws-doc-patterns.ts, each
 * row citing its page) driven through the service with the AWS SDK for
 * JavaScript over the real endpoint: TestMetricFilter answers the events each
 * pattern matches and the values a space-delimited pattern extracts;
 * FilterLogEvents finds the same events among those stored, both in the
 * buffer and once compacted into chunks (where token filters and byte checks
 * skip what cannot match); the patterns AWS refuses are
 * InvalidParameterException with AWS's wording.
 */
import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeLogGroupsCommand,
  FilterLogEventsCommand,
  PutLogEventsCommand,
  PutSubscriptionFilterCommand,
  TestMetricFilterCommand,
  type CloudWatchLogsClient,
} from "@aws-sdk/client-cloudwatch-logs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsFailure as failure } from "../support/failure.js";
import { GROUPS, INVALID, RECORDED_ERRORS, patternKey } from "../support/aws-doc-patterns.js";
import { runNames, startLogsStack, stopLogsStack, type LogsStack } from "../support/logs-stack.js";


let s: Partial<LogsStack> = {};
let logs: CloudWatchLogsClient;
const unique = runNames("doc-patterns");

beforeAll(async () => {
  s = await startLogsStack();
  logs = s.logs!;
}, 120_000);

afterAll(() => stopLogsStack(s));

/** TestMetricFilter takes at most 50 messages a call. */
const BATCH = 50;

async function testMetricFilter(filterPattern: string, messages: string[]) {
  const out: { index: number; extracted: Record<string, string> }[] = [];
  for (let from = 0; from < messages.length; from += BATCH) {
    const batch = messages.slice(from, from + BATCH);
    const res = await logs.send(new TestMetricFilterCommand({ filterPattern, logEventMessages: batch }));
    for (const m of res.matches ?? []) {
      expect(m.eventMessage).toBe(batch[m.eventNumber! - 1]);
      out.push({ index: from + m.eventNumber! - 1, extracted: m.extractedValues ?? {} });
    }
  }
  return out;
}

describe("TestMetricFilter answers AWS's documented filter patterns as AWS's pages do", () => {
  it.each(GROUPS)("$section", async ({ messages, rows }) => {
    for (const row of rows) {
      const got = await testMetricFilter(row.pattern, messages);
      expect(got.map((m) => m.index), row.pattern).toEqual(row.matches);
      for (const [i, values] of Object.entries(row.extracted ?? {})) {
        const hit = got.find((m) => m.index === Number(i))!;
        expect(Object.fromEntries(Object.keys(values).map((k) => [k, hit.extracted[k]])), row.pattern).toEqual(values);
      }
    }
  });

  it("FilterLogEvents finds the same events, from the buffer and from compacted chunks", async () => {
    const logGroupName = unique("stored");
    const logStreamName = "docs";
    const T0 = Date.now() - 60_000;
    // One stream (the compactor's work grows with streams): group k's events at T0 + 100k + i.
    const at = (k: number, i: number) => T0 + 100 * k + i;
    await logs.send(new CreateLogGroupCommand({ logGroupName }));
    await logs.send(new CreateLogStreamCommand({ logGroupName, logStreamName }));
    const logEvents = GROUPS.flatMap((g, k) => g.messages.map((message, i) => ({ timestamp: at(k, i), message })));
    await logs.send(new PutLogEventsCommand({ logGroupName, logStreamName, logEvents }));
    const found = async (k: number, filterPattern: string) => {
      const events = [];
      let nextToken: string | undefined;
      do {
        const out = await logs.send(new FilterLogEventsCommand({ logGroupName, startTime: at(k, 0), endTime: at(k, 99), filterPattern, nextToken }));
        events.push(...(out.events ?? []));
        nextToken = out.nextToken;
      } while (nextToken);
      return events.map((e) => {
        expect(e.message).toBe(GROUPS[k]!.messages[e.timestamp! - at(k, 0)]);
        return e.timestamp! - at(k, 0);
      });
    };
    const calls = GROUPS.flatMap((g, k) => g.rows.map((row) => ({ k, row })));
    for (const stage of ["buffer", "chunks"]) {
      if (stage === "chunks") {
        // A forced pass (the minute's run may hold the partitions: it flushes them once flush_interval passed), then
        // the group's storedBytes, which counts compacted chunks only, says the events are in one.
        await s.stack!.fireSchedule("LogCompactor", "Drain").catch(() => undefined);
        const stored = async () => (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: logGroupName }))).logGroups?.[0]?.storedBytes ?? 0;
        for (const until = Date.now() + 120_000; (await stored()) === 0 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 500));
        expect(await stored()).toBeGreaterThan(0);
      }
      // Eight requests in flight: the table is some 170 patterns.
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let c = next++; c < calls.length; c = next++) {
            const { k, row } = calls[c]!;
            expect(await found(k, row.pattern), `${stage}: ${row.pattern}`).toEqual(row.matches);
          }
        }),
      );
    }
  }, 300_000);

  it("covers every distinct pattern of the table", () => {
    expect(new Set(GROUPS.flatMap((g) => g.rows.map((r) => patternKey(r.pattern)))).size).toBeGreaterThanOrEqual(150);
  });

  it.each(INVALID)("$pattern is InvalidParameterException ($why)", async ({ pattern }) => {
    const e = await failure(logs.send(new TestMetricFilterCommand({ filterPattern: pattern, logEventMessages: ["x"] })));
    expect(e.name).toBe("InvalidParameterException");
    expect(e.message).toBe("Invalid metric filter pattern");
  });

  it.each(RECORDED_ERRORS)("$operation answers $pattern with '$message' ($source)", async ({ pattern, operation, message }) => {
    const logGroupName = unique("g");
    await logs.send(new CreateLogGroupCommand({ logGroupName }));
    const call =
      operation === "FilterLogEvents"
        ? logs.send(new FilterLogEventsCommand({ logGroupName, filterPattern: pattern }))
        : operation === "PutSubscriptionFilter"
          ? logs.send(new PutSubscriptionFilterCommand({ logGroupName, filterName: "f", filterPattern: pattern, destinationArn: `arn:aws:kinesis:us-east-1:000000000000:stream/s` }))
          : logs.send(new TestMetricFilterCommand({ filterPattern: pattern, logEventMessages: ["x"] }));
    const e = await failure(call);
    expect([e.name, e.message]).toEqual(["InvalidParameterException", message]);
  });
});
