/**
 * A log chunk object in S3 (docs/formats/log-chunk.md): gzip members
 * ("blocks") one after another, so the whole object is one valid .log.gz
 * and a reader can inflate only the blocks it needs. Text version 2: a
 * version line, then per block a line `#events {count}`, the events' header
 * lines (decimal deltas, seq and index implicit when they follow on), an
 * empty line, and the messages, each followed by `\n`. Version 1 (a header
 * line before each message) is still read.
 *
 * Reading decodes only the header lines into columns; a message becomes a
 * string only when asked for, and a required substring is looked for in the
 * inflated bytes, so events that cannot match are never made into strings.
 */
import { gunzip, gzip } from "node:zlib";
import { promisify } from "node:util";
import { internalFailure } from "../../errors.js";
import { buildTokenFilter, encodeTokenFilter, TokenHashes, type EncodedTokenFilter } from "./token-filter.js";
import { addIndexTokenBytes } from "./tokens.js";

/** The first line of a chunk written now (text version 2). */
export const CHUNK_VERSION_LINE = "#hive-cloudwatch-logs-chunk 2\n";
/** The first line of a chunk of text version 1 (still read). */
export const CHUNK_VERSION_LINE_1 = "#hive-cloudwatch-logs-chunk 1\n";
/** What starts each block of text version 2 (after the version line in the first): `#events {count}\n`. */
const EVENTS_LINE = "#events ";
/**
 * zlib's level 4: on the bench's text laid out as version 2, 1/5.71 of the message bytes for ~1.7 µs an event,
 * level 3 1/5.59 for as much, level 5 1/6.07 for ~2.6 µs (version 1 took 2.8 µs at level 5 for 1/5.38).
 */
const GZIP_LEVEL = 4;
/** Raw bytes per gzip member: big enough to compress well, small enough to skip. */
const BLOCK_RAW_BYTES = 128 * 1024;
/** Bloom bits per distinct token of a block (about 1 % false positives with 4 probes). */
const BITS_PER_TOKEN = 10;
/** Bits of one block's token filter at most (8 KB), and of all of a chunk's (256 KB): the index entry stays well under NATS's 1 MB payload. */
const MAX_BLOCK_BITS = 64 * 1024;
const MAX_CHUNK_BITS = 2 * 1024 * 1024;

const inflate = promisify(gunzip);
const deflate = promisify(gzip);

/**
 * Raw block bytes at most handed to libuv's thread pool for gzip at once by
 * this process (a block is copied there until compressed); a block past it
 * waits its turn, one always goes (docs/memory.md).
 */
const MAX_GZIP_INFLIGHT_BYTES = 8 * 1024 * 1024;
let gzipInflight = 0;
/** Encoding runs at most this long before it lets the event loop in; not after every block, which a loaded loop makes slow. */
const YIELD_AFTER_MS = 30;
let lastYield = 0;
const gzipWaiters: (() => void)[] = [];

/**
 * Starts gzip of one block in the thread pool, off the event loop; resolves
 * (with the compression's promise) once the block has room within
 * MAX_GZIP_INFLIGHT_BYTES, so a chunk's text is not all copied out at once.
 */
async function startGzip(raw: Buffer, level: number): Promise<{ done: Promise<Buffer> }> {
  while (gzipInflight > 0 && gzipInflight + raw.length > MAX_GZIP_INFLIGHT_BYTES) await new Promise<void>((r) => gzipWaiters.push(r));
  gzipInflight += raw.length;
  const done = deflate(raw, { level }).finally(() => {
    gzipInflight -= raw.length;
    gzipWaiters.splice(0).forEach((wake) => wake());
  });
  // Awaited by encodeChunk; a rejection seen there, never unhandled meanwhile.
  done.catch(() => undefined);
  return { done };
}

export interface ChunkEvent {
  timestamp: number;
  ingestionTime: number;
  seq: number;
  index: number;
  message: string;
}

/** A ChunkEvent whose message is the UTF-8 bytes data[start, start + size) (a buffered batch's), not a string. */
export interface ChunkEventBytes {
  timestamp: number;
  ingestionTime: number;
  seq: number;
  index: number;
  data: Buffer;
  start: number;
  size: number;
}

export interface ChunkBlock {
  /** Byte offset of the gzip member in the object. */
  offset: number;
  /** Its first event's timestamp (blocks are in timestamp order). */
  firstTimestamp: number;
  /** Index version 2: its last event's timestamp, event count, text bytes, message bytes and token filter. */
  lastTimestamp?: number;
  count?: number;
  rawBytes?: number;
  messageBytes?: number;
  /**
   * Whether a message of it holds `\u` (a JSON escape that may spell a word
   * character); absent in entries written before it was added: read as true.
   */
  unicodeEscapes?: boolean;
  filter?: EncodedTokenFilter;
}

export interface EncodedChunk {
  body: Uint8Array;
  blocks: ChunkBlock[];
  rawBytes: number;
}

