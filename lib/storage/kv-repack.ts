/**
 * Moves a KV bucket's oldest records to the head of its stream, so that
 * nats-server can drop the file blocks they held.
 *
 * Why: nats-server 2.9.10 writes a KV bucket in 4 MB blocks and rewrites a
 * block without its deleted messages only while it is over 2 MB and under a
 * quarter live (filestore.go `removeMsg`, `compactMinimum`); a block is freed
 * only once every message in it is gone. A record rewritten every 30 s
 * (a chunk compaction folds into) leaves its old revision as a hole, while a
 * record nobody rewrites (an hour gone by, a pod that left) pins its block
 * until roll-off. The chunk bucket grew to 102 blocks, 119 MiB on disk for
 * 17–26 MiB live in the hour's soak, and nats-server loads a whole block into
 * memory for 5 s to read, overwrite or delete any record in it.
 *
 * Each record is rewritten with its own bytes, compare-and-set on the
 * revision it was read at: a writer that got there first wins and the record
 * moved anyway; a writer holding the old revision fails its compare-and-set
 * and reloads, as it does when another process wrote. Delete and purge
 * markers (a deleted key's only message, history 1) are deleted by sequence:
 * a key with no message reads as one with a marker.
 */
import type { StoredMsg } from "nats";
import { kvWrites, type KvWrite } from "./kv-writes.js";
import { getBucket, getNats, type BucketName } from "./nats.js";

export interface RepackReport {
  /** Records rewritten at the head. */
  moved: number;
  /** Delete or purge markers removed. */
  markers: number;
  /** Bytes of the records moved. */
  bytes: number;
}

/** Records read and rewritten per batch. */
const BATCH = 256;

/**
 * Rewrites the records older than the newest `spanFactor` × (live records)
 * sequences, once the stream spans more than that, up to `maxBytes` a run:
 * the stream then spans at most about `spanFactor` times its live records.
 */
export async function repackBucket(bucket: BucketName, { spanFactor = 2, maxBytes = 64 * 2 ** 20 } = {}): Promise<RepackReport> {
  const report: RepackReport = { moved: 0, markers: 0, bytes: 0 };
  await getBucket(bucket);
  const { jsm } = await getNats();
  const stream = `KV_${bucket}`;
  const { state } = await jsm.streams.info(stream);
  if (state.messages === 0 || state.last_seq - state.first_seq + 1 <= spanFactor * state.messages) return report;
  const cutoff = state.last_seq - spanFactor * state.messages;
  const prefix = `$KV.${bucket}.`;
  let seq = state.first_seq;
  while (seq < cutoff && report.bytes < maxBytes) {
    const batch: StoredMsg[] = [];
    while (batch.length < BATCH && seq < cutoff) {
      const m = await nextMessage(stream, seq, `${prefix}>`);
      if (!m || m.seq >= cutoff) {
        seq = cutoff;
        break;
      }
      batch.push(m);
      seq = m.seq + 1;
    }
    const writes: KvWrite[] = [];
    for (const m of batch) {
      const op = m.header?.get("KV-Operation");
      if (op === "DEL" || op === "PURGE") {
        // Only the key's newest message: if the key was written since, its marker is gone already.
        if (await jsm.streams.deleteMessage(stream, m.seq, false).catch(() => false)) report.markers++;
      } else {
        writes.push({ key: m.subject.slice(prefix.length), value: m.data, revision: m.seq });
        report.bytes += m.data.length;
      }
    }
    const revisions = await kvWrites(bucket, writes, { overMarkers: false });
    report.moved += revisions.filter((r) => r !== 0).length;
  }
  return report;
}

/** The first message at or after `seq` on `filter`, or undefined past the last. */
async function nextMessage(stream: string, seq: number, filter: string): Promise<StoredMsg | undefined> {
  // nats.js's manager has `direct` (JetStreamManagerImpl); its interface does not declare it.
  const { jsm } = (await getNats()) as unknown as { jsm: { direct: { getMessage(stream: string, q: { seq: number; next_by_subj: string }): Promise<StoredMsg> } } };
  try {
    return await jsm.direct.getMessage(stream, { seq, next_by_subj: filter });
  } catch (e) {
    if (/no message found|404/i.test(String((e as Error).message))) return undefined;
    throw e;
  }
}
