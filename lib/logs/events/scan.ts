/**
 * One ordered view over a log group's events: the compacted chunks in S3
 * (through the chunk index in KV) and the buffered tail in CW_LOGS_EVENTS
 * that compaction has not committed yet. Order: timestamp, then stream name,
 * then stored order (buffer sequence, index in the batch).
 *
 * Consistency: the stream states (watermarks) are read first, then the
 * buffer past each watermark, then the chunks those states committed. The
 * compactor purges buffered messages only a grace period after they were
 * committed (compactor.ts), so nothing falls between the two.
 */
import { getConfig } from "../../config/config.js";
import { scanRecords } from "../../storage/kv.js";
import { kvValues } from "../../storage/kv-values.js";
import { BUCKETS } from "../../storage/nats.js";
import { getObject } from "../../storage/s3.js";
import { getCheckpoint } from "../../storage/stream-shards.js";
import { requireLogGroup } from "../groups.js";
import { logStreamsFilter } from "../names.js";
import { logStreamsBucket, type LogStreamRecord } from "../streams.js";
import { decodeLogBatch, decodeLogBatchHeader } from "./batch-codec.js";
import { decodeChunk, type ChunkEvent } from "./chunk-codec.js";
import { chunkEntryKey, committedNumbers, groupStates, type ChunkEntry, type StreamChunkState } from "./chunk-index.js";
import { makeEventId, parseEventId } from "./event-id.js";
import { bufferRange, LOG_EVENTS_STREAM, LOG_PARTITIONS, logEventsSubject, logPartitionOf, readBuffer, streamHash } from "./event-buffer.js";
import { getNats, directGet } from "../../storage/nats.js";
import { mayContain } from "./token-filter.js";
import { COMPACTOR_SHARDS } from "./compactor.js";

export interface StoredLogEvent {
  logGroup: string;
  logStream: string;
  timestamp: number;
  ingestionTime: number;
  message: string;
  /** AWS-style id, unique, stable across compaction (event-id.ts). */
  eventId: string;
}

export interface ScanOptions {
  logStreams?: string[];
  logStreamNamePrefix?: string;
  /** ms, start inclusive, end exclusive */
  startTime?: number;
  endTime?: number;
  /** pushdown: a chunk whose token filter rules out any of these is skipped */
  requiredTokens?: string[];
  /** log text bytes read (Insights' bytesScanned) */
  onBytesScanned?: (bytes: number) => void;
  signal?: AbortSignal;
}

/** Events per yielded array. */
const PAGE = 1000;
/** Chunk objects fetched ahead of the merge. */
const PREFETCH = 4;

interface Source {
  stream: string;
  events: ChunkEvent[];
  pos: number;
}

interface SelectedStream {
  name: string;
  creationTime: number;
  hash: number;
  state?: StreamChunkState;
}

/** The group's live streams (this incarnation), by name. */
export async function liveStreams(account: string, logGroup: string, groupId: string): Promise<Map<string, LogStreamRecord>> {
  const out = new Map<string, LogStreamRecord>();
  for (const { value } of await scanRecords<LogStreamRecord>(await logStreamsBucket(), logStreamsFilter(account, logGroup))) {
    if (value.groupId === groupId) out.set(value.logStreamName, value);
  }
  return out;
}

function before(a: Source, b: Source): boolean {
  const x = a.events[a.pos];
  const y = b.events[b.pos];
  if (x.timestamp !== y.timestamp) return x.timestamp < y.timestamp;
  if (a.stream !== b.stream) return a.stream < b.stream;
  if (x.seq !== y.seq) return x.seq < y.seq;
  return x.index < y.index;
}

/** A binary min-heap of sources by their current event. */
class SourceHeap {
  private items: Source[] = [];
  get size() {
    return this.items.length;
  }
  peek(): Source | undefined {
    return this.items[0];
  }
  push(s: Source): void {
    const a = this.items;
    a.push(s);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }
  /** Re-places the top after its position moved; drops it when exhausted. */
  fixTop(): void {
    const a = this.items;
    if (a[0].pos >= a[0].events.length) {
      const last = a.pop()!;
      if (a.length === 0) return;
      a[0] = last;
    }
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && before(a[l], a[m])) m = l;
      if (r < a.length && before(a[r], a[m])) m = r;
      if (m === i) return;
      [a[i], a[m]] = [a[m], a[i]];
      i = m;
    }
  }
}

function inRange(t: number, opts: ScanOptions): boolean {
  return (opts.startTime === undefined || t >= opts.startTime) && (opts.endTime === undefined || t < opts.endTime);
}

