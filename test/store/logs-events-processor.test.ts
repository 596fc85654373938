/**
 * The log events processor in-process against a real nats-server: a batch
 * becomes metric appends and subscription deliveries, and the same batch
 * processed again (a crash before the checkpoint moved) appends nothing twice;
 * and PutLogEvents' batches reach it only when it has work in them.
 */
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServers, type TestServers } from "../support/servers.js";

const A = "111111111111";
const REGION = "us-east-1";

let servers: TestServers;
let groups: typeof import("../../lib/logs/groups.js");
let metricFilters: typeof import("../../lib/logs/filters/metric-filters.js");
let subscriptions: typeof import("../../lib/logs/subscriptions/subscription-filters.js");
let processor: typeof import("../../lib/logs/filters/log-events-processor.js");
let codec: typeof import("../../lib/logs/events/batch-codec.js");
let nats: typeof import("../../lib/storage/nats.js");
let streams: typeof import("../../lib/logs/streams.js");
let put: typeof import("../../lib/logs/events/put-log-events.js");
let buffer: typeof import("../../lib/logs/events/event-buffer.js");
let shards: typeof import("../../lib/storage/stream-shards.js");
let scan: typeof import("../../lib/logs/events/scan.js");

beforeAll(async () => {
  servers = await startTestServers("logs-processor", { s3: false });
  groups = await import("../../lib/logs/groups.js");
  metricFilters = await import("../../lib/logs/filters/metric-filters.js");
  subscriptions = await import("../../lib/logs/subscriptions/subscription-filters.js");
  processor = await import("../../lib/logs/filters/log-events-processor.js");
  codec = await import("../../lib/logs/events/batch-codec.js");
  nats = await import("../../lib/storage/nats.js");
  streams = await import("../../lib/logs/streams.js");
  put = await import("../../lib/logs/events/put-log-events.js");
  buffer = await import("../../lib/logs/events/event-buffer.js");
  shards = await import("../../lib/storage/stream-shards.js");
  scan = await import("../../lib/logs/events/scan.js");
}, 60_000);

afterAll(async () => {
  await servers?.stop();
});

/** The messages on a subject of a stream, in order. */
async function streamMessages(stream: string, subject: string): Promise<Uint8Array[]> {
  const { jsm } = await nats.getNats();
  const info = await jsm.streams.info(stream);
  const out: Uint8Array[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq }).catch(() => undefined);
    if (m && m.subject === subject) out.push(m.data);
  }
  return out;
}

