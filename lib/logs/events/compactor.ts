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
 * purged a grace period after the checkpoint passed them, so a scan that
 * read a state just before a commit still finds them in the buffer.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { DeleteObjectCommand } from "@aws-sdk/client-s3";
import { durationSeconds, getConfig } from "../../config/config.js";
import { getRecord, putRecord } from "../../storage/kv.js";
import { getNats, purgeBelow } from "../../storage/nats.js";
import { getS3, putObject } from "../../storage/s3.js";
import { acquireLease, commitLease, listShards, registerShard, type Lease } from "../../storage/stream-shards.js";
import { effectiveRetentionDays, getLogGroup, modifyLogGroup } from "../groups.js";
import { logStreamKey } from "../names.js";
import { logStreamsBucket, type LogStreamRecord } from "../streams.js";
import { decodeLogBatch, decodeLogBatchHeader, type LogBatch } from "./batch-codec.js";
import { encodeChunk, type ChunkEvent } from "./chunk-codec.js";
import {
  addCommitted,
  chunkBucket,
  chunkEntryKey,
  committedNumbers,
  createStreamState,
  getStreamState,
  groupStates,
  updateStreamState,
  updateStreamStateRevision,
  type ChunkEntry,
  type StreamChunkState,
} from "./chunk-index.js";
import { bufferRange, ensureLogEventsStream, LOG_EVENTS_STREAM, LOG_PARTITIONS, logPartitionFilter, readBuffer } from "./event-buffer.js";
import { modifyRecord } from "../../storage/kv.js";

export const COMPACTOR_SHARDS = "CW_LOGS_COMPACTOR";
const LEASE_MS = 60_000;
/** How long after the checkpoint passed them buffered messages are kept for scans in flight. */
export const PURGE_GRACE_MS = 15_000;
/** A stream-triggered consumer of CW_LOGS_EVENTS whose lease lapsed this long ago no longer holds purging back. */
const STREAM_CONSUMER_GONE_MS = 10 * 60_000;
/** Bytes of buffered batches one pass holds in memory per partition. */
const MAX_PASS_BYTES = 16 * 1024 * 1024;
/** Raw text bytes at most per chunk (besides buffer_size events). */
const MAX_CHUNK_RAW = 16 * 1024 * 1024;
/** Streams of a partition flushed concurrently by one pass. */
const STREAMS_AT_ONCE = 8;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const busy = new Map<number, Promise<void>>();
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
  /** Decoded only when the stream is flushed: a waiting stream's messages are read again by every pass. */
  messages: { seq: number; data: Uint8Array; eventCount: number; ingestionTime: number }[];
}

/** One pass over every partition this process can lease. */
export async function compactLogs(opts: CompactOptions = {}): Promise<CompactionReport> {
  await registerShards();
  const report: CompactionReport = { chunks: 0, events: 0, waiting: 0, checkpoints: [] };
  await Promise.all(
    Array.from({ length: LOG_PARTITIONS }, async (_, p) => {
      // One pass per partition at a time in this process: the lease is the process's, not the pass's.
      while (busy.has(p)) await busy.get(p);
      const pass = (async () => {
        const lease = await acquireLease(COMPACTOR_SHARDS, String(p), owner, LEASE_MS);
        if (lease) report.checkpoints[p] = await compactPartition(p, lease, opts, report);
      })();
      busy.set(p, pass.catch(() => undefined).finally(() => busy.delete(p)));
      await pass;
    }),
  );
  return report;
}

