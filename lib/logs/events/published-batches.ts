/**
 * The log batches this process published to CW_LOGS_EVENTS, by stream
 * sequence, for its own LogCompactor: a pass takes them from here instead of
 * reading them back from nats-server (event-buffer.ts readPartition). Reading
 * them back was about as much CPU as publishing them, in the service and in
 * nats-server, and a second copy of every byte through nats.js.
 *
 * Every sequence of the stream has its partition here while it is known,
 * with or without its bytes, so a pass can step over the other partitions'
 * batches without asking the stream; a sequence it does not know (another
 * process's batch, one forgotten, one from before this process) it asks the
 * stream for, as before. Kept for the NATS server that acknowledged them: a
 * reconnect to another (or a restarted) server starts afresh, since its
 * sequences are not known to be these. The store is storage/published-by-seq.ts,
 * as the metric ingest messages' (metrics/write/published-ingest.ts).
 */
import type { NatsConnection } from "nats";
import { publishedBySeq, type PublishedEntry } from "../../storage/published-by-seq.js";

interface Published extends PublishedEntry {
  partition: number;
}

// One per process, whichever bundle (PutLogEvents, LogCompactor) loaded this module.
// Bytes of batches kept at most (past it the oldest lose their bytes: the stream still has them); sequences known
// at most (≈ 60 B each), and for how long: a pass reads within a fraction of a second of a publish.
const store = publishedBySeq<Published>("hive.cloudwatch.published-log-batches", { maxBytes: 32 * 1024 * 1024, maxSequences: 65_536, maxAgeMs: 30_000 });

/** Keeps a batch nats-server acknowledged as new (not a duplicate) at `seq`. */
export function notePublished(nc: NatsConnection, seq: number, partition: number, data: Uint8Array, now = Date.now()): void {
  store.note(nc, seq, { partition, data, at: now }, now);
}

/** What this process published at `seq` (its bytes unless forgotten or taken), if it knows; never another server's. */
export const publishedAt = (nc: NatsConnection, seq: number): Published | undefined => store.at(nc, seq);

/** Lets go of the bytes of a batch the compactor took (it holds them now); its partition stays known. */
export const releasePublished = (seq: number): void => store.release(seq);

/** Bytes held now (for tests and the memory report's reckoning). */
export const publishedBytes = () => store.bytes();
