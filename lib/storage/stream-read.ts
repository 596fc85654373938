/**
 * Reading a range of one subject of a JetStream stream, in order, with an
 * ordered consumer that is deleted when done; the end is confirmed by the
 * stream itself (nats-server 2.9 miscounts pending under load).
 */
import { DeliverPolicy, type Consumer } from "nats";
import { firstMessageFrom, getNats } from "./nats.js";
import type { PublishedBySeq, PublishedEntry } from "./published-by-seq.js";

/**
 * Messages a read takes by message gets before it makes a consumer for the
 * rest: a read's tail or a batch window at full ingest is a few a partition.
 * nats-server 2.9.10 never frees a consumer (the signal subscription it drops
 * on delete is made anew, so the stream keeps the old one and the consumer
 * with it: fixed in 2.9.12); a consumer for every read and batch grew its
 * heap by about 1 MB a minute in the soak (docs/memory.md).
 */
export const DIRECT_READS = 64;

export interface StreamMessage {
  seq: number;
  data: Uint8Array;
}

/**
 * Calls `visit` for each message on `subject` (may hold wildcards) with a
 * sequence in [fromSeq, toSeq], in order. Returns the sequence of the first
 * message seen (undefined when none), so a caller can tell whether messages
 * it expected were purged meanwhile.
 *
 * Message gets read the first DIRECT_READS; a fresh consumer reads the bulk
 * of a longer range. Its pending count was seen at 0 for
 * messages that were there (under load), and a read that ends early loses
 * data (events for the log compactor, the metric tail for reads): so the end is
 * confirmed by the stream itself (a message get of the next sequence on the
 * subject), and whatever the consumer missed is read that way.
 */
export async function readSubject(
  stream: string,
  subject: string,
  fromSeq: number,
  toSeq: number,
  /** Returning false stops the read. */
  visit: (m: StreamMessage) => void | boolean | Promise<void | boolean>,
  signal?: AbortSignal,
): Promise<number | undefined> {
  if (toSeq < fromSeq) return undefined;
  const { js, jsm } = await getNats();
  let first: number | undefined;
  let next = Math.max(1, fromSeq);
  let stopped = false;
  const seen = async (m: StreamMessage): Promise<boolean> => {
    first ??= m.seq;
    next = m.seq + 1;
    if ((await visit(m)) === false) stopped = true;
    return !stopped;
  };
  for (let n = 0; n < DIRECT_READS && !stopped && !signal?.aborted && next <= toSeq; n++) {
    const m = await firstMessageFrom(jsm, stream, next, subject);
    if (!m || m.seq > toSeq) return first;
    await seen({ seq: m.seq, data: m.data });
  }
  if (stopped || signal?.aborted || next > toSeq) return first;
  const consumer = await js.consumers.get(stream, {
    filterSubjects: subject,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: next,
    // Deleted when done, and gone soon by itself if this process dies first.
    inactive_threshold: 30_000,
  });
  try {
    await readWith(consumer, toSeq, seen, signal);
  } finally {
    void consumer.delete().catch(() => undefined);
  }
  while (!stopped && !signal?.aborted && next <= toSeq) {
    const m = await firstMessageFrom(jsm, stream, next, subject);
    if (!m || m.seq > toSeq) break;
    await seen({ seq: m.seq, data: m.data });
  }
  return first;
}

/**
 * readSubject over a stream this process publishes to, whose messages it
 * keeps in `published` (published-by-seq.ts): what it knows is read from
 * memory (`mine` tells its messages on `subject` from the others, which are
 * stepped over without asking), and only the rest is asked of the stream, by
 * message gets and, past DIRECT_READS of them, as readSubject reads. Under a
 * write flood each round trip waits for a turn of a busy event loop.
 * `taken(seq)` follows each message `visit` took from memory.
 */
export async function readSubjectPublished<E extends PublishedEntry>(
  published: PublishedBySeq<E>,
  mine: (e: E) => boolean,
  stream: string,
  subject: string,
  fromSeq: number,
  toSeq: number,
  /** Returning false stops the read. */
  visit: (m: StreamMessage) => boolean | void,
  taken?: (seq: number) => void,
): Promise<void> {
  const { nc, jsm } = await getNats();
  let seq = Math.max(1, fromSeq);
  for (let asked = 0; seq <= toSeq; asked++) {
    for (let known = published.at(nc, seq); seq <= toSeq && known && (!mine(known) || known.data); known = published.at(nc, ++seq)) {
      if (!mine(known)) continue;
      if (visit({ seq, data: known.data! }) === false) return;
      taken?.(seq);
    }
    if (seq > toSeq) return;
    if (asked >= DIRECT_READS) {
      // A range this process mostly did not publish (another process's, or from before a restart).
      await readSubject(stream, subject, seq, toSeq, visit);
      return;
    }
    const m = await firstMessageFrom(jsm, stream, seq, subject);
    if (!m || m.seq > toSeq || visit({ seq: m.seq, data: m.data }) === false) return;
    seq = m.seq + 1;
  }
}

/**
 * Bytes one fetch asks for at most. A fetch's messages come over the
 * process's one NATS connection ahead of every other answer; 64 log batches
 * of up to 1 MB each (a forced compaction pass fetched that for each of 4
 * partitions at once) held KV answers back past their 5 s timeout.
 */
const FETCH_BYTES = 4 * 1024 * 1024;
/** nats-server's default max_payload: no message is larger unless configured so. */
const MAX_MESSAGE_GUESS = 1024 * 1024;
const fetchFits = (largest: number) => Math.max(1, Math.floor(FETCH_BYTES / largest));

async function readWith(
  consumer: Consumer,
  toSeq: number,
  visit: (m: StreamMessage) => Promise<boolean>,
  signal?: AbortSignal,
): Promise<void> {
  // What matched when the consumer was made bounds the read: a fetch for
  // more than is there would wait out its expiry.
  let pending = (await consumer.info(true)).num_pending;
  // The largest message so far (a message is at most max_payload before the first).
  let largest = 0;
  while (pending > 0 && !signal?.aborted) {
    const batch = await consumer.fetch({ max_messages: Math.min(pending, 64, fetchFits(largest || MAX_MESSAGE_GUESS)), expires: 10_000 });
    let got = 0;
    for await (const m of batch) {
      got++;
      largest = Math.max(largest, m.data.length);
      pending = m.info.pending;
      if (m.seq > toSeq || !(await visit(m))) {
        pending = 0;
        break;
      }
    }
    if (got === 0) break;
  }
}
