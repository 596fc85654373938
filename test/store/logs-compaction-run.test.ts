/**
 * The LogCompactor's scheduled run (lib/logs/events/compaction-run.ts): one
 * loop per partition, passes back to back while there is work. A stream is
 * flushed as soon as it has `buffer_size` events and otherwise once its
 * oldest event has waited `flush_interval`; passes of another compactor in
 * the same process in between lose and duplicate nothing; the figures
 * DescribeLogGroups/DescribeLogStreams show are settled by the end of the run.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServers, type TestServers } from "../support/servers.js";

let servers: TestServers;
let lib: typeof import("../../lib/logs/events/compaction-run.js") &
  typeof import("../../lib/logs/events/compactor.js") &
  typeof import("../../lib/logs/events/chunk-index.js") &
  typeof import("../../lib/logs/events/put-log-events.js") &
  typeof import("../../lib/logs/events/scan.js") &
  typeof import("../../lib/logs/groups.js") &
  typeof import("../../lib/logs/streams.js") &
  typeof import("../../lib/logs/events/event-buffer.js");

const A = "123456789012";
const REGION = "us-east-1";
const BUFFER_SIZE = 100;
const FLUSH_INTERVAL_S = 3;

beforeAll(async () => {
  servers = await startTestServers("logs-compaction-run");
  process.env.HIVE_CLOUDWATCH_LOGS_BUFFER_SIZE = String(BUFFER_SIZE);
  process.env.HIVE_CLOUDWATCH_LOGS_FLUSH_INTERVAL = `${FLUSH_INTERVAL_S}s`;
  lib = {
    ...(await import("../../lib/logs/events/compaction-run.js")),
    ...(await import("../../lib/logs/events/compactor.js")),
    ...(await import("../../lib/logs/events/chunk-index.js")),
    ...(await import("../../lib/logs/events/put-log-events.js")),
    ...(await import("../../lib/logs/events/scan.js")),
    ...(await import("../../lib/logs/groups.js")),
    ...(await import("../../lib/logs/streams.js")),
    ...(await import("../../lib/logs/events/event-buffer.js")),
  };
}, 60_000);
afterAll(() => servers?.stop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function groupWithStreams(group: string, streams: string[]): Promise<string> {
  await lib.createLogGroup(A, REGION, { logGroupName: group });
  for (const s of streams) await lib.createLogStream(A, REGION, { logGroupName: group, logStreamName: s });
  return (await lib.getLogGroup(A, group))!.value.id;
}

/** Puts `count` events; returns the batch's buffer sequence (carried by the answer's token) and when it was acknowledged. */
async function put(group: string, stream: string, count: number, tag: string): Promise<{ seq: number; at: number; messages: string[] }> {
  const now = Date.now();
  const logEvents = Array.from({ length: count }, (_, i) => ({ timestamp: now, message: `${tag} ${i}` }));
  const out = await lib.putLogEvents(A, REGION, { logGroupName: group, logStreamName: stream, logEvents });
  return { seq: Number(out.nextSequenceToken!.slice(16)), at: Date.now(), messages: logEvents.map((e) => e.message) };
}

/** When the stream's state first shows `seq` committed (polled), in ms since epoch. */
async function committedAt(groupId: string, stream: string, seq: number, timeoutMs: number): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (((await lib.getStreamState(A, groupId, stream))?.value.through ?? 0) >= seq) return Date.now();
    await sleep(50);
  }
  return undefined;
}

async function messages(group: string): Promise<string[]> {
  const out: string[] = [];
  for await (const page of lib.scanLogEvents(A, group, {})) out.push(...page.map((e) => e.message));
  return out;
}

it("commits a stream that reached buffer_size while the run goes, and one below it once flush_interval has passed", async () => {
  const group = "/run/flush-rule";
  const groupId = await groupWithStreams(group, ["full", "trickle"]);
  const run = lib.compactForAWhile({ runMs: 30_000 });
  const full = await put(group, "full", BUFFER_SIZE, "full");
  const trickle = await put(group, "trickle", 1, "trickle");

  // Generous bounds for a loaded machine; the bench measures the lag itself.
  const fullAt = await committedAt(groupId, "full", full.seq, 20_000);
  expect(fullAt).toBeDefined();
  const trickleAt = await committedAt(groupId, "trickle", trickle.seq, 25_000);
  expect(trickleAt).toBeDefined();
  // The trickle waited for flush_interval (its clock starts at ingestion, before the acknowledgement).
  expect(trickleAt! - trickle.at).toBeGreaterThanOrEqual(FLUSH_INTERVAL_S * 1000 - 200);

  const report = await run;
  expect(report.events).toBe(BUFFER_SIZE + 1);
  expect(report.passes).toBeGreaterThan(1);
  expect(report.waiting).toBe(0);
  // Settled by the end of the run: storedBytes of the group, the stream's range.
  const states = await lib.groupStates(A, groupId);
  expect((await lib.getLogGroup(A, group))!.value.storedBytes).toBe(states.reduce((n, s) => n + s.storedBytes, 0));
  const streams = (await lib.describeLogStreams(A, REGION, { logGroupName: group })).logStreams!;
  expect(streams.find((s) => s.logStreamName === "full")?.lastIngestionTime).toBeGreaterThan(0);
}, 120_000);

