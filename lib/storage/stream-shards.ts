/**
 * Shards of a JetStream stream, consumed the way a Lambda event source
 * mapping consumes Kinesis shards: each shard has a checkpoint (the last
 * sequence fully processed) and a lease, both in one KV record
 * `{stream}.{shard}`. Only the lease holder reads a shard, strictly in order
 * from checkpoint + 1, and it advances the checkpoint with a compare-and-set
 * that fails once someone else holds the lease. A holder that dies leaves
 * work to be redone from the checkpoint, never skipped. Record: docs/formats/kv-keys.md.
 */
import { DeliverPolicy, type JsMsg, type KV } from "nats";
import { BUCKETS, firstMessageFrom, getBucket, getNats } from "./nats.js";
import { DIRECT_READS } from "./stream-read.js";
import { createRecord, getRecord, isWrongLastSequence, scanRecords } from "./kv.js";

export interface ShardRecord {
  stream: string;
  shard: string;
  /** Subject filter of the shard's messages. */
  filter: string;
  /** Last stream sequence fully processed. */
  checkpoint: number;
  owner?: string;
  /** Epoch ms; the lease is free after this. */
  leaseUntil: number;
}

export interface Lease {
  record: ShardRecord;
  revision: number;
}

const shardBucket = (): Promise<KV> => getBucket(BUCKETS.streamShards);
const shardKey = (stream: string, shard: string) => `${stream}.${shard}`;
/** How long a read waits for a shard's next message once a get has seen it stored (a message purged meanwhile ends it). */
const FIRST_MESSAGE_MS = 10_000;

/** Declares a shard (idempotent: an existing checkpoint is kept). */
export async function registerShard(stream: string, shard: string, filter: string): Promise<void> {
  await createRecord(await shardBucket(), shardKey(stream, shard), { stream, shard, filter, checkpoint: 0, leaseUntil: 0 } satisfies ShardRecord);
}

/**
 * Whether the stream's shards are declared yet: a get of shard "0" (every
 * declaration numbers them from 0), for waiting on them. A scan (listShards)
 * makes a consumer, which nats-server 2.9.10 never frees (stream-read.ts
 * DIRECT_READS): polled twice a second, that was 240 a minute.
 */
export async function shardsDeclared(stream: string): Promise<boolean> {
  return (await getShard(stream, "0")) !== undefined;
}

export async function listShards(stream: string): Promise<ShardRecord[]> {
  return (await scanRecords<ShardRecord>(await shardBucket(), `${stream}.*`)).map((r) => r.value);
}

/** One shard's record, by a get (no scan: see shardsDeclared). */
export async function getShard(stream: string, shard: string): Promise<ShardRecord | undefined> {
  return (await getRecord<ShardRecord>(await shardBucket(), shardKey(stream, shard)))?.value;
}

export async function getCheckpoint(stream: string, shard: string): Promise<number> {
  return (await getShard(stream, shard))?.checkpoint ?? 0;
}

async function write(kv: KV, rec: ShardRecord, revision: number): Promise<number | undefined> {
  try {
    return await kv.update(shardKey(rec.stream, rec.shard), Buffer.from(JSON.stringify(rec)), revision);
  } catch (e) {
    if (isWrongLastSequence(e)) return undefined;
    throw e;
  }
}

/** Takes the shard's lease if it is free, expired or already ours. */
export async function acquireLease(stream: string, shard: string, owner: string, ttlMs: number, now = Date.now()): Promise<Lease | undefined> {
  const kv = await shardBucket();
  const cur = await getRecord<ShardRecord>(kv, shardKey(stream, shard));
  if (!cur) return undefined;
  if (cur.value.owner && cur.value.owner !== owner && cur.value.leaseUntil > now) return undefined;
  const record = { ...cur.value, owner, leaseUntil: now + ttlMs };
  const revision = await write(kv, record, cur.revision);
  return revision === undefined ? undefined : { record, revision };
}

/**
 * The shard `owner` should take to even out the leases, if any, as the
 * Kinesis Client Library balances leases among workers: the holders of live
 * leases, and `owner`, share the shards. An owner below its share takes a
 * free or expired shard, else one from the holder with the most when that
 * one holds two or more than it does. One shard a call: shares converge to
 * within one of each other and then stay put.
 */
export function shardToTake(shards: ShardRecord[], owner: string, now = Date.now()): ShardRecord | undefined {
  const held = new Map<string, ShardRecord[]>([[owner, []]]);
  const free: ShardRecord[] = [];
  for (const s of shards) {
    if (s.owner && s.leaseUntil > now) {
      const list = held.get(s.owner) ?? [];
      list.push(s);
      held.set(s.owner, list);
    } else free.push(s);
  }
  const mine = held.get(owner)!.length;
  if (free.length) return mine < Math.ceil(shards.length / held.size) ? free[0] : undefined;
  let busiest: ShardRecord[] = [];
  for (const [o, list] of held) if (o !== owner && list.length > busiest.length) busiest = list;
  return busiest.length >= mine + 2 ? busiest[0] : undefined;
}

/**
 * Takes one shard's lease for `owner` when the leases are uneven (shardToTake).
 * A holder that loses a shard this way fails its next commit; the new holder
 * reads from the checkpoint, so the batch in flight is redone, not lost (the
 * aggregator's appends drop records already covered: docs/formats/delta-record.md).
 */
