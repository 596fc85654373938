/**
 * Reading a range of one subject of a JetStream stream, in order, with an
 * ordered consumer that is deleted when done; the end is confirmed by the
 * stream itself (nats-server 2.9 miscounts pending under load).
 */
import { DeliverPolicy, type Consumer } from "nats";
import { allowsDirectGet, firstMessageFrom, getNats } from "./nats.js";
import { requestWindow } from "./request-window.js";

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

/** Gets in flight in readSequences: messages are up to a 1000-datum batch each, so fewer than kvValues' small values. */
const SEQUENCE_WINDOW = 64;
const SEQUENCE_REFILL = 16;
/** A readSequences fails when no answer came for this long. */
const SEQUENCE_STALL_MS = 10_000;
const encoder = new TextEncoder();

/**
 * Every message of a stream with a sequence in [fromSeq, toSeq], whatever its
 * subject, by direct gets kept in flight together: a read of n messages waits
 * a few round trips, where readSubject's gets of the next message on a
 * subject wait n in turn (59 of them took a read 8.5 s under a write flood,
 * each behind the writes' publishes). `visit` gets them as they arrive, in
 * no order; sequences deleted or purged are skipped. False when the stream
 * does not answer direct gets (nothing was read).
 */
export async function readSequences(
  stream: string,
  fromSeq: number,
  toSeq: number,
  visit: (seq: number, subject: string, data: Uint8Array) => void,
): Promise<boolean> {
  const { nc, jsm } = await getNats();
  if (!(await allowsDirectGet(jsm, stream))) return false;
  const from = Math.max(1, fromSeq);
  if (toSeq < from) return true;
  const subject = `$JS.API.DIRECT.GET.${stream}`;
  await requestWindow(nc, {
    count: toSeq - from + 1,
    window: SEQUENCE_WINDOW,
    refill: SEQUENCE_REFILL,
    stallMs: SEQUENCE_STALL_MS,
    what: `direct get on ${stream}`,
    send: (a, b, inbox) => {
      for (let i = a; i < b; i++) nc.publish(subject, encoder.encode(`{"seq":${from + i}}`), { reply: `${inbox}.${i}` });
    },
    answer: (i, m) => {
      const data = m.data;
      const on = m.headers?.get("Nats-Subject");
      if (on) return visit(from + i, on, data);
      // No payload: "404 Message Not Found" (deleted, purged) or an error status.
      const code = m.headers?.code ?? 0;
      if (code >= 400 && code !== 404) throw new Error(`direct get on ${stream}: ${code} ${m.headers?.description ?? ""}`.trim());
    },
  });
  return true;
}
