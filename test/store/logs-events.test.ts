/**
 * Log events against a real nats-server and S3 server: PutLogEvents' rules
 * and durability, and scanLogEvents / getLogEvent over the buffer and the
 * compacted chunks as one ordered view.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogGroup, putRetentionPolicy } from "../../lib/logs/groups.js";
import { createLogStream, deleteLogStream } from "../../lib/logs/streams.js";
import { putLogEvents } from "../../lib/logs/events/put-log-events.js";
import { getLogEvent, scanLogEvents, type ScanOptions, type StoredLogEvent } from "../../lib/logs/events/scan.js";
import { startTestServers, type TestServers } from "../support/servers.js";

const A = "111111111111";
const B = "222222222222";
const REGION = "us-east-1";
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let servers: TestServers;
beforeAll(async () => {
  servers = await startTestServers("logs-events");
}, 60_000);
afterAll(() => servers?.stop());

let n = 0;
const unique = (base: string) => `/test/${base}-${++n}-${Math.random().toString(36).slice(2, 8)}`;

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  const e = await p.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (err) => err,
  );
  return { code: e.code, message: e.message };
}

async function groupWithStreams(streams: string[], account = A): Promise<string> {
  const group = unique("g");
  await createLogGroup(account, REGION, { logGroupName: group });
  for (const s of streams) await createLogStream(account, REGION, { logGroupName: group, logStreamName: s });
  return group;
}

async function scanAll(account: string, group: string, opts: ScanOptions = {}): Promise<StoredLogEvent[]> {
  const out: StoredLogEvent[] = [];
  for await (const page of scanLogEvents(account, group, opts)) out.push(...page);
  return out;
}

const put = (group: string, stream: string, events: { timestamp: number; message: string }[], extra: { now?: number; retryKey?: string; account?: string } = {}) =>
  putLogEvents(extra.account ?? A, REGION, { logGroupName: group, logStreamName: stream, logEvents: events }, extra);

describe("PutLogEvents", () => {
  it("stores a batch durably and the scan returns it in timestamp order with stable ids", async () => {
    const group = await groupWithStreams(["s1", "s2"]);
    const now = Date.now();
    const out = await put(group, "s1", [
      { timestamp: now - 3000, message: "first" },
      { timestamp: now - 1000, message: "same ms a" },
      { timestamp: now - 1000, message: "same ms b" },
    ]);
    expect(out.rejectedLogEventsInfo).toBeUndefined();
    expect(out.nextSequenceToken).toMatch(/^\d{56}$/);
    await put(group, "s2", [{ timestamp: now - 2000, message: "other stream" }]);
    const events = await scanAll(A, group);
    expect(events.map((e) => [e.logStream, e.message])).toEqual([
      ["s1", "first"],
      ["s2", "other stream"],
      ["s1", "same ms a"],
      ["s1", "same ms b"],
    ]);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(4);
    for (const e of events) {
      expect(e.eventId).toMatch(/^\d{56}$/);
      expect(await getLogEvent(A, group, e.eventId)).toEqual(e);
    }
  });

  it("rejects too-old, expired and too-new events by index and stores the rest", async () => {
    const group = await groupWithStreams(["s"]);
    await putRetentionPolicy(A, REGION, { logGroupName: group, retentionInDays: 1 });
    const now = Date.now();
    const out = await put(group, "s", [
      { timestamp: now - 15 * DAY, message: "too old" },
      { timestamp: now - 2 * DAY, message: "expired" },
      { timestamp: now - 1000, message: "kept" },
      { timestamp: now + 3 * HOUR, message: "too new" },
    ]);
    // RejectedLogEventsInfo: tooNew is inclusive, tooOld and expired are exclusive end indices.
    expect(out.rejectedLogEventsInfo).toEqual({ tooOldLogEventEndIndex: 1, expiredLogEventEndIndex: 2, tooNewLogEventStartIndex: 3 });
    expect((await scanAll(A, group)).map((e) => e.message)).toEqual(["kept"]);
  });

  it("stores a retried call (same invocation id) once", async () => {
    const group = await groupWithStreams(["s"]);
    const events = [{ timestamp: Date.now(), message: "once" }];
    await put(group, "s", events, { retryKey: `retry-${n}` });
    await put(group, "s", events, { retryKey: `retry-${n}` });
    expect((await scanAll(A, group)).map((e) => e.message)).toEqual(["once"]);
  });

  it.each([
    ["events out of order", [{ timestamp: 2000, message: "b" }, { timestamp: 1000, message: "a" }], "Log events in a single PutLogEvents request must be in chronological order."],
    ["a span over 24 hours", [{ timestamp: -25 * HOUR, message: "a" }, { timestamp: 0, message: "b" }], "The batch of log events in a single PutLogEvents request cannot span more than 24 hours."],
    ["an event over max_event_size", [{ timestamp: 0, message: "x".repeat(262_144 - 25) }], "Log event too large: 262145 bytes exceeds limit of 262144"],
    ["a batch over 1,048,576 bytes", Array.from({ length: 5 }, () => ({ timestamp: 0, message: "y".repeat(210_000) })), "Upload too large: 1050130 bytes exceeds limit of 1048576"],
    ["no events", [], "1 validation error detected: Value '[]' at 'logEvents' failed to satisfy constraint: Member must have length greater than or equal to 1"],
    ["an empty message", [{ timestamp: 0, message: "" }], "1 validation error detected: Value '' at 'logEvents.1.member.message' failed to satisfy constraint: Member must have length greater than or equal to 1"],
  ])("answers InvalidParameterException for %s", async (_what, events, message) => {
    const group = await groupWithStreams(["s"]);
    const now = Date.now();
    const shifted = events.map((e) => ({ ...e, timestamp: e.timestamp + now - 1000 }));
    expect(await failure(put(group, "s", shifted))).toEqual({ code: "InvalidParameterException", message });
    expect(await scanAll(A, group)).toEqual([]);
  });

  it("answers ResourceNotFoundException for a missing group or stream, and for another account's", async () => {
    const group = await groupWithStreams(["s"]);
    const ev = [{ timestamp: Date.now(), message: "m" }];
    expect(await failure(put(group, "nope", ev))).toEqual({ code: "ResourceNotFoundException", message: "The specified log stream does not exist." });
    expect(await failure(put(`${group}-nope`, "s", ev))).toEqual({ code: "ResourceNotFoundException", message: "The specified log group does not exist." });
    expect(await failure(put(group, "s", ev, { account: B }))).toEqual({ code: "ResourceNotFoundException", message: "The specified log group does not exist." });
  });

  it("does not show a deleted stream's events in a new stream of the same name", async () => {
    const group = await groupWithStreams(["s"]);
    await put(group, "s", [{ timestamp: Date.now(), message: "old" }]);
    await deleteLogStream(A, REGION, { logGroupName: group, logStreamName: "s" });
    await new Promise((r) => setTimeout(r, 5));
    await createLogStream(A, REGION, { logGroupName: group, logStreamName: "s" });
    await put(group, "s", [{ timestamp: Date.now(), message: "new" }]);
    expect((await scanAll(A, group)).map((e) => e.message)).toEqual(["new"]);
  });
});
