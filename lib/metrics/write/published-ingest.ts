/**
 * The ingest messages this process published to CW_METRICS_INGEST, by stream
 * sequence, for its own reads of the unaggregated tail (read/tail-cache.ts):
 * a read takes them from here instead of getting them back from nats-server
 * one message get after another. Under a write flood each get waited for a
 * turn of the event loop, tens of milliseconds then: 60 gets were 22 s of a
 * 30-s GetMetricData.
 *
 * Every sequence of the stream is here while it is known, with its subject
 * and with or without its bytes, so a read steps over other subjects'
 * messages without asking the stream; a sequence it does not know (another
 * process's message, one forgotten, one from before this process) it asks
 * the stream for, as before. Kept for the NATS server that acknowledged them:
 * a reconnect to another (or a restarted) server starts afresh, since its
 * sequences are not known to be these. The same store as the log batches'
 * (storage/published-by-seq.ts, logs/events/published-batches.ts).
 */
import type { NatsConnection } from "nats";
import { publishedBySeq, type PublishedEntry } from "../../storage/published-by-seq.js";

/**
 * Bytes of messages kept at most; past it the oldest lose their bytes (the
 * stream still has them). Twice what a read folds of every partition
 * (TAIL_BYTES each), so that a read of a tail at the bound finds it whole.
 */
export const MAX_BYTES = 16 * 1024 * 1024;

export interface PublishedIngest extends PublishedEntry {
  subject: string;
}

// One per process, whichever bundle (PutMetricData, GetMetricData, …) loaded this module.
// Sequences known at most (≈ 100 B each), and for how long: a read wants what the aggregator has not taken, seconds old.
const store = publishedBySeq<PublishedIngest>("hive.cloudwatch.published-ingest", { maxBytes: MAX_BYTES, maxSequences: 65_536, maxAgeMs: 60_000 });

/** Keeps a message nats-server acknowledged as new (not a duplicate) at `seq` on `subject`. */
export function noteIngest(nc: NatsConnection, seq: number, subject: string, data: Uint8Array, now = Date.now()): void {
  store.note(nc, seq, { subject, data, at: now }, now);
}

/** What this process published at `seq` (its bytes unless forgotten), if it knows; never another server's. */
export const ingestAt = (nc: NatsConnection, seq: number): PublishedIngest | undefined => store.at(nc, seq);

/** Bytes held now (for tests and the memory report's reckoning). */
export const publishedIngestBytes = () => store.bytes();