/**
 * `events` must be sorted by (timestamp, seq, index). Each block gets its own
 * token filter. The blocks are compressed in the thread pool while the next
 * ones are built. A block's messages are written straight into one buffer,
 * its header lines into another, copied in front of the messages when the
 * block is done; tokens are hashed from the message bytes: no string per
 * event or token.
 */
export async function encodeChunk(events: readonly (ChunkEvent | ChunkEventBytes)[], compress = true): Promise<EncodedChunk> {
  const members: Promise<Buffer>[] = [];
  const blocks: ChunkBlock[] = [];
  const tokenSets: TokenHashes[] = [];
  let rawBytes = 0;
  let text = blockTexts.take();
  /** Where the next message goes in `text` (its messages start at HEADER_ROOM), and where the next header line goes in `head`. */
  let at = HEADER_ROOM;
  let head = headerTexts.take();
  let h = 0;
  let tokens = tokenSet();
  let first = events.length ? events[0].timestamp : 0;
  let last = first;
  let count = 0;
  let messageBytes = 0;
  /** The previous event's fields in the block, which a header line's deltas are taken from. */
  let timestamp = 0;
  let ingestionTime = 0;
  let seq = 0;
  let index = 0;
  const flush = async () => {
    // Headers are digits, spaces and minus signs: a `\u` in the text is in a message.
    const unicodeEscapes = text.subarray(HEADER_ROOM, at).includes(UNICODE_ESCAPE);
    const front = Buffer.from(`${blocks.length === 0 ? CHUNK_VERSION_LINE : ""}${EVENTS_LINE}${count}\n`, "latin1");
    const frontBytes = front.length + h + 1;
    let used = text;
    let from = HEADER_ROOM - frontBytes;
    if (from < 0) {
      // More header lines than the room before the messages (many tiny messages): the block gets a buffer of its own.
      used = Buffer.allocUnsafe(frontBytes + at - HEADER_ROOM);
      text.copy(used, frontBytes, HEADER_ROOM, at);
      blockTexts.give(text);
      at = used.length;
      from = 0;
    }
    front.copy(used, from);
    head.copy(used, from + front.length, 0, h);
    used[from + frontBytes - 1] = NEWLINE;
    const raw = used.subarray(from, at);
    blocks.push({ offset: 0, firstTimestamp: first, lastTimestamp: last, count, rawBytes: raw.length, messageBytes, unicodeEscapes });
    tokenSets.push(tokens);
    const done = (await startGzip(raw, compress ? GZIP_LEVEL : 0)).done;
    // The text goes back to the pool once zlib has read it all (never before: the thread pool reads it meanwhile).
    const member = done.finally(() => blockTexts.give(used));
    member.catch(() => undefined); // seen by encodeChunk's Promise.all, never unhandled meanwhile
    members.push(member);
    // Back to the event loop every YIELD_AFTER_MS: a flush of many chunks at once (a forced pass) once held it
    // for seconds, and a NATS request's 5 s timer then fired before its answer was read (a TIMEOUT).
    if (performance.now() - lastYield >= YIELD_AFTER_MS) {
      await new Promise(setImmediate);
      lastYield = performance.now();
    }
    rawBytes += raw.length;
    // A new buffer: the last one is in the thread pool until compressed.
    text = blockTexts.take();
    at = HEADER_ROOM;
    h = 0;
    tokens = tokenSet();
    count = 0;
    messageBytes = 0;
    // A block's first header line has its fields whole (deltas from 0): a reader may start at any block.
    timestamp = ingestionTime = seq = index = 0;
  };
  for (const e of events) {
    if (at - HEADER_ROOM + h >= BLOCK_RAW_BYTES) {
      await flush();
      first = e.timestamp;
    }
    let data: Buffer;
    let start: number;
    let len: number;
    if ("data" in e) {
      ({ data, start, size: len } = e);
    } else {
      data = Buffer.from(e.message, "utf8");
      start = 0;
      len = data.length;
    }
    if (at + len + 1 > text.length) {
      const bigger = Buffer.allocUnsafe(at + len + 1 + BLOCK_SLACK);
      text.copy(bigger, 0, 0, at);
      text = bigger;
    }
    if (h + MAX_HEADER_BYTES > head.length) {
      const bigger = Buffer.allocUnsafe(head.length * 2);
      head.copy(bigger, 0, 0, h);
      head = bigger;
    }
    // `{dt} {dIngestionTime} {byteLength}` when the event follows on in the batch of the one before, else `{dt} {dIngestionTime} {dSeq} {index} {byteLength}`.
    h = writeSigned(head, h, e.timestamp - timestamp);
    head[h++] = SPACE;
    h = writeSigned(head, h, e.ingestionTime - ingestionTime);
    head[h++] = SPACE;
    if (count === 0 || e.seq !== seq || e.index !== index + 1) {
      h = writeSigned(head, h, e.seq - seq);
      head[h++] = SPACE;
      h = writeDecimal(head, h, e.index);
      head[h++] = SPACE;
    }
    h = writeDecimal(head, h, len);
    head[h++] = NEWLINE;
    ({ timestamp, ingestionTime, seq, index } = e);
    // Buffer#copy: for a message of a few hundred bytes, well under a view and TypedArray#set.
    data.copy(text, at, start, start + len);
    addIndexTokenBytes(text, at, at + len, tokens);
    at += len;
    text[at++] = NEWLINE;
    last = e.timestamp;
    count++;
    messageBytes += len;
  }
  if (count > 0 || blocks.length === 0) await flush();
  blockTexts.give(text); // the unused one the last flush took
  headerTexts.give(head);
  const body = await Promise.all(members);
  let offset = 0;
  body.forEach((member, i) => {
    blocks[i].offset = offset;
    offset += member.length;
  });
  const maxBits = Math.max(64, Math.min(MAX_BLOCK_BITS, Math.floor(MAX_CHUNK_BITS / blocks.length / 8) * 8));
  blocks.forEach((b, i) => (b.filter = encodeTokenFilter(buildTokenFilter(tokenSets[i], BITS_PER_TOKEN, maxBits))));
  for (const t of tokenSets) releaseTokenSet(t);
  releaseTokenSet(tokens); // the unused one the last flush took
  return { body: Buffer.concat(body), blocks, rawBytes };
}

