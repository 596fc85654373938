/**
 * The log event buffer: the JetStream stream CW_LOGS_EVENTS, one message per
 * accepted PutLogEvents batch (docs/formats/log-batch.md), subjects
 * `cloudwatch.{account}.logs.{kind}.{partition}`. A log stream always lands
 * in the same partition, so one compactor (the partition's lease holder)
 * sees all of a stream's buffered events in order. Kind `events`: a batch
 * the LogEventsProcessor must see (its group has metric or subscription
 * filters, or it may hold EMF); kind `unfiltered`: one only the compactor
 * reads, so nats-server never sends its bytes to the processor.
 */
import { RetentionPolicy, StorageType } from "nats";
import { mayHoldEmf } from "../emf/extract.js";
import { ensureStream, getNats } from "../../storage/nats.js";
import { readSubject, readSubjectPublished } from "../../storage/stream-read.js";
import { registerShard } from "../../storage/stream-shards.js";
import { encodeLogBatchColumns, type EventColumns, type LogBatch } from "./batch-codec.js";
import { notePublished, publishedBatches, releasePublished } from "./published-batches.js";

export const LOG_EVENTS_STREAM = "CW_LOGS_EVENTS";
/** Fixed per deployment: changing it re-homes streams while their events are buffered. */
export const LOG_PARTITIONS = 4;

const SUBJECTS = ["cloudwatch.*.logs.events.*", "cloudwatch.*.logs.unfiltered.*"];
/** Where a batch of a stream in `partition` goes: `processed` when the LogEventsProcessor has work in it. */
export const logEventsSubject = (account: string, partition: number, processed: boolean) =>
  `cloudwatch.${account}.logs.${processed ? "events" : "unfiltered"}.${partition}`;
/** Every batch of a partition, both kinds (the compactor, the purge). */
export const logPartitionFilter = (partition: number) => `cloudwatch.*.logs.*.${partition}`;
/** Every batch of an account in a partition (reads of the buffer). */
export const accountPartitionFilter = (account: string, partition: number) => `cloudwatch.${account}.logs.*.${partition}`;
/** The batches the LogEventsProcessor reads: its shard filter (the same as before the kinds were split). */
export const processorFilter = (partition: number) => `cloudwatch.*.logs.events.${partition}`;

/** FNV-1a over group and stream name: stable, never change it. */
export function logPartitionOf(logGroup: string, logStream: string): number {
  return (streamHash(logGroup, logStream) >>> 0) % LOG_PARTITIONS;
}