async function compactPartition(p: number, lease: Lease, opts: CompactOptions, report: CompactionReport): Promise<number> {
  const now = opts.now ?? Date.now();
  const { bufferSize, flushInterval } = getConfig().logs;
  const flushAfter = durationSeconds(flushInterval) * 1000;
  const from = lease.record.checkpoint + 1;
  const { last } = await bufferRange();
  const streams = new Map<string, Pending>();
  let bytes = 0;
  let readThrough = lease.record.checkpoint;
  let bounded = false;
  await readBuffer(logPartitionFilter(p), from, last, (m) => {
    if (bounded) return false;
    const header = decodeLogBatchHeader(m.data);
    const key = [header.account, header.groupId ?? "", header.logStream, header.streamCreated ?? ""].join("\u0000");
    let s = streams.get(key);
    if (!s) streams.set(key, (s = { header, messages: [] }));
    s.messages.push({ seq: m.seq, data: m.data, eventCount: header.eventCount, ingestionTime: header.ingestionTime });
    readThrough = m.seq;
    bytes += m.data.length;
    if (bytes >= MAX_PASS_BYTES) bounded = true;
  });
  if (!bounded) readThrough = Math.max(readThrough, last);

  // The checkpoint may not pass the oldest event still waiting to be flushed.
  let hold = Infinity;
  // Streams are independent: flushed a few at a time; each group's storedBytes settled once.
  const settled = new Map<string, StreamChunkState>();
  const list = [...streams.values()];
  for (let i = 0; i < list.length; i += STREAMS_AT_ONCE) {
    const results = await Promise.all(
      list.slice(i, i + STREAMS_AT_ONCE).map((s) => compactStream(s, now, opts.force || bounded, bufferSize, flushAfter, report)),
    );
    for (const r of results) {
      if (typeof r === "number") hold = Math.min(hold, r - 1);
      else if (r !== true) settled.set(`${r.account}\u0000${r.groupId}`, r);
    }
  }
  await Promise.all([...settled.values()].map((st) => settleGroupBytes(st.account, st.logGroup, st.groupId).catch(() => undefined)));
  const checkpoint = Math.min(readThrough, hold);
  if (checkpoint > lease.record.checkpoint || streams.size === 0) {
    if (!(await commitLease(lease, checkpoint, LEASE_MS))) return lease.record.checkpoint;
  }
  await purgeCompacted(p, lease.record.checkpoint);
  return lease.record.checkpoint;
}

/**
 * Flushes one stream's pending events when due. True (or the new state,
 * when chunks were committed) when nothing of it is left in the buffer; else
 * the sequence of its oldest message still waiting.
 */
