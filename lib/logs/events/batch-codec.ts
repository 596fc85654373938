/**
 * One accepted PutLogEvents batch (or a part of one) as a CW_LOGS_EVENTS
 * message. Binary, layout in docs/formats/log-batch.md (version byte first).
 * The header (names, times) comes before the events so a reader can skip a
 * batch of another group or stream without decoding its messages.
 */
import { internalFailure } from "../../errors.js";
import { ByteReader, ByteWriter } from "../../metrics/encoding/bytes.js";
import { unescapeJsonString } from "../../protocol/json-string.js";
import { rawBytes } from "../../runtime/raw-bytes.js";

export interface LogBatch {
  account: string;
  logGroup: string;
  logStream: string;
  /** ms, service clock at acceptance */
  ingestionTime: number;
  /** stored order (by timestamp, stable) */
  events: { timestamp: number; message: string }[];
  /** The group incarnation (LogGroupRecord.id): a re-created group never shows a deleted one's events. */
  groupId?: string;
  /** The stream incarnation (LogStreamRecord.creationTime), for the same reason. */
  streamCreated?: number;
}

export type LogBatchHeader = Omit<LogBatch, "events"> & { eventCount: number };

const VERSION = 1;

/**
 * A batch's events as columns, so PutLogEvents makes no object per event:
 * message i is `messages[i]` when that is a string, else it is in `source`
 * (the request body): the bytes `source[starts[i], starts[i] + sizes[i])`
 * of a JSON string without escapes, copied as they are, or, when starts[i]
 * is negative, the JSON string whose text begins at ~starts[i], its escapes
 * decoded (lib/protocol/json-string.ts) into sizes[i] bytes.
 */
export interface EventColumns {
  count: number;
  timestamps: number[];
  /** Each message's UTF-8 length. */
  sizes: number[];
  messages?: (string | null | undefined)[];
  /** The request body, as base64 (lib/runtime/raw-bytes.ts: the bytes themselves within the local runtime). */
  source?: string;
  starts?: number[];
}

/** Columns of decoded events (strings): their UTF-8 lengths computed once here. */
export function columnsOf(events: readonly { timestamp: number; message: string }[]): EventColumns {
  const n = events.length;
  const timestamps = new Array<number>(n);
  const sizes = new Array<number>(n);
  const messages = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const e = events[i];
    timestamps[i] = e.timestamp;
    messages[i] = e.message;
    sizes[i] = Buffer.byteLength(e.message, "utf8");
  }
  return { count: n, timestamps, sizes, messages };
}

export function encodeLogBatch(b: LogBatch): Uint8Array {
  const { events, ...header } = b;
  return encodeLogBatchColumns(header, columnsOf(events), 0, events.length);
}

/** Events [from, to) of `cols` as one batch message with `header`'s names and times. */
export function encodeLogBatchColumns(b: Omit<LogBatch, "events">, cols: EventColumns, from: number, to: number): Uint8Array {
  const n = to - from;
  const { timestamps, sizes, messages, starts } = cols;
  const source = starts ? rawBytes(cols, "source") : undefined;
  // The first timestamp, then per event two varints (a delta under 2^53: 8 bytes; a length: 3) and the text.
  let bytes = 8;
  for (let i = from; i < to; i++) bytes += 11 + sizes[i];
  const w = new ByteWriter(16 + b.account.length + (b.logGroup.length + b.logStream.length + (b.groupId?.length ?? 0)) * 3);
  w.byte(VERSION);
  w.string(b.account);
  w.string(b.logGroup);
  w.string(b.logStream);
  w.string(b.groupId ?? "");
  w.float64(b.streamCreated ?? -1);
  w.float64(b.ingestionTime);
  w.varint(n);
  const head = w.finish();
  const out = Buffer.allocUnsafe(head.length + bytes);
  out.set(head, 0);
  let at = head.length;
  let previous = n ? timestamps[from] : 0;
  if (n) at = out.writeDoubleBE(previous, at);
  for (let i = from; i < to; i++) {
    const t = timestamps[i];
    // Deltas are unsigned: stored order is timestamp order.
    if (!(t >= previous) || !Number.isSafeInteger(t - previous)) throw new RangeError("log batch events must be in timestamp order");
    at = writeVarint(out, at, t - previous);
    previous = t;
    const size = sizes[i];
    at = writeVarint(out, at, size);
    const m = messages?.[i];
    if (typeof m === "string") at += out.write(m, at, size, "utf8");
    else {
      const start = starts![i];
      if (start >= 0) {
        source!.copy(out, at, start, start + size);
        at += size;
      } else {
        const next = unescapeJsonString(source!, ~start, out, at);
        if (next !== at + size) throw new RangeError("a message's decoded length differs from its size");
        at = next;
      }
    }
  }
  return out.subarray(0, at);
}