export async function balanceLeases(stream: string, owner: string, ttlMs: number, now = Date.now(), shards?: string[]): Promise<string | undefined> {
  const kv = await shardBucket();
  // Known shards by gets, not a scan: a scan makes a consumer, and nats-server 2.9.10 keeps every one (shardsDeclared).
  const records = shards
    ? (await Promise.all(shards.map(async (shard) => ({ key: shardKey(stream, shard), ...(await getRecord<ShardRecord>(kv, shardKey(stream, shard)))! })))).filter((r) => r.value)
    : await scanRecords<ShardRecord>(kv, `${stream}.*`);
  const take = shardToTake(records.map((r) => r.value), owner, now);
  if (!take) return undefined;
  const revision = records.find((r) => r.value === take)!.revision;
  return (await write(kv, { ...take, owner, leaseUntil: now + ttlMs }, revision)) === undefined ? undefined : take.shard;
}

/**
 * Moves the checkpoint (and extends the lease). False when the lease was
 * lost: the caller must stop, its work will be redone by the new holder.
 */
export async function commitLease(lease: Lease, checkpoint: number, ttlMs: number, now = Date.now()): Promise<boolean> {
  const record = { ...lease.record, checkpoint: Math.max(lease.record.checkpoint, checkpoint), leaseUntil: now + ttlMs };
  const revision = await write(await shardBucket(), record, lease.revision);
  if (revision === undefined) return false;
  lease.record = record;
  lease.revision = revision;
  return true;
}

export async function releaseLease(lease: Lease): Promise<void> {
  const record = { ...lease.record, owner: undefined, leaseUntil: 0 };
  await write(await shardBucket(), record, lease.revision);
}

/** A shard's message as a batch hands it over (a consumer's JsMsg has these too). */
export interface ShardMessage {
  seq: number;
  subject: string;
  data: Uint8Array;
  /** When nats-server stored it. */
  info: { timestampNanos: number };
}

/**
 * Reads a shard in order from `fromSeq`: up to `max` messages, gathered for
 * up to `waitMs` (the batching window) from the first one's arrival. With
 * `waitMs` 0: what is stored now. An empty shard is looked at twice a window,
 * at its start and its end. Message gets while the backlog is small; a
 * consumer for a larger one.
 */
export async function readShard(stream: string, filter: string, fromSeq: number, max: number, waitMs: number): Promise<ShardMessage[]> {
  const { jsm } = await getNats();
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  let deadline = Date.now() + waitMs;
  const out: ShardMessage[] = [];
  let next = Math.max(1, fromSeq);
  while (out.length < Math.min(max, DIRECT_READS)) {
    const m = await firstMessageFrom(jsm, stream, next, filter);
    if (!m) {
      if (Date.now() >= deadline) return out;
      // An empty shard is looked at again when the window closes (a look every 100 ms was most of an idle runtime's
      // CPU: nine shards, ninety gets a second); a message found then is handed over at once, its window having run.
      await sleep(out.length ? Math.min(100, Math.max(1, deadline - Date.now())) : Math.max(1, deadline - Date.now()));
      continue;
    }
    out.push({ seq: m.seq, subject: m.subject, data: m.data, info: { timestampNanos: m.time.getTime() * 1e6 } });
    next = m.seq + 1;
    // The window runs from when the first record arrived, as Lambda's does: records
    // that came in while the last batch was being processed have waited already.
    // (Bounded both ways: the stream's clock may not be ours.)
    if (out.length === 1) deadline = Math.min(deadline, Math.max(Date.now(), m.time.getTime() + waitMs));
  }
  if (out.length >= max) return out;
  const first = await firstMessageFrom(jsm, stream, next, filter);
  if (!first) return out;
  return out.concat(await readWithConsumer(stream, filter, first.seq, max - out.length, deadline));
}

/** A backlog's batch: up to `max` messages from `fromSeq` (a stored message) through one consumer, deleted after. */
async function readWithConsumer(stream: string, filter: string, fromSeq: number, max: number, deadline: number): Promise<JsMsg[]> {
  const { js } = await getNats();
  const consumer = await js.consumers.get(stream, {
    filterSubjects: filter,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: fromSeq,
    // Deleted when done, gone soon by itself if this process dies first.
    inactive_threshold: 30_000,
  });
  const out: JsMsg[] = [];
  const messages = await consumer.consume({ max_messages: Math.min(max, 1024) });
  // Lambda's batching window: the batch is handed over when it is full or
  // when the window closes. Fewer, fuller batches are what keeps the
  // aggregator's cost per datapoint down (each batch rewrites every chunk it
  // touches once). The shard's next message is stored (the get before), so
  // it is waited for however slow a loaded server is, within FIRST_MESSAGE_MS.
  const closeIn = (ms: number) => setTimeout(() => void messages.close(), Math.max(ms, 250));
  let timer = closeIn(Math.max(deadline - Date.now(), FIRST_MESSAGE_MS));
  try {
    for await (const m of messages) {
      out.push(m);
      if (out.length === 1) {
        clearTimeout(timer);
        timer = closeIn(deadline - Date.now());
      }
      if (out.length >= max || (m.info.pending === 0 && Date.now() >= deadline)) break;
    }
  } finally {
    clearTimeout(timer);
    await messages.close().catch(() => undefined);
    void consumer.delete().catch(() => undefined);
  }
  return out;
}
