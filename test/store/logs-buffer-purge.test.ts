/**
 * The log buffer (CW_LOGS_EVENTS) purged behind the LogCompactor
 * (lib/logs/events/buffer-purge.ts): stream-wide, below the oldest message
 * some partition still needs, a grace period after the checkpoints passed,
 * so what nats-server counts against JetStream's storage limit goes down
 * with what the stream holds (nats-server 2.9.10 never takes a purge
 * filtered by subject out of that total); nothing a partition's compactor
 * or a live LogEventsProcessor has not read yet goes, nor the stream's last
 * message.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogGroup } from "../../lib/logs/groups.js";
import { createLogStream } from "../../lib/logs/streams.js";
import { putLogEvents } from "../../lib/logs/events/put-log-events.js";
import { scanLogEvents } from "../../lib/logs/events/scan.js";
import { compactLogs, compactPartitionPass, type CompactionReport } from "../../lib/logs/events/compactor.js";
import { PURGE_GRACE_MS, purgeCompactedBuffer } from "../../lib/logs/events/buffer-purge.js";
import { LOG_EVENTS_STREAM, LOG_PARTITIONS, logPartitionFilter, logPartitionOf, processorFilter } from "../../lib/logs/events/event-buffer.js";
import { putMetricFilter } from "../../lib/logs/filters/metric-filters.js";
import { directGet, getNats } from "../../lib/storage/nats.js";
import { acquireLease, commitLease } from "../../lib/storage/stream-shards.js";
import { startTestServers, type TestServers } from "../support/servers.js";

const A = "111111111111";
const REGION = "us-east-1";

let servers: TestServers;
beforeAll(async () => {
  servers = await startTestServers("logs-buffer-purge", { monitor: true });
}, 60_000);
afterAll(() => servers?.stop());

let n = 0;
/** A group with one stream in each buffer partition; `streams[p]` is partition p's. */
async function groupPerPartition(): Promise<{ group: string; streams: string[] }> {
  const group = `/test/purge-${++n}-${Math.random().toString(36).slice(2, 8)}`;
  await createLogGroup(A, REGION, { logGroupName: group });
  const streams: string[] = [];
  for (let k = 0; streams.filter(Boolean).length < LOG_PARTITIONS; k++) {
    const name = `s-${k}`;
    streams[logPartitionOf(group, name)] ??= name;
  }
  for (const s of streams) await createLogStream(A, REGION, { logGroupName: group, logStreamName: s });
  return { group, streams };
}

/** Puts `count` batches of 200 events of about 200 bytes; returns the messages in order. */
async function putBatches(group: string, stream: string, count: number): Promise<string[]> {
  const all: string[] = [];
  for (let b = 0; b < count; b++) {
    const logEvents = Array.from({ length: 200 }, (_, i) => ({ timestamp: Date.now(), message: `${stream} batch ${b} event ${i} ${"x".repeat(180)}` }));
    await putLogEvents(A, REGION, { logGroupName: group, logStreamName: stream, logEvents });
    all.push(...logEvents.map((e) => e.message));
  }
  return all;
}

async function readStream(group: string, stream: string): Promise<string[]> {
  const out: string[] = [];
  for await (const page of scanLogEvents(A, group, { logStreams: [stream] })) for (const e of page) out.push(e.message);
  return out;
}

const bufferState = async () => (await (await getNats()).jsm.streams.info(LOG_EVENTS_STREAM)).state;
/** What nats-server counts against the account's and the server's JetStream storage limits, and what its streams hold. */
async function accounted(): Promise<{ account: number; server: number; held: number }> {
  const { jsm } = await getNats();
  const jsz = (await fetch(`${servers.nats.monitorUrl}/jsz?streams=true`).then((r) => r.json())) as {
    storage: number;
    account_details?: Array<{ stream_detail?: Array<{ state: { bytes: number } }> }>;
  };
  const held = (jsz.account_details ?? []).flatMap((a) => a.stream_detail ?? []).reduce((t, st) => t + st.state.bytes, 0);
  return { account: (await jsm.getAccountInfo()).storage, server: jsz.storage, held };
}
/** accounted() once nothing is being written any more (PutLogEvents' stream record notes go out within a second). */
async function steadyAccounted(): Promise<{ account: number; server: number; held: number }> {
  for (let last = await accounted(); ; ) {
    await new Promise((r) => setTimeout(r, 500));
    const now = await accounted();
    if (JSON.stringify(now) === JSON.stringify(last)) return now;
    last = now;
  }
}
/** A purge as it goes once the grace period has passed since the checkpoints were marked. */
const purgeAfterGrace = () => purgeCompactedBuffer(Date.now() + PURGE_GRACE_MS + 1000);