export function streamHash(logGroup: string, logStream: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < logGroup.length; i++) h = Math.imul(h ^ logGroup.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ 0xff, 0x01000193);
  for (let i = 0; i < logStream.length; i++) h = Math.imul(h ^ logStream.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

let ensured: Promise<void> | undefined;
/** Creates the stream and registers its partitions as compactor shards, idempotently. */
export function ensureLogEventsStream(): Promise<void> {
  ensured ??= (async () => {
    const config = {
      name: LOG_EVENTS_STREAM,
      subjects: SUBJECTS,
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      // The compactor purges what it has moved to S3; this only bounds a stalled one.
      max_age: 14 * 86_400 * 1_000_000_000,
      duplicate_window: 120_000_000_000,
      allow_direct: true,
    };
    await ensureStream(config);
    // A stream made before the `unfiltered` kind takes its subject now (its buffered batches stay where they are).
    const { jsm } = await getNats();
    const info = await jsm.streams.info(LOG_EVENTS_STREAM);
    if (SUBJECTS.some((s) => !info.config.subjects?.includes(s))) await jsm.streams.update(LOG_EVENTS_STREAM, { ...info.config, subjects: SUBJECTS });
    for (let p = 0; p < LOG_PARTITIONS; p++) await registerShard(LOG_EVENTS_STREAM, String(p), processorFilter(p));
  })().catch((e) => {
    ensured = undefined;
    throw e;
  });
  return ensured;
}

/** Room left in a message for headers and the protocol line. */
const PAYLOAD_SLACK = 16 * 1024;

/**
 * Appends events [from, to) of `cols` as one batch; resolves once JetStream
 * acknowledged every part (the 200 is durable). A batch larger than the
 * server's max_payload goes in parts, each with its own message id from
 * `retryKey`, so a retry stores none twice. A part goes to the
 * LogEventsProcessor when `filtered` (its group has metric or subscription
 * filters) or when its bytes spell `"_aws"` (it may hold an EMF document).
 * Returns the stream sequence of each part.
 */
export async function publishLogBatch(
  header: Omit<LogBatch, "events">,
  cols: EventColumns,
  from: number,
  to: number,
  filtered: boolean,
  retryKey?: string,
): Promise<number[]> {
  await ensureLogEventsStream();
  const { nc, js } = await getNats();
  const max = Math.max(64 * 1024, (nc.info?.max_payload ?? 1024 * 1024) - PAYLOAD_SLACK);
  const parts: Uint8Array[] = [];
  const whole = encodeLogBatchColumns(header, cols, from, to);
  if (whole.length <= max) parts.push(whole);
  else {
    // Parts by the encoder's bound: the header, 8 bytes, and 11 + the UTF-8 length an event.
    const budget = max - 64 - 3 * (header.account.length + header.logGroup.length + header.logStream.length + (header.groupId?.length ?? 0));
    let first = from;
    while (first < to) {
      let bytes = 8;
      let end = first;
      while (end < to && (end === first || bytes + 11 + cols.sizes[end] <= budget)) bytes += 11 + cols.sizes[end++];
      parts.push(encodeLogBatchColumns(header, cols, first, end));
      first = end;
    }
  }
  const partition = logPartitionOf(header.logGroup, header.logStream);
  const acks = await Promise.all(
    parts.map((bytes, i) =>
      js.publish(logEventsSubject(header.account, partition, filtered || mayHoldEmf(bytes)), bytes, retryKey ? { msgID: `${header.account}.${retryKey}.${i}` } : undefined),
    ),
  );
  // For this process's compactor, which then need not read them back (a duplicate's stored bytes are another call's).
  acks.forEach((a, i) => a.duplicate || notePublished(nc, a.seq, partition, parts[i]));
  return acks.map((a) => a.seq);
}

export interface BufferRange {
  first: number;
  last: number;
}

/** The stream's first and last sequence now. */
export async function bufferRange(): Promise<BufferRange> {
  await ensureLogEventsStream();
  const { jsm } = await getNats();
  const { state } = await jsm.streams.info(LOG_EVENTS_STREAM);
  return { first: state.first_seq, last: state.last_seq };
}

/** A buffered message as readers see it. */
export interface BufferedMessage {
  seq: number;
  data: Uint8Array;
}

/**
 * Calls `visit` for each buffered message on `subject` (may hold wildcards)
 * with a sequence in [fromSeq, toSeq], in order (readSubject of
 * lib/storage/stream-read.ts). Returns the sequence of the first message seen.
 */
export async function readBuffer(
  subject: string,
  fromSeq: number,
  toSeq: number,
  /** Returning false stops the read. */
  visit: (m: BufferedMessage) => void | boolean | Promise<void | boolean>,
  signal?: AbortSignal,
): Promise<number | undefined> {
  if (toSeq < fromSeq) return undefined;
  await ensureLogEventsStream();
  return readSubject(LOG_EVENTS_STREAM, subject, fromSeq, toSeq, visit, signal);
}

/**
 * Calls `visit` for each buffered batch of partition `p` from `fromSeq` to
 * the partition's end, in order: the batches this process published from
 * memory (published-batches.ts), stepping over the other partitions' it
 * knows, and any other from the stream; the end is confirmed by the stream.
 * Returning false stops the read (the batch is not taken).
 */
export async function readPartition(p: number, fromSeq: number, visit: (m: BufferedMessage) => false | void): Promise<void> {
  await ensureLogEventsStream();
  // The compactor holds a batch it took from memory: the store lets go of its bytes.
  await readSubjectPublished(publishedBatches, (e) => e.partition === p, LOG_EVENTS_STREAM, logPartitionFilter(p), fromSeq, Number.MAX_SAFE_INTEGER, visit, releasePublished);
}