async function compactStream(
  s: Pending,
  now: number,
  force: boolean,
  bufferSize: number,
  flushAfter: number,
  report: CompactionReport,
): Promise<true | number | StreamChunkState> {
  const { account, logGroup, logStream, groupId, streamCreated } = s.header;
  if (!groupId || streamCreated === undefined) return true; // written without incarnation: nothing can show it
  const g = await getLogGroup(account, logGroup);
  if (!g || g.value.id !== groupId) return true; // the group was deleted: its events go with it
  const st = (await getRecord<LogStreamRecord>(await logStreamsBucket(), logStreamKey(account, logGroup, logStream)))?.value;
  if (!st || st.groupId !== groupId || st.creationTime !== streamCreated) return true; // the stream was deleted

  let cur = await loadState(account, logGroup, logStream, groupId, streamCreated);
  const pending = s.messages.filter((m) => m.seq > cur.value.through);
  if (pending.length === 0) return true;
  const count = pending.reduce((n, m) => n + m.eventCount, 0);
  const due = force || count >= bufferSize || pending[0].ingestionTime <= now - flushAfter;
  if (!due) {
    report.waiting++;
    return pending[0].seq;
  }

  // Events past the group's retention by now are not stored (LogRetention's rule, applied before they reach S3).
  const cutoff = now - effectiveRetentionDays(g.value.retentionInDays) * DAY;
  const events: ChunkEvent[] = [];
  for (const m of pending) {
    const batch = decodeLogBatch(m.data);
    batch.events.forEach((e, index) => {
      if (e.timestamp >= cutoff) events.push({ timestamp: e.timestamp, ingestionTime: batch.ingestionTime, seq: m.seq, index, message: e.message });
    });
  }
  events.sort((a, b) => a.timestamp - b.timestamp || a.seq - b.seq || a.index - b.index);
  const groups = splitChunks(events, bufferSize);
  const upTo = pending[pending.length - 1].seq;
  if (groups.length === 0) {
    return (await updateStreamState({ ...cur.value, through: Math.max(cur.value.through, upTo) }, cur.revision)) ? true : pending[0].seq;
  }

  // Reserve the chunk numbers: nobody else will ever write these keys.
  const first = cur.value.next;
  const reserved = { ...cur.value, next: first + groups.length };
  const reservedRevision = await updateStreamStateRevision(reserved, cur.revision);
  if (reservedRevision === undefined) return pending[0].seq; // raced: next pass
  cur = { value: reserved, revision: reservedRevision };

  const { bucket, compression } = getConfig().logs;
  const kv = await chunkBucket();
  const entries: ChunkEntry[] = await Promise.all(
    groups.map(async (chunk, i) => {
      const n = first + i;
      const encoded = encodeChunk(chunk, compression === "gzip");
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
      const entry: ChunkEntry = {
        v: 2,
        n,
        key,
        minTimestamp: chunk[0].timestamp,
        maxTimestamp: chunk[chunk.length - 1].timestamp,
        minSeq,
        maxSeq,
        minIngestionTime,
        maxIngestionTime,
        count: chunk.length,
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
    events: cur.value.events + events.length,
    firstEventTimestamp: Math.min(cur.value.firstEventTimestamp ?? Infinity, events[0].timestamp),
    lastEventTimestamp: Math.max(cur.value.lastEventTimestamp ?? -Infinity, events[events.length - 1].timestamp),
    lastIngestionTime: Math.max(cur.value.lastIngestionTime ?? -Infinity, ...entries.map((e) => e.maxIngestionTime)),
  };
  if (!(await updateStreamState(committed, cur.revision))) {
    // Lost to another compactor: these chunks are not committed, readers ignore them.
    await Promise.all(entries.map((e) => deleteChunk(account, groupId, logStream, e).catch(() => undefined)));
    return pending[0].seq;
  }
  report.chunks += groups.length;
  report.events += events.length;
  await settleStreamRecord(committed).catch(() => undefined);
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
function splitChunks(events: ChunkEvent[], max: number): ChunkEvent[][] {
  const out: ChunkEvent[][] = [];
  let cur: ChunkEvent[] = [];
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
    raw += e.message.length + 40;
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

interface PurgeMarks {
  marks: { seq: number; at: number }[];
}

/** Purges what the checkpoint passed at least PURGE_GRACE_MS ago (wall clock: the marks outlive a test clock). */
async function purgeCompacted(p: number, checkpoint: number): Promise<void> {
  const kv = await chunkBucket();
  const key = `compactor.purge.${p}`;
  const now = Date.now();
  const rec = (await getRecord<PurgeMarks>(kv, key))?.value ?? { marks: [] };
  const marks = rec.marks.filter((m) => m.seq <= checkpoint);
  if (!marks.length || marks[marks.length - 1].seq < checkpoint) marks.push({ seq: checkpoint, at: now });
  const ripe = marks.filter((m) => m.at <= now - PURGE_GRACE_MS);
  const keep = marks.filter((m) => m.at > now - PURGE_GRACE_MS);
  if (ripe.length) {
    let upTo = ripe[ripe.length - 1].seq;
    // Nor past what the stream-triggered consumer of the buffer (metric filters, subscriptions) has processed,
    // while it is alive (its lease held within the last STREAM_CONSUMER_GONE_MS).
    const consumer = (await listShards(LOG_EVENTS_STREAM)).find((r) => r.shard === String(p));
    if (consumer && consumer.leaseUntil > now - STREAM_CONSUMER_GONE_MS) upTo = Math.min(upTo, consumer.checkpoint);
    const { jsm } = await getNats();
    await purgeBelow(jsm, LOG_EVENTS_STREAM, logPartitionFilter(p), upTo + 1);
    keep.unshift({ seq: upTo, at: ripe[ripe.length - 1].at });
  }
  if (JSON.stringify(keep) !== JSON.stringify(rec.marks)) await putRecord(kv, key, { marks: keep.slice(-100) } satisfies PurgeMarks);
}

/**
 * How the scheduled LogCompactor spends one invocation: compactLogs passes,
 * back to back while they find work and a second apart when they do not,
 * until shortly before the next minute's invocation.
 */
export interface CompactionRun {
  passes: number;
  chunks: number;
  events: number;
  waiting: number;
}

/** Just under the schedule's minute: the scheduler skips a tick while a run is still going. */
const RUN_MS = 57_000;
const IDLE_MS = 1000;

export async function compactForAWhile(opts: { once?: boolean; force?: boolean; runMs?: number } = {}): Promise<CompactionRun> {
  const until = Date.now() + (opts.once ? 0 : (opts.runMs ?? RUN_MS));
  const run: CompactionRun = { passes: 0, chunks: 0, events: 0, waiting: 0 };
  for (;;) {
    const started = Date.now();
    const r = await compactLogs({ force: opts.force });
    const took = Date.now() - started;
    run.passes++;
    run.chunks += r.chunks;
    run.events += r.events;
    run.waiting = r.waiting;
    // Stop rather than start a pass that would run into the next invocation's minute.
    if (Date.now() + IDLE_MS + took >= until) return run;
    // Straight on while there is work: the lag behind the buffer is what a pass costs.
    if (r.chunks === 0) await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  }
}
