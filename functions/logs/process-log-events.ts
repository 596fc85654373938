/**
 * Stream-triggered on CW_LOGS_EVENTS: applies metric filters, Embedded
 * Metric Format and subscription filters to each batch as it is ingested.
 */
import middy from "@middy/core";
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { processLogBatches } from "../../lib/logs/filters/log-events-processor.js";
import { rawBytes } from "../../lib/runtime/raw-bytes.js";

export const handler = middy<KinesisStreamEvent, KinesisStreamBatchResponse>().handler(async (event) => {
  await processLogBatches(event.Records.map((r) => ({ seq: Number(r.kinesis.sequenceNumber), data: rawBytes(r.kinesis, "data") })));
  return { batchItemFailures: [] };
});