/** Buffers kept at most by each pool (3.5 MB of block texts): enough for the blocks of a few flushes at once; more are left to the collector. */
const MAX_FREE_TEXTS = 16;

/** Buffers of one size taken and given back; only buffers of that size come back (a grown one is left to the collector). */
function bufferPool(size: number): { take: () => Buffer; give: (b: Buffer) => void } {
  const free: Buffer[] = [];
  return {
    take: () => free.pop() ?? Buffer.allocUnsafe(size),
    give: (b) => {
      if (b.length === size && free.length < MAX_FREE_TEXTS) free.push(b);
    },
  };
}

/** The same for the blocks' token sets (two 16 KB arrays each, more once grown), once their filters are built. */
const freeTokenSets: TokenHashes[] = [];
const tokenSet = () => freeTokenSets.pop() ?? new TokenHashes();
function releaseTokenSet(t: TokenHashes): void {
  if (freeTokenSets.length < MAX_FREE_TEXTS && t.clear()) freeTokenSets.push(t);
}

const SPACE = 0x20;
const NEWLINE = 0x0a;
const MINUS = 0x2d;
const HASH = 0x23;
const UNICODE_ESCAPE = Buffer.from("\\u", "latin1");
const EMPTY_LINE = Buffer.from("\n\n", "latin1");
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
/** Room past BLOCK_RAW_BYTES for the event that crosses it (a bigger one gets a bigger buffer). */
const BLOCK_SLACK = 64 * 1024;
/**
 * Bytes kept free before a block's messages for its front (version line, `#events` line, header lines, empty
 * line), copied there when the block is done: the bench's events take ~9 header bytes each, ~6 KB a block.
 */
const HEADER_ROOM = 32 * 1024;
const TEXT_BYTES = HEADER_ROOM + BLOCK_RAW_BYTES + BLOCK_SLACK;

/**
 * Block text buffers whose gzip is done, for the next blocks: a new 224 KB
 * buffer per 128 KB block was the most external memory the service
 * allocated per event, and external memory churn brings V8's full
 * collections sooner.
 */
const blockTexts = bufferPool(TEXT_BYTES);

/** The same for the header lines a chunk's encoding writes apart (one buffer per encodeChunk running). */
const headerTexts = bufferPool(16 * 1024);
/** A header line at most: five decimals of up to 17 digits (safe integers) and three signs, four spaces and a newline. */
const MAX_HEADER_BYTES = 5 * 17 + 3 + 5;

/** A safe integer in decimal at `at`, `-` first when negative (what parseSigned reads back); returns the next offset. */
function writeSigned(out: Buffer, at: number, n: number): number {
  if (n < 0) {
    out[at++] = MINUS;
    n = -n;
  }
  return writeDecimal(out, at, n);
}

/** A non-negative safe integer in decimal at `at` (what parseField reads back); returns the next offset. */
function writeDecimal(out: Buffer, at: number, n: number): number {
  if (!(n >= 0 && Number.isSafeInteger(n))) throw new RangeError(`a chunk header field must be a non-negative integer, got ${n}`);
  if (n < 1e9) return writeSmallDecimal(out, at, n, 0);
  // A millisecond timestamp has 13 digits: two runs of int32 arithmetic, not 13 float divisions.
  const high = Math.floor(n / 1e9);
  at = writeSmallDecimal(out, at, high, 0);
  return writeSmallDecimal(out, at, n - high * 1e9, 9);
}

/** `n` < 10^9 in decimal, left-padded with zeros to `width` digits. */
function writeSmallDecimal(out: Buffer, at: number, n: number, width: number): number {
  let x = n | 0;
  let digits = 1;
  for (let y = x; y >= 10; y = (y / 10) | 0) digits++;
  if (digits < width) digits = width;
  for (let i = at + digits - 1; i >= at; i--) {
    const q = (x / 10) | 0;
    out[i] = 48 + x - q * 10;
    x = q;
  }
  return at + digits;
}

