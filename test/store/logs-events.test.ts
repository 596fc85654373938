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
import { compactLogs } from "../../lib/logs/events/compactor.js";
import { chunkBucket, chunkEntryKey, getStreamState, groupStates, updateStreamState, type ChunkEntry } from "../../lib/logs/events/chunk-index.js";
import { getRecord, putRecord } from "../../lib/storage/kv.js";
import { putObject } from "../../lib/storage/s3.js";
import { getLogGroup } from "../../lib/logs/groups.js";
import { describeLogStreams } from "../../lib/logs/streams.js";
import { getObject, listKeys } from "../../lib/storage/s3.js";
import { gunzipSync } from "node:zlib";
import { getLogEvents } from "../../lib/logs/events/get-log-events.js";
import { tokenizeForIndex } from "../../lib/logs/events/tokens.js";
import { isServiceError } from "../../lib/errors.js";
import { buildTokenFilter, encodeTokenFilter } from "../../lib/logs/events/token-filter.js";
import { createExportTask } from "../../lib/logs/events/export-tasks.js";
import { enforceRetention } from "../../lib/logs/events/retention.js";
import { deleteLogGroup } from "../../lib/logs/groups.js";
import { compileFilterPattern } from "../../lib/logs/patterns/index.js";
import { filterLogEvents } from "../../lib/logs/filters/filter-log-events.js";
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
  // Plain copies: the scan's events decode their message and make their id only when read.
  for await (const page of scanLogEvents(account, group, opts))
    for (const e of page) out.push({ logGroup: e.logGroup, logStream: e.logStream, timestamp: e.timestamp, ingestionTime: e.ingestionTime, message: e.message, eventId: e.eventId });
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

  // AWS updates lastEventTimestamp and lastIngestionTime "on an eventual consistency basis" (API reference, LogStream);
  // here the first put of a second is on the record when it returns, later ones within about a second.
  it("shows the stream's first/last event timestamps and last ingestion time once a put returns, and within a second for puts that follow it", async () => {
    const group = await groupWithStreams(["s"]);
    const now = Date.now();
    const stream = async () => (await describeLogStreams(A, REGION, { logGroupName: group })).logStreams![0];
    await put(group, "s", [{ timestamp: now - 5000, message: "a" }], { now });
    expect(await stream()).toMatchObject({ firstEventTimestamp: now - 5000, lastEventTimestamp: now - 5000, lastIngestionTime: now });
    await put(group, "s", [{ timestamp: now - 4500, message: "b" }], { now: now + 10 });
    await put(group, "s", [{ timestamp: now - 9000, message: "late" }], { now: now + 20 });
    const want: Record<string, number> = { firstEventTimestamp: now - 9000, lastEventTimestamp: now - 4500, lastIngestionTime: now + 20 };
    const shows = (x: object) => Object.entries(want).every(([k, v]) => (x as Record<string, unknown>)[k] === v);
    let s = await stream();
    for (const until = Date.now() + 10_000; !shows(s) && Date.now() < until; s = await stream()) await new Promise((r) => setTimeout(r, 100));
    expect(s).toMatchObject(want);
  });

  // The records a put checks are kept a few seconds per process (lib/logs/ingest-records.ts); this process's changes apply at once.
  it("refuses a put to a stream or group deleted just after a put to it, and applies a new retention to the next put", async () => {
    const group = await groupWithStreams(["s", "t"]);
    const now = Date.now();
    await put(group, "s", [{ timestamp: now, message: "cached" }]);
    await put(group, "t", [{ timestamp: now, message: "cached" }]);
    const old = [{ timestamp: now - 2 * DAY, message: "two days old" }];
    expect((await put(group, "s", old)).rejectedLogEventsInfo).toBeUndefined();
    await putRetentionPolicy(A, REGION, { logGroupName: group, retentionInDays: 1 });
    expect((await put(group, "s", old)).rejectedLogEventsInfo).toEqual({ expiredLogEventEndIndex: 1 });
    await deleteLogStream(A, REGION, { logGroupName: group, logStreamName: "s" });
    expect(await failure(put(group, "s", [{ timestamp: now, message: "m" }]))).toEqual({ code: "ResourceNotFoundException", message: "The specified log stream does not exist." });
    await deleteLogGroup(A, REGION, { logGroupName: group });
    expect(await failure(put(group, "t", [{ timestamp: now, message: "m" }]))).toEqual({ code: "ResourceNotFoundException", message: "The specified log group does not exist." });
  });

  it("stores a retried call (same invocation id) once", async () => {
    const group = await groupWithStreams(["s"]);
    const events = [{ timestamp: Date.now(), message: "once" }];
    await put(group, "s", events, { retryKey: `retry-${n}` });
    await put(group, "s", events, { retryKey: `retry-${n}` });
    expect((await scanAll(A, group)).map((e) => e.message)).toEqual(["once"]);
  });

  // "Log event too large" as AWS answered it: the raw body quoted in maxbanton/cwh#101 and aws/aws-sdk-js-v3#6164.
  it.each([
    ["events out of order", [{ timestamp: 2000, message: "b" }, { timestamp: 1000, message: "a" }], "Log events in a single PutLogEvents request must be in chronological order."],
    ["a span over 24 hours", [{ timestamp: -25 * HOUR, message: "a" }, { timestamp: 0, message: "b" }], "The batch of log events in a single PutLogEvents request cannot span more than 24 hours."],
    ["an event over max_event_size", [{ timestamp: 0, message: "x".repeat(262_144 - 25) }], "Log event too large: 262145 bytes exceeds limit of 262144"],
    ["a batch over 1,048,576 bytes", Array.from({ length: 5 }, () => ({ timestamp: 0, message: "y".repeat(210_000) })), "Upload too large: 1050130 bytes exceeds limit of 1048576"],
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

describe("LogCompactor", () => {
  const BUCKET = "cloudwatch-logs";

  it("moves buffered events into gzip chunks in the seed's layout, and reads give the same events and ids", async () => {
    const group = await groupWithStreams(["web/1", "web/2"]);
    const hour = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
    await put(group, "web/1", [
      { timestamp: hour + 1000, message: "GET /a 200" },
      { timestamp: hour + HOUR + 5, message: "GET /b 500 ERROR" },
    ]);
    await put(group, "web/2", [{ timestamp: hour + 2000, message: "worker started" }]);
    const before = await scanAll(A, group);
    const report = await compactLogs({ force: true });
    expect(report.events).toBeGreaterThanOrEqual(3);
    expect(await scanAll(A, group)).toEqual(before);

    const g = (await getLogGroup(A, group))!.value;
    const states = await groupStates(A, g.id);
    expect(states.map((s) => [s.logStream, s.events]).sort()).toEqual([["web/1", 2], ["web/2", 1]]);
    const d = new Date(hour);
    const p2 = (x: number) => String(x).padStart(2, "0");
    const keys = await listKeys(BUCKET, `${A}/${encodeURIComponent(group)}/`);
    const dir = `${A}/${encodeURIComponent(group)}/${encodeURIComponent("web/1")}/${d.getUTCFullYear()}/${p2(d.getUTCMonth() + 1)}/${p2(d.getUTCDate())}/${p2(d.getUTCHours())}/`;
    expect(keys.filter((k) => k.startsWith(dir))).toHaveLength(1);
    expect(keys.every((k) => /\/chunk-\d{4,}\.log\.gz$/.test(k))).toBe(true);
    expect(keys).toHaveLength(3); // web/1 spans two hours: two chunks
    // A chunk is a plain .log.gz: gunzip gives the text.
    const text = gunzipSync(Buffer.from((await getObject(BUCKET, keys.find((k) => k.startsWith(dir))!))!)).toString();
    expect(text).toContain("GET /a 200");

    // storedBytes of the group is the chunks' bytes; the stream's range is exact.
    expect((await getLogGroup(A, group))!.value.storedBytes).toBe(states.reduce((n, s) => n + s.storedBytes, 0));
    const streams = (await describeLogStreams(A, REGION, { logGroupName: group })).logStreams!;
    expect(streams.find((s) => s.logStreamName === "web/1")).toMatchObject({ firstEventTimestamp: hour + 1000, lastEventTimestamp: hour + HOUR + 5 });
  });

  it("is idempotent: passes again change nothing and duplicate nothing", async () => {
    const group = await groupWithStreams(["s"]);
    const now = Date.now();
    await put(group, "s", Array.from({ length: 50 }, (_, i) => ({ timestamp: now - 1000 + i, message: `event ${i}` })));
    await compactLogs({ force: true });
    const g = (await getLogGroup(A, group))!.value;
    const state = (await getStreamState(A, g.id, "s"))!.value;
    await compactLogs({ force: true });
    await compactLogs({ force: true });
    expect((await getStreamState(A, g.id, "s"))!.value.committed).toEqual(state.committed);
    const events = await scanAll(A, group);
    expect(events.map((e) => e.message)).toEqual(Array.from({ length: 50 }, (_, i) => `event ${i}`));
  });

  it("merges chunks and the buffered tail in timestamp order, late events included", async () => {
    const group = await groupWithStreams(["a", "b"]);
    const now = Date.now();
    await put(group, "a", [{ timestamp: now - 5000, message: "a1" }, { timestamp: now - 3000, message: "a3" }]);
    await compactLogs({ force: true });
    await put(group, "b", [{ timestamp: now - 4000, message: "b2" }]);
    await put(group, "a", [{ timestamp: now - 6000, message: "a0 late" }, { timestamp: now - 3000, message: "a3 again" }]);
    expect((await scanAll(A, group)).map((e) => e.message)).toEqual(["a0 late", "a1", "b2", "a3", "a3 again"]);
    expect((await scanAll(A, group, { startTime: now - 4000, endTime: now - 3000 })).map((e) => e.message)).toEqual(["b2"]);
    expect((await scanAll(A, group, { logStreamNamePrefix: "a", startTime: now - 5000 })).map((e) => e.message)).toEqual(["a1", "a3", "a3 again"]);
  });

  it("waits for buffer_size or flush_interval before flushing a stream", async () => {
    const group = await groupWithStreams(["s"]);
    const now = Date.now();
    await put(group, "s", [{ timestamp: now, message: "waiting" }], { now });
    const g = (await getLogGroup(A, group))!.value;
    const early = await compactLogs({ now: now + 1000 });
    expect(early.waiting).toBeGreaterThanOrEqual(1);
    expect((await getStreamState(A, g.id, "s"))?.value.events ?? 0).toBe(0);
    await compactLogs({ now: now + 31_000 }); // flush_interval 30s (the seed's default)
    expect((await getStreamState(A, g.id, "s"))!.value.events).toBe(1);
  });

  it("skips chunks by time range and by tokens the token filter rules out", async () => {
    const group = await groupWithStreams(["s"]);
    const now = Date.now();
    await put(group, "s", [{ timestamp: now - 2 * HOUR, message: "alpha beta" }, { timestamp: now - 2 * HOUR + 1, message: "gamma" }]);
    await compactLogs({ force: true });
    let scanned = 0;
    const hit = await scanAll(A, group, { requiredTokens: ["gamma"], onBytesScanned: (b) => (scanned += b) });
    expect(hit.map((e) => e.message)).toContain("gamma");
    expect(scanned).toBeGreaterThan(0);
    scanned = 0;
    expect(await scanAll(A, group, { requiredTokens: ["zzzNotThere"], onBytesScanned: (b) => (scanned += b) })).toEqual([]);
    expect(scanned).toBe(0);
    scanned = 0;
    expect(await scanAll(A, group, { startTime: now - HOUR, onBytesScanned: (b) => (scanned += b) })).toEqual([]);
    expect(scanned).toBe(0);
  });

  it("keeps accounts apart: B reads nothing of A's group of the same name", async () => {
    const group = await groupWithStreams(["s"], A);
    await createLogGroup(B, REGION, { logGroupName: group });
    await createLogStream(B, REGION, { logGroupName: group, logStreamName: "s" });
    await put(group, "s", [{ timestamp: Date.now(), message: "secret of A" }]);
    await compactLogs({ force: true });
    expect(await scanAll(B, group)).toEqual([]);
    const [e] = await scanAll(A, group);
    expect(await getLogEvent(B, group, e.eventId)).toBeUndefined();
  });
});

describe("the chunk index's blocks (docs/formats/log-chunk.md, index version 2)", () => {
  // One stream-hour of ~1.3 MB: one chunk of about ten 128 KB blocks, one event holding a rare token.
  const COUNT = 6000;
  const RARE = 4321;
  async function oneChunk(): Promise<{ group: string; entry: ChunkEntry; hour: number; events: StoredLogEvent[] }> {
    const group = await groupWithStreams(["s"]);
    const hour = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
    const all = Array.from({ length: COUNT }, (_, i) => ({
      timestamp: hour + i * 500,
      message: `${i === RARE ? "NEEDLE_rare " : ""}request ${i} user u${i % 97} ${"x".repeat(180)}`,
    }));
    for (let i = 0; i < COUNT; i += 3000) await put(group, "s", all.slice(i, i + 3000));
    const events = await scanAll(A, group);
    await compactLogs({ force: true });
    const g = (await getLogGroup(A, group))!.value;
    const state = (await getStreamState(A, g.id, "s"))!.value;
    expect(state.committed).toHaveLength(1);
    const entry = (await getRecord<ChunkEntry>(await chunkBucket(), chunkEntryKey(A, g.id, "s", state.committed[0][0])))!.value;
    expect(entry.v).toBe(2);
    expect(entry.blocks.length).toBeGreaterThanOrEqual(8);
    return { group, entry, hour, events };
  }

  async function measured(group: string, opts: ScanOptions) {
    let bytes = 0;
    let skipped = 0;
    const events = await scanAll(A, group, { ...opts, onBytesScanned: (b) => (bytes += b), onEventsSkipped: (n) => (skipped += n) });
    return { events, bytes, skipped };
  }

  it("a rare token reads only the block that holds it: its bytes, and no message of the others", async () => {
    const { group, entry, events } = await oneChunk();
    const all = await measured(group, {});
    expect(all.events).toEqual(events); // compaction changed nothing a reader sees
    const rare = await measured(group, { requiredTokens: ["NEEDLE_rare"] });
    expect(rare.events.map((e) => e.message)).toEqual([events[RARE].message]);
    const holder = entry.blocks.find((b, i) => b.firstTimestamp <= events[RARE].timestamp && (i + 1 === entry.blocks.length || entry.blocks[i + 1].firstTimestamp > events[RARE].timestamp))!;
    // Read: the holding block (a Bloom filter may let one more through, rarely); every event of it but one skipped undecoded.
    expect(rare.bytes).toBeGreaterThan(0);
    expect(rare.bytes).toBeLessThanOrEqual(2 * holder.rawBytes!);
    expect(rare.bytes * 4).toBeLessThan(all.bytes);
    expect(rare.skipped).toBeGreaterThanOrEqual(holder.count! - 1);
    expect((await measured(group, { requiredTokens: ["NEEDLE_absent"] })).bytes).toBe(0);
  });

  it("a time range reads only its blocks, and yields exactly the events a full read has in it", async () => {
    const { group, entry, hour, events } = await oneChunk();
    const all = await measured(group, {});
    const range = { startTime: hour + 1500 * 500, endTime: hour + 1560 * 500 }; // 1 % of the events
    const part = await measured(group, range);
    expect(part.events).toEqual(events.filter((e) => e.timestamp >= range.startTime && e.timestamp < range.endTime));
    const blockBytes = Math.max(...entry.blocks.map((b) => b.rawBytes!));
    expect(part.bytes).toBeLessThanOrEqual(2 * blockBytes);
    expect(part.bytes * 4).toBeLessThan(all.bytes);
  });

  it("yields only events holding every required substring, from chunks and buffer alike, and counts the others as skipped", async () => {
    const { group, hour } = await oneChunk();
    await put(group, "s", [{ timestamp: hour + COUNT * 500, message: "buffered request 77 user u7 end" }]);
    const full = await scanAll(A, group);
    const wanted = full.filter((e) => e.message.includes("user u7 ") && e.message.includes("request 7"));
    const got = await measured(group, { requiredSubstrings: ["user u7 ", "request 7"] });
    expect(got.events).toEqual(wanted);
    expect(got.events.at(-1)!.message).toBe("buffered request 77 user u7 end");
    expect(got.skipped).toBe(full.length - wanted.length);
  });

  // FilterLogEvents' JSON patterns hand the scan their names as needles and a bytes check, which may rule out a whole
  // block before its events are walked, and tokens that rule out blocks without `\u` by their token filters: what the
  // scan yields must still hold every event the pattern matches.
  it.each([
    ["{ $.latency > 5990 }", false], // one block holds the values that pass: the others are ruled out whole
    ['{ $.user = "u7" && $.latency < 3000 }', false],
    ['{ $.note = "n\\u0061" || $.latency = 17 }', false], // an escape in one block: that block is walked
    ['{ $.request = "r-5002" }', true], // a rare value: the token filters leave its block and the one holding \u (3 of 11 read)
    ['{ $.note = "na" }', false], // spelled n\u0061 in its event: no block holds the token, yet that one is read
  ])("a JSON pattern's scan over mixed JSON and text blocks yields every event it matches: %s", async (text, fewBlocks) => {
    const group = await groupWithStreams(["s"]);
    const hour = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
    const all = Array.from({ length: 6000 }, (_, i) => ({
      timestamp: hour + i * 500,
      message:
        i % 3 === 0
          ? `request ${i} user u${i % 97} latency ${i} ${"x".repeat(150)}`
          : JSON.stringify({ latency: i, user: `u${i % 97}`, request: `r-${i}`, note: i === 4000 ? "n\\u0061" : "plain", pad: "y".repeat(120) }).replace("\\\\u", "\\u"),
    }));
    for (let i = 0; i < all.length; i += 3000) await put(group, "s", all.slice(i, i + 3000));
    await compactLogs({ force: true });
    const p = compileFilterPattern(text);
    const full = await measured(group, {});
    expect(full.events).toHaveLength(all.length);
    const wanted = full.events.filter((e) => p.matches(e.message));
    expect(wanted.length).toBeGreaterThan(0);
    const got = await measured(group, { requiredAnyOf: p.requiredAnyOf, bytesCheck: p.bytesCheck });
    expect(got.events.filter((e) => p.matches(e.message))).toEqual(wanted);
    expect(got.bytes).toBe(full.bytes);
    expect(got.skipped).toBe(full.events.length - got.events.length);
    const pushed = await measured(group, { requiredAnyOf: p.requiredAnyOf, bytesCheck: p.bytesCheck, plainTokens: p.plainTokens });
    expect(pushed.events.filter((e) => p.matches(e.message))).toEqual(wanted);
    if (fewBlocks) expect(pushed.bytes * 3).toBeLessThan(full.bytes);
  });

  // A page ends on its time budget with a nextToken; one whose budget is spent before its first event came (a slow
  // start on a loaded machine) once answered no nextToken, and the search stopped short of its events. AWS: "This
  // operation can return empty results while there are more log events available through the token" (FilterLogEvents,
  // CloudWatch Logs API Reference).
  it("FilterLogEvents pages spent on their time budget still go on to the last event, each examining one at least", async () => {
    const group = await groupWithStreams(["a", "b"]);
    const hour = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
    for (const s of ["a", "b"])
      await put(group, s, Array.from({ length: 40 }, (_, i) => ({ timestamp: hour + i * 1000, message: JSON.stringify({ latency: i * 10 + (s === "a" ? 1 : 2), s }) })));
    await compactLogs({ force: true });
    await put(group, "a", [{ timestamp: hour + 50_000, message: JSON.stringify({ latency: 999, s: "buffered" }) }]);
    const input = { logGroupName: group, filterPattern: "{ $.latency > 200 }" };
    const whole = await filterLogEvents(A, REGION, input);
    expect(whole.nextToken).toBeUndefined();
    expect(whole.events).toHaveLength(41);
    const paged: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      // A budget already spent when the page starts.
      const out = await filterLogEvents(A, REGION, { ...input, nextToken: token }, -1);
      paged.push(...out.events!.map((e) => e.eventId!));
      token = out.nextToken;
      expect(++pages).toBeLessThan(200);
    } while (token);
    expect(paged).toEqual(whole.events!.map((e) => e.eventId));
  });

  it("answers an internal failure, never fewer events, when a block in the middle of a chunk object is damaged", async () => {
    const { group, entry } = await oneChunk();
    const body = Buffer.from((await getObject("cloudwatch-logs", entry.key))!);
    body[entry.blocks[3].offset] ^= 0xff; // the gzip magic of the fourth member: zlib would stop there quietly
    await putObject("cloudwatch-logs", entry.key, body, "application/gzip");
    const failed = await scanAll(A, group).then(() => undefined, (e) => e);
    expect(isServiceError(failed), String(failed)).toBe(true);
    expect(failed.message).toContain("corrupt log chunk");
  });

  it("still reads chunks indexed by version 1 (one token filter for the chunk, blocks without their own)", async () => {
    const { group, entry, events } = await oneChunk();
    const g = (await getLogGroup(A, group))!.value;
    const tokens = new Set(events.flatMap((e) => tokenizeForIndex(e.message)));
    const v1: ChunkEntry = {
      ...entry,
      v: 1,
      blocks: entry.blocks.map((b) => ({ offset: b.offset, firstTimestamp: b.firstTimestamp })),
      filter: encodeTokenFilter(buildTokenFilter(tokens, 10, 256 * 1024)),
    };
    await putRecord(await chunkBucket(), chunkEntryKey(A, g.id, "s", entry.n), v1);
    expect(await scanAll(A, group)).toEqual(events);
    expect((await scanAll(A, group, { requiredTokens: ["NEEDLE_rare"] })).map((e) => e.message)).toEqual([events[RARE].message]);
    expect(await scanAll(A, group, { requiredTokens: ["NEEDLE_absent"] })).toEqual([]);
    const range = { startTime: events[2000].timestamp, endTime: events[2100].timestamp };
    expect(await scanAll(A, group, range)).toEqual(events.slice(2000, 2100));
    expect((await getLogEvent(A, group, events[RARE].eventId))?.message).toBe(events[RARE].message);
  });
});

describe("a compaction attempt that died between writing a chunk and committing it", () => {
  it("is invisible to readers, does not block the next compaction, and is deleted once abandoned", async () => {
    const group = await groupWithStreams(["s"]);
    const now = Date.now();
    await put(group, "s", [{ timestamp: now - 1000, message: "committed" }]);
    await compactLogs({ force: true });
    const g = (await getLogGroup(A, group))!.value;
    // What a SIGKILL after steps 1 and 2 of the commit protocol leaves: a reserved number, an entry, an object.
    const cur = (await getStreamState(A, g.id, "s"))!;
    const n = cur.value.next;
    expect(await updateStreamState({ ...cur.value, next: n + 1 }, cur.revision)).toBe(true);
    const [committedEntry] = await Promise.all([(await chunkBucket()).get(chunkEntryKey(A, g.id, "s", 1))]);
    const entry: ChunkEntry = { ...committedEntry!.json<ChunkEntry>(), n, key: `${A}/abandoned/chunk-${n}.log.gz`, written: now - 2 * HOUR };
    await putRecord(await chunkBucket(), chunkEntryKey(A, g.id, "s", n), entry);
    await putObject("cloudwatch-logs", entry.key, await getObject("cloudwatch-logs", committedEntry!.json<ChunkEntry>().key) as Uint8Array);

    expect((await scanAll(A, group)).map((e) => e.message)).toEqual(["committed"]);
    await put(group, "s", [{ timestamp: now, message: "after" }]);
    await compactLogs({ force: true });
    expect((await scanAll(A, group)).map((e) => e.message)).toEqual(["committed", "after"]);

    const r = await enforceRetention(now);
    expect(r.abandoned).toBeGreaterThanOrEqual(1);
    expect(await getObject("cloudwatch-logs", entry.key)).toBeUndefined();
    expect(await getRecord(await chunkBucket(), chunkEntryKey(A, g.id, "s", n))).toBeUndefined();
    expect((await scanAll(A, group)).map((e) => e.message)).toEqual(["committed", "after"]);
  });
});

describe("LogRetention (test clock: an injected now)", () => {
  const BUCKET = "cloudwatch-logs";
  const objectsOf = async (group: string) => listKeys(BUCKET, `${A}/${encodeURIComponent(group)}/`);

  it("deletes the S3 objects and index entries of chunks past the group's retention, and storedBytes follows", async () => {
    const group = await groupWithStreams(["s"]);
    const now = Date.now();
    await put(group, "s", [{ timestamp: now - 3 * DAY, message: "three days old" }]);
    await put(group, "s", [{ timestamp: now - 1000, message: "fresh" }]);
    await compactLogs({ force: true });
    expect(await objectsOf(group)).toHaveLength(2);
    const bytesBefore = (await getLogGroup(A, group))!.value.storedBytes!;
    expect(bytesBefore).toBeGreaterThan(0);

    // The default ([cloudwatch.logs] retention_days = 30) keeps both.
    expect((await enforceRetention(now)).deletedChunks).toBe(0);
    await putRetentionPolicy(A, REGION, { logGroupName: group, retentionInDays: 1 });
    const r = await enforceRetention(now);
    expect(r.deletedChunks).toBeGreaterThanOrEqual(1);
    expect(await objectsOf(group)).toHaveLength(1);
    expect((await scanAll(A, group)).map((e) => e.message)).toEqual(["fresh"]);
    const bytesAfter = (await getLogGroup(A, group))!.value.storedBytes!;
    expect(bytesAfter).toBeGreaterThan(0);
    expect(bytesAfter).toBeLessThan(bytesBefore);

    // Two days later the fresh one has expired too.
    await enforceRetention(now + 2 * DAY);
    expect(await objectsOf(group)).toEqual([]);
    expect(await scanAll(A, group)).toEqual([]);
    expect((await getLogGroup(A, group))!.value.storedBytes).toBe(0);
  });

  it("uses [cloudwatch.logs] retention_days (30) for a group without a retention policy", async () => {
    const group = await groupWithStreams(["s"]);
    const now = Date.now();
    await put(group, "s", [{ timestamp: now - 1000, message: "m" }]);
    await compactLogs({ force: true });
    await enforceRetention(now + 29 * DAY);
    expect(await objectsOf(group)).toHaveLength(1);
    await enforceRetention(now + 31 * DAY);
    expect(await objectsOf(group)).toEqual([]);
  });

  it("drops buffered events that expired before they were compacted", async () => {
    const group = await groupWithStreams(["s"]);
    const now = Date.now();
    await put(group, "s", [{ timestamp: now - 1000, message: "expires in the buffer" }]);
    await putRetentionPolicy(A, REGION, { logGroupName: group, retentionInDays: 1 });
    await compactLogs({ force: true, now: now + 2 * DAY });
    expect(await objectsOf(group)).toEqual([]);
    expect(await scanAll(A, group)).toEqual([]);
  });

  it("removes the chunks of a deleted group", async () => {
    const group = await groupWithStreams(["s"]);
    await put(group, "s", [{ timestamp: Date.now(), message: "m" }]);
    await compactLogs({ force: true });
    expect(await objectsOf(group)).toHaveLength(1);
    await deleteLogGroup(A, REGION, { logGroupName: group });
    await enforceRetention();
    expect(await objectsOf(group)).toEqual([]);
  });
});

describe("GetLogEvents from the tail of a long stream", () => {
  it("finds the newest events however far back they lie, and pages back to the first", async () => {
    const group = await groupWithStreams(["s"]);
    const now = Date.now();
    await put(group, "s", [{ timestamp: now - 10 * DAY, message: "ten days" }]);
    await put(group, "s", [{ timestamp: now - 5 * DAY, message: "five days" }]);
    await compactLogs({ force: true });
    await put(group, "s", [{ timestamp: now - HOUR - 5, message: "an hour" }]);
    const get = (extra: Record<string, unknown>) => getLogEvents(A, REGION, { logGroupName: group, logStreamName: "s", ...extra });
    const tail = await get({ limit: 2 });
    expect(tail.events!.map((e) => e.message)).toEqual(["five days", "an hour"]);
    const back = await get({ limit: 2, nextToken: tail.nextBackwardToken });
    expect(back.events!.map((e) => e.message)).toEqual(["ten days"]);
    const end = await get({ limit: 2, nextToken: back.nextBackwardToken });
    expect(end.events).toEqual([]);
    expect(end.nextBackwardToken).toBe(back.nextBackwardToken);
    expect((await get({ endTime: now - 2 * DAY })).events!.map((e) => e.message)).toEqual(["ten days", "five days"]);
  });
});

describe("CreateExportTask's destination", () => {
  it.each(["no-such-bucket-anywhere", "x", "Not_A_Valid_Bucket"])("%s: InvalidParameterException, as AWS answers a bucket that is not there", async (bucket) => {
    const group = await groupWithStreams(["s"]);
    expect(await failure(createExportTask(A, REGION, { logGroupName: group, from: 0, to: Date.now(), destination: bucket }))).toEqual({
      code: "InvalidParameterException",
      message: "The given bucket does not exist. Please make sure the bucket is valid.",
    });
  });
});
