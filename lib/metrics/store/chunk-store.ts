/**
 * Per-series chunks of buckets in NATS KV. A record is one series, one unit,
 * one tier and one span: `{account}.{seriesId}.{unit}.{tier}.{startSeconds}`.
 * Each record carries the highest ingest sequence folded into it, which makes
 * aggregation idempotent (a redelivered message is skipped) and lets readers
 * fold in exactly the messages the record does not have yet. A new record is
 * first listed in its window (chunk-windows.ts), which is how roll-off finds it.
 * Key and record layout (format 2): docs/formats/kv-keys.md, docs/formats/chunk.md.
 */
import type { KV } from "nats";
import { corruptStoredData } from "../../errors.js";
import { getBucket, BUCKETS } from "../../storage/nats.js";
import { deleteRevision } from "../../storage/kv-writes.js";
import { fromKeyToken, isWrongLastSequence, keyToken } from "../../storage/kv.js";
import { Aggregate } from "../read/aggregate.js";
import { decodeChunk, decodeChunkBasic, encodeChunk, viewChunkBasic, type BasicColumns, type BasicView } from "../encoding/chunk.js";
import type { ChunkMerge } from "../encoding/chunk-merge.js";
import { listNewChunks } from "./chunk-windows.js";
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
  /** Ingest tiers: the highest ingest sequence folded in. */
  lastSeq: number;
  /** Random id given when the record is created: rollups name their sources by it. */
  incarnation: number;
  /** Rollup tiers: incarnations of the finer chunks already folded in (roll-off is idempotent). */
  absorbed: number[];
  /** Bucket start (epoch ms) → aggregate. */
  buckets: Map<number, Aggregate>;
  /** Instead of `buckets`, for reads of basic statistics: columns, no distributions. */
  basic?: BasicColumns;
  /** KV revision, 0 when the record does not exist yet. */
  revision: number;
}

export const chunkKey = (r: ChunkRef) => `${r.account}.${r.seriesId}.${keyToken(r.unit)}.${r.tier}.${Math.floor(r.start / 1000)}`;

export const chunkBucket = (): Promise<KV> => getBucket(BUCKETS.metricChunks);

// docs/formats/chunk.md, "Stored chunk record".
const FORMAT = 2;

export const newIncarnation = () => (Math.random() * 0xffffffff) >>> 0;

export function emptyChunk(): StoredChunk {
  return { lastSeq: 0, incarnation: newIncarnation(), absorbed: [], buckets: new Map(), revision: 0 };
}

export function encodeStoredChunk(resolutionMs: number, chunk: Omit<StoredChunk, "revision">, level = 9): Uint8Array {
  // encodeChunk orders the buckets itself.
  return storedRecord(chunk, encodeChunk([...chunk.buckets].map(([t, agg]) => ({ t, agg })), resolutionMs, level));
}

/** A record's header fields. */
export type RecordHead = Pick<StoredChunk, "lastSeq" | "incarnation" | "absorbed">;

/** The record of header `chunk` and encoded chunk `body` (encodeChunk's bytes). */
function storedRecord(chunk: RecordHead, body: Uint8Array): Uint8Array {
  const head = 15 + 4 * chunk.absorbed.length;
  const out = new Uint8Array(head + body.length);
  const view = new DataView(out.buffer);
  out[0] = FORMAT;
  view.setFloat64(1, chunk.lastSeq);
  view.setUint32(9, chunk.incarnation);
  view.setUint16(13, chunk.absorbed.length);
  chunk.absorbed.forEach((a, i) => view.setUint32(15 + 4 * i, a));
  out.set(body, head);
  return out;
}

/** A record's header fields, and its chunk's bytes (not decoded: compaction merges them as they are, chunk-merge.ts). */
export function readRecord(bytes: Uint8Array): RecordHead & { body: Uint8Array } {
  if (bytes[0] !== FORMAT) throw corruptStoredData("chunk record", `unknown format ${bytes[0]}`);
  if (bytes.length < 15) throw corruptStoredData("chunk record", "truncated");
  const n = (bytes[13] << 8) | bytes[14];
  if (bytes.length < 15 + 4 * n) throw corruptStoredData("chunk record", "truncated");
  const absorbed = n === 0 ? [] : Array.from({ length: n }, (_, i) => uint32(bytes, 15 + 4 * i));
  return { lastSeq: float64(bytes, 1), incarnation: uint32(bytes, 9), absorbed, body: bytes.subarray(15 + 4 * n) };
}

// Header fields read through one scratch view, not a DataView per record (wide reads meet tens of thousands).
const SCRATCH = new Uint8Array(8);
const SCRATCH_VIEW = new DataView(SCRATCH.buffer);
const uint32 = (b: Uint8Array, at: number) => ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
function float64(b: Uint8Array, at: number): number {
  for (let k = 0; k < 8; k++) SCRATCH[k] = b[at + k];
  return SCRATCH_VIEW.getFloat64(0);
}

