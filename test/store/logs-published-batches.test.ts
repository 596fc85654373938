/**
 * The batches this process published, kept for its own LogCompactor
 * (lib/logs/events/published-batches.ts, read by event-buffer.ts
 * readPartition): a pass takes them from memory, not back from nats-server,
 * and still reads from the stream every batch it did not publish (another
 * process's, or one from before nats-server restarted), in stream order.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServers, type TestServers } from "../support/servers.js";

let servers: TestServers;
let lib: typeof import("../../lib/logs/events/compactor.js") &
  typeof import("../../lib/logs/events/put-log-events.js") &
  typeof import("../../lib/logs/events/scan.js") &
  typeof import("../../lib/logs/events/batch-codec.js") &
  typeof import("../../lib/logs/events/event-buffer.js") &
  typeof import("../../lib/logs/events/published-batches.js") &
  typeof import("../../lib/logs/groups.js") &
  typeof import("../../lib/logs/streams.js") &
  typeof import("../../lib/storage/nats.js");

const A = "123456789012";
const REGION = "us-east-1";

beforeAll(async () => {
  servers = await startTestServers("logs-published-batches", { monitor: true });
  lib = {
    ...(await import("../../lib/logs/events/compactor.js")),
    ...(await import("../../lib/logs/events/put-log-events.js")),
    ...(await import("../../lib/logs/events/scan.js")),
    ...(await import("../../lib/logs/events/batch-codec.js")),
    ...(await import("../../lib/logs/events/event-buffer.js")),
    ...(await import("../../lib/logs/events/published-batches.js")),
    ...(await import("../../lib/logs/groups.js")),
    ...(await import("../../lib/logs/streams.js")),
    ...(await import("../../lib/storage/nats.js")),
  };
}, 60_000);
afterAll(() => servers?.stop());

async function groupWithStream(group: string, stream: string) {
  await lib.createLogGroup(A, REGION, { logGroupName: group });
  await lib.createLogStream(A, REGION, { logGroupName: group, logStreamName: stream });
  const g = (await lib.getLogGroup(A, group))!.value;
  const s = (await lib.describeLogStreams(A, REGION, { logGroupName: group })).logStreams!.find((x) => x.logStreamName === stream)!;
  return { groupId: g.id, streamCreated: s.creationTime! };
}

const line = (tag: string, i: number) => `${tag} ${i} ${"x".repeat(180)}`;

async function put(group: string, stream: string, count: number, tag: string, timestamp: number): Promise<string[]> {
  const logEvents = Array.from({ length: count }, (_, i) => ({ timestamp, message: line(tag, i) }));
  await lib.putLogEvents(A, REGION, { logGroupName: group, logStreamName: stream, logEvents });
  return logEvents.map((e) => e.message);
}

async function messages(group: string): Promise<string[]> {
  const out: string[] = [];
  for await (const page of lib.scanLogEvents(A, group, {})) out.push(...page.map((e) => e.message));
  return out;
}

const outBytes = async () => ((await (await fetch(`${servers.nats.monitorUrl}/varz`)).json()) as { out_bytes: number }).out_bytes;

it("compacts this process's batches from memory: nats-server sends back none of their bytes", async () => {
  const group = "/published/own";
  await groupWithStream(group, "s");
  const now = Date.now();
  const sent: string[] = [];
  for (let k = 0; k < 20; k++) sent.push(...(await put(group, "s", 500, `own-${k}`, now)));
  const published = sent.reduce((n, m) => n + Buffer.byteLength(m), 0);
  expect(lib.publishedBytes()).toBeGreaterThanOrEqual(published);
  const before = await outBytes();
  const report = await lib.compactLogs({ force: true });
  const sentBack = (await outBytes()) - before;
  expect(report.events).toBe(10_000);
  // Read back, they alone would be all of it; what is sent is KV's answers and the purge's look at each partition's
  // first batch (a message get of the whole batch, once per partition's pass: 4 of the 20).
  expect(sentBack).toBeLessThan(published / 2);
  // Taken by the compactor, they are not held twice.
  expect(lib.publishedBytes()).toBe(0);
  expect(await messages(group)).toEqual(sent);
}, 60_000);

it("reads from the stream, in order, a batch another process published between this process's own", async () => {
  const group = "/published/interleaved";
  const { groupId, streamCreated } = await groupWithStream(group, "s");
  const now = Date.now();
  const first = await put(group, "s", 100, "mine-1", now);
  // Another process's PutLogEvents: the same message on the same subject, published without this process noting it.
  const theirs = Array.from({ length: 100 }, (_, i) => line("theirs", i));
  const batch = lib.encodeLogBatch({ account: A, logGroup: group, logStream: "s", ingestionTime: now, groupId, streamCreated, events: theirs.map((message) => ({ timestamp: now + 1, message })) });
  const { js } = await lib.getNats();
  await js.publish(lib.logEventsSubject(A, lib.logPartitionOf(group, "s"), false), batch);
  const last = await put(group, "s", 100, "mine-2", now + 2);
  await lib.compactLogs({ force: true });
  expect(await messages(group)).toEqual([...first, ...theirs, ...last]);
}, 60_000);

it("reads from the stream what it published before nats-server restarted (its sequences are not known to be these)", async () => {
  const group = "/published/restart";
  await groupWithStream(group, "s");
  const now = Date.now();
  const before = await put(group, "s", 100, "before", now);
  await servers.stopNats();
  await servers.startNats();
  // Once the connection is back (nats.js reconnects by itself).
  const deadline = Date.now() + 30_000;
  while (!(await lib.getLogGroup(A, group).then(() => true, () => false)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  const after = await put(group, "s", 100, "after", now + 1);
  await lib.compactLogs({ force: true });
  expect(await messages(group)).toEqual([...before, ...after]);
}, 90_000);
