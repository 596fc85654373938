/**
 * AWS's documented filter patterns (test/support/aws-doc-patterns.ts, each
 * row citing its page) driven through the service: TestMetricFilter with the
 * AWS SDK for JavaScript over the real endpoint answers the events each
 * pattern matches, the values a space-delimited pattern extracts, and AWS's
 * InvalidParameterException for the patterns AWS's pages say it refuses.
 */
import {
  CreateLogGroupCommand,
  FilterLogEventsCommand,
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

  it("covers every distinct pattern of the table", () => {
    const keys = new Set([...GROUPS.flatMap((g) => g.rows.map((r) => patternKey(r.pattern))), ...INVALID.map((r) => patternKey(r.pattern))]);
    expect(keys.size).toBeGreaterThanOrEqual(150);
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
