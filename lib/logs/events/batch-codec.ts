/**
 * One accepted PutLogEvents batch (or a part of one) as a CW_LOGS_EVENTS
 * message. Binary, layout in docs/formats/log-batch.md (version byte first).
 * The header (names, times) comes before the events so a reader can skip a
 * batch of another group or stream without decoding its messages.
 */
import { internalFailure } from "../../errors.js";
import { ByteReader, ByteWriter } from "../../metrics/encoding/bytes.js";

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

export function encodeLogBatch(b: LogBatch): Uint8Array {
  const n = b.events.length;
  // The messages' exact UTF-8 lengths first, so they are written straight into one buffer of the right size.
  const lengths = new Array<number>(n);
  // The first timestamp, then per event two varints (a delta under 2^53: 8 bytes; a length: 3) and the text.
  let bytes = 8;
  for (let i = 0; i < n; i++) bytes += 11 + (lengths[i] = Buffer.byteLength(b.events[i].message, "utf8"));
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
  let previous = n ? b.events[0].timestamp : 0;
  if (n) at = out.writeDoubleBE(previous, at);
  for (let i = 0; i < n; i++) {
    const e = b.events[i];
    // Deltas are unsigned: stored order is timestamp order.
    if (!(e.timestamp >= previous) || !Number.isSafeInteger(e.timestamp - previous)) throw new RangeError("log batch events must be in timestamp order");
    at = writeVarint(out, at, e.timestamp - previous);
    previous = e.timestamp;
    at = writeVarint(out, at, lengths[i]);
    at += out.write(e.message, at, lengths[i], "utf8");
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