/** Buffered events of the selected streams past their watermarks, per stream, in stored order. */
async function bufferedEvents(
  account: string,
  logGroup: string,
  groupId: string,
  selected: Map<string, SelectedStream>,
  checkpoints: number[],
  opts: ScanOptions,
): Promise<Map<string, ChunkEvent[]>> {
  const out = new Map<string, ChunkEvent[]>();
  // Per partition, where the selected streams' buffered events can start: past the checkpoint, and past every
  // selected stream's own watermark (a waiting stream of another group holds the checkpoint back).
  const starts = new Map<number, number>();
  for (const s of selected.values()) {
    const p = logPartitionOf(logGroup, s.name);
    starts.set(p, Math.min(starts.get(p) ?? Infinity, Math.max(checkpoints[p], s.state?.through ?? 0)));
  }
  const { last } = await bufferRange();
  let bytes = 0;
  await Promise.all(
    [...starts].map(async ([p, start]) => {
      await readBuffer(logEventsSubject(account, p), start + 1, last, (m) => {
        const h = decodeLogBatchHeader(m.data);
        if (h.account !== account || h.logGroup !== logGroup || h.groupId !== groupId) return;
        const s = selected.get(h.logStream);
        if (!s || h.streamCreated !== s.creationTime) return;
        if (s.state && m.seq <= s.state.through) return;
        const batch = decodeLogBatch(m.data);
        let list = out.get(s.name);
        if (!list) out.set(s.name, (list = []));
        batch.events.forEach((e, index) => {
          bytes += Buffer.byteLength(e.message, "utf8");
          if (inRange(e.timestamp, opts)) list!.push({ timestamp: e.timestamp, ingestionTime: batch.ingestionTime, seq: m.seq, index, message: e.message });
        });
      }, opts.signal);
    }),
  );
  if (bytes) opts.onBytesScanned?.(bytes);
  for (const list of out.values()) list.sort((a, b) => a.timestamp - b.timestamp || a.seq - b.seq || a.index - b.index);
  return out;
}

/** Committed chunk entries of the selected streams that the time range and tokens do not rule out. */
async function chunkEntries(selected: Map<string, SelectedStream>, opts: ScanOptions): Promise<Array<{ stream: string; entry: ChunkEntry }>> {
  const keys: string[] = [];
  const owners: string[] = [];
  for (const s of selected.values()) {
    if (!s.state) continue;
    for (const n of committedNumbers(s.state)) {
      keys.push(chunkEntryKey(s.state.account, s.state.groupId, s.state.logStream, n));
      owners.push(s.name);
    }
  }
  const out: Array<{ stream: string; entry: ChunkEntry }> = [];
  const bitsOf = new Map<ChunkEntry, Uint8Array>();
  await kvValues(BUCKETS.logChunks, keys, (i, value) => {
    const entry = JSON.parse(Buffer.from(value).toString("utf8")) as ChunkEntry;
    if (opts.startTime !== undefined && entry.maxTimestamp < opts.startTime) return;
    if (opts.endTime !== undefined && entry.minTimestamp >= opts.endTime) return;
    if (opts.requiredTokens?.length) {
      const bits = Buffer.from(entry.filter.bits, "base64");
      bitsOf.set(entry, bits);
      const filter = { m: entry.filter.m, k: entry.filter.k, bits };
      if (!opts.requiredTokens.every((t) => mayContain(filter, t))) return;
    }
    out.push({ stream: owners[i], entry });
  });
  out.sort((a, b) => a.entry.minTimestamp - b.entry.minTimestamp);
  return out;
}

async function loadChunk(entry: ChunkEntry, opts: ScanOptions): Promise<ChunkEvent[]> {
  const body = await getObject(getConfig().logs.bucket, entry.key);
  // Deleted by retention while the scan ran: its events have expired.
  if (!body) return [];
  let from = 0;
  let to = entry.blocks.length;
  if (opts.startTime !== undefined) {
    for (let b = 0; b < entry.blocks.length; b++) if (entry.blocks[b].firstTimestamp < opts.startTime) from = b;
  }
  if (opts.endTime !== undefined) {
    for (let b = entry.blocks.length - 1; b > from; b--) if (entry.blocks[b].firstTimestamp >= opts.endTime) to = b;
  }
  const { events, textBytes } = decodeChunk(body, entry.blocks.slice(0, to), from);
  opts.onBytesScanned?.(textBytes);
  return events.filter((e) => inRange(e.timestamp, opts));
}

/**
 * The streams to read, with their compaction states. The compactor's
 * checkpoints are read before the states: everything up to a checkpoint was
 * committed before it moved, so it is in the chunks of the states read after.
 */
