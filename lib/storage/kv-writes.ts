/**
 * Compare-and-set writes of many KV keys at once: what kv.update does for
 * one key (a publish to `$KV.{bucket}.{key}` with the revision it must
 * replace in `Nats-Expected-Last-Subject-Sequence`), for a whole batch.
 *
 * Why not kv.update per key: about 60 µs of CPU each, and compaction writes
 * thousands of chunks every few seconds. As one request window
 * (request-window.ts), about 8 µs a write (measured on 10,000 writes of 600
 * bytes).
 */
import { headers, type MsgHdrs } from "nats";
import { checkKeys, isWrongLastSequence } from "./kv.js";
import { getBucket, getNats, type BucketName } from "./nats.js";
import { requestWindow } from "./request-window.js";

export interface KvWrite {
  key: string;
  value: Uint8Array;
  /** The revision the key must be at; 0: the key must not exist (or be deleted). */
  revision: number;
}

/** Writes in flight per batch. */
const WINDOW = 1000;
/** A batch fails when no answer came for this long. */
const STALL_MS = 5000;
/** JetStream's error code for a failed Nats-Expected-Last-Subject-Sequence. */
const WRONG_LAST_SEQUENCE = 10071;

const decoder = new TextDecoder();

function expectRevision(revision: number): MsgHdrs {
  const h = headers();
  h.set("Nats-Expected-Last-Subject-Sequence", String(revision));
  return h;
}

/**
 * One header set for every create, encoded once: publish encodes the headers it
 * is given on every call (a string and its bytes), and a new series' writes are
 * creates, thousands a batch. Publish only reads the bytes (copies them out).
 */
const CREATE = encodedOnce(expectRevision(0));

function encodedOnce(h: MsgHdrs): MsgHdrs {
  const bytes = (h as MsgHdrs & { encode(): Uint8Array }).encode();
  return Object.assign(Object.create(h) as MsgHdrs, { encode: () => bytes });
}

/**
 * Each write's new revision, in order, or 0 where the key was not at the
 * expected revision (another writer got there first). Any other failure
 * rejects the whole batch; writes answered before it may have been stored.
 * `overMarkers: false` leaves creates that found a delete marker at 0 too,
 * for a caller that reads the key after a failed create anyway.
 */
export async function kvWrites(bucket: BucketName, writes: readonly KvWrite[], { overMarkers: retryMarkers = true } = {}): Promise<number[]> {
  const revisions = new Array<number>(writes.length).fill(0);
  if (writes.length === 0) return revisions;
  checkKeys(writes.map((w) => w.key));
  await getBucket(bucket); // created when missing, as kv.update would
  const { nc } = await getNats();
  /** Creates that found a delete or purge marker: kv.create replaces those, so these go through it. */
  const overMarkers: number[] = [];
  await requestWindow(nc, {
    count: writes.length,
    window: WINDOW,
    refill: WINDOW / 4,
    stallMs: STALL_MS,
    what: `KV writes to ${bucket}`,
    send: (from, to, inbox) => {
      for (let i = from; i < to; i++) {
        const h = writes[i].revision === 0 ? CREATE : expectRevision(writes[i].revision);
        nc.publish(`$KV.${bucket}.${writes[i].key}`, writes[i].value, { headers: h, reply: `${inbox}.${i}` });
      }
    },
    answer: (i, m) => {
      const data = m.data;
      // No payload: a status such as 503 (no stream for the subject).
      if (data.length === 0) throw new Error(`KV write of ${writes[i].key} to ${bucket}: ${m.headers?.code ?? "no answer"} ${m.headers?.description ?? ""}`.trim());
      const seq = ackSeq(data);
      if (seq > 0) return void (revisions[i] = seq);
      const ack = JSON.parse(decoder.decode(data)) as { seq?: number; error?: { err_code?: number; description?: string } };
      if (ack.seq) revisions[i] = ack.seq;
      else if (ack.error?.err_code !== WRONG_LAST_SEQUENCE) throw new Error(`KV write of ${writes[i].key} to ${bucket}: ${ack.error?.description ?? "no acknowledgement"}`);
      else if (writes[i].revision === 0 && retryMarkers) overMarkers.push(i);
    },
  });

  if (overMarkers.length) {
    const kv = await getBucket(bucket);
    for (const i of overMarkers) {
      try {
        revisions[i] = await kv.create(writes[i].key, writes[i].value);
      } catch (e) {
        // It exists: another writer created it.
        if (!isWrongLastSequence(e) && !String((e as Error).message).includes("key exists")) throw e;
      }
    }
  }
  return revisions;
}

const ACK_HEAD = [...'{"stream":'].map((c) => c.charCodeAt(0));
const SEQ_FIELD = [...'"seq":'].map((c) => c.charCodeAt(0));

/**
 * The sequence of a JetStream publish acknowledgement
 * (`{"stream":"KV_…","seq":N}`, maybe with `domain` or `duplicate`) read from
 * its bytes, or 0 for anything else (an error answer starts `{"error"`): a
 * decode and a JSON.parse per write, about 2 µs, for every create of a batch
 * of new series.
 */
function ackSeq(data: Uint8Array): number {
  const n = data.length;
  if (n < ACK_HEAD.length) return 0;
  for (let k = 0; k < ACK_HEAD.length; k++) if (data[k] !== ACK_HEAD[k]) return 0;
  // Past the stream's name (no quotes in it), then its other fields.
  let j = ACK_HEAD.length + 1;
  while (j < n && data[j] !== 34) j++;
  search: for (; j + SEQ_FIELD.length < n; j++) {
    for (let k = 0; k < SEQ_FIELD.length; k++) if (data[j + k] !== SEQ_FIELD[k]) continue search;
    let seq = 0;
    let digits = 0;
    for (j += SEQ_FIELD.length; j < n && data[j] >= 48 && data[j] <= 57; j++, digits++) seq = seq * 10 + data[j] - 48;
    return digits > 0 && digits < 16 && (data[j] === 44 || data[j] === 125) ? seq : 0;
  }
  return 0;
}

/**
 * Deletes a KV record by its revision (its message's sequence), as a purge
 * with `previousSeq` would, but leaving no marker: with `history: 1` a
 * marker is the key's message for good, on disk and in nats-server 2.9.10's
 * memory (bench/kv-markers.ts: 50,000 purged keys held 20 MiB of its live
 * heap; deleted by revision, none). False when the key has been written
 * since (the revision is gone already) or deleted.
 */
export async function deleteRevision(bucket: BucketName, revision: number): Promise<boolean> {
  const { jsm } = await getNats();
  try {
    return await jsm.streams.deleteMessage(`KV_${bucket}`, revision, false);
  } catch (e) {
    // nats-server 2.9.10 answers "sequence N not found" (JSStreamMsgDeleteFailedF).
    if (/sequence \d+ not found|no message found/i.test(String((e as Error).message))) return false;
    throw e;
  }
}
