/**
 * The log compactor: moves buffered events (CW_LOGS_EVENTS) into gzip chunks
 * in the S3 store, laid out as the seed says,
 * `{account}/{log group}/{log stream}/YYYY/MM/DD/HH/chunk-NNNN.log.gz`
 * (names URI-encoded: a group name's slashes would otherwise make empty path
 * segments), with an index entry per chunk in KV (chunk-index.ts).
 *
 * Per partition, the holder of its lease (shards `CW_LOGS_COMPACTOR.{p}` in
 * cw-stream-shards) reads from its checkpoint. A stream's buffered events are
 * flushed once there are `buffer_size` of them or the oldest has waited
 * `flush_interval`. The checkpoint moves to just before the oldest event
 * still waiting; each stream's state keeps its own watermark, so a batch
 * read again after a crash is never compacted twice. Buffered messages are
 * purged a grace period after every partition's checkpoint passed them
 * (buffer-purge.ts), so a scan that read a state just before a commit still
 * finds them in the buffer.
 * The scheduled run's loop over these passes is compaction-run.ts.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { DeleteObjectCommand } from "@aws-sdk/client-s3";
import { durationSeconds, getConfig } from "../../config/config.js";
import { getRecord, putRecord } from "../../storage/kv.js";
import { getS3, putObject } from "../../storage/s3.js";
import { acquireLease, commitLease, registerShard, type Lease } from "../../storage/stream-shards.js";
import { effectiveRetentionDays, getLogGroup, modifyLogGroup } from "../groups.js";
import { logStreamKey } from "../names.js";
import { logStreamsBucket, type LogStreamRecord } from "../streams.js";
import { decodeLogBatchHeader, decodeLogBatchSpans, type LogBatch } from "./batch-codec.js";
import { encodeChunk, type ChunkEventBytes } from "./chunk-codec.js";
import {
  addCommitted,
  chunkBucket,
  chunkEntryKey,
  committedNumbers,
  createStreamState,
  getStreamState,
  groupStates,
  updateStreamState,
  streamStateKey,
  updateStreamStateRevision,
  type ChunkEntry,
  type StreamChunkState,
} from "./chunk-index.js";
import { markCompacted, purgeCompactedBuffer } from "./buffer-purge.js";
import { ensureLogEventsStream, LOG_PARTITIONS, logPartitionFilter, readPartition } from "./event-buffer.js";
import { modifyRecord } from "../../storage/kv.js";

export const COMPACTOR_SHARDS = "CW_LOGS_COMPACTOR";
const LEASE_MS = 60_000;
/** Bytes of buffered batches one pass holds in memory per partition. */
const MAX_PASS_BYTES = 16 * 1024 * 1024;
/** Raw text bytes at most per chunk. */
const MAX_CHUNK_RAW = 16 * 1024 * 1024;
/**
 * Events at most per chunk when buffer_size is smaller: what a flush holds
 * (several batches when passes fall behind) goes in one object and one
 * index entry, not one per buffer_size events.
 */
const MIN_CHUNK_EVENTS = 10_000;
/** Streams of a partition flushed concurrently by one pass. */
const STREAMS_AT_ONCE = 8;
/** Chunk numbers reserved beyond a flush's own, so the next flushes of the stream skip the reserving compare-and-set. */
const RESERVE_AHEAD = 32;
/** Streams whose numbers reserved ahead this process remembers (a few dozen bytes each); past it, it forgets them all. */
const MAX_RESERVED_STREAMS = 10_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const busy = new Map<number, Promise<void>>();
/** Per partition: the flushes under way in this process, by stream key (at most STREAMS_AT_ONCE). */
const flushing = new Map<number, Map<string, Promise<void>>>();
/** Per partition and stream key: when a flush of it last failed (it is not tried again for PASS_RETRY_MS). */
const flushFailed = new Map<string, number>();
/** Per stream incarnation: chunk numbers this process reserved and has not used yet, [from, to). */
const reservedAhead = new Map<string, { from: number; to: number }>();
const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

export interface CompactionReport {
  chunks: number;
  events: number;
  /** Streams whose buffered events wait for buffer_size or flush_interval. */
  waiting: number;
  /** Per partition: the checkpoint after the pass. */
  checkpoints: number[];
}

export interface CompactOptions {
  /** ms; the clock for flush_interval (tests pass their own). */
  now?: number;
  /** Flush every stream now, whatever buffer_size and flush_interval say. */
  force?: boolean;
}

