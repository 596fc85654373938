/**
 * Reading a range of one subject of a JetStream stream, in order, with an
 * ordered consumer that is deleted when done; the end is confirmed by the
 * stream itself (nats-server 2.9 miscounts pending under load).
 */
import { DeliverPolicy, type Consumer } from "nats";
import { firstMessageFrom, getNats } from "./nats.js";

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
