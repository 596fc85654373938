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
 *
 * A chunk is read by blocks (docs/formats/log-chunk.md): only those its
 * index leaves for the time range and required tokens, fetched by ranged
 * GET, inflated on the thread pool and decoded lazily (chunk-codec.ts).
 */
import { getConfig } from "../../config/config.js";
import { scanRecords } from "../../storage/kv.js";
import { kvValues } from "../../storage/kv-values.js";
import { BUCKETS } from "../../storage/nats.js";
import { getObjectRange, getObjectRangeInto } from "../../storage/s3.js";
import { internalFailure } from "../../errors.js";
import { getCheckpoint } from "../../storage/stream-shards.js";
import { requireLogGroup } from "../groups.js";
import { logStreamsFilter } from "../names.js";
import { logStreamsBucket, type LogStreamRecord } from "../streams.js";
import { decodeLogBatch, decodeLogBatchHeader } from "./batch-codec.js";
import { decodeBlock, inflateBlock, type BlockCheck, type ChunkEvent } from "./chunk-codec.js";
import { fitsSlot, inflateFilled, inflateShared } from "./inflate-pool.js";
import type { BytesCheck } from "../patterns/compiler.js";
import { chunkEntryKey, committedNumbers, groupStates, type ChunkEntry, type StreamChunkState } from "./chunk-index.js";
import { makeEventId, parseEventId } from "./event-id.js";
import { accountPartitionFilter, bufferRange, LOG_EVENTS_STREAM, LOG_PARTITIONS, logPartitionOf, readBuffer, streamHash } from "./event-buffer.js";
import { getNats, directGet } from "../../storage/nats.js";
import { mayContainEncoded, type EncodedTokenFilter } from "./token-filter.js";
import { COMPACTOR_SHARDS } from "./compactor.js";
import { cachedEntry, keepEntry } from "./chunk-entry-cache.js";

export interface StoredLogEvent {
  logGroup: string;
  logStream: string;
  timestamp: number;
  ingestionTime: number;
  message: string;
  /** AWS-style id, unique, stable across compaction (event-id.ts). */
  eventId: string;
  /** Events it stands for (absent: 1): more only for a block summary (ScanOptions.summarize), which has no message or id. */
  count?: number;
}

export interface ScanOptions {
  logStreams?: string[];
  logStreamNamePrefix?: string;
  /** ms, start inclusive, end exclusive */
  startTime?: number;
  endTime?: number;
  /**
   * Pushdown: tokens every wanted message holds whole. Blocks whose token
   * filter rules one out are not read, and events without them are not yielded.
   */
  requiredTokens?: string[];
  /** Substrings every wanted message holds: events without them are not yielded (nor decoded into strings). */
  requiredSubstrings?: string[];
  /** Groups of substrings: every wanted message holds one of each group at least (tested as requiredSubstrings are). */
  requiredAnyOf?: string[][];
  /** A test of a stored message's bytes, before it is decoded: events it answers false for are not yielded (FilterPattern.bytesCheck). */
  bytesCheck?: BytesCheck;
  /**
   * Tokens every wanted message holds whole unless it holds a `\u` escape
   * (FilterPattern.plainTokens): a block whose index says none of its
   * messages holds one, and whose token filter rules one out, is not read.
   */
  plainTokens?: string[];
  /**
   * For a reader that needs only how many events there are at what time:
   * a stored block wholly in the time range for which this answers true
   * (given its first and last timestamps) is not fetched; one event stands
   * for it, at its first timestamp, with its `count` (index version 2; never
   * with required tokens or substrings). The events of blocks read go out
   * the same way, one per run of them it answers true for.
   */
  summarize?: (firstTimestamp: number, lastTimestamp: number) => boolean;
  /** log text bytes read (Insights' bytesScanned) */
  onBytesScanned?: (bytes: number) => void;
  /** events of the time range read but not yielded, for lacking a required token or substring or failing bytesCheck (part of Insights' recordsScanned) */
  onEventsSkipped?: (events: number) => void;
  signal?: AbortSignal;
}