let registered: Promise<void> | undefined;
function registerShards(): Promise<void> {
  registered ??= (async () => {
    await ensureLogEventsStream();
    for (let p = 0; p < LOG_PARTITIONS; p++) await registerShard(COMPACTOR_SHARDS, String(p), logPartitionFilter(p));
  })().catch((e) => {
    registered = undefined;
    throw e;
  });
  return registered;
}

/** The S3 key of chunk `n` of a stream, in the hour of its first event (UTC). */
export function chunkObjectKey(account: string, group: string, stream: string, hourStart: number, n: number): string {
  const d = new Date(hourStart);
  const p2 = (x: number) => String(x).padStart(2, "0");
  const path = `${d.getUTCFullYear()}/${p2(d.getUTCMonth() + 1)}/${p2(d.getUTCDate())}/${p2(d.getUTCHours())}`;
  return `${account}/${encodeURIComponent(group)}/${encodeURIComponent(stream)}/${path}/chunk-${String(n).padStart(4, "0")}.log.gz`;
}

interface Pending {
  header: Omit<LogBatch, "events">;
  /** Decoded only when the stream is flushed: a waiting stream's messages wait raw. */
  messages: { seq: number; data: Uint8Array; eventCount: number; ingestionTime: number }[];
}

/**
 * What a run's passes over one partition carry from one to the next
 * (compaction-run.ts): the messages of streams still waiting or being
 * flushed, so a pass reads only what is new. A cache: the checkpoint and the
 * stream states are the truth, and a pass without it reads again from the
 * checkpoint.
 */
export interface PartitionCarry {
  streams: Map<string, Pending>;
  /** The last sequence read into `streams`. */
  readThrough: number;
}

export interface PassHooks {
  /** The lease of the run's previous pass (each commit renews it); acquired when absent. */
  lease?: Lease;
  carry?: PartitionCarry;
  /** Takes each committed stream state to settle DescribeLogStreams/Groups later; without it they are settled in the pass. */
  settle?: (state: StreamChunkState) => void;
  /** Mark the checkpoint and purge the buffer in this pass (default true; a run does both beside its passes). */
  purge?: boolean;
  /**
   * Return without waiting for the flushes the pass started (a run's passes):
   * a stream due while another is being written is flushed at once, not a
   * pass later. Passes after it hold the checkpoint before them until they end.
   */
  overlap?: boolean;
}

export interface PassResult {
  /** Undefined when another holds the partition (or took it meanwhile): carry nothing over then. */
  lease?: Lease;
  carry?: PartitionCarry;
  /** New messages read. */
  read: number;
  /** ms: when the oldest waiting stream becomes due by flush_interval (Infinity when none waits). */
  nextDue: number;
  /** Flushes the pass started. */
  started: number;
  /** Streams waiting for buffer_size or flush_interval after the pass. */
  waiting: number;
}

/** A partition's pass that failed (a storage hiccup) is tried again this many times, after PASS_RETRY_MS. */
const PASS_ATTEMPTS = 3;
const PASS_RETRY_MS = 1000;

/**
 * One pass over every partition this process can lease. A partition whose
 * pass fails is passed again (a pass is idempotent), so one slow answer
 * does not fail the whole while the other partitions go on committing.
 */
export async function compactLogs(opts: CompactOptions = {}): Promise<CompactionReport> {
  const report: CompactionReport = { chunks: 0, events: 0, waiting: 0, checkpoints: [] };
  await Promise.all(
    Array.from({ length: LOG_PARTITIONS }, async (_, p) => {
      for (let attempt = 1; ; attempt++) {
        try {
          const r = await compactPartitionPass(p, opts, report);
          if (r.lease) report.checkpoints[p] = r.lease.record.checkpoint;
          report.waiting += r.waiting;
          return;
        } catch (e) {
          if (attempt >= PASS_ATTEMPTS) throw e;
          console.error(`LogCompactor: partition ${p}: ${(e as Error).message}; passing it again`);
          await new Promise((r) => setTimeout(r, PASS_RETRY_MS));
        }
      }
    }),
  );
  return report;
}

/** One pass over partition `p`, if this process holds or can take its lease; one pass per partition at a time in this process. */
export async function compactPartitionPass(p: number, opts: CompactOptions, report: CompactionReport, hooks: PassHooks = {}): Promise<PassResult> {
  await registerShards();
  while (busy.has(p)) await busy.get(p);
  const pass = (async (): Promise<PassResult> => {
    const lease = hooks.lease ?? (await acquireLease(COMPACTOR_SHARDS, String(p), owner, LEASE_MS));
    if (!lease) return { read: 0, nextDue: Infinity, started: 0, waiting: 0 };
    return compactPartition(p, lease, opts, report, hooks);
  })();
  busy.set(p, pass.then(() => undefined, () => undefined).finally(() => busy.delete(p)));
  return pass;
}

