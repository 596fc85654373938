/**
 * The metric ingest log: a PutMetricData request becomes one JetStream
 * message per partition its series fall in. Partitions are by series (account,
 * namespace, name, dimensions), so one partition's aggregator owns every
 * series it touches, and even a single busy namespace spreads over all of
 * them. Subjects: `cloudwatch.{account}.metrics.ingest.{partition}`
 * (docs/formats/kv-keys.md#streams; messages: docs/formats/ingest-message.md).
 */
import { RetentionPolicy, StorageType } from "nats";
import { registerShard } from "../../storage/stream-shards.js";
import { ensureStream, getNats } from "../../storage/nats.js";
import { datumColumnsOf, encodeColumnRows, type DatumColumns } from "../encoding/datum-columns.js";
import type { IngestDatum, IngestMessage } from "../encoding/ingest-codec.js";
import { noteIngest } from "./published-ingest.js";

export const INGEST_STREAM = "CW_METRICS_INGEST";
/** Partitions of the ingest log; fixed per deployment (changing it re-homes series). */
export const PARTITIONS = 4;

/**
 * The partition of a series: FNV-1a over its identity (fast, stable, well
 * spread). Never change it: a chunk is folded by one partition's aggregator,
 * in that partition's order.
 */
export function partitionOf(account: string, namespace: string, d: Pick<IngestDatum, "m" | "d">): number {
  let h = mixText(mixText(mixText(0x811c9dc5, account), namespace), d.m);
  for (let k = 0; k < d.d.length; k++) h = mixText(mixText(h, d.d[k][0]), d.d[k][1]);
  return (h >>> 0) % PARTITIONS;
}

function mixText(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return Math.imul(h, 0x01000193); // separator
}

export const ingestSubject = (account: string, partition: number) => `cloudwatch.${account}.metrics.ingest.${partition}`;
export const partitionFilter = (partition: number) => `cloudwatch.*.metrics.ingest.${partition}`;
/** Messages per aggregator batch. */
export const AGGREGATOR_BATCH = 512;

let ensured: Promise<void> | undefined;
/** Creates the stream and registers its partitions as shards, idempotently. */
export function ensureIngestStream(): Promise<void> {
  ensured ??= (async () => {
    await ensureStream({
      name: INGEST_STREAM,
      subjects: ["cloudwatch.*.metrics.ingest.*"],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      // Aggregated messages are purged within seconds (ingest-purge.ts); max_age only
      // drops what no aggregator took in a day, e.g. while every service was down.
      max_age: 24 * 3600 * 1_000_000_000,
      max_msg_size: 8 * 1024 * 1024,
      duplicate_window: 120_000_000_000,
    });
    for (let p = 0; p < PARTITIONS; p++) await registerShard(INGEST_STREAM, String(p), partitionFilter(p));
  })().catch((e) => {
    ensured = undefined;
    throw e;
  });
  return ensured;
}

/**
 * Appends the request, one message per partition; resolves when JetStream
 * acknowledged them all. With a `retryKey` (same for every retry of one
 * client call), each message gets a JetStream message id from it and the
 * partition: a retry within the stream's duplicate window of a request whose
 * parts were stored (the answer lost, or another part failed) is not
 * counted twice. Not the message's bytes: datums without a Timestamp get the
 * time of each attempt.
 */
export async function publishIngest(msg: IngestMessage, retryKey?: string): Promise<void> {
  await ensureIngestStream();
  await publishParts(await getNats(), msg.account, ingestParts(msg), retryKey);
}

/**
 * The request's messages, by partition (undefined for a partition none of its
 * series falls in). Every part is encoded before any is sent: a request that
 * cannot be stored (NotUnicodeError) stores nothing.
 */
export function ingestParts(msg: IngestMessage): Array<Uint8Array | undefined> {
  return ingestColumnParts(msg.account, msg.namespace, datumColumnsOf(msg));
}

/**
 * publishIngest for a request its fast reader read into columns: the same
 * messages, without an object per datum on the way.
 */
export async function publishIngestColumns(account: string, namespace: string, columns: DatumColumns, retryKey?: string): Promise<void> {
  await ensureIngestStream();
  await publishParts(await getNats(), account, ingestColumnParts(account, namespace, columns), retryKey);
}

/** ingestParts of a request in columns. */
export function ingestColumnParts(account: string, namespace: string, columns: DatumColumns): Array<Uint8Array | undefined> {
  const n = columns.length;
  const { names, dims, dimStart } = columns;
  // Each row's partition, as partitionOf hashes its series, and the rows of each partition in order.
  const prefix = mixText(mixText(0x811c9dc5, account), namespace);
  const partitionOfRow = new Uint8Array(n);
  const sizes = new Int32Array(PARTITIONS);
  for (let i = 0; i < n; i++) {
    let h = mixText(prefix, names[i].text);
    for (let k = dimStart[i]; k < dimStart[i + 1]; k++) h = mixText(h, dims[k].text);
    const p = (h >>> 0) % PARTITIONS;
    partitionOfRow[i] = p;
    sizes[p]++;
  }
  const rows = Array.from(sizes, (size) => new Int32Array(size));
  const filled = new Int32Array(PARTITIONS);
  for (let i = 0; i < n; i++) {
    const p = partitionOfRow[i];
    rows[p][filled[p]++] = i;
  }
  return rows.map((r) => (r.length ? encodeColumnRows(account, namespace, columns, r) : undefined));
}

/**
 * Sends each partition's message (none where undefined); resolves when
 * JetStream acknowledged them all. Each new one is noted for this process's
 * tail reads (published-ingest.ts); a duplicate's sequence is an earlier
 * attempt's, noted then if it was this process's.
 */
async function publishParts({ nc, js }: Awaited<ReturnType<typeof getNats>>, account: string, encoded: Array<Uint8Array | undefined>, retryKey?: string): Promise<void> {
  await Promise.all(
    encoded.map(async (bytes, p) => {
      if (!bytes) return;
      const subject = ingestSubject(account, p);
      const ack = await js.publish(subject, bytes, retryKey ? { msgID: `${account}.${retryKey}.${p}` } : undefined);
      if (!ack.duplicate) noteIngest(nc, ack.seq, subject, bytes);
    }),
  );
}
