/**
 * The records of the delta log (delta-log.ts): what one aggregator batch
 * folded, as buckets per chunk, with the range of ingest sequences it covers.
 *
 * Layout: [u8 format][varint from][varint to][varint n][n strings]
 *         [varint entries] then per entry: [varint account][varint series]
 *         [varint unit] (string indexes) [u8 tier][varint start seconds]
 *         [varint length][chunk body (chunk.ts, no deflate)].
 * Bodies are left encoded: a reader decodes only the series it asks for.
 */
import type { Aggregate } from "./aggregate.js";
import { ByteReader, ByteWriter } from "./bytes.js";
import { encodeChunk } from "./chunk.js";
import type { ChunkRef } from "./chunk-store.js";
import { TIERS, type TierName } from "./tiers.js";

const FORMAT = 1;
const TIER_NAMES: TierName[] = ["s1", "m1", "m5", "h1"];

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

export function encodeDelta(from: number, to: number, chunks: Iterable<{ ref: ChunkRef; buckets: Map<number, Aggregate> }>): Uint8Array {
  const strings = new Map<string, number>();
  const body = new ByteWriter(64 * 1024);
  const index = (s: string) => {
    let i = strings.get(s);
    if (i === undefined) strings.set(s, (i = strings.size));
    return i;
  };
  let n = 0;
  for (const { ref, buckets } of chunks) {
    body.varint(index(ref.account));
    body.varint(index(ref.seriesId));
    body.varint(index(ref.unit));
    body.byte(TIER_NAMES.indexOf(ref.tier));
    body.varint(Math.floor(ref.start / 1000));
    const bytes = encodeChunk([...buckets].map(([t, agg]) => ({ t, agg })), TIERS[ref.tier].resolutionMs, 0);
    body.varint(bytes.length);
    body.bytes(bytes);
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
  return out;
}

export function decodeDelta(bytes: Uint8Array): Delta {
  const r = new ByteReader(bytes, "metric delta");
  const format = r.byte();
  if (format !== FORMAT) throw new Error(`unknown metric delta format ${format}`);
  const from = r.varint();
  const to = r.varint();
  const strings = Array.from({ length: r.varint() }, () => r.string());
  const string = (i: number) => {
    if (i >= strings.length) throw new Error("corrupt metric delta: string index out of range");
    return strings[i];
  };
  const entries: DeltaEntry[] = [];
  for (let n = r.varint(); n > 0; n--) {
    const account = string(r.varint());
    const seriesId = string(r.varint());
    const unit = string(r.varint());
    const tier = TIER_NAMES[r.byte()];
    if (!tier) throw new Error("corrupt metric delta: unknown tier");
    const start = r.varint() * 1000;
    entries.push({ account, seriesId, unit, tier, start, body: r.bytes(r.varint()) });
  }
  return { from, to, entries };
}
