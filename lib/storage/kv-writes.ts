/**
 * Compare-and-set writes of many KV keys at once: what kv.update does for
 * one key (a publish to `$KV.{bucket}.{key}` with the revision it must
 * replace in `Nats-Expected-Last-Subject-Sequence`), for a whole batch.
 *
 * Why not kv.update per key: each is a request with its own timer, promise
 * and reply routing, about 60 µs of CPU; compaction writes thousands of
 * chunks every few seconds. Here a batch shares one reply subscription and
 * one stall timer, and keeps a window of publishes in flight: about 8 µs a
 * write (measured on 10,000 writes of 600 bytes).
 */
import { createInbox, headers, type Msg, type NatsError } from "nats";
import { checkKeys, isWrongLastSequence } from "./kv.js";
import { getBucket, getNats, type BucketName } from "./nats.js";

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

/**
 * Each write's new revision, in order, or 0 where the key was not at the
 * expected revision (another writer got there first). Any other failure
 * rejects the whole batch; writes answered before it may have been stored.
 */
export async function kvWrites(bucket: BucketName, writes: readonly KvWrite[]): Promise<number[]> {
  const revisions = new Array<number>(writes.length).fill(0);
  if (writes.length === 0) return revisions;
  checkKeys(writes.map((w) => w.key));
  await getBucket(bucket); // created when missing, as kv.update would
  const { nc } = await getNats();
  const inbox = createInbox();
  const skip = inbox.length + 1;
  /** Creates that found a delete or purge marker: kv.create replaces those, so these go through it. */
  const overMarkers: number[] = [];
  let sent = 0;
  let answered = 0;

  await new Promise<void>((resolve, reject) => {
    const fail = (e: Error) => {
      clearTimeout(stall);
      sub.unsubscribe();
      reject(e);
    };
    const stall = setTimeout(() => fail(new Error(`KV writes to ${bucket}: no answer for ${STALL_MS} ms`)), STALL_MS);
    const send = () => {
      const end = Math.min(writes.length, answered + WINDOW);
      for (; sent < end; sent++) {
        const w = writes[sent];
        const h = headers();
        h.set("Nats-Expected-Last-Subject-Sequence", String(w.revision));
        nc.publish(`$KV.${bucket}.${w.key}`, w.value, { headers: h, reply: `${inbox}.${sent}` });
      }
    };
    const sub = nc.subscribe(`${inbox}.*`, {
      callback: (err: NatsError | null, m: Msg) => {
        if (err) return fail(err);
        const i = Number(m.subject.substring(skip));
        let ack: { seq?: number; error?: { err_code?: number; code?: number; description?: string } };
        try {
          // No payload: a status such as 503 (no stream for the subject).
          if (m.data.length === 0) throw new Error(`${m.headers?.code ?? "empty"} ${m.headers?.description ?? ""}`.trim());
          ack = JSON.parse(decoder.decode(m.data));
        } catch (e) {
          return fail(new Error(`KV write of ${writes[i]?.key} to ${bucket}: ${(e as Error).message}`));
        }
        if (ack.seq) revisions[i] = ack.seq;
        else if (ack.error?.err_code === WRONG_LAST_SEQUENCE) {
          if (writes[i].revision === 0) overMarkers.push(i);
        } else return fail(new Error(`KV write of ${writes[i].key} to ${bucket}: ${ack.error?.description ?? "no acknowledgement"}`));
        stall.refresh();
        if (++answered === writes.length) {
          clearTimeout(stall);
          sub.unsubscribe();
          resolve();
        } else if (sent < writes.length) send();
      },
    });
    send();
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