/** Unsigned LEB128 as ByteWriter.varint writes it; returns the next offset. */
function writeVarint(out: Buffer, at: number, x: number): number {
  while (x >= 128) {
    out[at++] = (x % 128) | 128;
    x = Math.floor(x / 128);
  }
  out[at++] = x;
  return at;
}

function readHeader(r: ByteReader, first: number): LogBatchHeader {
  if (first !== VERSION) throw new Error(`unknown log batch version ${first}`);
  const account = r.string();
  const logGroup = r.string();
  const logStream = r.string();
  const groupId = r.string();
  const streamCreated = r.float64();
  const ingestionTime = r.float64();
  const eventCount = r.varint();
  if (!Number.isSafeInteger(ingestionTime) || !(streamCreated === -1 || Number.isSafeInteger(streamCreated))) {
    throw new Error("bad times");
  }
  const h: LogBatchHeader = { account, logGroup, logStream, ingestionTime, eventCount };
  if (groupId) h.groupId = groupId;
  if (streamCreated !== -1) h.streamCreated = streamCreated;
  return h;
}

const corrupt = (e: unknown) => internalFailure(`corrupt log batch: ${(e as Error).message}`);

/** The batch's names and times only. Throws a ServiceError on garbage. */
export function decodeLogBatchHeader(data: Uint8Array): LogBatchHeader {
  try {
    const r = new ByteReader(data, "log batch");
    return readHeader(r, r.byte());
  } catch (e) {
    throw corrupt(e);
  }
}

/** A batch's events as places in its bytes: event i's message is data[starts[i], starts[i] + sizes[i]). */
export interface LogBatchSpans {
  header: LogBatchHeader;
  timestamps: number[];
  starts: number[];
  sizes: number[];
}

/**
 * decodeLogBatch without making the messages strings (the compactor copies
 * their bytes into a chunk as they are). Same checks; throws a ServiceError
 * (InternalFailure) on garbage, never another error.
 */
export function decodeLogBatchSpans(data: Uint8Array): LogBatchSpans {
  try {
    const r = new ByteReader(data, "log batch");
    const header = readHeader(r, r.byte());
    const n = header.eventCount;
    if (n > data.length) throw new Error("event count past the end");
    const timestamps = new Array<number>(n);
    const starts = new Array<number>(n);
    const sizes = new Array<number>(n);
    let t = n ? r.float64() : 0;
    if (!Number.isSafeInteger(t)) throw new Error("bad timestamp");
    for (let i = 0; i < n; i++) {
      t += r.varint();
      if (!Number.isSafeInteger(t)) throw new Error("bad timestamp");
      timestamps[i] = t;
      const size = r.varint();
      starts[i] = r.skip(size);
      sizes[i] = size;
    }
    if (r.remaining() !== 0) throw new Error("trailing bytes");
    return { header, timestamps, starts, sizes };
  } catch (e) {
    throw corrupt(e);
  }
}

/** Throws a ServiceError (InternalFailure) on garbage, never another error. */
export function decodeLogBatch(data: Uint8Array): LogBatch {
  try {
    const r = new ByteReader(data, "log batch");
    const { eventCount, ...header } = readHeader(r, r.byte());
    // Each event takes at least two bytes: a count beyond that is garbage, not an allocation.
    if (eventCount > data.length) throw new Error("event count past the end");
    const events: LogBatch["events"] = new Array(eventCount);
    let t = eventCount ? r.float64() : 0;
    if (!Number.isSafeInteger(t)) throw new Error("bad timestamp");
    for (let i = 0; i < eventCount; i++) {
      t += r.varint();
      if (!Number.isSafeInteger(t)) throw new Error("bad timestamp");
      events[i] = { timestamp: t, message: r.string() };
    }
    if (r.remaining() !== 0) throw new Error("trailing bytes");
    return { ...header, events };
  } catch (e) {
    throw corrupt(e);
  }
}