/**
 * One block's events as columns: header fields parsed, messages left as
 * byte ranges of the inflated text. Only events in the asked time range and
 * holding every required substring are kept.
 */
export class DecodedBlock {
  readonly timestamp: number[] = [];
  readonly ingestionTime: number[] = [];
  readonly seq: number[] = [];
  readonly index: number[] = [];
  private readonly start: number[] = [];
  private readonly end: number[] = [];
  /** Message bytes of the block's events in the time range (what a scan reports as scanned). */
  textBytes = 0;
  /** Events of the block in the time range, before the substring test. */
  inRange = 0;

  constructor(private text: Buffer) {}

  get length(): number {
    return this.timestamp.length;
  }

  /**
   * Lets go of the inflated text (about 1 MB) when the block keeps little of
   * it: the kept messages are copied out, so the text dies young. Texts that
   * outlive a scavenge are freed only by full collections, which their
   * external bytes then trigger (a JSON pattern's scan keeps a few events of
   * every block until the merge passes them). `always`: copies them out
   * whatever their share (the text is in a slot of the inflate pool).
   */
  compact(always = false): void {
    let bytes = 0;
    for (let i = 0; i < this.start.length; i++) bytes += this.end[i] - this.start[i];
    if (!always && bytes * 4 > this.text.length) return;
    const copy = Buffer.allocUnsafe(bytes);
    let at = 0;
    for (let i = 0; i < this.start.length; i++) {
      const len = this.end[i] - this.start[i];
      this.text.copy(copy, at, this.start[i], this.end[i]);
      this.start[i] = at;
      this.end[i] = at += len;
    }
    this.text = copy;
  }

  message(i: number): string {
    return this.text.toString("utf8", this.start[i], this.end[i]);
  }

  messageBytes(i: number): number {
    return this.end[i] - this.start[i];
  }

  push(timestamp: number, ingestionTime: number, seq: number, index: number, start: number, end: number): void {
    this.timestamp.push(timestamp);
    this.ingestionTime.push(ingestionTime);
    this.seq.push(seq);
    this.index.push(index);
    this.start.push(start);
    this.end.push(end);
  }
}

/** Where parseField stopped: just past the field's delimiter. */
let cursor = 0;

/** The unsigned decimal at `cursor`, which must end with `want` (space or newline). */
function parseField(text: Buffer, want: number): number {
  if (text[cursor] === MINUS) throw new Error("bad header");
  const n = parseSigned(text);
  if (delimiter !== want) throw new Error("bad header");
  return n;
}

/** The delimiter parseSigned stopped at (space or newline). */
let delimiter = 0;

/** The decimal at `cursor`, `-` first when negative, which must end with a space or a newline (left in `delimiter`). */
function parseSigned(text: Buffer): number {
  let i = cursor;
  const negative = text[i] === MINUS;
  if (negative) i++;
  const digits = i;
  let n = 0;
  for (;;) {
    if (i >= text.length) throw new Error("truncated header");
    const c = text[i];
    if (c === SPACE || c === NEWLINE) {
      delimiter = c;
      break;
    }
    const d = c - 48;
    if (d < 0 || d > 9) throw new Error("bad header");
    n = n * 10 + d;
    i++;
  }
  if (i === digits || !Number.isSafeInteger(n)) throw new Error("bad number");
  cursor = i + 1;
  return negative ? -n : n;
}

/**
 * Where needles occur in one inflated block: each found once over the whole
 * text (never per event), by identity of the needle's Buffer, so a needle
 * shared by the groups and a bytes check is searched once. The places are
 * views of one reused arena (a block's decode is synchronous, and a new list
 * per needle and block was ~200 MB of garbage a GB of text); they are read
 * only until the next block's BlockPlaces starts.
 */
class BlockPlaces {
  private readonly found = new Map<Buffer, Int32Array>();
  constructor(
    private readonly text: Buffer,
    private readonly from: number,
  ) {
    resetPlaces();
  }

  of(needle: Buffer): Int32Array {
    let at = this.found.get(needle);
    if (!at) this.found.set(needle, (at = placesOf(this.text, needle, this.from)));
    return at;
  }

  /** BytesCheck's `find` over `needles`: a cursor per needle, moved forward (or back) from where it last answered. */
  finder(needles: readonly Buffer[]): (k: number, from: number) => number {
    const lists = needles.map((n) => this.of(n));
    const next = new Array<number>(needles.length).fill(0);
    return (k, from) => {
      const at = lists[k];
      let i = next[k];
      while (i > 0 && at[i - 1] >= from) i--;
      while (i < at.length && at[i] < from) i++;
      next[k] = i;
      return i < at.length ? at[i] : -1;
    };
  }
}

