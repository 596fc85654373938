/**
 * LogRetention (scheduled): deletes the chunks whose events are all older
 * than their group's retention (`retentionInDays`, or `[cloudwatch.logs]
 * retention_days` for a group without one) from S3 and the index, keeping
 * storedBytes true; and clears what nothing can read any more: chunks of
 * deleted groups and streams, and entries of compaction attempts that never
 * committed. Expired events still in the buffer are dropped by the compactor.
 *
 * A chunk is uncommitted first (compare-and-set on its stream's state), then
 * its object and entry are deleted: a crash in between leaves an uncommitted
 * entry, which the next run deletes.
 */
import { DeleteObjectCommand } from "@aws-sdk/client-s3";
import { getConfig } from "../../config/config.js";
import { scanRecords } from "../../storage/kv.js";
import { getS3 } from "../../storage/s3.js";
import { effectiveRetentionDays, logGroupsBucket, type LogGroupRecord } from "../groups.js";
import { logStreamsBucket, type LogStreamRecord } from "../streams.js";
import { logStreamsFilter } from "../names.js";
import {
  chunkBucket,
  chunkEntryKey,
  committedNumbers,
  getStreamState,
  isCommitted,
  removeCommitted,
  updateStreamState,
  type ChunkEntry,
  type StreamChunkState,
} from "./chunk-index.js";
import { deleteChunk, settleGroupBytes } from "./compactor.js";

const DAY = 86_400_000;
/** An uncommitted entry older than this belongs to an attempt that died. */
const ABANDONED_MS = 3_600_000;

export interface RetentionReport {
  deletedChunks: number;
  deletedBytes: number;
  abandoned: number;
}

export async function enforceRetention(now = Date.now()): Promise<RetentionReport> {
  const report: RetentionReport = { deletedChunks: 0, deletedBytes: 0, abandoned: 0 };
  const groups = new Map<string, LogGroupRecord & { account: string }>();
  for (const { key, value } of await scanRecords<LogGroupRecord>(await logGroupsBucket(), "*.*")) {
    groups.set(`${key.slice(0, key.indexOf("."))}.${value.id}`, { ...value, account: key.slice(0, key.indexOf(".")) });
  }
  const kv = await chunkBucket();
  const states = await scanRecords<StreamChunkState>(kv, "*.*.*");
  const entryKeys: string[] = [];
  for await (const k of await kv.keys("*.*.*.*")) entryKeys.push(k);
  const streamsOf = new Map<string, Map<string, LogStreamRecord>>();
  const touched = new Set<string>();

  for (const { key, value: state } of states) {
    if (key.startsWith("compactor.")) continue;
    const g = groups.get(`${state.account}.${state.groupId}`);
    let live = g !== undefined;
    if (g) {
      let streams = streamsOf.get(`${state.account}.${state.groupId}`);
      if (!streams) {
        streams = new Map();
        for (const { value } of await scanRecords<LogStreamRecord>(await logStreamsBucket(), logStreamsFilter(state.account, g.logGroupName))) {
          if (value.groupId === g.id) streams.set(value.logStreamName, value);
        }
        streamsOf.set(`${state.account}.${state.groupId}`, streams);
      }
      live = streams.get(state.logStream)?.creationTime === state.streamCreated;
    }
    const cutoff = live ? now - effectiveRetentionDays(g!.retentionInDays) * DAY : Infinity;
    const expired = await expiredChunks(state, cutoff);
    if (expired.length) {
      report.deletedChunks += expired.length;
      report.deletedBytes += await dropChunks(state, expired);
      if (g) touched.add(`${state.account}\u0000${g.logGroupName}\u0000${g.id}`);
    }
    if (!live) {
      // Nothing can read a dead stream's state: it goes once its chunks have.
      const cur = await getStreamState(state.account, state.groupId, state.logStream);
      if (cur && cur.value.committed.length === 0) await kv.purge(key, { previousSeq: cur.revision }).catch(() => undefined);
    }
  }

  // Entries never committed: leftovers of attempts that died between reserving and committing.
  const stateByKey = new Map(states.map((s) => [s.key, s.value]));
  for (const key of entryKeys) {
    const dot = key.lastIndexOf(".");
    const state = stateByKey.get(key.slice(0, dot));
    const n = Number(key.slice(dot + 1));
    if (state && isCommitted(state, n)) continue;
    const entry = (await kv.get(key))?.json<ChunkEntry>();
    if (!entry || entry.written > Date.now() - ABANDONED_MS) continue;
    if (state) {
      // Committed since the states were read?
      const fresh = await getStreamState(state.account, state.groupId, state.logStream);
      if (fresh && isCommitted(fresh.value, n)) continue;
    }
    await deleteChunkAt(key, entry);
    report.abandoned++;
  }

  for (const t of touched) {
    const [account, name, id] = t.split("\u0000");
    await settleGroupBytes(account, name, id);
  }
  return report;
}

async function deleteChunkAt(key: string, entry: ChunkEntry): Promise<void> {
  await getS3().send(new DeleteObjectCommand({ Bucket: getConfig().logs.bucket, Key: entry.key }));
  await (await chunkBucket()).purge(key);
}

async function expiredChunks(state: StreamChunkState, cutoff: number): Promise<ChunkEntry[]> {
  const kv = await chunkBucket();
  const out: ChunkEntry[] = [];
  for (const n of committedNumbers(state)) {
    const e = (await kv.get(chunkEntryKey(state.account, state.groupId, state.logStream, n)))?.json<ChunkEntry>();
    if (e && e.maxTimestamp < cutoff) out.push(e);
  }
  return out;
}

/** Uncommits the chunks, then deletes them. Returns the bytes they held. */
async function dropChunks(state: StreamChunkState, chunks: ChunkEntry[]): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const cur = await getStreamState(state.account, state.groupId, state.logStream);
    if (!cur) return 0;
    const mine = chunks.filter((c) => isCommitted(cur.value, c.n));
    if (!mine.length) return 0;
    let committed = cur.value.committed;
    for (const c of mine) committed = removeCommitted(committed, c.n);
    const next: StreamChunkState = {
      ...cur.value,
      committed,
      storedBytes: Math.max(0, cur.value.storedBytes - mine.reduce((n, c) => n + c.size, 0)),
      events: Math.max(0, cur.value.events - mine.reduce((n, c) => n + c.count, 0)),
    };
    if (!(await updateStreamState(next, cur.revision))) continue;
    for (const c of mine) await deleteChunk(state.account, state.groupId, state.logStream, c);
    return mine.reduce((n, c) => n + c.size, 0);
  }
  return 0;
}