describe("purging the log buffer behind the compactor", () => {
  it("removes what every partition compacted, stream-wide, so nats-server's storage total goes down with the stream's bytes", async () => {
    const { group, streams } = await groupPerPartition();
    const sent = await Promise.all(streams.map((s) => putBatches(group, s, 3)));
    await compactLogs({ force: true });

    // Within the grace period nothing goes: a scan that read a stream state before the commit still finds its events.
    const before = await bufferState();
    expect(before.messages).toBeGreaterThanOrEqual(3 * LOG_PARTITIONS);
    expect(await purgeCompactedBuffer()).toBe(0);
    const usageBefore = await steadyAccounted();

    // Everything but the stream's last message (it keeps the sequence across a SIGKILL of nats-server).
    expect(await purgeAfterGrace()).toBe(before.messages - 1);
    const after = await bufferState();
    expect(after).toMatchObject({ messages: 1, first_seq: before.last_seq, last_seq: before.last_seq });
    expect(after.bytes).toBeLessThan(before.bytes);
    // The account's storage total and the server's went down by what the stream let go (a filtered purge leaves both).
    const usageAfter = await steadyAccounted();
    expect(usageBefore.account - usageAfter.account).toBe(before.bytes - after.bytes);
    expect(usageBefore.server - usageAfter.server).toBe(before.bytes - after.bytes);
    expect(usageAfter.server).toBe(usageAfter.held);

    // Every event is read once, from the chunks.
    for (const [p, s] of streams.entries()) expect(await readStream(group, s)).toEqual(sent[p]);
  }, 60_000);

  it("keeps every message from the oldest one a partition has not compacted yet, and purges them once it has", async () => {
    const { group, streams } = await groupPerPartition();
    const behind = 2;
    const sentBehind = await putBatches(group, streams[behind], 2);
    const firstBehind = (await bufferState()).last_seq - 1;
    const sent = await Promise.all(streams.map((s, p) => (p === behind ? Promise.resolve([]) : putBatches(group, s, 2))));
    const report: CompactionReport = { chunks: 0, events: 0, waiting: 0, checkpoints: [] };
    for (let p = 0; p < LOG_PARTITIONS; p++) if (p !== behind) await compactPartitionPass(p, { force: true }, report);

    await purgeAfterGrace();
    const held = await bufferState();
    expect(held.first_seq).toBe(firstBehind);
    // Partition 2's messages are all still there, and read from the buffer.
    for (const seq of [firstBehind, firstBehind + 1]) expect((await directGet((await getNats()).jsm, LOG_EVENTS_STREAM, { seq, next_by_subj: logPartitionFilter(behind) }))?.seq).toBe(seq);
    expect(await readStream(group, streams[behind])).toEqual(sentBehind);

    await compactPartitionPass(behind, { force: true }, report);
    await purgeAfterGrace();
    expect(await bufferState()).toMatchObject({ messages: 1, first_seq: held.last_seq });
    expect(await readStream(group, streams[behind])).toEqual(sentBehind);
    for (const [p, s] of streams.entries()) if (p !== behind) expect(await readStream(group, s)).toEqual(sent[p]);
  }, 60_000);

  it("keeps what a live LogEventsProcessor has not processed, and stops waiting for one gone ten minutes", async () => {
    const { group, streams } = await groupPerPartition();
    // A metric filter: the group's batches are the processor's to read.
    await putMetricFilter(A, REGION, { logGroupName: group, filterName: "all", filterPattern: "", metricTransformations: [{ metricName: "N", metricNamespace: "Purge", metricValue: "1" }] });
    const p = 1;
    const from = (await bufferState()).last_seq; // the processor has processed up to here
    const consumer = (await acquireLease(LOG_EVENTS_STREAM, String(p), "test-processor", 60_000))!;
    expect(consumer).toBeDefined();
    expect(await commitLease(consumer, from, 60_000)).toBe(true);
    await Promise.all(streams.map((s) => putBatches(group, s, 2)));
    await compactLogs({ force: true });

    await purgeAfterGrace();
    const first = await directGet((await getNats()).jsm, LOG_EVENTS_STREAM, { seq: from + 1, next_by_subj: processorFilter(p) });
    expect((await bufferState()).first_seq).toBe(first!.seq);

    // Processed: the purge goes on to the end.
    expect(await commitLease(consumer, (await bufferState()).last_seq, 60_000)).toBe(true);
    await purgeAfterGrace();
    expect((await bufferState()).messages).toBe(1);

    // A processor whose lease lapsed over ten minutes ago holds nothing back.
    await putBatches(group, streams[p], 1);
    const last = (await bufferState()).last_seq;
    await putBatches(group, streams[0], 1);
    await compactLogs({ force: true });
    await purgeAfterGrace();
    expect((await bufferState()).first_seq).toBe(last);
    await purgeCompactedBuffer(Date.now() + 11 * 60_000);
    expect((await bufferState()).first_seq).toBe(last + 1);
  }, 60_000);

  it("is not held back by a live LogEventsProcessor for batches it is never sent (no filters, no EMF)", async () => {
    const { group, streams } = await groupPerPartition();
    const p = 3;
    const consumer = (await acquireLease(LOG_EVENTS_STREAM, String(p), "idle-processor", 60_000))!;
    expect(await commitLease(consumer, (await bufferState()).last_seq, 60_000)).toBe(true);
    const sent = await Promise.all(streams.map((s) => putBatches(group, s, 2)));
    // Nothing on the processor's subject past its checkpoint: it never moves it.
    expect(await directGet((await getNats()).jsm, LOG_EVENTS_STREAM, { seq: consumer.record.checkpoint + 1, next_by_subj: processorFilter(p) })).toBeUndefined();
    await compactLogs({ force: true });
    await purgeAfterGrace();
    expect((await bufferState()).messages).toBe(1);
    for (const [k, s] of streams.entries()) expect(await readStream(group, s)).toEqual(sent[k]);
  }, 60_000);
});
