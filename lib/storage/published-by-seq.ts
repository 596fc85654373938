/**
 * What this process published to a JetStream stream, by stream sequence, so
 * that its own readers take the bytes from memory instead of back from
 * nats-server (metrics/write/published-ingest.ts, logs/events/published-batches.ts).
 *
 * Every sequence is kept while it is known, with what the reader needs to
 * step over it (a subject, a partition) and with or without its bytes; a
 * sequence not known (another process's, one forgotten, one from before this
 * process) the reader asks the stream for. Bounded by count and age (the
 * oldest are forgotten) and by bytes (the oldest lose their bytes, the stream
 * still has them). Kept for the NATS server that acknowledged them: a
 * reconnect to another (or a restarted) server starts afresh, since its
 * sequences are not known to be these.
 */
import type { NatsConnection } from "nats";

export interface PublishedEntry {
  /** Absent once forgotten for room (or taken by the reader): the stream holds it. */
  data?: Uint8Array;
  /** When it was noted. */
  at?: number;
}

export interface PublishedLimits {
  /** Bytes kept at most; past it the oldest lose their bytes. */
  maxBytes: number;
  /** Sequences known at most, and for how long. */
  maxSequences: number;
  maxAgeMs: number;
}

interface State<E extends PublishedEntry> {
  /** The server that acknowledged them (its id changes when it restarts). */
  server?: string;
  bySeq: Map<number, E>;
  /** In the order they were noted: the oldest are forgotten first. */
  order: number[];
  head: number;
  /** order[i] for i < withData has no bytes any more. */
  withData: number;
  bytes: number;
}

const serverOf = (nc: NatsConnection) => (nc as unknown as { info?: { server_id?: string } }).info?.server_id;

export interface PublishedBySeq<E extends PublishedEntry> {
  /** Keeps what nats-server acknowledged as new (not a duplicate) at `seq`; `entry.data` counts toward the byte bound. */
  note(nc: NatsConnection, seq: number, entry: E, now?: number): void;
  /** What this process published at `seq` (its bytes unless forgotten or released), if it knows; never another server's. */
  at(nc: NatsConnection, seq: number): E | undefined;
  /** Lets go of the bytes at `seq`; the sequence stays known. */
  release(seq: number): void;
  /** Bytes held now. */
  bytes(): number;
}

/** The process's one store under `key` (Symbol.for: one per process, whichever bundle loaded it). */
export function publishedBySeq<E extends PublishedEntry>(key: string, limits: PublishedLimits): PublishedBySeq<E> {
  const KEY = Symbol.for(key);
  const state = ((globalThis as Record<symbol, unknown>)[KEY] ??= { bySeq: new Map(), order: [], head: 0, withData: 0, bytes: 0 }) as State<E>;

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
      if (order.length - state.head <= limits.maxSequences && p.at! >= now - limits.maxAgeMs) break;
      release(seq);
      bySeq.delete(seq);
      state.head++;
    }
    // Over the byte bound: the oldest stay known, lose their bytes.
    state.withData = Math.max(state.withData, state.head);
    while (state.bytes > limits.maxBytes && state.withData < order.length) release(order[state.withData++]);
    if (state.head > 4096 && state.head * 2 > order.length) {
      state.order = order.slice(state.head);
      state.withData -= state.head;
      state.head = 0;
    }
  }

  return {
    note(nc, seq, entry, now = Date.now()) {
      const server = serverOf(nc);
      if (!server) return;
      if (server !== state.server) reset(server);
      if (state.bySeq.has(seq)) return;
      entry.at = now;
      state.bySeq.set(seq, entry);
      state.order.push(seq);
      state.bytes += entry.data?.byteLength ?? 0;
      forget(now);
    },
    at(nc, seq) {
      if (state.server === undefined || serverOf(nc) !== state.server) return undefined;
      return state.bySeq.get(seq);
    },
    release,
    bytes: () => state.bytes,
  };
}