/** The flushes of partition `p` under way in this process, when one of them ends (never, when none is under way). */
export function flushEnded(p: number): Promise<void> {
  const running = [...(flushing.get(p)?.values() ?? [])];
  return running.length ? Promise.race(running) : new Promise<void>(() => undefined);
}

/** Until every flush of partition `p` under way in this process has ended. */
export async function flushesEnded(p: number): Promise<void> {
  while (flushing.get(p)?.size) await Promise.all(flushing.get(p)!.values());
}

async function compactPartition(p: number, lease: Lease, opts: CompactOptions, report: CompactionReport, hooks: PassHooks): Promise<PassResult> {
  const now = opts.now ?? Date.now();
  const { bufferSize, flushInterval } = getConfig().logs;
  const flushAfter = durationSeconds(flushInterval) * 1000;
  const carry = hooks.carry;
  const streams = carry?.streams ?? new Map<string, Pending>();
  const flights = flushing.get(p) ?? new Map<string, Promise<void>>();
  flushing.set(p, flights);
  // A pass that waits for its flushes (Drain, one-pass runs) first lets those of a run's passes end.
  if (!hooks.overlap) await flushesEnded(p);
  let bytes = 0;
  for (const s of streams.values()) for (const m of s.messages) bytes += m.data.length;
  let readThrough = carry?.readThrough ?? lease.record.checkpoint;
  let bounded = bytes >= MAX_PASS_BYTES;
  let read = 0;
  const take = (m: { seq: number; data: Uint8Array }): false | undefined => {
    if (bounded) return false;
    const header = decodeLogBatchHeader(m.data);
    const key = [header.account, header.groupId ?? "", header.logStream, header.streamCreated ?? ""].join("\u0000");
    let s = streams.get(key);
    if (!s) streams.set(key, (s = { header, messages: [] }));
    s.messages.push({ seq: m.seq, data: m.data, eventCount: header.eventCount, ingestionTime: header.ingestionTime });
    readThrough = m.seq;
    bytes += m.data.length;
    read++;
    if (bytes >= MAX_PASS_BYTES) bounded = true;
    return undefined;
  };
  // To the partition's end, or MAX_PASS_BYTES: this process's own batches from memory, and a message get finds
  // whether the partition has anything else (cheaper than a consumer that finds nothing, or the stream's info).
  if (!bounded) await readPartition(p, readThrough + 1, take);

  // Each due stream is flushed on its own (a few at once per partition); each group's storedBytes settled once.
  const force = opts.force === true || bounded;
  const settled = new Map<string, StreamChunkState>();
  const mine: Promise<void>[] = [];
  const failures: unknown[] = [];
  /** Starts flushes of due streams not yet tried in this pass while fewer than STREAMS_AT_ONCE are under way; returns them. */
  const tried = new Set<string>();
  const startFlushes = (): Promise<void>[] => {
    const started: Promise<void>[] = [];
    for (const [key, s] of streams) {
      if (flights.size >= STREAMS_AT_ONCE) break;
      if (tried.has(key) || flights.has(key) || !s.messages.length || !isDue(s.messages, force, bufferSize, flushAfter, now)) continue;
      const failedKey = `${p}\u0000${key}`;
      if (hooks.overlap && (flushFailed.get(failedKey) ?? -Infinity) > Date.now() - PASS_RETRY_MS) continue;
      tried.add(key);
      const batch = s.messages.slice();
      const flight = compactStream({ header: s.header, messages: batch }, now, force, bufferSize, flushAfter, report, hooks.settle)
        .then(
          (r) => {
            flushFailed.delete(failedKey);
            // What is left of the stream: messages from `r` on when it still waits (or lost a race), else those read since.
            const through = typeof r === "number" ? r - 1 : batch[batch.length - 1].seq;
            s.messages = s.messages.filter((m) => m.seq > through);
            if (!s.messages.length && streams.get(key) === s) streams.delete(key);
            if (typeof r === "object") settled.set(`${r.account}\u0000${r.groupId}`, r);
          },
          (e) => {
            // Its messages stay: a later pass tries again.
            if (flushFailed.size >= MAX_RESERVED_STREAMS) flushFailed.clear();
            flushFailed.set(failedKey, Date.now());
            if (hooks.overlap) console.error(`LogCompactor: partition ${p}: flushing ${s.header.logGroup}/${s.header.logStream}:`, (e as Error).message);
            failures.push(e);
          },
        )
        .finally(() => flights.delete(key));
      flights.set(key, flight);
      started.push(flight);
    }
    mine.push(...started);
    return started;
  };
  if (hooks.overlap) startFlushes();
  else {
    // Every due stream, a few at a time, each tried once.
    for (let started = startFlushes(); started.length; started = startFlushes()) await Promise.race(started);
    await Promise.all(mine);
    if (failures.length) throw failures[0];
  }

  // The checkpoint may not pass the oldest event still waiting to be flushed, or being flushed.
  let hold = Infinity;
  let nextDue = Infinity;
  let waiting = 0;
  for (const [key, s] of streams) {
    if (!s.messages.length) continue;
    hold = Math.min(hold, s.messages[0].seq - 1);
    if (flights.has(key)) continue;
    waiting++;
    nextDue = Math.min(nextDue, s.messages[0].ingestionTime + flushAfter);
  }
  if (!hooks.settle) await Promise.all([...settled.values()].map((st) => settleGroupBytes(st.account, st.logGroup, st.groupId).catch(() => undefined)));
  const checkpoint = Math.min(readThrough, hold);
  const result = { read, nextDue, started: mine.length, waiting };
  // A run keeps its lease for many passes: renewed with the checkpoint, or when half of it is gone.
  if (checkpoint > lease.record.checkpoint || (!hooks.lease && streams.size === 0) || lease.record.leaseUntil - Date.now() < LEASE_MS / 2) {
    if (!(await commitLease(lease, checkpoint, LEASE_MS))) {
      reservedAhead.clear(); // another holds the partition now: its numbers are in the states, ours may be stale
      return result;
    }
  }
  if (hooks.purge !== false) {
    await markCompacted(p, lease.record.checkpoint);
    await purgeCompactedBuffer();
  }
  return { ...result, lease, carry: { streams, readThrough } };
}