/** Events per yielded array. */
const PAGE = 1000;
/** Chunks fetched and inflated ahead of the merge, at most, and their inflated bytes at most. */
const PREFETCH = 8;
const PREFETCH_BYTES = 32 * 1024 * 1024;
/** Adjacent blocks inflated by one call (about 1 MB of text). */
const BLOCKS_PER_INFLATE = 8;

/** A run of one stream's events in stored order, as columns: a decoded chunk block or buffered events. */
interface Block {
  readonly length: number;
  readonly timestamp: number[];
  readonly ingestionTime: number[];
  readonly seq: number[];
  readonly index: number[];
  /** Events each entry stands for (a block summary), when not 1. */
  readonly counts?: readonly number[];
  message(i: number): string;
}

/**
 * Events only counted (ScanOptions.summarize): each entry stands for `counts`
 * events from its timestamp on (a stored block counted from the chunk index,
 * or the runs of a decoded block that summarize accepts).
 */
class SummaryBlock implements Block {
  readonly ingestionTime: number[];
  readonly seq: number[];
  readonly index: number[];
  constructor(
    readonly timestamp: number[],
    readonly counts: number[],
  ) {
    this.ingestionTime = this.seq = this.index = new Array<number>(timestamp.length).fill(0);
  }
  get length() {
    return this.timestamp.length;
  }
  message(): string {
    throw internalFailure("a block summary has no messages");
  }

  /** A decoded block's events as runs `summarize` accepts (their order kept). */
  static of(block: Block, summarize: NonNullable<ScanOptions["summarize"]>): SummaryBlock {
    const timestamp: number[] = [];
    const counts: number[] = [];
    for (let i = 0; i < block.length; i++) {
      const t = block.timestamp[i];
      if (timestamp.length && summarize(timestamp[timestamp.length - 1], t)) counts[counts.length - 1]++;
      else {
        timestamp.push(t);
        counts.push(1);
      }
    }
    return new SummaryBlock(timestamp, counts);
  }
}

/** Buffered events of one stream (already strings). */
class BufferedBlock implements Block {
  readonly timestamp: number[] = [];
  readonly ingestionTime: number[] = [];
  readonly seq: number[] = [];
  readonly index: number[] = [];
  readonly messages: string[] = [];
  get length() {
    return this.timestamp.length;
  }
  message(i: number): string {
    return this.messages[i];
  }
}

/**
 * An event as the scan yields it: the message becomes a string, and the id
 * is made, only when read (most events of a filtered scan are never shown).
 */
class ScannedEvent implements StoredLogEvent {
  readonly timestamp: number;
  readonly ingestionTime: number;
  readonly count: number;
  private readonly seq: number;
  private readonly index: number;
  private text?: string;
  /** Let go once the message is a string: a kept event must not hold its block's whole text. */
  private block?: Block;
  private readonly i: number;

  constructor(
    readonly logGroup: string,
    readonly logStream: string,
    private readonly hash: number,
    block: Block,
    i: number,
  ) {
    this.block = block;
    this.i = i;
    this.timestamp = block.timestamp[i];
    this.ingestionTime = block.ingestionTime[i];
    this.seq = block.seq[i];
    this.index = block.index[i];
    this.count = block.counts?.[i] ?? 1;
  }

  get message(): string {
    if (this.text === undefined) {
      this.text = this.block!.message(this.i);
      this.block = undefined;
    }
    return this.text;
  }

  get eventId(): string {
    return makeEventId({ timestamp: this.timestamp, streamHash: this.hash, seq: this.seq, index: this.index });
  }
}

/** One stream's blocks being merged: the current event is blocks[b] at pos. */
interface Source {
  stream: string;
  hash: number;
  blocks: Block[];
  b: number;
  pos: number;
}

