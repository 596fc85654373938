/**
 * Where a metric stream delivers. This platform has no Firehose: the
 * delivery stream's name in FirehoseArn names a subject of the JetStream
 * stream CW_METRIC_STREAMS, in the stream owner's account, so any NATS
 * subscriber or JetStream consumer reads it:
 *
 *   arn:aws:firehose:{region}:{any account}:deliverystream/{name} → cloudwatch.metricstreams.{owner account}.{name}
 *
 * `{name}` is one subject token (lib/storage/kv.ts keyToken escapes other
 * characters as `=XX`). Four tokens, so the subjects overlap no other
 * `cloudwatch.*` stream's. Each message is one Firehose record's worth of
 * AWS's format (docs/formats/metric-streams.md).
 */
import { RetentionPolicy, StorageType } from "nats";
import { keyToken } from "../storage/kv.js";
import { ensureStream, getNats } from "../storage/nats.js";

export const METRIC_STREAMS_STREAM = "CW_METRIC_STREAMS";

/** The delivery stream's name in a Firehose ARN; undefined for any other ARN. */
export function firehoseName(arn: string): string | undefined {
  const m = /^arn:aws[a-z-]*:firehose:[a-z0-9-]+:\d{12}:deliverystream\/(.+)$/.exec(arn);
  return m?.[1];
}

export const deliverySubject = (account: string, firehoseArn: string) => `cloudwatch.metricstreams.${account}.${keyToken(firehoseName(firehoseArn) ?? "")}`;

/** ensureStream creates it once per process and tries again after a failure. */
const ensureMetricStreamsStream = (): Promise<void> =>
  ensureStream({
    name: METRIC_STREAMS_STREAM,
    subjects: ["cloudwatch.metricstreams.*.*"],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    // Firehose keeps undeliverable records a day; so does this stand-in.
    max_age: 24 * 3600 * 1_000_000_000,
    max_msg_size: 2 * 1024 * 1024,
    duplicate_window: 300_000_000_000,
  });

/**
 * Publishes one record and resolves once JetStream stored it. `msgId` names
 * the stream, minute and part: a minute published again (two processes, or
 * a crash before the checkpoint moved) is a duplicate JetStream drops.
 */
export async function publishRecord(subject: string, body: Uint8Array, msgId: string): Promise<void> {
  await ensureMetricStreamsStream();
  const { js } = await getNats();
  await js.publish(subject, body, { msgID: msgId });
}
