/**
 * The ingest messages this process published to CW_METRICS_INGEST, by stream
 * sequence and with their subjects, for its own reads of the unaggregated tail
 * (read/tail-cache.ts through readSubjectPublished): under a write flood each
 * message get back from nats-server waited for a turn of the event loop, tens
 * of milliseconds then: 60 gets were 22 s of a 30-s GetMetricData. The store
 * and its bounds are storage/published-by-seq.ts's, as the log batches'
 * (logs/events/published-batches.ts).
 */
import type { NatsConnection } from "nats";
import { publishedBySeq, type PublishedEntry } from "../../storage/published-by-seq.js";

/**
 * Bytes of messages kept at most; past it the oldest lose their bytes (the
 * stream still has them). Twice what a read folds of every partition
 * (TAIL_BYTES each), so that a read of a tail at the bound finds it whole.
 */
const MAX_BYTES = 16 * 1024 * 1024;

export interface PublishedIngest extends PublishedEntry {
  subject: string;
}

// One per process, whichever bundle (PutMetricData, GetMetricData, …) loaded this module.
// Sequences known at most (≈ 100 B each), and for how long: a read wants what the aggregator has not taken, seconds old.
export const publishedIngest = publishedBySeq<PublishedIngest>("hive.cloudwatch.published-ingest", { maxBytes: MAX_BYTES, maxSequences: 65_536, maxAgeMs: 60_000 });

/** Keeps a message nats-server acknowledged as new (not a duplicate) at `seq` on `subject`. */
export function noteIngest(nc: NatsConnection, seq: number, subject: string, data: Uint8Array, now = Date.now()): void {
  publishedIngest.note(nc, seq, { subject, data }, now);
}

/** Bytes held now (for tests and the memory report's reckoning). */
export const publishedIngestBytes = () => publishedIngest.bytes();
