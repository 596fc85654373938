/**
 * Per-series chunks of buckets in NATS KV. A record is one series, one unit,
 * one tier and one span: `{account}.{seriesId}.{unit}.{tier}.{startSeconds}`.
 * Each record carries the highest ingest sequence folded into it, which makes
 * aggregation idempotent (a redelivered message is skipped) and lets readers
 * fold in exactly the messages the record does not have yet.
 */
import type { KV } from "nats";
import { getBucket, BUCKETS } from "../storage/nats.js";
import { keyToken } from "../storage/kv.js";
import { Aggregate } from "./aggregate.js";
import { decodeChunk, encodeChunk } from "./chunk.js";
import { TIERS, type TierName } from "./tiers.js";

export interface ChunkRef {
  account: string;
  seriesId: string;
  unit: string;
  tier: TierName;
  /** Chunk start, epoch ms. */
  start: number;
}

export interface StoredChunk {
  lastSeq: number;
  /** Bucket start (epoch ms) → aggregate. */
  buckets: Map<number, Aggregate>;
  /** KV revision, 0 when the record does not exist yet. */
  revision: number;
}

export const chunkKey = (r: ChunkRef) => `${r.account}.${r.seriesId}.${keyToken(r.unit)}.${r.tier}.${Math.floor(r.start / 1000)}`;

export const chunkBucket = (): Promise<KV> => getBucket(BUCKETS.metricChunks);

const FORMAT = 1;

export function encodeStoredChunk(tier: TierName, chunk: Pick<StoredChunk, "lastSeq" | "buckets">): Uint8Array {
  const buckets = [...chunk.buckets.entries()].sort((a, b) => a[0] - b[0]).map(([t, agg]) => ({ t, agg }));
  const body = encodeChunk(buckets, TIERS[tier].resolutionMs);
  const out = new Uint8Array(9 + body.length);
  out[0] = FORMAT;
  new DataView(out.buffer).setFloat64(1, chunk.lastSeq);
  out.set(body, 9);
  return out;
}

export function decodeStoredChunk(bytes: Uint8Array, revision: number): StoredChunk {
  if (bytes[0] !== FORMAT) throw new Error(`unknown chunk format ${bytes[0]}`);
  const lastSeq = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getFloat64(1);
  const { buckets } = decodeChunk(bytes.subarray(9));
  return { lastSeq, revision, buckets: new Map(buckets.map((b) => [b.t, b.agg])) };
}

export async function loadChunk(kv: KV, ref: ChunkRef): Promise<StoredChunk> {
  const e = await kv.get(chunkKey(ref));
  if (!e || e.operation !== "PUT" || e.value.length === 0) return { lastSeq: 0, buckets: new Map(), revision: 0 };
  return decodeStoredChunk(e.value, e.revision);
}

/** Compare-and-set write; false when another writer got there first. */
export async function saveChunk(kv: KV, ref: ChunkRef, chunk: StoredChunk): Promise<boolean> {
  const bytes = encodeStoredChunk(ref.tier, chunk);
  try {
    if (chunk.revision === 0) await kv.create(chunkKey(ref), bytes);
    else await kv.update(chunkKey(ref), bytes, chunk.revision);
    return true;
  } catch (e) {
    const msg = String((e as Error).message);
    if (msg.includes("wrong last sequence") || msg.includes("key exists")) return false;
    throw e;
  }
}

export async function deleteChunk(kv: KV, ref: ChunkRef): Promise<void> {
  await kv.purge(chunkKey(ref));
}

export { Aggregate };