interface SelectedStream {
  name: string;
  creationTime: number;
  hash: number;
  state?: StreamChunkState;
}

/** The blocks of a committed chunk a scan reads: those the time range and the tokens do not rule out. */
interface ChunkRead {
  stream: string;
  entry: ChunkEntry;
  blocks: number[];
  /** No event of the read is older (its first block's first timestamp). */
  from: number;
  /** Inflated bytes, about. */
  rawBytes: number;
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
  const x = a.blocks[a.b];
  const y = b.blocks[b.b];
  const tx = x.timestamp[a.pos];
  const ty = y.timestamp[b.pos];
  if (tx !== ty) return tx < ty;
  if (a.stream !== b.stream) return a.stream < b.stream;
  if (x.seq[a.pos] !== y.seq[b.pos]) return x.seq[a.pos] < y.seq[b.pos];
  return x.index[a.pos] < y.index[b.pos];
}

/** Moves a source to its next event; false when it has none left. */
function advance(s: Source): boolean {
  if (++s.pos < s.blocks[s.b].length) return true;
  s.pos = 0;
  return ++s.b < s.blocks.length;
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
  /** The source that comes after the top: the smaller of its children. */
  second(): Source | undefined {
    const a = this.items;
    if (a.length < 3) return a[1];
    return before(a[1], a[2]) ? a[1] : a[2];
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
    if (a[0].b >= a[0].blocks.length) {
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
  needles: string[][],
): Promise<Map<string, BufferedBlock>> {
  const lists = new Map<string, ChunkEvent[]>();
  // Per partition, where the selected streams' buffered events can start: past the checkpoint, and past every
  // selected stream's own watermark (a waiting stream of another group holds the checkpoint back).
  const starts = new Map<number, number>();
  for (const s of selected.values()) {
    const p = logPartitionOf(logGroup, s.name);
    starts.set(p, Math.min(starts.get(p) ?? Infinity, Math.max(checkpoints[p], s.state?.through ?? 0)));
  }
  const { last } = await bufferRange();
  let bytes = 0;
  let skipped = 0;
  await Promise.all(
    [...starts].map(async ([p, start]) => {
      await readBuffer(accountPartitionFilter(account, p), start + 1, last, (m) => {
        const h = decodeLogBatchHeader(m.data);
        if (h.account !== account || h.logGroup !== logGroup || h.groupId !== groupId) return;
        const s = selected.get(h.logStream);
        if (!s || h.streamCreated !== s.creationTime) return;
        if (s.state && m.seq <= s.state.through) return;
        const batch = decodeLogBatch(m.data);
        let list = lists.get(s.name);
        if (!list) lists.set(s.name, (list = []));
        batch.events.forEach((e, index) => {
          bytes += Buffer.byteLength(e.message, "utf8");
          if (!inRange(e.timestamp, opts)) return;
          if (needles.every((g) => g.some((n) => e.message.includes(n)))) list!.push({ timestamp: e.timestamp, ingestionTime: batch.ingestionTime, seq: m.seq, index, message: e.message });
          else skipped++;
        });
      }, opts.signal);
    }),
  );
  if (bytes) opts.onBytesScanned?.(bytes);
  if (skipped) opts.onEventsSkipped?.(skipped);
  const out = new Map<string, BufferedBlock>();
  for (const [stream, list] of lists) {
    if (!list.length) continue;
    list.sort((a, b) => a.timestamp - b.timestamp || a.seq - b.seq || a.index - b.index);
    const block = new BufferedBlock();
    for (const e of list) {
      block.timestamp.push(e.timestamp);
      block.ingestionTime.push(e.ingestionTime);
      block.seq.push(e.seq);
      block.index.push(e.index);
      block.messages.push(e.message);
    }
    out.set(stream, block);
  }
  return out;
}

type TokenOptions = Pick<ScanOptions, "requiredTokens" | "plainTokens">;

/** A read's tokens as one key (chunk-entry-cache.ts): "" when it has none, and the filters are not read. */
export const tokenSetKey = (opts: TokenOptions) => (opts.requiredTokens?.length || opts.plainTokens?.length ? JSON.stringify([opts.requiredTokens ?? [], opts.plainTokens ?? []]) : "");

/** Per block of the entry, 1 where its token filters may hold every token (the chunk's own filter, of version 1, counts for all). */
export function tokenPasses(entry: ChunkEntry, opts: TokenOptions): Uint8Array {
  const tokens = opts.requiredTokens ?? [];
  const plainTokens = opts.plainTokens ?? [];
  /** `plain`: no message the filter covers holds `\u` (its block's unicodeEscapes is false), so plainTokens count too. */
  const passes = (f: EncodedTokenFilter | undefined, plain = false) => {
    if (!f || (tokens.length === 0 && (!plain || plainTokens.length === 0))) return true;
    return tokens.every((t) => mayContainEncoded(f, t)) && (!plain || plainTokens.every((t) => mayContainEncoded(f, t)));
  };
  const out = new Uint8Array(entry.blocks.length);
  if (!passes(entry.filter)) return out; // index version 1: one filter for the chunk
  for (let b = 0; b < out.length; b++) out[b] = passes(entry.blocks[b].filter, entry.blocks[b].unicodeEscapes === false) ? 1 : 0;
  return out;
}

/** The blocks of a chunk that may hold a wanted event: in the time range, and (by `passes`, tokenPasses) holding every token. */
export function selectBlocks(entry: ChunkEntry, opts: Pick<ScanOptions, "startTime" | "endTime">, passes: Uint8Array): number[] {
  if (opts.startTime !== undefined && entry.maxTimestamp < opts.startTime) return [];
  if (opts.endTime !== undefined && entry.minTimestamp >= opts.endTime) return [];
  const out: number[] = [];
  const n = entry.blocks.length;
  for (let b = 0; b < n; b++) {
    const block = entry.blocks[b];
    // Version 1 has no last timestamp: the next block's first (or the chunk's last) bounds it.
    const last = block.lastTimestamp ?? (b + 1 < n ? entry.blocks[b + 1].firstTimestamp : entry.maxTimestamp);
    if (opts.startTime !== undefined && last < opts.startTime) continue;
    if (opts.endTime !== undefined && block.firstTimestamp >= opts.endTime) continue;
    if (!passes[b]) continue;
    out.push(b);
  }
  return out;
}

/**
 * Committed chunk entries of the selected streams, with the blocks the time
 * range and tokens do not rule out. Entries this process read before for the
 * same tokens come from chunk-entry-cache.ts; the others from KV, then kept.
 */
async function chunkReads(selected: Map<string, SelectedStream>, opts: ScanOptions): Promise<ChunkRead[]> {
  const tokenSet = tokenSetKey(opts);
  const out: ChunkRead[] = [];
  const add = (stream: string, entry: ChunkEntry, passes: Uint8Array) => {
    const blocks = selectBlocks(entry, opts, passes);
    if (blocks.length === 0) return;
    const rawBytes = blocks.reduce((n, b) => n + (entry.blocks[b].rawBytes ?? entry.rawBytes / entry.blocks.length), 0);
    out.push({ stream, entry, blocks, from: entry.blocks[blocks[0]].firstTimestamp, rawBytes });
  };
  const keys: string[] = [];
  const owners: string[] = [];
  /** Keys in the cache: the entry's, and the stream's incarnation (a stream made again after its state was purged numbers its chunks from 1 again). */
  const cacheKeys: (string | undefined)[] = [];
  for (const s of selected.values()) {
    if (!s.state) continue;
    const incarnation = s.state.streamCreated;
    for (const n of committedNumbers(s.state)) {
      const key = chunkEntryKey(s.state.account, s.state.groupId, s.state.logStream, n);
      const cacheKey = incarnation === undefined ? undefined : `${key}\u0000${incarnation}`;
      const cached = cacheKey === undefined ? undefined : cachedEntry(cacheKey, tokenSet);
      if (cached) add(s.name, cached.entry, cached.passes);
      else {
        keys.push(key);
        owners.push(s.name);
        cacheKeys.push(cacheKey);
      }
    }
  }
  await kvValues(BUCKETS.logChunks, keys, (i, value) => {
    const entry = JSON.parse(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("utf8")) as ChunkEntry;
    const passes = tokenPasses(entry, opts);
    // The token filters, most of an entry's bytes, serve only the selection: let them die young, and keep the entry without.
    entry.filter = undefined;
    for (const b of entry.blocks) b.filter = undefined;
    const cacheKey = cacheKeys[i];
    if (cacheKey !== undefined) keepEntry(cacheKey, entry, tokenSet, passes);
    add(owners[i], entry, passes);
  });
  out.sort((a, b) => a.from - b.from);
  return out;
}

/** A block the scan counts from the index instead of reading (ScanOptions.summarize): wholly in the range, index version 2. */
function summarized(block: ChunkEntry["blocks"][number], opts: ScanOptions, needles: readonly (readonly Buffer[])[]): boolean {
  const { firstTimestamp: first, lastTimestamp: last } = block;
  if (!opts.summarize || needles.length || last === undefined || block.count === undefined || block.messageBytes === undefined) return false;
  return first >= (opts.startTime ?? -Infinity) && last < (opts.endTime ?? Infinity) && opts.summarize(first, last);
}

/**
 * Reads a chunk's chosen blocks, in order: one ranged GET per run of adjacent
 * blocks, inflated by the inflate pool (a run that fits a slot is read from S3
 * straight into it); a summarized block is not read.
 */
async function loadChunk(read: ChunkRead, opts: ScanOptions, needles: readonly (readonly Buffer[])[], check?: BlockCheck): Promise<Block[]> {
  const { entry, blocks } = read;
  const end = (b: number) => (b + 1 < entry.blocks.length ? entry.blocks[b + 1].offset : entry.size);
  const runs: number[][] = [];
  /** Where each run's blocks go among the chunk's, and the summaries in their places. */
  const slots: (Block | number)[] = [];
  let summaryBytes = 0;
  for (const b of blocks) {
    const block = entry.blocks[b];
    if (summarized(block, opts, needles)) {
      slots.push(new SummaryBlock([block.firstTimestamp], [block.count!]));
      summaryBytes += block.messageBytes!;
      continue;
    }
    const run = runs[runs.length - 1];
    if (run && run[run.length - 1] === b - 1 && slots[slots.length - 1] === runs.length - 1) run.push(b);
    else {
      slots.push(runs.length);
      runs.push([b]);
    }
  }
  const inside = (block: ChunkEntry["blocks"][number]) =>
    block.lastTimestamp !== undefined && block.firstTimestamp >= (opts.startTime ?? -Infinity) && block.lastTimestamp < (opts.endTime ?? Infinity);
  const wholeOf = (block: ChunkEntry["blocks"][number]) =>
    inside(block) && block.count !== undefined && block.messageBytes !== undefined ? { count: block.count, messageBytes: block.messageBytes } : undefined;
  /** The text of adjacent blocks, `rawBytes` long, whose first is `piece[0]`, as decoded blocks. */
  const decodePiece = (text: Buffer, piece: number[], rawBytes: number, shared: boolean) => {
    // zlib stops quietly at bytes that do not start a gzip member: the index's length catches a damaged one.
    if (text.length !== rawBytes) throw internalFailure("corrupt log chunk: block text length differs from the index");
    // Each block decoded on its own (its text's length is in the index): one whose events all lack a needle or fail the
    // check is then counted from its index figures unparsed, whatever the blocks inflated with it hold.
    let at = 0;
    return piece.map((b) => {
      const block = entry.blocks[b];
      const d = decodeBlock(text.subarray(at, at + block.rawBytes!), b === 0, opts, needles, wholeOf(block), check);
      if (shared) d.compact(true);
      at += block.rawBytes!;
      return d;
    });
  };
  const rawOf = (piece: number[]) => {
    let rawBytes: number | undefined = 0;
    for (const b of piece) rawBytes = rawBytes === undefined || entry.blocks[b].rawBytes === undefined ? undefined : rawBytes + entry.blocks[b].rawBytes;
    return rawBytes;
  };
  const decoded = await Promise.all(
    runs.map(async (run) => {
      const base = entry.blocks[run[0]].offset;
      const runEnd = end(run[run.length - 1]);
      const runRaw = rawOf(run);
      if (runEnd < base) throw internalFailure("corrupt log chunk: bad block offsets");
      // A run that fits a slot (a whole chunk of ~1 MB of text, most often) is read from S3 straight into it and inflated there.
      if (runRaw !== undefined && fitsSlot(runEnd - base, runRaw)) {
        const shared = await inflateFilled(runEnd - base, runRaw, (into) => getObjectRangeInto(getConfig().logs.bucket, entry.key, base, runEnd, into));
        // Deleted by retention while the scan ran: its events have expired.
        if (!shared) return [];
        try {
          return decodePiece(shared.text, run, runRaw, true);
        } finally {
          shared.release();
        }
      }
      const body = await getObjectRange(getConfig().logs.bucket, entry.key, base, runEnd);
      if (!body) return [];
      // Adjacent blocks inflate as one gzip stream (fewer hand-offs to the thread pool), a few pieces per run so both cores work.
      const pieces: number[][] = [];
      for (let i = 0; i < run.length; i += BLOCKS_PER_INFLATE) pieces.push(run.slice(i, i + BLOCKS_PER_INFLATE));
      const decodedPieces = await Promise.all(
        pieces.map(async (piece) => {
          const first = piece[0];
          const last = piece[piece.length - 1];
          const from = entry.blocks[first].offset - base;
          const to = end(last) - base;
          if (from < 0 || from > to || to > body.length) throw internalFailure("corrupt log chunk: bad block offsets");
          const rawBytes = rawOf(piece);
          if (rawBytes === undefined) return [decodeBlock(await inflateBlock(body.subarray(from, to)), first === 0, opts, needles, undefined, check)];
          // Inflated into a reused slot when it fits one (inflate-pool.ts); the blocks then copy out what they keep.
          const shared = await inflateShared(body.subarray(from, to), rawBytes);
          try {
            return decodePiece(shared?.text ?? (await inflateBlock(body.subarray(from, to), rawBytes)), piece, rawBytes, shared !== undefined);
          } finally {
            shared?.release();
          }
        }),
      );
      return decodedPieces.flat();
    }),
  );
  const fetched = decoded.flat();
  opts.onBytesScanned?.(summaryBytes + fetched.reduce((n, d) => n + d.textBytes, 0));
  const skipped = fetched.reduce((n, d) => n + d.inRange - d.length, 0);
  if (skipped) opts.onEventsSkipped?.(skipped);
  // The blocks read are counted in runs too: no event of them goes out one by one.
  const counted = (d: Block) => (opts.summarize && needles.length === 0 ? SummaryBlock.of(d, opts.summarize) : d);
  return slots.flatMap((x) => (typeof x === "number" ? decoded[x].map(counted) : [x])).filter((d) => d.length > 0);
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

/** What every yielded message must hold, as groups of alternatives: the required tokens and substrings (once each, alone), then requiredAnyOf. */
function needlesOf(opts: ScanOptions): string[][] {
  const single = [...new Set([...(opts.requiredTokens ?? []), ...(opts.requiredSubstrings ?? [])])].filter((n) => n.length > 0);
  // A group with an empty alternative is held by every message.
  const groups = (opts.requiredAnyOf ?? []).filter((g) => g.length > 0 && g.every((n) => n.length > 0));
  return [...single.map((n) => [n]), ...groups];
}

export async function* scanLogEvents(account: string, logGroup: string, opts: ScanOptions = {}): AsyncIterable<StoredLogEvent[]> {
  const { groupId, selected, checkpoints } = await selectStreams(account, logGroup, opts);
  if (selected.size === 0) return;
  const needles = needlesOf(opts);
  // One Buffer per needle string: a block finds each once, for the groups and the check alike.
  const buffers = new Map<string, Buffer>();
  const bytes = (n: string) => buffers.get(n) ?? buffers.set(n, Buffer.from(n, "utf8")).get(n)!;
  const needleBytes = needles.map((g) => g.map(bytes));
  const check: BlockCheck | undefined = opts.bytesCheck && { needles: opts.bytesCheck.needles.map(bytes), test: opts.bytesCheck.test, candidates: opts.bytesCheck.candidates };
  const buffered = await bufferedEvents(account, logGroup, groupId, selected, checkpoints, opts, needles);
  const chunks = await chunkReads(selected, opts);

  const heap = new SourceHeap();
  const source = (stream: string, blocks: Block[]): Source => ({ stream, hash: selected.get(stream)!.hash, blocks, b: 0, pos: 0 });
  for (const [stream, block] of buffered) heap.push(source(stream, [block]));
  const loads: Promise<Block[]>[] = [];
  const load = (i: number) => (loads[i] ??= loadChunk(chunks[i], opts, needleBytes, check));
  let next = 0;
  let page: StoredLogEvent[] = [];
  for (;;) {
    if (opts.signal?.aborted) return;
    const top = heap.peek();
    const t = top ? top.blocks[top.b].timestamp[top.pos] : Infinity;
    // Open every chunk that may hold an event at or before the frontier, reading a few ahead.
    if (next < chunks.length && chunks[next].from <= t) {
      let ahead = 0;
      for (let i = next; i < Math.min(chunks.length, next + PREFETCH) && (i === next || ahead < PREFETCH_BYTES); i++) {
        ahead += chunks[i].rawBytes;
        void load(i).catch(() => undefined);
      }
      const blocks = await load(next);
      delete loads[next];
      if (blocks.length) heap.push(source(chunks[next].stream, blocks));
      next++;
      continue;
    }
    if (!top) break;
    // The top source's events go out as a run while they stay first: no heap work per event.
    const second = heap.second();
    const opensAt = next < chunks.length ? chunks[next].from : Infinity;
    for (;;) {
      page.push(new ScannedEvent(logGroup, top.stream, top.hash, top.blocks[top.b], top.pos));
      if (!advance(top) || page.length >= PAGE) break;
      if (top.blocks[top.b].timestamp[top.pos] >= opensAt || (second && !before(top, second))) break;
    }
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
    const m = await directGet(jsm, LOG_EVENTS_STREAM, { seq: id.seq, next_by_subj: accountPartitionFilter(account, logPartitionOf(logGroup, stream.name)) });
    if (!m || m.seq !== id.seq) return undefined;
    const batch = decodeLogBatch(m.data);
    if (batch.account !== account || batch.logGroup !== logGroup || batch.groupId !== groupId || batch.logStream !== stream.name) return undefined;
    const e = batch.events[id.index];
    return e ? toEvent(e, batch.ingestionTime) : undefined;
  }
  const single = new Map([[stream.name, stream]]);
  const range = { startTime: id.timestamp, endTime: id.timestamp + 1 };
  for (const read of await chunkReads(single, range)) {
    if (id.seq < read.entry.minSeq || id.seq > read.entry.maxSeq) continue;
    for (const block of await loadChunk(read, range, [])) {
      for (let i = 0; i < block.length; i++) {
        if (block.seq[i] === id.seq && block.index[i] === id.index) return toEvent({ timestamp: block.timestamp[i], message: block.message(i) }, block.ingestionTime[i]);
      }
    }
  }
  return undefined;
}
