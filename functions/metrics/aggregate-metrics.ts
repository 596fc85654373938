/**
 * Stream-triggered: folds batches of the metric ingest log into the delta
 * log, and compacts a partition's deltas into its chunks every few seconds.
 * One batch is one partition's messages in stream order.
 */
import middy from "@middy/core";
import type { KinesisStreamEvent, KinesisStreamBatchResponse } from "aws-lambda";
import { aggregateBatch } from "../../lib/metrics/write/aggregator.js";
import { compactSoon } from "../../lib/metrics/write/compaction.js";
import { rawBytes } from "../../lib/runtime/raw-bytes.js";

export const handler = middy<KinesisStreamEvent, KinesisStreamBatchResponse>().handler(async (event) => {
  const batch = event.Records.map((r) => ({
    seq: Number(r.kinesis.sequenceNumber),
    data: rawBytes(r.kinesis, "data"),
  }));
  const started = performance.now();
  const { partition, datapoints, chunks } = await aggregateBatch(batch);
  if (partition !== undefined) compactSoon(partition);
  if (process.env.HIVE_CLOUDWATCH_DEBUG) {
    console.error(`aggregated ${batch.length} messages, ${datapoints} datapoints into ${chunks} chunks in ${(performance.now() - started).toFixed(0)} ms`);
  }
  return { batchItemFailures: [] };
});
