/**
 * Stream-triggered: folds batches of the metric ingest log into per-series
 * chunks. One batch is one partition's messages in stream order.
 */
import middy from "@middy/core";
import type { KinesisStreamEvent, KinesisStreamBatchResponse } from "aws-lambda";
import { aggregateBatch } from "../../lib/metrics/aggregator.js";
import type { IngestMessage } from "../../lib/metrics/ingest.js";

export const handler = middy<KinesisStreamEvent, KinesisStreamBatchResponse>().handler(async (event) => {
  const batch = event.Records.map((r) => ({
    seq: Number(r.kinesis.sequenceNumber),
    message: JSON.parse(Buffer.from(r.kinesis.data, "base64").toString("utf8")) as IngestMessage,
  }));
  const started = performance.now();
  const { datapoints, chunks } = await aggregateBatch(batch);
  if (process.env.HIVE_CLOUDWATCH_DEBUG) {
    console.error(`aggregated ${batch.length} messages, ${datapoints} datapoints into ${chunks} chunks in ${(performance.now() - started).toFixed(0)} ms`);
  }
  return { batchItemFailures: [] };
});