/** Places found by Buffer.indexOf before a needle met this often counts as dense. */
const DENSE_AFTER = 16;
/** Mean bytes between places below which a needle is dense: each indexOf call then costs more than a scan of the bytes between. */
const DENSE_GAP = 4096;
/** Needles scanned in JS are this long at most: Horspool's worst case reads each byte once per needle byte. */
const MAX_SCANNED_NEEDLE = 32;

/** Places kept after a block by the arena and the scans' four lists, at most (4 B each): larger ones are let go (docs/memory.md). */
const PLACES_KEPT = 256 * 1024;
/** The arena of a block's places (placesOf's answers are views of it) and how much of it they hold. */
let arena: Int32Array = new Int32Array(4096);
let arenaUsed = 0;
/** The four interleaved scans' places, before they go to the arena in order. */
const quarters: Int32Array[] = [new Int32Array(1024), new Int32Array(1024), new Int32Array(1024), new Int32Array(1024)];

/** Starts a block's places: what earlier answers viewed may be overwritten. */
function resetPlaces(): void {
  arenaUsed = 0;
  if (arena.length > PLACES_KEPT) arena = new Int32Array(4096);
  for (let j = 0; j < 4; j++) if (quarters[j].length > PLACES_KEPT) quarters[j] = new Int32Array(1024);
}

/** `list` with room for one more place after `used` (a copy twice as long when full). */
function roomy(list: Int32Array, used: number): Int32Array {
  if (used < list.length) return list;
  const bigger = new Int32Array(list.length * 2);
  bigger.set(list);
  return bigger;
}

/** Appends `count` places of `from` to the arena. */
function toArena(from: Int32Array, count: number): void {
  if (arenaUsed + count > arena.length) {
    const bigger = new Int32Array(Math.max(arena.length * 2, arenaUsed + count));
    bigger.set(arena.subarray(0, arenaUsed));
    arena = bigger;
  }
  arena.set(from.subarray(0, count), arenaUsed);
  arenaUsed += count;
}

/**
 * Every place of `needle` in text[from..], overlapping ones too, ascending: a
 * view of the arena, valid until the next block's places start. Buffer.indexOf
 * (memchr-fast) while places are rare; a needle met often (a JSON pattern's
 * `"name"`, in every JSON event) goes on with a Boyer-Moore-Horspool scan in
 * JS, which has no per-call cost.
 */
export function placesOf(text: Buffer, needle: Buffer, from: number): Int32Array {
  const start = arenaUsed;
  if (needle.length > 0) {
    let found = 0;
    for (let i = text.indexOf(needle, from); i >= 0; i = text.indexOf(needle, i + 1)) {
      quarters[0] = roomy(quarters[0], found);
      quarters[0][found++] = i;
      if (found === DENSE_AFTER && needle.length >= 3 && needle.length <= MAX_SCANNED_NEEDLE && i - from < DENSE_AFTER * DENSE_GAP) {
        toArena(quarters[0], found);
        found = 0;
        horspool(text, needle, i + 1);
        break;
      }
    }
    toArena(quarters[0], found);
  }
  return arena.subarray(start, arenaUsed);
}

/** Horspool's shift table of each needle (a needle's Buffer lives as long as its scan). */
const shifts = new WeakMap<Buffer, Int32Array>();

/** Bytes below which a dense needle's rest is scanned as one run, not four. */
const INTERLEAVE_FROM = 1024;

/**
 * Horspool over text[from..], as four scans of four quarters of it, stepped
 * together: each step's next place waits on two loads (the byte, its shift),
 * and one scan alone runs at that latency (about 4 ns a step on the bench's
 * text); four independent ones overlap it. Its places go to the arena, in order.
 */