/** The flush rule: `buffer_size` events, or the oldest waited `flush_interval` (or everything, forced). */
function isDue(pending: Pending["messages"], force: boolean, bufferSize: number, flushAfter: number, now: number): boolean {
  return force || pending.reduce((n, m) => n + m.eventCount, 0) >= bufferSize || pending[0].ingestionTime <= now - flushAfter;
}

/**
 * Flushes one stream's pending events, due by what the pass read (a waiting
 * stream costs no round trip), if they still are once what another pass
 * compacted since is left out. True (or the new state, when chunks were
 * committed) when nothing of it is left in the buffer; else the sequence of
 * its oldest message still waiting.
 */
async function compactStream(
  s: Pending,
  now: number,
  force: boolean,
  bufferSize: number,
  flushAfter: number,
  report: CompactionReport,
  settle?: (state: StreamChunkState) => void,
): Promise<true | number | StreamChunkState> {
  const { account, logGroup, logStream, groupId, streamCreated } = s.header;
  if (!groupId || streamCreated === undefined) return true; // written without incarnation: nothing can show it
  const [g, stream, state] = await Promise.all([
    getLogGroup(account, logGroup),
    logStreamsBucket().then((kv) => getRecord<LogStreamRecord>(kv, logStreamKey(account, logGroup, logStream))),
    getStreamState(account, groupId, logStream),
  ]);
  if (!g || g.value.id !== groupId) return true; // the group was deleted: its events go with it
  const st = stream?.value;
  if (!st || st.groupId !== groupId || st.creationTime !== streamCreated) return true; // the stream was deleted

  let cur = state?.value.streamCreated === streamCreated ? state : await loadState(account, logGroup, logStream, groupId, streamCreated);
  const pending = s.messages.filter((m) => m.seq > cur.value.through);
  if (pending.length === 0) return true;
  if (!isDue(pending, force, bufferSize, flushAfter, now)) return pending[0].seq;

  // Events past the group's retention by now are not stored (LogRetention's rule, applied before they reach S3).
  const cutoff = now - effectiveRetentionDays(g.value.retentionInDays) * DAY;
  const events: ChunkEventBytes[] = [];
  for (const m of pending) {
    // Messages stay bytes of the batch: encodeChunk copies them into the chunk's text as they are.
    const { header, timestamps, starts, sizes } = decodeLogBatchSpans(m.data);
    const data = Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength);
    for (let index = 0; index < timestamps.length; index++) {
      const timestamp = timestamps[index];
      if (timestamp >= cutoff) events.push({ timestamp, ingestionTime: header.ingestionTime, seq: m.seq, index, data, start: starts[index], size: sizes[index] });
    }
  }
  events.sort((a, b) => a.timestamp - b.timestamp || a.seq - b.seq || a.index - b.index);
  const groups = splitChunks(events, Math.max(bufferSize, MIN_CHUNK_EVENTS));
  // An object per event lives only until its chunk is encoded, not through the S3 and KV writes after: kept
  // that long they outlived young-generation collections, and what they promoted brought full collections.
  const eventCount = events.length;
  const firstEventTimestamp = eventCount ? events[0].timestamp : 0;
  const lastEventTimestamp = eventCount ? events[eventCount - 1].timestamp : 0;
  events.length = 0;
  const upTo = pending[pending.length - 1].seq;
  if (groups.length === 0) {
    return (await updateStreamState({ ...cur.value, through: Math.max(cur.value.through, upTo) }, cur.revision)) ? true : pending[0].seq;
  }

  // Reserve the chunk numbers: nobody else will ever write these keys. Numbers reserved ahead earlier are ours already.
  const aheadKey = `${streamStateKey(account, groupId, logStream)}\u0000${streamCreated}`;
  const ahead = reservedAhead.get(aheadKey);
  let first: number;
  if (ahead && ahead.to - ahead.from >= groups.length && ahead.to <= cur.value.next) {
    first = ahead.from;
    ahead.from += groups.length;
  } else {
    first = cur.value.next;
    const reserved = { ...cur.value, next: first + groups.length + RESERVE_AHEAD };
    const reservedRevision = await updateStreamStateRevision(reserved, cur.revision);
    if (reservedRevision === undefined) return pending[0].seq; // raced: next pass
    cur = { value: reserved, revision: reservedRevision };
    if (reservedAhead.size >= MAX_RESERVED_STREAMS) reservedAhead.clear();
    reservedAhead.set(aheadKey, { from: first + groups.length, to: reserved.next });
  }

  const { bucket, compression } = getConfig().logs;
  const kv = await chunkBucket();
  const entries: ChunkEntry[] = await Promise.all(
    groups.map(async (chunk, i) => {
      const n = first + i;
      const key = chunkObjectKey(account, logGroup, logStream, Math.floor(chunk[0].timestamp / HOUR) * HOUR, n);
      let minSeq = Infinity;
      let maxSeq = -Infinity;
      let minIngestionTime = Infinity;
      let maxIngestionTime = -Infinity;
      for (const e of chunk) {
        if (e.seq < minSeq) minSeq = e.seq;
        if (e.seq > maxSeq) maxSeq = e.seq;
        if (e.ingestionTime < minIngestionTime) minIngestionTime = e.ingestionTime;
        if (e.ingestionTime > maxIngestionTime) maxIngestionTime = e.ingestionTime;
      }
      const [minTimestamp, maxTimestamp, count] = [chunk[0].timestamp, chunk[chunk.length - 1].timestamp, chunk.length];
      const encoded = await encodeChunk(chunk, compression === "gzip");
      chunk.length = 0; // encoded: its events may go (see above)
      const entry: ChunkEntry = {
        v: 2,
        n,
        key,
        minTimestamp,
        maxTimestamp,
        minSeq,
        maxSeq,
        minIngestionTime,
        maxIngestionTime,
        count,
        rawBytes: encoded.rawBytes,
        size: encoded.body.length,
        blocks: encoded.blocks,
        written: Date.now(),
      };
      // The entry first: an object never exists without an entry that leads to it (for cleanup).
      await putRecord(kv, chunkEntryKey(account, groupId, logStream, n), entry);
      await putObject(bucket, key, encoded.body, "application/gzip");
      return entry;
    }),
  );

  const committed: StreamChunkState = {
    ...cur.value,
    through: Math.max(cur.value.through, upTo),
    committed: addCommitted(cur.value.committed, first, first + groups.length - 1),
    storedBytes: cur.value.storedBytes + entries.reduce((n, e) => n + e.size, 0),
    events: cur.value.events + eventCount,
    firstEventTimestamp: Math.min(cur.value.firstEventTimestamp ?? Infinity, firstEventTimestamp),
    lastEventTimestamp: Math.max(cur.value.lastEventTimestamp ?? -Infinity, lastEventTimestamp),
    lastIngestionTime: Math.max(cur.value.lastIngestionTime ?? -Infinity, ...entries.map((e) => e.maxIngestionTime)),
  };
  if (!(await updateStreamState(committed, cur.revision))) {
    // Lost to another compactor: these chunks are not committed, readers ignore them.
    await Promise.all(entries.map((e) => deleteChunk(account, groupId, logStream, e).catch(() => undefined)));
    return pending[0].seq;
  }
  report.chunks += groups.length;
  report.events += eventCount;
  if (settle) settle(committed);
  else await settleStreamRecord(committed).catch(() => undefined);
  return committed;
}

