/**
 * The log events processor in-process against a real nats-server: a batch
 * becomes metric appends and subscription deliveries, and the same batch
 * processed again (a crash before the checkpoint moved) appends nothing twice.
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

beforeAll(async () => {
  servers = await startTestServers("logs-processor", { s3: false });
  groups = await import("../../lib/logs/groups.js");
  metricFilters = await import("../../lib/logs/filters/metric-filters.js");
  subscriptions = await import("../../lib/logs/subscriptions/subscription-filters.js");
  processor = await import("../../lib/logs/filters/log-events-processor.js");
  codec = await import("../../lib/logs/events/batch-codec.js");
  nats = await import("../../lib/storage/nats.js");
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
