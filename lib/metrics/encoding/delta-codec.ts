/**
 * The records of the delta log (delta-log.ts): what one aggregator batch
 * folded, as buckets per chunk, with the range of ingest sequences it covers.
 *
 * Layout (format 1): docs/formats/delta-record.md. Bodies are left encoded:
 * a reader decodes only the series it asks for.
 */
import { ByteReader, ByteWriter, varintSize } from "./bytes.js";
import { writeChunk, type EncodableBucket } from "./chunk.js";
import type { ChunkRef } from "../store/chunk-store.js";
import { TIERS, type TierName } from "../store/tiers.js";

const FORMAT = 1;
// Codes are stored: new tiers go at the end.
const TIER_NAMES: TierName[] = ["s1", "m1", "m5", "h1", "m1s"];

export interface DeltaEntry extends ChunkRef {
  /** The chunk's buckets, as chunk.ts encodes them. */
  body: Uint8Array;
}

export interface Delta {
  /** First and last ingest sequence of the batch: every message in between, of this partition, is in it. */
  from: number;
  to: number;
  entries: DeltaEntry[];
}

/** With `index`, each chunk's entry (its body a view of the result) is pushed to it: what decodeDelta would find. */
export function encodeDelta(
  from: number,
  to: number,
  chunks: Iterable<{ ref: ChunkRef; buckets: EncodableBucket[] }>,
  index?: DeltaEntry[],
): Uint8Array {
  const offsets: number[] = [];
  const strings = new Map<string, number>();
  const body = new ByteWriter(64 * 1024);
  const stringIndex = (s: string) => {
    let i = strings.get(s);
    if (i === undefined) strings.set(s, (i = strings.size));
    return i;
  };
  let n = 0;
  for (const { ref, buckets } of chunks) {
    body.varint(stringIndex(ref.account));
    body.varint(stringIndex(ref.seriesId));
    body.varint(stringIndex(ref.unit));
    body.byte(TIER_NAMES.indexOf(ref.tier));
    body.varint(Math.floor(ref.start / 1000));
    const at = body.length();
    writeChunk(body, buckets, TIERS[ref.tier].resolutionMs);
    if (index) {
      offsets.push(at, body.length());
      index.push({ account: ref.account, seriesId: ref.seriesId, unit: ref.unit, tier: ref.tier, start: ref.start, body: EMPTY });
    }
    n++;
  }
  const head = new ByteWriter(1024);
  head.byte(FORMAT);
  head.varint(from);
  head.varint(to);
  head.varint(strings.size);
  for (const s of strings.keys()) head.string(s);
  head.varint(n);
  const a = head.finish();
  const b = body.finish();
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  if (index) {
    const first = index.length - offsets.length / 2;
    for (let i = 0; i < offsets.length; i += 2) {
      // The span holds the body's length as a varint, then the body.
      const span = offsets[i + 1] - offsets[i];
      let k = 1;
      while (varintSize(span - k) !== k) k++;
      index[first + i / 2].body = out.subarray(a.length + offsets[i] + k, a.length + offsets[i + 1]);
    }
  }
  return out;
}

const EMPTY = new Uint8Array(0);

/** The record's header: format checked, the ingest sequences it covers; `r` is left after it. */
function readHeader(r: ByteReader): { from: number; to: number } {
  const format = r.byte();
  if (format !== FORMAT) r.corrupt(`unknown format ${format}`);
  return { from: r.varint(), to: r.varint() };
}

/** The range a record covers, without decoding its entries. */
export const deltaRange = (bytes: Uint8Array) => readHeader(new ByteReader(bytes, "metric delta"));

export function decodeDelta(bytes: Uint8Array): Delta {
  const r = new ByteReader(bytes, "metric delta");
  const { from, to } = readHeader(r);
  const strings = Array.from({ length: r.count() }, () => r.string());
  const string = (i: number) => {
    if (i >= strings.length) r.corrupt("a string index is out of range");
    return strings[i];
  };
  const entries: DeltaEntry[] = [];
  // An entry is at least six bytes: three string indexes, the tier, the start and the body length.
  for (let n = r.count(6); n > 0; n--) {
    const account = string(r.varint());
    const seriesId = string(r.varint());
    const unit = string(r.varint());
    const tier = TIER_NAMES[r.byte()];
    if (!tier) r.corrupt("unknown tier");
    const start = r.varint() * 1000;
    entries.push({ account, seriesId, unit, tier, start, body: r.bytes(r.varint()) });
  }
  return { from, to, entries };
}
