/**
 * A log chunk object in S3 (docs/formats/log-chunk.md): gzip members
 * ("blocks") one after another, so the whole object is one valid .log.gz
 * and a reader can inflate only the blocks its time range needs. The text:
 * a version line, then per event a header line
 * `{timestamp} {ingestionTime} {seq} {index} {byteLength}` and the message.
 */
import { gunzipSync, gzipSync } from "node:zlib";
import { internalFailure } from "../../errors.js";

export const CHUNK_VERSION_LINE = "#hive-cloudwatch-logs-chunk 1\n";
/** Raw bytes per gzip member: big enough to compress well, small enough to skip. */
const BLOCK_RAW_BYTES = 128 * 1024;

export interface ChunkEvent {
  timestamp: number;
  ingestionTime: number;
  seq: number;
  index: number;
  message: string;
}

export interface ChunkBlock {
  /** Byte offset of the gzip member in the object. */
  offset: number;
  /** Its first event's timestamp (blocks are in timestamp order). */
  firstTimestamp: number;
}

export interface EncodedChunk {
  body: Uint8Array;
  blocks: ChunkBlock[];
  rawBytes: number;
}

/** `events` must be sorted by (timestamp, seq, index). */
export function encodeChunk(events: readonly ChunkEvent[], compress = true): EncodedChunk {
  const members: Buffer[] = [];
  const blocks: ChunkBlock[] = [];
  let offset = 0;
  let rawBytes = 0;
  let parts: string[] = [CHUNK_VERSION_LINE];
  let partBytes = CHUNK_VERSION_LINE.length;
  let first = events.length ? events[0].timestamp : 0;
  const flush = () => {
    const raw = Buffer.from(parts.join(""), "utf8");
    const member = compress ? gzipSync(raw, { level: 6 }) : gzipSync(raw, { level: 0 });
    blocks.push({ offset, firstTimestamp: first });
    members.push(member);
    offset += member.length;
    rawBytes += raw.length;
    parts = [];
    partBytes = 0;
  };
  for (const e of events) {
    if (partBytes >= BLOCK_RAW_BYTES) {
      flush();
      first = e.timestamp;
    }
    const len = Buffer.byteLength(e.message, "utf8");
    parts.push(`${e.timestamp} ${e.ingestionTime} ${e.seq} ${e.index} ${len}\n`, e.message, "\n");
    partBytes += 40 + len;
  }
  if (parts.length) flush();
  return { body: Buffer.concat(members), blocks, rawBytes };
}

function parseInt10(buf: Buffer, from: number, to: number): number {
  if (from >= to) throw new Error("empty number");
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = buf[i] - 48;
    if (c < 0 || c > 9) throw new Error("bad digit");
    n = n * 10 + c;
  }
  if (!Number.isSafeInteger(n)) throw new Error("number too large");
  return n;
}

function parseText(text: Buffer, into: ChunkEvent[], isFirst: boolean): number {
  let p = 0;
  if (isFirst) {
    const head = text.subarray(0, CHUNK_VERSION_LINE.length).toString("latin1");
    if (head !== CHUNK_VERSION_LINE) throw new Error("not a version 1 chunk");
    p = CHUNK_VERSION_LINE.length;
  }
  let textBytes = 0;
  while (p < text.length) {
    const fields: number[] = [];
    let start = p;
    for (;;) {
      if (p >= text.length) throw new Error("truncated header");
      const c = text[p];
      if (c === 32 || c === 10) {
        fields.push(parseInt10(text, start, p));
        start = p + 1;
        if (c === 10) break;
      }
      p++;
    }
    p++;
    if (fields.length !== 5) throw new Error("bad header");
    const [timestamp, ingestionTime, seq, index, len] = fields;
    if (p + len + 1 > text.length || text[p + len] !== 10) throw new Error("truncated message");
    into.push({ timestamp, ingestionTime, seq, index, message: text.toString("utf8", p, p + len) });
    textBytes += len;
    p += len + 1;
  }
  return textBytes;
}

/**
 * The events of the blocks from `fromBlock` on. Returns the message bytes
 * read too (what a scan reports as scanned). Throws a ServiceError on garbage.
 */
export function decodeChunk(body: Uint8Array, blocks: readonly ChunkBlock[], fromBlock = 0): { events: ChunkEvent[]; textBytes: number } {
  try {
    const events: ChunkEvent[] = [];
    let textBytes = 0;
    if (blocks.length === 0) throw new Error("no blocks");
    for (let b = fromBlock; b < blocks.length; b++) {
      const end = b + 1 < blocks.length ? blocks[b + 1].offset : body.length;
      if (blocks[b].offset > end || end > body.length) throw new Error("bad block offsets");
      const text = gunzipSync(body.subarray(blocks[b].offset, end));
      textBytes += parseText(text, events, b === 0);
    }
    return { events, textBytes };
  } catch (e) {
    throw internalFailure(`corrupt log chunk: ${(e as Error).message}`);
  }
}