describe("processLogBatches", () => {
  it("appends metrics and deliveries once, however often a batch is processed", async () => {
    const g = "/proc/app";
    await groups.createLogGroup(A, REGION, { logGroupName: g });
    const groupId = (await groups.getLogGroup(A, g))!.value.id;
    await metricFilters.putMetricFilter(A, REGION, {
      logGroupName: g,
      filterName: "lat",
      filterPattern: "{ $.latency > 0 }",
      metricTransformations: [{ metricName: "Latency", metricNamespace: "Proc", metricValue: "$.latency" }],
    });
    await subscriptions.putSubscriptionFilter(A, REGION, { logGroupName: g, filterName: "all", filterPattern: "latency", destinationArn: `arn:aws:kinesis:${REGION}:${A}:stream/proc`, roleArn: `arn:aws:iam::${A}:role/CWLtoKinesis` });
    const now = Date.now();
    const data = codec.encodeLogBatch({
      account: A,
      logGroup: g,
      logStream: "s1",
      ingestionTime: now,
      groupId,
      events: [
        { timestamp: now, message: '{"latency": 10}' },
        { timestamp: now, message: "no match" },
        { timestamp: now, message: '{"latency": 30}' },
      ],
    });
    const first = await processor.processLogBatches([{ seq: 41, data }], now);
    expect(first).toEqual({ events: 3, datapoints: 2, deliveries: 1 });
    const again = await processor.processLogBatches([{ seq: 41, data }], now);
    expect(again).toEqual(first);

    const deliveries = await streamMessages("CW_LOGS_SUBSCRIPTIONS", `logs.subscriptions.${A}.proc`);
    const envelopes = deliveries.map((d) => JSON.parse(gunzipSync(d).toString("utf8")));
    expect(envelopes.map((e) => e.messageType)).toEqual(["CONTROL_MESSAGE", "DATA_MESSAGE"]);
    expect(envelopes[1].logEvents.map((e: { message: string }) => e.message)).toEqual(['{"latency": 10}', '{"latency": 30}']);
    const { jsm } = await nats.getNats();
    const ingest = await jsm.streams.info("CW_METRICS_INGEST");
    expect(ingest.state.messages).toBe(1);
  });

  it("ignores a batch of an earlier incarnation of the group", async () => {
    const g = "/proc/recreated";
    await groups.createLogGroup(A, REGION, { logGroupName: g });
    await metricFilters.putMetricFilter(A, REGION, { logGroupName: g, filterName: "all", filterPattern: "", metricTransformations: [{ metricName: "All", metricNamespace: "Proc", metricValue: "1" }] });
    const data = codec.encodeLogBatch({ account: A, logGroup: g, logStream: "s1", ingestionTime: Date.now(), groupId: "an-earlier-incarnation", events: [{ timestamp: Date.now(), message: "x" }] });
    expect(await processor.processLogBatches([{ seq: 99, data }])).toEqual({ events: 1, datapoints: 0, deliveries: 0 });
  });

  it("reads EMF documents in a group without filters, and counts its plain batches", async () => {
    const g = "/proc/no-filters";
    await groups.createLogGroup(A, REGION, { logGroupName: g });
    const groupId = (await groups.getLogGroup(A, g))!.value.id;
    const now = Date.now();
    const emf = JSON.stringify({ _aws: { Timestamp: now, CloudWatchMetrics: [{ Namespace: "ProcEmf", Dimensions: [["Service"]], Metrics: [{ Name: "Latency", Unit: "Milliseconds" }] }] }, Service: "api", Latency: 12 });
    const batch = (seq: number, messages: string[]) => ({
      seq,
      data: codec.encodeLogBatch({ account: A, logGroup: g, logStream: "s1", ingestionTime: now, groupId, events: messages.map((message) => ({ timestamp: now, message })) }),
    });
    const plain = batch(200, ["GET /health 200", 'not "_aws" EMF: no CloudWatchMetrics', "POST /items 201"]);
    const withEmf = batch(201, ["GET /health 200", emf]);
    expect(await processor.processLogBatches([plain, withEmf], now)).toEqual({ events: 5, datapoints: 1, deliveries: 0 });
    expect(await processor.processLogBatches([plain], now)).toEqual({ events: 3, datapoints: 0, deliveries: 0 });
  });

  it("skips a buffer message it cannot decode rather than stalling the shard", async () => {
    expect(await processor.processLogBatches([{ seq: 7, data: new Uint8Array([9, 9, 9]) }])).toEqual({ events: 0, datapoints: 0, deliveries: 0 });
  });
});

