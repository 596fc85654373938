/**
 * The chunk index in KV (bucket cw-log-chunks, docs/formats/log-chunk.md):
 * per log stream a state record `{account}.{groupId}.{stream token}` (what
 * is compacted, which chunk numbers are committed) and per chunk an entry
 * `{account}.{groupId}.{stream token}.{n}` (time range, counts, block
 * offsets, token filter). Keys carry the group incarnation, so a deleted
 * group's chunks never show in a new group of the same name.
 *
 * Only committed chunk numbers count: a chunk is written by reserving its
 * number (compare-and-set on the state), writing its entry and object, then
 * committing (compare-and-set again, with the stream's new watermark). An
 * entry whose number is not committed is a crashed or lost attempt; readers
 * ignore it and the compactor deletes it once it is old.
 */
import type { KV } from "nats";
import { createRecord, getRecord, isWrongLastSequence, scanRecords, updateRecord, type Versioned } from "../../storage/kv.js";
import { BUCKETS, getBucket } from "../../storage/nats.js";
import { nameToken } from "../names.js";
import type { ChunkBlock } from "./chunk-codec.js";
import type { EncodedTokenFilter } from "./token-filter.js";

export const chunkBucket = (): Promise<KV> => getBucket(BUCKETS.logChunks);

export interface StreamChunkState {
  v: 1;
  account: string;
  logGroup: string;
  logStream: string;
  groupId: string;
  streamCreated?: number;
  /** Every buffered event of the stream with a sequence ≤ this is in a committed chunk. */
  through: number;
  /** The next chunk number to reserve. */
  next: number;
  /** Committed chunk numbers, as sorted inclusive ranges. */
  committed: [number, number][];
  /** Totals over committed chunks. */
  storedBytes: number;
  events: number;
  firstEventTimestamp?: number;
  lastEventTimestamp?: number;
  lastIngestionTime?: number;
}

/** Version 2 keeps a token filter per block (in `blocks`); version 1 one per chunk (`filter`). Both are read. */
export interface ChunkEntry {
  v: 1 | 2;
  n: number;
  /** S3 key in `[cloudwatch.logs] bucket`. */
  key: string;
  minTimestamp: number;
  maxTimestamp: number;
  minSeq: number;
  maxSeq: number;
  minIngestionTime: number;
  maxIngestionTime: number;
  count: number;
  rawBytes: number;
  /** Bytes of the object. */
  size: number;
  blocks: ChunkBlock[];
  /** Version 1 only: the whole chunk's token filter: bits (base64), m bits, k probes. */
  filter?: EncodedTokenFilter;
  /** ms, when the entry was written: uncommitted ones are deleted once old. */
  written: number;
}

export const streamStateKey = (account: string, groupId: string, stream: string) => `${account}.${groupId}.${nameToken(stream)}`;
export const chunkEntryKey = (account: string, groupId: string, stream: string, n: number) => `${streamStateKey(account, groupId, stream)}.${n}`;
export const groupStatesFilter = (account: string, groupId: string) => `${account}.${groupId}.*`;

export function isCommitted(state: StreamChunkState, n: number): boolean {
  for (const [a, b] of state.committed) if (n >= a && n <= b) return true;
  return false;
}

export function addCommitted(ranges: [number, number][], from: number, to: number): [number, number][] {
  const all = [...ranges, [from, to] as [number, number]].sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const r of all) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

export function removeCommitted(ranges: [number, number][], n: number): [number, number][] {
  const out: [number, number][] = [];
  for (const [a, b] of ranges) {
    if (n < a || n > b) out.push([a, b]);
    else {
      if (a <= n - 1) out.push([a, n - 1]);
      if (n + 1 <= b) out.push([n + 1, b]);
    }
  }
  return out;
}

export function committedNumbers(state: StreamChunkState): number[] {
  const out: number[] = [];
  for (const [a, b] of state.committed) for (let n = a; n <= b; n++) out.push(n);
  return out;
}

export async function getStreamState(account: string, groupId: string, stream: string): Promise<Versioned<StreamChunkState> | undefined> {
  return getRecord<StreamChunkState>(await chunkBucket(), streamStateKey(account, groupId, stream));
}

/** Every stream state of a group incarnation. */
export async function groupStates(account: string, groupId: string): Promise<StreamChunkState[]> {
  return (await scanRecords<StreamChunkState>(await chunkBucket(), groupStatesFilter(account, groupId))).map((r) => r.value);
}

export async function createStreamState(state: StreamChunkState): Promise<boolean> {
  return createRecord(await chunkBucket(), streamStateKey(state.account, state.groupId, state.logStream), state);
}

export async function updateStreamState(state: StreamChunkState, revision: number): Promise<boolean> {
  return updateRecord(await chunkBucket(), streamStateKey(state.account, state.groupId, state.logStream), state, revision);
}

/** Compare-and-set returning the new revision, or undefined when someone else wrote first. */
export async function updateStreamStateRevision(state: StreamChunkState, revision: number): Promise<number | undefined> {
  try {
    return await (await chunkBucket()).update(streamStateKey(state.account, state.groupId, state.logStream), Buffer.from(JSON.stringify(state)), revision);
  } catch (e) {
    if (isWrongLastSequence(e)) return undefined;
    throw e;
  }
}

export async function getChunkEntries(state: StreamChunkState, numbers: number[]): Promise<ChunkEntry[]> {
  const kv = await chunkBucket();
  const out = await Promise.all(numbers.map((n) => getRecord<ChunkEntry>(kv, chunkEntryKey(state.account, state.groupId, state.logStream, n))));
  return out.filter((e): e is Versioned<ChunkEntry> => e !== undefined).map((e) => e.value);
}