function horspool(text: Buffer, needle: Buffer, from: number): void {
  const m = needle.length;
  let table = shifts.get(needle);
  if (!table) {
    table = new Int32Array(256).fill(m);
    for (let k = 0; k < m - 1; k++) table[needle[k]] = m - 1 - k;
    shifts.set(needle, table);
  }
  const skip = table;
  const last = needle[m - 1];
  const n = text.length;
  /** Whether the needle ends at i (its last byte already matched). */
  const endsAt = (i: number) => {
    let k = m - 2;
    while (k >= 0 && text[i - m + 1 + k] === needle[k]) k--;
    return k < 0;
  };
  /** Steps over the windows ending in [i, end), adding to quarter j's first `count` places, then hands them to the arena. */
  const finish = (j: number, i: number, end: number, count: number) => {
    let out = quarters[j];
    for (; i < end; i += skip[text[i]]) {
      if (text[i] === last && endsAt(i)) {
        out = roomy(out, count);
        out[count++] = i - m + 1;
      }
    }
    quarters[j] = out;
    toArena(out, count);
  };
  if (n - from < INTERLEAVE_FROM) return finish(0, from + m - 1, n, 0);
  let out0 = quarters[0];
  let n0 = 0;
  let out1 = quarters[1];
  let out2 = quarters[2];
  let out3 = quarters[3];
  let n1 = 0;
  let n2 = 0;
  let n3 = 0;
  // Quarter j holds the places starting in [from + j q, from + (j + 1) q): its windows end in [that + m - 1, next + m - 1).
  const q = Math.ceil((n - from) / 4);
  let i0 = from + m - 1;
  let i1 = i0 + q;
  let i2 = i1 + q;
  let i3 = i2 + q;
  const e0 = Math.min(n, i1);
  const e1 = Math.min(n, i2);
  const e2 = Math.min(n, i3);
  while (i0 < e0 && i1 < e1 && i2 < e2 && i3 < n) {
    const c0 = text[i0];
    const c1 = text[i1];
    const c2 = text[i2];
    const c3 = text[i3];
    if (c0 === last && endsAt(i0)) {
      out0 = roomy(out0, n0);
      out0[n0++] = i0 - m + 1;
    }
    if (c1 === last && endsAt(i1)) {
      out1 = roomy(out1, n1);
      out1[n1++] = i1 - m + 1;
    }
    if (c2 === last && endsAt(i2)) {
      out2 = roomy(out2, n2);
      out2[n2++] = i2 - m + 1;
    }
    if (c3 === last && endsAt(i3)) {
      out3 = roomy(out3, n3);
      out3[n3++] = i3 - m + 1;
    }
    i0 += skip[c0];
    i1 += skip[c1];
    i2 += skip[c2];
    i3 += skip[c3];
  }
  quarters[0] = out0;
  quarters[1] = out1;
  quarters[2] = out2;
  quarters[3] = out3;
  finish(0, i0, e0, n0);
  finish(1, i1, e1, n1);
  finish(2, i2, e2, n2);
  finish(3, i3, n, n3);
}

/**
 * The first newline in text[p..] (text.length when none), read four bytes a
 * step through `words` (a DataView of the same bytes): a header line is
 * ~45 bytes, and a byte-at-a-time loop was a third of the block walk.
 */
function newlineFrom(text: Buffer, words: DataView, p: number): number {
  const size = text.length;
  for (; p + 4 <= size; p += 4) {
    // A byte of x is 0 where the text has a newline; z's lowest set bit marks the first such byte (borrows only go up).
    const x = words.getUint32(p, true) ^ 0x0a0a0a0a;
    const z = (x - 0x01010101) & ~x & 0x80808080;
    if (z !== 0) return p + ((31 - Math.clz32(z & -z)) >> 3);
  }
  while (p < size && text[p] !== 10) p++;
  return p;
}

/**
 * A test of an event's message bytes (FilterPattern.bytesCheck, its needles
 * as Buffers): an event it answers false for is counted, not kept.
 */
export interface BlockCheck {
  needles: readonly Buffer[];
  test(text: Buffer, start: number, end: number, find: (k: number, from: number) => number): boolean;
  /** Places every message of a span that may match holds one of (BytesCheck.candidates): test runs only on those holding one. */
  candidates?(text: Buffer, start: number, end: number, find: (k: number, from: number) => number): number[];
}

/**
 * decodeBlock with needles: every needle's places are found in the whole text
 * first, then the walk reads only each header's length (from the end of its
 * line) to go from event to event, and parses a header in full only for an
 * event holding a needle of every group (and passing the check). `whole`:
 * every event is in the range, so the others' timestamps are not read either,
 * and the walk stops past the check's last candidate place: the rest is
 * counted from the index figures.
 */
function decodeHolding(
  out: DecodedBlock,
  text: Buffer,
  p: number,
  from: number,
  to: number,
  groups: readonly (readonly Buffer[])[],
  whole: { count: number; messageBytes: number } | undefined,
  places: BlockPlaces,
  check: BlockCheck | undefined,
): DecodedBlock {
  const cursors = groups.map((g) => g.map((needle) => ({ at: places.of(needle), length: needle.length, next: 0 })));
  const find = check && places.finder(check.needles);
  // Where the check may hold, found once for the block: an event holding none is not held, without its group or check tests.
  const candidates = check?.candidates?.(text, p, text.length, places.finder(check.needles));
  let c = 0;
  const unbounded = whole !== undefined || (from === -Infinity && to === Infinity);
  let inRange = 0;
  const size = text.length;
  const words = new DataView(text.buffer, text.byteOffset, text.length);
  while (p < size) {
    // The header's end by a JS loop, not indexOf: a native call per event costs more than its ~45 bytes.
    const nl = newlineFrom(text, words, p);
    if (nl === size) throw new Error("truncated header");
    let q = nl;
    let len = 0;
    for (let scale = 1; q > p && text[q - 1] !== 32; q--, scale *= 10) {
      const d = text[q - 1] - 48;
      if (d < 0 || d > 9) throw new Error("bad header");
      len += d * scale;
    }
    if (q === nl || q === p) throw new Error("bad header");
    const start = nl + 1;
    const end = start + len;
    if (end + 1 > size || text[end] !== 10) throw new Error("truncated message");
    let held = true;
    if (candidates) {
      while (c < candidates.length && candidates[c] < start) c++;
      if (c === candidates.length && whole) {
        // No event from here on can be kept: the events walked so far leave the rest of the index's figures.
        out.textBytes = whole.messageBytes;
        out.inRange = whole.count;
        return out;
      }
      held = c < candidates.length && candidates[c] < end;
    }
    held &&= holdsGroups(cursors, start, end);
    if (held && find) held = check!.test(text, start, end, find);
    if (held) {
      cursor = p;
      const t = parseField(text, 32);
      const ingestionTime = parseField(text, 32);
      const seq = parseField(text, 32);
      const index = parseField(text, 32);
      if (parseField(text, 10) !== len || cursor !== start) throw new Error("bad header");
      if (t >= from && t < to) {
        out.push(t, ingestionTime, seq, index, start, end);
        out.textBytes += len;
        inRange++;
      }
    } else {
      let t = from;
      if (!unbounded) {
        cursor = p;
        t = parseField(text, 32);
      }
      if (t >= from && t < to) {
        out.textBytes += len;
        inRange++;
      }
    }
    p = end + 1;
  }
  out.inRange = inRange;
  return out;
}

