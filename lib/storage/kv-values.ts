/**
 * Current values of KV keys by direct get, many at once.
 *
 * Why not a watch over a wildcard: on nats-server 2.9 every consumer with a
 * wildcard filter walks every subject of the stream when it is created (about
 * 0.8 µs each), so a scan's cost grows with the whole bucket — every tenant,
 * every tier, every hour kept — not with what it reads. A direct get finds its
 * key in the stream's subject index in constant time.
 *
 * Why not one nc.request per key: 40,000 of them took 1.5 s where this takes
 * 0.3 s. Here a batch is one request window (request-window.ts), and each
 * refill of the window is written as one buffer of PUB commands.
 */
import type { NatsConnection } from "nats";
import { checkKeys } from "./kv.js";
import { getBucket, getNats, type BucketName } from "./nats.js";
import { requestWindow } from "./request-window.js";

/** Gets in flight per batch: enough to keep the server busy, few enough not to flood it. */
const WINDOW = 2000;
/** The window is refilled once this many answers came back. */
const REFILL = 500;
/** A batch fails when no answer came for this long. */
const STALL_MS = 5000;

const encoder = new TextEncoder();

/** Whether a bucket's stream answers direct gets, by bucket (asked once a process). */
const directBuckets = new Map<string, Promise<boolean>>();

function allowsDirect(bucket: string): Promise<boolean> {
  let known = directBuckets.get(bucket);
  if (!known) {
    // Opening the bucket first creates it when missing, as kv.get would.
    known = getBucket(bucket as BucketName)
      .then(() => getNats())
      .then(({ jsm }) => jsm.streams.info(`KV_${bucket}`))
      .then((info) => info.config.allow_direct === true);
    known.catch(() => directBuckets.delete(bucket)); // asked again next time
    directBuckets.set(bucket, known);
  }
  return known;
}

/**
 * Calls `visit(i, value)` for every `keys[i]` that has a value, as the answers
 * arrive (in no order). Keys never written, deleted or purged are skipped:
 * those answers carry no payload. A bucket whose stream does not allow direct
 * gets (created by hand) is read with kv.get.
 */
export function kvValues(bucket: string, keys: readonly string[], visit: (i: number, value: Uint8Array) => void): Promise<void> {
  return getValues(bucket, keys, visit, false);
}

/**
 * kvValues with each value's revision, for a compare-and-set write after
 * (kv-writes.ts): the revision a write of a key that has no value must name is 0.
 */
export function kvRecords(bucket: string, keys: readonly string[], visit: (i: number, value: Uint8Array, revision: number) => void): Promise<void> {
  return getValues(bucket, keys, visit, true);
}

async function getValues(
  bucket: string,
  keys: readonly string[],
  visit: (i: number, value: Uint8Array, revision: number) => void,
  revisions: boolean,
): Promise<void> {
  if (keys.length === 0) return;
  // Checked here because publishGets writes keys into the wire protocol as they are.
  checkKeys(keys);
  if (!(await allowsDirect(bucket))) return viaKvGet(bucket, keys, visit);
  const { nc } = await getNats();
  const subject = `$JS.API.DIRECT.GET.KV_${bucket}`;
  const prefix = `$KV.${bucket}.`;
  await requestWindow(nc, {
    count: keys.length,
    window: WINDOW,
    refill: REFILL,
    stallMs: STALL_MS,
    what: `direct get on ${bucket}`,
    send: (from, to, inbox) => publishGets(nc, subject, inbox, prefix, keys, from, to),
    answer: (i, m) => {
      const data = m.data; // a getter that makes a new view each time
      if (data.length > 0) return visit(i, data, revisions ? revisionOf(m.headers?.get("Nats-Sequence"), bucket) : 0);
      // No payload: a delete or purge marker, "404 Message Not Found", or an error status.
      const code = m.headers?.code ?? 0;
      if (code >= 400 && code !== 404) throw new Error(`direct get on ${bucket}: ${code} ${m.headers?.description ?? ""}`.trim());
    },
  });
}

function revisionOf(header: string | undefined, bucket: string): number {
  const revision = Number(header);
  if (!(revision > 0)) throw new Error(`direct get on ${bucket}: an answer without its sequence`);
  return revision;
}

/** The connection's raw command writer (nats.js internals), when it has the shape this was written for. */
type Protocol = { sendCommand(cmd: Uint8Array): void };
const protocolOf = (nc: NatsConnection): Protocol | undefined => {
  const p = (nc as unknown as { protocol?: Partial<Protocol> }).protocol;
  return typeof p?.sendCommand === "function" ? (p as Protocol) : undefined;
};

/**
 * Direct gets of keys[from..to), replies to `${inbox}.${i}`, written as one
 * buffer byte by byte: nc.publish encodes a PUB line and a payload per
 * message and copies them together again, which cost as much as the
 * server's answer. Keys are ASCII (checked by kvValues).
 */
function publishGets(nc: NatsConnection, subject: string, inbox: string, prefix: string, keys: readonly string[], from: number, to: number): void {
  const protocol = protocolOf(nc);
  if (!protocol) {
    for (let i = from; i < to; i++) nc.publish(subject, encoder.encode(`${QUERY_HEAD}${prefix}${keys[i]}${QUERY_TAIL}`), { reply: `${inbox}.${i}` });
    return;
  }
  const head = encoder.encode(`PUB ${subject} ${inbox}.`);
  const open = encoder.encode(`${QUERY_HEAD}${prefix}`);
  const close = encoder.encode(`${QUERY_TAIL}\r\n`);
  let size = 0;
  for (let i = from; i < to; i++) size += head.length + open.length + keys[i].length + 40;
  const out = new Uint8Array(size);
  let at = 0;
  const ascii = (text: string) => {
    for (let j = 0; j < text.length; j++) out[at++] = text.charCodeAt(j);
  };
  for (let i = from; i < to; i++) {
    const key = keys[i];
    out.set(head, at);
    at += head.length;
    ascii(`${i} ${open.length + key.length + QUERY_TAIL.length}\r\n`);
    out.set(open, at);
    at += open.length;
    ascii(key);
    out.set(close, at);
    at += close.length;
  }
  protocol.sendCommand(out.subarray(0, at));
}

const QUERY_HEAD = '{"last_by_subj":"';
const QUERY_TAIL = '"}';

async function viaKvGet(bucket: string, keys: readonly string[], visit: (i: number, value: Uint8Array, revision: number) => void): Promise<void> {
  const kv = await getBucket(bucket as BucketName);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(64, keys.length) }, async () => {
      while (next < keys.length) {
        const i = next++;
        const e = await kv.get(keys[i]);
        if (e && e.operation === "PUT" && e.value.length > 0) visit(i, e.value, e.revision);
      }
    }),
  );
}
