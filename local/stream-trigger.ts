/**
 * Stream triggers: what a Lambda event source mapping does for a Kinesis
 * stream, over JetStream. A function's `Kinesis` event names a stream; each
 * durable consumer of that JetStream stream is a shard. Per shard, one batch
 * at a time: fetch, invoke the function with Kinesis-shaped records, ack on
 * success, nak (redeliver in order) on failure.
 *
 * Ordering across processes comes from the consumer itself: it allows only
 * one outstanding batch (max_ack_pending = batch size), so several runtimes
 * can poll the same shard and still see its batches in order.
 */
import type { JsMsg } from "nats";
import { getNats } from "../lib/storage/nats.js";
import { invokeFunction } from "../lib/runtime/invoke.js";
import type { TemplateFunction } from "./template.js";

export interface StreamTarget {
  logicalId: string;
  stream: string;
  batchSize: number;
  windowMs: number;
  region: string;
  eventSourceArn: string;
}

export interface StreamTriggers {
  stop(): Promise<void>;
}

export function streamTargets(functions: TemplateFunction[]): StreamTarget[] {
  const out: StreamTarget[] = [];
  for (const f of functions) {
    for (const ev of f.events) {
      if (ev.type !== "Kinesis") continue;
      const arn = String(ev.properties.Stream ?? "");
      const stream = arn.slice(arn.lastIndexOf("/") + 1);
      if (!stream) throw new Error(`${f.logicalId}.Events.${ev.name}: Stream must be a stream ARN`);
      out.push({
        logicalId: f.logicalId,
        stream,
        batchSize: Number(ev.properties.BatchSize ?? 100),
        windowMs: Math.max(1, Number(ev.properties.MaximumBatchingWindowInSeconds ?? 1)) * 1000,
        region: arn.split(":")[3] || "us-east-1",
        eventSourceArn: arn,
      });
    }
  }
  return out;
}

export function kinesisEvent(target: StreamTarget, shard: string, msgs: JsMsg[]) {
  return {
    Records: msgs.map((m) => ({
      kinesis: {
        kinesisSchemaVersion: "1.0",
        partitionKey: m.subject,
        sequenceNumber: String(m.seq),
        data: Buffer.from(m.data).toString("base64"),
        approximateArrivalTimestamp: Number(m.info.timestampNanos / 1_000_000) / 1000,
      },
      eventSource: "aws:kinesis",
      eventVersion: "1.0",
      eventID: `${shard}:${m.seq}`,
      eventName: "aws:kinesis:record",
      invokeIdentityArn: `arn:aws:iam::000000000000:role/${target.logicalId}`,
      awsRegion: target.region,
      eventSourceARN: target.eventSourceArn,
    })),
  };
}

export function startStreamTriggers(
  targets: StreamTarget[],
  opts: { log: (message: string, error?: unknown) => void },
): StreamTriggers {
  let stopped = false;
  const loops: Promise<void>[] = [];
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  async function shardLoop(target: StreamTarget, consumerName: string): Promise<void> {
    const { js } = await getNats();
    const consumer = await js.consumers.get(target.stream, consumerName);
    while (!stopped) {
      let batch: JsMsg[] = [];
      try {
        const iter = await consumer.fetch({ max_messages: target.batchSize, expires: target.windowMs });
        for await (const m of iter) batch.push(m);
      } catch (e) {
        if (stopped) return;
        opts.log(`stream trigger ${target.logicalId}/${consumerName}: fetch failed`, e);
        await sleep(1000);
        continue;
      }
      if (!batch.length) continue;
      try {
        const result = await invokeFunction(target.logicalId, kinesisEvent(target, consumerName, batch), 120_000);
        if (result?.batchItemFailures?.length) throw new Error(`${result.batchItemFailures.length} records failed`);
        batch[batch.length - 1].ack(); // AckPolicy.All: acknowledges the whole batch
      } catch (e) {
        opts.log(`stream trigger ${target.logicalId}/${consumerName}: batch of ${batch.length} failed; redelivering`, e);
        for (const m of batch) m.nak(1000);
        await sleep(1000);
      }
      batch = [];
    }
  }

  async function run(target: StreamTarget): Promise<void> {
    // The stream and its consumers are created by the functions' own code;
    // wait for them rather than guess their configuration here.
    while (!stopped) {
      try {
        const { jsm } = await getNats();
        const names: string[] = [];
        for await (const c of jsm.consumers.list(target.stream)) if (c.config.durable_name) names.push(c.config.durable_name);
        if (names.length) {
          await Promise.all(names.map((n) => shardLoop(target, n).catch((e) => opts.log(`stream trigger ${n} stopped`, e))));
          return;
        }
      } catch {
        // stream not there yet
      }
      await sleep(500);
    }
  }

  for (const t of targets) loops.push(run(t));
  return {
    async stop() {
      stopped = true;
      await Promise.race([Promise.all(loops), sleep(3000)]);
    },
  };
}