async function loadState(account: string, logGroup: string, logStream: string, groupId: string, streamCreated: number) {
  for (;;) {
    const cur = await getStreamState(account, groupId, logStream);
    if (cur && cur.value.streamCreated === streamCreated) return cur;
    if (cur) {
      // A state left by an earlier stream of this name: its chunks go, its numbers are not reused.
      await dropStreamChunks(cur.value);
      const fresh = emptyState(account, logGroup, logStream, groupId, streamCreated, cur.value.next);
      if (await updateStreamState(fresh, cur.revision)) continue;
    } else if (await createStreamState(emptyState(account, logGroup, logStream, groupId, streamCreated, 1))) continue;
  }
}

function emptyState(account: string, logGroup: string, logStream: string, groupId: string, streamCreated: number, next: number): StreamChunkState {
  return { v: 1, account, logGroup, logStream, groupId, streamCreated, through: 0, next, committed: [], storedBytes: 0, events: 0 };
}

/** Chunks of at most `max` events or MAX_CHUNK_RAW bytes, never across an hour (the key's path). */
function splitChunks(events: ChunkEventBytes[], max: number): ChunkEventBytes[][] {
  const out: ChunkEventBytes[][] = [];
  let cur: ChunkEventBytes[] = [];
  let raw = 0;
  let hour = -1;
  for (const e of events) {
    const h = Math.floor(e.timestamp / HOUR);
    if (cur.length && (h !== hour || cur.length >= max || raw >= MAX_CHUNK_RAW)) {
      out.push(cur);
      cur = [];
      raw = 0;
    }
    hour = h;
    cur.push(e);
    raw += e.size + 40;
  }
  if (cur.length) out.push(cur);
  return out;
}

