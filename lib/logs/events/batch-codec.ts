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
  let bytes = 64 + b.account.length + b.logGroup.length * 3 + b.logStream.length * 3;
  for (const e of b.events) bytes += 4 + e.message.length * 3;
  const w = new ByteWriter(bytes);
  w.byte(VERSION);
  w.string(b.account);
  w.string(b.logGroup);
  w.string(b.logStream);
  w.string(b.groupId ?? "");
  w.float64(b.streamCreated ?? -1);
  w.float64(b.ingestionTime);
  w.varint(b.events.length);
  let previous = b.events.length ? b.events[0].timestamp : 0;
  if (b.events.length) w.float64(previous);
  for (const e of b.events) {
    // Deltas are unsigned: stored order is timestamp order.
    if (!(e.timestamp >= previous)) throw new RangeError("log batch events must be in timestamp order");
    w.varint(e.timestamp - previous);
    previous = e.timestamp;
    w.string(e.message);
  }
  return w.finish();
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
