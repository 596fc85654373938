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
 * sequences are not known to be these.
 */
import type { NatsConnection } from "nats";

/** Bytes of batches kept at most; past it the oldest lose their bytes (the stream still has them). */
const MAX_BYTES = 32 * 1024 * 1024;
/** Sequences known at most (≈ 60 B each), and for how long: a pass reads within a fraction of a second of a publish. */
const MAX_SEQUENCES = 65_536;
const MAX_AGE_MS = 30_000;

interface Published {
  partition: number;
  /** Absent once forgotten for room: the stream holds it. */
  data?: Uint8Array;
  at: number;
}

interface State {
  /** The server that acknowledged them (its id changes when it restarts). */
  server?: string;
  bySeq: Map<number, Published>;
  /** In the order they were noted: the oldest are forgotten first. */
  order: number[];
  head: number;
  /** order[i] for i < withData has no bytes any more. */
  withData: number;
  bytes: number;
}

// One per process, whichever bundle (PutLogEvents, LogCompactor) loaded this module.
const KEY = Symbol.for("hive.cloudwatch.published-log-batches");
const state: State = ((globalThis as Record<symbol, unknown>)[KEY] ??= { bySeq: new Map(), order: [], head: 0, withData: 0, bytes: 0 }) as State;

const serverOf = (nc: NatsConnection) => (nc as unknown as { info?: { server_id?: string } }).info?.server_id;

/** Keeps a batch nats-server acknowledged as new (not a duplicate) at `seq`. */
export function notePublished(nc: NatsConnection, seq: number, partition: number, data: Uint8Array, now = Date.now()): void {
  const server = serverOf(nc);
  if (!server) return;
  if (server !== state.server) reset(server);
  if (state.bySeq.has(seq)) return;
  state.bySeq.set(seq, { partition, data, at: now });
  state.order.push(seq);
  state.bytes += data.byteLength;
  forget(now);
}

/** What this process published at `seq` (its bytes unless forgotten or taken), if it knows; never another server's. */
export function publishedAt(nc: NatsConnection, seq: number): Published | undefined {
  if (state.server === undefined || serverOf(nc) !== state.server) return undefined;
  return state.bySeq.get(seq);
}

/** Lets go of the bytes of a batch the compactor took (it holds them now); its partition stays known. */
export function releasePublished(seq: number): void {
  const p = state.bySeq.get(seq);
  if (p?.data) {
    state.bytes -= p.data.byteLength;
    p.data = undefined;
  }
}

/** Bytes held now (for tests and the memory report's reckoning). */
export const publishedBytes = () => state.bytes;

function reset(server: string): void {
  state.server = server;
  state.bySeq.clear();
  state.order = [];
  state.head = state.withData = state.bytes = 0;
}

function forget(now: number): void {
  const { bySeq, order } = state;
  while (state.head < order.length) {
    const seq = order[state.head];
    const p = bySeq.get(seq)!;
    if (order.length - state.head <= MAX_SEQUENCES && p.at >= now - MAX_AGE_MS) break;
    releasePublished(seq);
    bySeq.delete(seq);
    state.head++;
  }
  // Over the byte bound: the oldest keep their partition, lose their bytes.
  state.withData = Math.max(state.withData, state.head);
  while (state.bytes > MAX_BYTES && state.withData < order.length) releasePublished(order[state.withData++]);
  if (state.head > 4096 && state.head * 2 > order.length) {
    state.order = order.slice(state.head);
    state.withData -= state.head;
    state.head = 0;
  }
}