export async function deleteChunk(account: string, groupId: string, logStream: string, entry: Pick<ChunkEntry, "key" | "n">): Promise<void> {
  await getS3().send(new DeleteObjectCommand({ Bucket: getConfig().logs.bucket, Key: entry.key }));
  await (await chunkBucket()).purge(chunkEntryKey(account, groupId, logStream, entry.n));
}

async function dropStreamChunks(state: StreamChunkState): Promise<void> {
  const kv = await chunkBucket();
  for (const n of committedNumbers(state)) {
    const e = await getRecord<ChunkEntry>(kv, chunkEntryKey(state.account, state.groupId, state.logStream, n));
    if (e) await deleteChunk(state.account, state.groupId, state.logStream, e.value);
  }
}

/** What DescribeLogStreams shows, made exact from the index: the stream's event range and last ingestion. */
export async function settleStreamRecord(state: StreamChunkState): Promise<void> {
  await modifyRecord<LogStreamRecord>(await logStreamsBucket(), logStreamKey(state.account, state.logGroup, state.logStream), (s) => {
    if (s.groupId !== state.groupId || s.creationTime !== state.streamCreated) return undefined;
    const next = { ...s };
    if (state.firstEventTimestamp !== undefined) next.firstEventTimestamp = Math.min(s.firstEventTimestamp ?? Infinity, state.firstEventTimestamp);
    if (state.lastEventTimestamp !== undefined) next.lastEventTimestamp = Math.max(s.lastEventTimestamp ?? -Infinity, state.lastEventTimestamp);
    if (state.lastIngestionTime !== undefined) next.lastIngestionTime = Math.max(s.lastIngestionTime ?? -Infinity, state.lastIngestionTime);
    return JSON.stringify(next) === JSON.stringify(s) ? undefined : next;
  });
}

/** DescribeLogGroups' storedBytes, made exact: the sum of the group's streams' chunk bytes. */
export async function settleGroupBytes(account: string, logGroup: string, groupId: string): Promise<void> {
  const total = (await groupStates(account, groupId)).reduce((n, s) => n + s.storedBytes, 0);
  await modifyLogGroup(account, logGroup, (g) => (g.id !== groupId || g.storedBytes === total ? undefined : { ...g, storedBytes: total })).catch(() => undefined);
}
