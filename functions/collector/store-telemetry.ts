/**
 * Stream-triggered: the platform collector's TelemetryBatch messages
 * (metrics.ec2.{instance-id}) stored as AWS/EC2 metrics.
 */
import middy from "@middy/core";
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { storeTelemetry } from "../../lib/collector/telemetry-batch.js";
import { rawBytes } from "../../lib/runtime/raw-bytes.js";

export const handler = middy<KinesisStreamEvent, KinesisStreamBatchResponse>().handler(async (event) => {
  await storeTelemetry(event.Records.map((r) => ({ subject: r.kinesis.partitionKey, data: rawBytes(r.kinesis, "data"), seq: Number(r.kinesis.sequenceNumber) })));
  return { batchItemFailures: [] };
});
