/**
 * The log batches this process published to CW_LOGS_EVENTS, by stream
 * sequence and with their partitions, for its own LogCompactor: a pass takes
 * them from here instead of reading them back from nats-server (event-buffer.ts
 * readPartition, through readSubjectPublished). Reading them back was about as
 * much CPU as publishing them, in the service and in nats-server, and a second
 * copy of every byte through nats.js. The store and its bounds are
 * storage/published-by-seq.ts's, as the metric ingest messages'
 * (metrics/write/published-ingest.ts).
 */
import type { NatsConnection } from "nats";
import { publishedBySeq, type PublishedEntry } from "../../storage/published-by-seq.js";

interface Published extends PublishedEntry {
  partition: number;
}

// One per process, whichever bundle (PutLogEvents, LogCompactor) loaded this module.
// Bytes of batches kept at most (past it the oldest lose their bytes: the stream still has them); sequences known
// at most (≈ 60 B each), and for how long: a pass reads within a fraction of a second of a publish.
export const publishedBatches = publishedBySeq<Published>("hive.cloudwatch.published-log-batches", {
  maxBytes: 32 * 1024 * 1024,
  maxSequences: 65_536,
  maxAgeMs: 30_000,
});

/** Keeps a batch nats-server acknowledged as new (not a duplicate) at `seq`. */
export function notePublished(nc: NatsConnection, seq: number, partition: number, data: Uint8Array, now = Date.now()): void {
  publishedBatches.note(nc, seq, { partition, data }, now);
}

/** Lets go of the bytes of a batch the compactor took (it holds them now); its partition stays known. */
export const releasePublished = (seq: number): void => publishedBatches.release(seq);

/** Bytes held now (for tests and the memory report's reckoning). */
export const publishedBytes = () => publishedBatches.bytes();
