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
 * sequences are not known to be these. The same scheme as the log batches'
 * (logs/events/published-batches.ts).
 */
import type { NatsConnection } from "nats";

/**
 * Bytes of messages kept at most; past it the oldest lose their bytes (the
 * stream still has them). Twice what a read folds of every partition
 * (TAIL_BYTES each), so that a read of a tail at the bound finds it whole.
 */
export const MAX_BYTES = 16 * 1024 * 1024;
/** Sequences known at most (≈ 100 B each), and for how long: a read wants what the aggregator has not taken, seconds old. */
const MAX_SEQUENCES = 65_536;
const MAX_AGE_MS = 60_000;

export interface PublishedIngest {
  subject: string;
  /** Absent once forgotten for room: the stream holds it. */
  data?: Uint8Array;
  at: number;
}

interface State {
  /** The server that acknowledged them (its id changes when it restarts). */
  server?: string;
  bySeq: Map<number, PublishedIngest>;
  /** In the order they were noted: the oldest are forgotten first. */
  order: number[];
  head: number;
  /** order[i] for i < withData has no bytes any more. */
  withData: number;
  bytes: number;
}

// One per process, whichever bundle (PutMetricData, GetMetricData, …) loaded this module.
const KEY = Symbol.for("hive.cloudwatch.published-ingest");
const state: State = ((globalThis as Record<symbol, unknown>)[KEY] ??= { bySeq: new Map(), order: [], head: 0, withData: 0, bytes: 0 }) as State;

const serverOf = (nc: NatsConnection) => (nc as unknown as { info?: { server_id?: string } }).info?.server_id;

/** Keeps a message nats-server acknowledged as new (not a duplicate) at `seq` on `subject`. */
export function noteIngest(nc: NatsConnection, seq: number, subject: string, data: Uint8Array, now = Date.now()): void {
  const server = serverOf(nc);
  if (!server) return;
  if (server !== state.server) reset(server);
  if (state.bySeq.has(seq)) return;
  state.bySeq.set(seq, { subject, data, at: now });
  state.order.push(seq);
  state.bytes += data.byteLength;
  forget(now);
}

/** What this process published at `seq` (its bytes unless forgotten), if it knows; never another server's. */
export function ingestAt(nc: NatsConnection, seq: number): PublishedIngest | undefined {
  if (state.server === undefined || serverOf(nc) !== state.server) return undefined;
  return state.bySeq.get(seq);
}

/** Bytes held now (for tests and the memory report's reckoning). */
export const publishedIngestBytes = () => state.bytes;

function reset(server: string): void {
  state.server = server;
  state.bySeq.clear();
  state.order = [];
  state.head = state.withData = state.bytes = 0;
}

function release(seq: number): void {
  const p = state.bySeq.get(seq);
  if (p?.data) {
    state.bytes -= p.data.byteLength;
    p.data = undefined;
  }
}

function forget(now: number): void {
  const { bySeq, order } = state;
  while (state.head < order.length) {
    const seq = order[state.head];
    const p = bySeq.get(seq)!;
    if (order.length - state.head <= MAX_SEQUENCES && p.at >= now - MAX_AGE_MS) break;
    release(seq);
    bySeq.delete(seq);
    state.head++;
  }
  // Over the byte bound: the oldest keep their subject, lose their bytes.
  state.withData = Math.max(state.withData, state.head);
  while (state.bytes > MAX_BYTES && state.withData < order.length) release(order[state.withData++]);
  if (state.head > 4096 && state.head * 2 > order.length) {
    state.order = order.slice(state.head);
    state.withData -= state.head;
    state.head = 0;
  }
}
