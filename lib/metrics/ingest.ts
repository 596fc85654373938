/**
 * The metric ingest log: one JetStream message per PutMetricData request,
 * partitioned by account + namespace so one partition's aggregator owns every
 * series it touches. Subjects: `cloudwatch.{account}.metrics.ingest.{partition}`.
 */
import { RetentionPolicy, StorageType, type JetStreamManager } from "nats";
import { registerShard } from "../runtime/shards.js";
import { createHash } from "node:crypto";
import { getNats } from "../storage/nats.js";

export const INGEST_STREAM = "CW_METRICS_INGEST";
/** Partitions of the ingest log; fixed per deployment (changing it re-homes series). */
export const PARTITIONS = 4;

/** A datapoint as stored in the ingest log: compact, already validated. */
export interface IngestDatum {
  /** metric name */
  m: string;
  /** dimensions as [name, value] pairs, sorted by name */
  d: Array<[string, string]>;
  /** timestamp, epoch ms */
  t: number;
  /** unit ("None" when not given) */
  u: string;
  /** storage resolution in seconds: 1 or 60 */
  r: 1 | 60;
  /** a single value */
  v?: number;
  /** values and their counts */
  vs?: number[];
  cs?: number[];
  /** statistic set: [SampleCount, Sum, Minimum, Maximum] */
  s?: [number, number, number, number];
}

export interface IngestMessage {
  account: string;
  namespace: string;
  data: IngestDatum[];
}

export function partitionOf(account: string, namespace: string): number {
  return createHash("sha1").update(`${account}\u0000${namespace}`).digest().readUInt32BE(0) % PARTITIONS;
}

export const ingestSubject = (account: string, partition: number) => `cloudwatch.${account}.metrics.ingest.${partition}`;
export const partitionFilter = (partition: number) => `cloudwatch.*.metrics.ingest.${partition}`;
/** Messages per aggregator batch. */
export const AGGREGATOR_BATCH = 512;

let ensured: Promise<void> | undefined;
/** Creates the stream and registers its partitions as shards, idempotently. */
export function ensureIngestStream(): Promise<void> {
  ensured ??= (async () => {
    const { jsm } = await getNats();
    await upsertStream(jsm);
    for (let p = 0; p < PARTITIONS; p++) await registerShard(INGEST_STREAM, String(p), partitionFilter(p));
  })().catch((e) => {
    ensured = undefined;
    throw e;
  });
  return ensured;
}

async function upsertStream(jsm: JetStreamManager): Promise<void> {
  try {
    await jsm.streams.info(INGEST_STREAM);
  } catch {
    await jsm.streams.add({
      name: INGEST_STREAM,
      subjects: ["cloudwatch.*.metrics.ingest.*"],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      // Kept a day past aggregation so a lagging aggregator never loses data.
      max_age: 24 * 3600 * 1_000_000_000,
      max_msg_size: 8 * 1024 * 1024,
      duplicate_window: 120_000_000_000,
    });
  }
}

export async function publishIngest(msg: IngestMessage): Promise<void> {
  await ensureIngestStream();
  const { js } = await getNats();
  await js.publish(ingestSubject(msg.account, partitionOf(msg.account, msg.namespace)), Buffer.from(JSON.stringify(msg)));
}