/**
 * decodeBlock of text version 2: the block (or adjacent blocks) at `p`, each
 * `#events {count}`, its header lines, an empty line, its messages. Every
 * header line is parsed (its fields are deltas), the messages' places of the
 * needles found once; an event is kept as decodeHolding keeps one. `whole`
 * (one block's text): a block without a needle, or whose messages all fail
 * the check, is counted from the index figures, and the walk stops past the
 * check's last candidate place.
 */
function decodeBlocks2(
  out: DecodedBlock,
  text: Buffer,
  p: number,
  from: number,
  to: number,
  groups: readonly (readonly Buffer[])[],
  whole: { count: number; messageBytes: number } | undefined,
  check: BlockCheck | undefined,
): void {
  const size = text.length;
  while (p < size) {
    if (text.toString("latin1", p, p + EVENTS_LINE.length) !== EVENTS_LINE) throw new Error("bad block start");
    cursor = p + EVENTS_LINE.length;
    const count = parseField(text, NEWLINE);
    // Header lines are never empty: the first empty line ends them (at once when there are none).
    const blank = text.indexOf(EMPTY_LINE, cursor - 1);
    if (blank < 0) throw new Error("truncated header");
    const headersEnd = blank + 1;
    let m = headersEnd + 1;
    const places = groups.length > 0 || check ? new BlockPlaces(text, m) : undefined;
    // As version 1's: a group none of whose needles the messages hold, or the check over all of them as if one message.
    if (
      whole &&
      (groups.some((g) => g.every((n) => places!.of(n).length === 0)) || (check && !check.test(text, m, size, places!.finder(check.needles))))
    ) {
      out.inRange = whole.count;
      out.textBytes = whole.messageBytes;
      return;
    }
    const cursors = groups.map((g) => g.map((needle) => ({ at: places!.of(needle), length: needle.length, next: 0 })));
    const find = check && places!.finder(check.needles);
    const candidates = check?.candidates?.(text, m, size, places!.finder(check.needles));
    let c = 0;
    let timestamp = 0;
    let ingestionTime = 0;
    let seq = 0;
    let index = 0;
    // `cursor` is still at the first header line (nothing since has parsed).
    for (let i = 0; i < count; i++) {
      timestamp += parseSigned(text);
      if (delimiter !== SPACE) throw new Error("bad header");
      ingestionTime += parseSigned(text);
      if (delimiter !== SPACE) throw new Error("bad header");
      let len = parseSigned(text);
      if (delimiter === SPACE) {
        seq += len;
        index = parseField(text, SPACE);
        len = parseField(text, NEWLINE);
      } else if (i === 0) throw new Error("bad header: a block's first event names its seq and index");
      else index++;
      if (len < 0 || !(timestamp >= 0) || !(ingestionTime >= 0) || !(seq >= 0) || timestamp > MAX_SAFE || ingestionTime > MAX_SAFE || seq > MAX_SAFE || index > MAX_SAFE) {
        throw new Error("bad header");
      }
      if (cursor > headersEnd) throw new Error("bad header");
      const start = m;
      const end = start + len;
      if (end + 1 > size || text[end] !== NEWLINE) throw new Error("truncated message");
      m = end + 1;
      if (!(timestamp >= from && timestamp < to)) continue;
      if (candidates) {
        while (c < candidates.length && candidates[c] < start) c++;
        if (c === candidates.length && whole) {
          // No event from here on can be kept: the events walked so far leave the rest of the index's figures.
          out.textBytes = whole.messageBytes;
          out.inRange = whole.count;
          return;
        }
      }
      out.textBytes += len;
      out.inRange++;
      // The needles' and candidates' cursors move forward lazily: events skipped above cost them nothing.
      if (candidates && !(c < candidates.length && candidates[c] < end)) continue;
      if (!holdsGroups(cursors, start, end) || (find && !check!.test(text, start, end, find))) continue;
      out.push(timestamp, ingestionTime, seq, index, start, end);
    }
    if (cursor !== headersEnd) throw new Error("bad header count");
    p = m;
  }
}