it("loses and duplicates nothing while one-pass compactions (Drain) run between the run's passes, and keeps chunk numbers unique", async () => {
  const group = "/run/interleaved";
  const names = ["a", "b", "c"];
  const groupId = await groupWithStreams(group, names);
  const run = lib.compactForAWhile({ runMs: 25_000 });
  const sent = new Map<string, string[]>(names.map((s) => [s, []]));
  const last = new Map<string, number>();
  for (let round = 0; round < 12; round++) {
    for (const s of names) {
      const p = await put(group, s, BUFFER_SIZE + (round % 3) * 40, `${s} round ${round}`);
      sent.get(s)!.push(...p.messages);
      last.set(s, p.seq);
    }
    // Another compactor's pass in this process: it takes the partitions' leases from the run's loops for a moment.
    if (round % 4 === 1) await lib.compactLogs({ force: true });
    await sleep(150);
  }
  for (const s of names) expect(await committedAt(groupId, s, last.get(s)!, 30_000)).toBeDefined();
  await run;

  const all = await messages(group);
  expect(all.length).toBe([...sent.values()].reduce((n, m) => n + m.length, 0));
  for (const [s, m] of sent) expect(all.filter((x) => x.startsWith(`${s} `))).toEqual(m);
  // Every event is in a committed chunk now, once: the states' totals say so, and no chunk number is committed twice.
  const states = await lib.groupStates(A, groupId);
  for (const st of states) {
    expect(st.events).toBe(sent.get(st.logStream)!.length);
    const numbers = lib.committedNumbers(st);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(Math.max(...numbers)).toBeLessThan(st.next);
    const entries = await lib.getChunkEntries(st, numbers);
    expect(entries.reduce((n, e) => n + e.count, 0)).toBe(st.events);
  }
}, 120_000);

it("starts flushing a stream that became due while another stream's flush is under way, and holds the checkpoint before the one under way", async () => {
  const group = "/run/overlap";
  // Two streams of one partition.
  const names = ["big"];
  for (let k = 0; names.length < 2; k++) if (lib.logPartitionOf(group, `small-${k}`) === lib.logPartitionOf(group, "big")) names.push(`small-${k}`);
  const [big, small] = names;
  const p = lib.logPartitionOf(group, big);
  const groupId = await groupWithStreams(group, names);
  const sent: string[] = [];
  let bigFirst = 0;
  for (let b = 0; b < 4; b++) {
    const now = Date.now();
    const logEvents = Array.from({ length: 10_000 }, (_, i) => ({ timestamp: now, message: `big ${b} ${i} ${"z".repeat(60)}` }));
    const out = await lib.putLogEvents(A, REGION, { logGroupName: group, logStreamName: big, logEvents });
    bigFirst ||= Number(out.nextSequenceToken!.slice(16));
    sent.push(...logEvents.map((e) => e.message));
  }
  const hooks = { overlap: true, purge: false, settle: () => undefined };
  const report = { chunks: 0, events: 0, waiting: 0, checkpoints: [] };
  // Some 40,000 events of `big` (3 MB of text) to encode, gzip and write: its flush outlasts the passes below.
  const first = await lib.compactPartitionPass(p, {}, report, hooks);
  expect(first.started).toBeGreaterThanOrEqual(1);
  const due = await put(group, small, BUFFER_SIZE, "small");
  const second = await lib.compactPartitionPass(p, {}, report, { ...hooks, lease: first.lease, carry: first.carry });
  expect(second.started).toBe(1);
  // `big` is not committed yet, so the checkpoint stays before its first message.
  expect(second.lease!.record.checkpoint).toBeLessThan(bigFirst);
  expect((await lib.getStreamState(A, groupId, big))?.value.through ?? 0).toBeLessThan(bigFirst);

  await lib.flushesEnded(p);
  const third = await lib.compactPartitionPass(p, {}, report, { ...hooks, lease: second.lease, carry: second.carry });
  expect(third.lease!.record.checkpoint).toBeGreaterThanOrEqual(due.seq);
  expect(report.events).toBe(sent.length + BUFFER_SIZE);
  const all = await messages(group);
  expect(all.filter((m) => m.startsWith("big "))).toEqual(sent);
  expect(all.filter((m) => m.startsWith("small "))).toEqual(due.messages);
}, 120_000);

