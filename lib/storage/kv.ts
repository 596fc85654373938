/**
 * Typed JSON records in NATS KV, keyed `{account}.{part}.{part}`. The account
 * is always the first token, so one tenant's scan never reaches another's keys.
 * Every bucket's keys and records: docs/formats/kv-keys.md.
 */
import { AckPolicy, consumerOpts, DeliverPolicy, nanos, type KV } from "nats";
import { getNats } from "./nats.js";

/**
 * Makes a name safe as one KV key token: [A-Za-z0-9_-] stay, every other byte
 * becomes `=XX`. Names can hold `.`, `#`, `/`, spaces and unicode; tokens can't.
 */
export function keyToken(name: string): string {
  if (SAFE_TOKEN.test(name)) return name; // most names (units, ids) need no escaping
  let out = "";
  for (const byte of Buffer.from(name, "utf8")) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9_-]/.test(c) ? c : "=" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

const SAFE_TOKEN = /^[A-Za-z0-9_-]+$/;

export function fromKeyToken(token: string): string {
  if (!token.includes("=")) return token;
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    if (token[i] === "=") {
      bytes.push(parseInt(token.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(token.charCodeAt(i));
  }
  return Buffer.from(bytes).toString("utf8");
}

export const recordKey = (accountId: string, ...names: string[]) =>
  [accountId, ...names.map(keyToken)].join(".");

const encode = (v: unknown) => Buffer.from(JSON.stringify(v));

export interface Versioned<T> {
  value: T;
  revision: number;
}

export async function getRecord<T>(kv: KV, key: string): Promise<Versioned<T> | undefined> {
  const e = await kv.get(key);
  if (!e || e.operation !== "PUT") return undefined;
  return { value: e.json<T>(), revision: e.revision };
}

export async function putRecord(kv: KV, key: string, value: unknown): Promise<void> {
  await kv.put(key, encode(value));
}

/** Creates the record; false if it already exists (atomic across processes). */
export async function createRecord(kv: KV, key: string, value: unknown): Promise<boolean> {
  try {
    await kv.create(key, encode(value));
    return true;
  } catch (e) {
    if (isWrongLastSequence(e)) return false;
    throw e;
  }
}

/** Compare-and-set; false if someone else wrote since `revision`. */
export async function updateRecord(kv: KV, key: string, value: unknown, revision: number): Promise<boolean> {
  try {
    await kv.update(key, encode(value), revision);
    return true;
  } catch (e) {
    if (isWrongLastSequence(e)) return false;
    throw e;
  }
}

/** Compare-and-set; the new revision, or undefined if someone else wrote since `revision`. */
export async function updateRecordRevision(kv: KV, key: string, value: unknown, revision: number): Promise<number | undefined> {
  try {
    return await kv.update(key, encode(value), revision);
  } catch (e) {
    if (isWrongLastSequence(e)) return undefined;
    throw e;
  }
}

/**
 * Read-modify-write with retries on concurrent change. `change` returns the new
 * value, or undefined to leave the record alone. Returns the stored value.
 */
export async function modifyRecord<T>(
  kv: KV,
  key: string,
  change: (current: T) => T | undefined,
): Promise<T | undefined> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const cur = await getRecord<T>(kv, key);
    if (!cur) return undefined;
    const next = change(cur.value);
    if (next === undefined) return cur.value;
    if (await updateRecord(kv, key, next, cur.revision)) return next;
  }
  throw new Error(`too much contention updating ${key}`);
}

export async function deleteRecord(kv: KV, key: string): Promise<void> {
  await kv.purge(key);
}

export interface Entry {
  key: string;
  value: Uint8Array;
  /** The entry's revision (its stream sequence), for a compare-and-set after a scan. */
  revision: number;
}

/**
 * Calls `visit` for every live entry whose key matches `filter`, as the
 * entries arrive (nothing is collected: wide reads fold each one and drop it).
 *
 * The ordered consumer kv.watch uses (flow control, heartbeats, restarts
 * after a gap), read in its callback: kv.watch queues each message into an
 * async iterator as a KvEntry, which cost more than the entry itself.
 */
export async function forEachEntry(kv: KV, filter: string, visit: (e: Entry) => void): Promise<void> {
  const { js } = await getNats();
  const bucket = (kv as unknown as { bucket: string }).bucket;
  const prefix = `$KV.${bucket}.`;
  const opts = consumerOpts({
    deliver_policy: DeliverPolicy.LastPerSubject,
    ack_policy: AckPolicy.None,
    filter_subject: prefix + filter,
    flow_control: true,
    idle_heartbeat: nanos(5000),
  });
  opts.bindStream(`KV_${bucket}`);
  opts.orderedConsumer();
  let received = 0;
  let expected = -1;
  let settled = false;
  let settle!: (e?: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => (settle = (e) => ((settled = true), e ? reject(e) : resolve())));
  finished.catch(() => undefined); // it may fail before it is awaited (while subscribing); awaiting still throws
  opts.callback((err, m) => {
    if (err) return settle(err);
    if (!m || settled) return;
    received++;
    // Deletes and purges carry no payload: testing the length spares parsing every entry's headers.
    if (m.data.length > 0) {
      try {
        visit({ key: m.subject.substring(prefix.length), value: m.data, revision: m.seq });
      } catch (e) {
        return settle(e);
      }
    }
    if (m.info.pending === 0 || received === expected) settle();
  });
  const sub = await js.subscribe(prefix + filter, opts);
  try {
    // What the consumer had to deliver when it was made: nothing, or all of it already here.
    const { last } = (sub as unknown as { info: { last: { num_pending: number; delivered: { consumer_seq: number } } } }).info;
    expected = last.num_pending + last.delivered.consumer_seq;
    if (expected === 0 || received >= expected) settle();
    await finished;
  } finally {
    sub.unsubscribe();
  }
}

/**
 * Every current entry whose key matches `filter` (e.g. `123456789012.>`), in
 * no order. One ordered watch streams them all: no request per key.
 */
export async function scanEntries(kv: KV, filter: string): Promise<Entry[]> {
  const out: Entry[] = [];
  await forEachEntry(kv, filter, (e) => out.push(e));
  return out;
}

/** All JSON records whose key matches `filter`, in no order. */
export async function scanRecords<T>(kv: KV, filter: string): Promise<Array<{ key: string; value: T; revision: number }>> {
  const entries = await scanEntries(kv, filter);
  return entries.map((e) => ({ key: e.key, value: JSON.parse(Buffer.from(e.value).toString("utf8")) as T, revision: e.revision }));
}

/** What NATS allows in a KV key. */
const VALID_KEY = /^[-/_=.a-zA-Z0-9]+$/;

/** Throws on a key NATS would refuse: batched reads and writes put keys into subjects as they are. */
export function checkKeys(keys: Iterable<string>): void {
  for (const key of keys) if (!VALID_KEY.test(key)) throw new Error(`invalid KV key: ${JSON.stringify(key)}`);
}

/** A compare-and-set lost: the key moved past the revision the write expected. */
export function isWrongLastSequence(e: unknown): boolean {
  const msg = String((e as Error)?.message ?? e);
  return msg.includes("wrong last sequence") || (e as any)?.api_error?.err_code === 10071;
}