describe("which PutLogEvents batches the LogEventsProcessor is sent", () => {
  const emf = (now: number) =>
    JSON.stringify({ _aws: { Timestamp: now, CloudWatchMetrics: [{ Namespace: "Routed", Dimensions: [[]], Metrics: [{ Name: "Hits" }] }] }, Hits: 1 });
  const metricFilter = (g: string) =>
    metricFilters.putMetricFilter(A, REGION, { logGroupName: g, filterName: "errors", filterPattern: "ERROR", metricTransformations: [{ metricName: "Errors", metricNamespace: "Routed", metricValue: "1" }] });
  const subscriptionFilter = (g: string) =>
    subscriptions.putSubscriptionFilter(A, REGION, { logGroupName: g, filterName: "all", filterPattern: "", destinationArn: `arn:aws:kinesis:${REGION}:${A}:stream/routed`, roleArn: `arn:aws:iam::${A}:role/CWLtoKinesis` });

  it("adds the unfiltered subject to a buffer stream made before it, keeping what it holds", async () => {
    const { jsm } = await nats.getNats();
    // This file's first use of the buffer: the stream is made here as the previous version made it.
    await expect(jsm.streams.info(buffer.LOG_EVENTS_STREAM)).rejects.toThrow();
    await jsm.streams.add({ name: buffer.LOG_EVENTS_STREAM, subjects: ["cloudwatch.*.logs.events.*"], allow_direct: true });
    const old = codec.encodeLogBatch({ account: A, logGroup: "/before/upgrade", logStream: "s", ingestionTime: Date.now(), events: [{ timestamp: Date.now(), message: "old" }] });
    await (await nats.getNats()).js.publish(`cloudwatch.${A}.logs.events.0`, old);
    await buffer.ensureLogEventsStream();
    const info = await jsm.streams.info(buffer.LOG_EVENTS_STREAM);
    expect(info.config.subjects).toEqual(["cloudwatch.*.logs.events.*", "cloudwatch.*.logs.unfiltered.*"]);
    expect(info.state.messages).toBe(1);
  });

  // Each case: a fresh group, what is set on it just before the put, the messages, and whether the processor gets the batch.
  it.each([
    { name: "plain text in a group without filters", setup: async () => undefined, messages: () => ["GET /health 200", "POST /items 201"], processed: false },
    { name: "text naming _aws without its quotes, no filters", setup: async () => undefined, messages: () => ["_aws CloudWatchMetrics in prose"], processed: false },
    { name: "an EMF document in a group without filters", setup: async () => undefined, messages: (now: number) => ["GET /health 200", emf(now)], processed: true },
    { name: "plain text in a group with a metric filter put just before", setup: metricFilter, messages: () => ["ERROR boom"], processed: true },
    { name: "plain text in a group with a subscription filter put just before", setup: subscriptionFilter, messages: () => ["anything"], processed: true },
  ])("$name: processed $processed", async ({ setup, messages, processed }) => {
    const g = `/routed/${Math.random().toString(36).slice(2, 10)}`;
    await groups.createLogGroup(A, REGION, { logGroupName: g });
    await streams.createLogStream(A, REGION, { logGroupName: g, logStreamName: "s" });
    await setup(g);
    const now = Date.now();
    const sent = messages(now);
    const out = await put.putLogEvents(A, REGION, { logGroupName: g, logStreamName: "s", logEvents: sent.map((message) => ({ timestamp: now, message })) });
    const seq = Number(out.nextSequenceToken!.slice(16));

    // What the processor's shard reads (the filter local/stream-trigger.ts reads it by), from just before the batch.
    const p = buffer.logPartitionOf(g, "s");
    const shard = (await shards.getShard(buffer.LOG_EVENTS_STREAM, String(p)))!;
    const seen = await shards.readShard(buffer.LOG_EVENTS_STREAM, shard.filter, seq, 16, 0);
    expect(seen.some((m) => m.seq === seq)).toBe(processed);
    // The compactor's filter takes every batch, and reads see it either way.
    const stored = await nats.directGet((await nats.getNats()).jsm, buffer.LOG_EVENTS_STREAM, { seq, next_by_subj: buffer.logPartitionFilter(p) });
    expect(stored?.seq).toBe(seq);
    const read: string[] = [];
    for await (const page of scan.scanLogEvents(A, g, { logStreams: ["s"] })) for (const e of page) read.push(e.message);
    expect(read).toEqual(sent);

    // And what it is sent yields the datapoint (a filter put just before the call applies to it).
    if (processed) {
      const r = await processor.processLogBatches(seen.filter((m) => m.seq === seq), now);
      expect(r.datapoints + r.deliveries).toBeGreaterThan(0);
    }
  }, 60_000);
});