/** A stored record decoded; a read passes its range so buckets outside it are left encoded (decodeChunk). */
export function decodeStoredChunk(bytes: Uint8Array, revision: number, basic = false, from?: number, to?: number): StoredChunk {
  const { body, ...head } = readRecord(bytes);
  if (basic) return { ...head, revision, buckets: new Map(), basic: decodeChunkBasic(body) };
  return { ...head, revision, buckets: new Map(decodeChunk(body, from, to).buckets.map((b) => [b.t, b.agg])) };
}

/**
 * A stored record's buckets (basic statistics only) as a view of shared
 * buffers, valid until the next decode, with the record's header.
 */
export function viewStoredChunkBasic(bytes: Uint8Array): { lastSeq: number; incarnation: number; absorbed: number[]; buckets: BasicView } {
  const { body, lastSeq, incarnation, absorbed } = readRecord(bytes);
  return { lastSeq, incarnation, absorbed, buckets: viewChunkBasic(body) };
}

/** The record, or an empty one (revision 0) when there is none. */
export async function loadChunk(kv: KV, ref: ChunkRef, basic = false): Promise<StoredChunk> {
  const e = await kv.get(chunkKey(ref));
  if (!e || e.operation !== "PUT" || e.value.length === 0) return emptyChunk();
  return decodeStoredChunk(e.value, e.revision, basic);
}

/** A chunk's record as stored at `ref`. */
// Hot chunks are rewritten every batch and read by every query: no deflate; rollups: the best.
export const isHot = (tier: TierName) => tier === "s1" || tier === "m1" || tier === "m1s";

export function chunkRecord(ref: ChunkRef, chunk: StoredChunk): Uint8Array {
  return encodeStoredChunk(TIERS[ref.tier].resolutionMs, chunk, isHot(ref.tier) ? 0 : 9);
}

/**
 * The record of `ref` with the header `head` and the buckets a ChunkMerge
 * holds: what chunkRecord writes for the same buckets decoded.
 */
export function mergedChunkRecord(ref: ChunkRef, head: RecordHead, merged: ChunkMerge): Uint8Array {
  return storedRecord(head, merged.encode(TIERS[ref.tier].resolutionMs, isHot(ref.tier) ? 0 : 9));
}

/**
 * The record of a new hot chunk whose buckets are `chunk`, an undeflated
 * chunk (a delta record's entry body): what chunkRecord would write for it
 * decoded, without decoding it.
 */
export function newChunkRecord(chunk: Uint8Array, lastSeq: number): Uint8Array {
  const out = new Uint8Array(15 + chunk.length);
  const view = new DataView(out.buffer);
  out[0] = FORMAT;
  view.setFloat64(1, lastSeq);
  view.setUint32(9, newIncarnation());
  view.setUint16(13, 0);
  out.set(chunk, 15);
  return out;
}

/**
 * Compare-and-set write; false when another writer got there first. On
 * success the chunk's revision is the new one.
 */
export async function saveChunk(kv: KV, ref: ChunkRef, chunk: StoredChunk): Promise<boolean> {
  const bytes = chunkRecord(ref, chunk);
  const key = chunkKey(ref);
  // Listed in its window before it is created: roll-off finds chunks by their windows.
  if (chunk.revision === 0) await listNewChunks([key]);
  try {
    chunk.revision = chunk.revision === 0 ? await kv.create(key, bytes) : await kv.update(key, bytes, chunk.revision);
    return true;
  } catch (e) {
    if (isWrongLastSequence(e) || String((e as Error).message).includes("key exists")) return false;
    throw e;
  }
}

/** Deletes the record if it is still at `revision`, leaving no marker (deleteRevision); false if it changed. */
export async function deleteChunk(_kv: KV, _ref: ChunkRef, revision: number): Promise<boolean> {
  return deleteRevision(BUCKETS.metricChunks, revision);
}

/** Parses a chunk key back into its parts. */
export function parseChunkKey(key: string): ChunkRef | undefined {
  const [account, seriesId, unitToken, tier, startSeconds] = key.split(".");
  if (!startSeconds || !(tier in TIERS)) return undefined;
  return { account, seriesId, unit: unitOfToken(unitToken), tier: tier as TierName, start: Number(startSeconds) * 1000 };
}

/** The series id of a key of `account`'s chunks, without splitting it (wide reads meet tens of thousands). */
export function seriesIdOfKey(key: string, account: string): string {
  return key.slice(account.length + 1, key.indexOf(".", account.length + 1));
}

/** The unit of a key of `account`'s chunks, as seriesIdOfKey. */
export function unitOfKey(key: string, account: string): string {
  const from = key.indexOf(".", account.length + 1) + 1;
  return unitOfToken(key.slice(from, key.indexOf(".", from)));
}

/** Units by key token, memoised: a few tokens recur, and one string object per unit makes later Map lookups cheap. */
const UNITS = new Map<string, string>();

function unitOfToken(token: string): string {
  let unit = UNITS.get(token);
  if (unit === undefined) {
    if (UNITS.size > 1000) UNITS.clear();
    UNITS.set(token, (unit = fromKeyToken(token)));
  }
  return unit;
}

export { Aggregate };