async function selectStreams(account: string, logGroup: string, opts: ScanOptions): Promise<{ groupId: string; selected: Map<string, SelectedStream>; checkpoints: number[] }> {
  const g = await requireLogGroup(account, logGroup);
  const checkpoints = await Promise.all(Array.from({ length: LOG_PARTITIONS }, (_, p) => getCheckpoint(COMPACTOR_SHARDS, String(p))));
  const [streams, states] = await Promise.all([liveStreams(account, logGroup, g.id), groupStates(account, g.id)]);
  const wanted = opts.logStreams ? new Set(opts.logStreams) : undefined;
  const selected = new Map<string, SelectedStream>();
  for (const [name, rec] of streams) {
    if (wanted && !wanted.has(name)) continue;
    if (opts.logStreamNamePrefix !== undefined && !name.startsWith(opts.logStreamNamePrefix)) continue;
    selected.set(name, { name, creationTime: rec.creationTime, hash: streamHash(logGroup, name) });
  }
  for (const st of states) {
    const s = selected.get(st.logStream);
    // A state of an earlier stream of the same name holds none of this one's events.
    if (s && st.streamCreated === s.creationTime) s.state = st;
  }
  return { groupId: g.id, selected, checkpoints };
}

export async function* scanLogEvents(account: string, logGroup: string, opts: ScanOptions = {}): AsyncIterable<StoredLogEvent[]> {
  const { groupId, selected, checkpoints } = await selectStreams(account, logGroup, opts);
  if (selected.size === 0) return;
  const buffered = await bufferedEvents(account, logGroup, groupId, selected, checkpoints, opts);
  const chunks = await chunkEntries(selected, opts);

  const heap = new SourceHeap();
  for (const [stream, events] of buffered) if (events.length) heap.push({ stream, events, pos: 0 });
  const loads: Promise<ChunkEvent[]>[] = [];
  const load = (i: number) => (loads[i] ??= loadChunk(chunks[i].entry, opts));
  let next = 0;
  let page: StoredLogEvent[] = [];
  for (;;) {
    if (opts.signal?.aborted) return;
    const frontier = heap.peek();
    const t = frontier ? frontier.events[frontier.pos].timestamp : Infinity;
    // Open every chunk that may hold an event at or before the frontier.
    if (next < chunks.length && chunks[next].entry.minTimestamp <= t) {
      for (let i = next; i < Math.min(chunks.length, next + PREFETCH); i++) void load(i).catch(() => undefined);
      const events = await load(next);
      delete loads[next];
      if (events.length) heap.push({ stream: chunks[next].stream, events, pos: 0 });
      next++;
      continue;
    }
    if (!frontier) break;
    const e = frontier.events[frontier.pos++];
    const s = selected.get(frontier.stream)!;
    page.push({
      logGroup,
      logStream: frontier.stream,
      timestamp: e.timestamp,
      ingestionTime: e.ingestionTime,
      message: e.message,
      eventId: makeEventId({ timestamp: e.timestamp, streamHash: s.hash, seq: e.seq, index: e.index }),
    });
    heap.fixTop();
    if (page.length >= PAGE) {
      yield page;
      page = [];
    }
  }
  if (page.length) yield page;
}

/** One event by its id (GetLogRecord), from the buffer or a chunk; undefined when there is none. */
export async function getLogEvent(account: string, logGroup: string, eventId: string): Promise<StoredLogEvent | undefined> {
  const id = parseEventId(eventId);
  if (!id) return undefined;
  const { groupId, selected } = await selectStreams(account, logGroup, {});
  const stream = [...selected.values()].find((s) => s.hash === id.streamHash);
  if (!stream) return undefined;
  const toEvent = (e: { timestamp: number; message: string }, ingestionTime: number): StoredLogEvent | undefined =>
    e.timestamp === id.timestamp ? { logGroup, logStream: stream.name, timestamp: e.timestamp, ingestionTime, message: e.message, eventId } : undefined;
  if (!stream.state || id.seq > stream.state.through) {
    const { jsm } = await getNats();
    const m = await directGet(jsm, LOG_EVENTS_STREAM, { seq: id.seq, next_by_subj: logEventsSubject(account, logPartitionOf(logGroup, stream.name)) });
    if (!m || m.seq !== id.seq) return undefined;
    const batch = decodeLogBatch(m.data);
    if (batch.account !== account || batch.logGroup !== logGroup || batch.groupId !== groupId || batch.logStream !== stream.name) return undefined;
    const e = batch.events[id.index];
    return e ? toEvent(e, batch.ingestionTime) : undefined;
  }
  const single = new Map([[stream.name, stream]]);
  for (const { entry } of await chunkEntries(single, { startTime: id.timestamp, endTime: id.timestamp + 1 })) {
    if (id.seq < entry.minSeq || id.seq > entry.maxSeq) continue;
    const e = (await loadChunk(entry, { startTime: id.timestamp, endTime: id.timestamp + 1 })).find((x) => x.seq === id.seq && x.index === id.index);
    if (e) return toEvent(e, e.ingestionTime);
  }
  return undefined;
}