/** Needle places and a cursor over them, one per needle of a group (decodeHolding's and decodeBlocks2's). */
type NeedleCursor = { at: Int32Array; length: number; next: number };

/**
 * Whether the message text[start, end) holds one needle of every group: a group is held when one of its needles'
 * first place at or after start ends inside it. Events come in text order, so the cursors only move forward.
 */
function holdsGroups(cursors: readonly (readonly NeedleCursor[])[], start: number, end: number): boolean {
  // Indexed loops: this runs once per event, and an iterator that is not optimized away is garbage per event.
  for (let g = 0; g < cursors.length; g++) {
    const group = cursors[g];
    let any = false;
    for (let k = 0; k < group.length; k++) {
      const n = group[k];
      while (n.next < n.at.length && n.at[n.next] < start) n.next++;
      if (n.next < n.at.length && n.at[n.next] + n.length <= end) any = true;
    }
    if (!any) return false;
  }
  return true;
}

export interface BlockRange {
  /** ms, start inclusive, end exclusive */
  startTime?: number;
  endTime?: number;
}

/**
 * Parses an inflated block's header lines (messages stay bytes), of either
 * text version (a block's first byte tells), or adjacent blocks' text as one.
 * Throws a ServiceError on garbage. `whole`: the block's index figures when all its
 * events are in the range (index version 2), so a block that lacks a needle
 * anywhere, or whose whole text fails the check, is counted without parsing
 * it. `needles`: groups of alternatives,
 * one of each group held by every event kept; `check`: a test of the
 * message bytes every event kept passes.
 */
export function decodeBlock(
  text: Buffer,
  isFirst: boolean,
  range: BlockRange = {},
  needles: readonly (readonly Buffer[])[] = [],
  whole?: { count: number; messageBytes: number },
  check?: BlockCheck,
): DecodedBlock {
  try {
    const out = new DecodedBlock(text);
    let p = 0;
    // Version 2's blocks start with `#events`, version 1's with a header line (digits).
    let version = text.length > 0 && text[0] === HASH ? 2 : 1;
    if (isFirst) {
      const head = text.subarray(0, CHUNK_VERSION_LINE.length).toString("latin1");
      if (head === CHUNK_VERSION_LINE) version = 2;
      else if (head === CHUNK_VERSION_LINE_1) version = 1;
      else throw new Error("not a chunk of text version 1 or 2");
      p = CHUNK_VERSION_LINE.length;
    }
    const from = range.startTime ?? -Infinity;
    const to = range.endTime ?? Infinity;
    if (version === 2) {
      decodeBlocks2(out, text, p, from, to, needles, whole, check);
      out.compact();
      return out;
    }
    const places = needles.length > 0 || check ? new BlockPlaces(text, p) : undefined;
    // A group none of whose needles the block holds; or the check over the whole block as if one message (every place
    // of every needle, values read up to the block's end), false only when the condition fails at every place, so at
    // every event: no event can be kept, and the block is counted from its index figures.
    if (
      whole &&
      (needles.some((g) => g.every((n) => places!.of(n).length === 0)) || (check && !check.test(text, p, text.length, places!.finder(check.needles))))
    ) {
      out.inRange = whole.count;
      out.textBytes = whole.messageBytes;
      return out;
    }
    if (needles.length > 0) {
      decodeHolding(out, text, p, from, to, needles, whole, places!, check);
      out.compact();
      return out;
    }
    const find = check && places!.finder(check.needles);
    while (p < text.length) {
      cursor = p;
      const t = parseField(text, 32);
      const ingestionTime = parseField(text, 32);
      const seq = parseField(text, 32);
      const index = parseField(text, 32);
      const len = parseField(text, 10);
      p = cursor;
      if (p + len + 1 > text.length || text[p + len] !== 10) throw new Error("truncated message");
      if (t >= from && t < to) {
        if (!find || check!.test(text, p, p + len, find)) out.push(t, ingestionTime, seq, index, p, p + len);
        out.textBytes += len;
        out.inRange++;
      }
      p += len + 1;
    }
    out.compact();
    return out;
  } catch (e) {
    throw internalFailure(`corrupt log chunk: ${(e as Error).message}`);
  }
}

/**
 * Inflates gzip members (one block, or adjacent blocks as one text) on
 * libuv's thread pool. `rawBytes`, when known, sizes the output at once.
 * Throws a ServiceError on garbage.
 */
export async function inflateBlock(members: Uint8Array, rawBytes = 0): Promise<Buffer> {
  try {
    return await inflate(members, { chunkSize: Math.min(64 * 1024 * 1024, Math.max(BLOCK_RAW_BYTES * 2, rawBytes + 1024)) });
  } catch (e) {
    throw internalFailure(`corrupt log chunk: ${(e as Error).message}`);
  }
}
