/**
 * Aggregates everything pending in the ingest log now, in-process: for tools,
 * tests with a fixed clock and benchmarks. The service itself aggregates
 * through the stream-triggered MetricAggregator function.
 */
import { getNats } from "../storage/nats.js";
import { aggregateBatch } from "./aggregator.js";
import { AGGREGATOR_BATCH, aggregatorConsumer, ensureIngestStream, INGEST_STREAM, PARTITIONS, type IngestMessage } from "./ingest.js";

export async function drainIngest(now = Date.now()): Promise<number> {
  await ensureIngestStream();
  const { js, jsm } = await getNats();
  let total = 0;
  for (let p = 0; p < PARTITIONS; p++) {
    const consumer = await js.consumers.get(INGEST_STREAM, aggregatorConsumer(p));
    for (;;) {
      const info = await jsm.consumers.info(INGEST_STREAM, aggregatorConsumer(p));
      if (info.num_pending === 0) break;
      const msgs = [];
      for await (const m of await consumer.fetch({ max_messages: AGGREGATOR_BATCH, expires: 1000 })) msgs.push(m);
      if (!msgs.length) break;
      await aggregateBatch(
        msgs.map((m) => ({ seq: m.seq, message: JSON.parse(Buffer.from(m.data).toString("utf8")) as IngestMessage })),
        now,
      );
      msgs[msgs.length - 1].ack();
      total += msgs.length;
    }
  }
  return total;
}
