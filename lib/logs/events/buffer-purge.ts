/**
 * Purging the log buffer (CW_LOGS_EVENTS) behind the LogCompactor. Each
 * partition's compactor marks its checkpoint with the wall-clock time
 * (`compactor.purge.{partition}` in cw-log-chunks, docs/formats/kv-keys.md);
 * the buffer is then purged stream-wide below the oldest message some
 * partition still needs: past its newest mark at least PURGE_GRACE_MS old
 * (a scan that read a stream state just before a commit still finds those
 * events in the buffer), and, of the batches the partition's stream-triggered
 * LogEventsProcessor (metric filters, EMF, subscriptions) reads, not past
 * what it has processed while it is alive.
 *
 * Stream-wide, not by subject: nats-server 2.9.10's purge filtered by subject
 * (fileStore.PurgeEx) never takes what it removes out of the account's
 * storage total, which then grows by the volume of logs ingested until
 * JetStream refuses every write, and it loads every block holding the
 * subject under the store's lock, stalling publishes and reads meanwhile
 * (docs/memory.md). The stream's last message always stays (purgeBelowNeeded).
 */
import { getRecord, putRecord } from "../../storage/kv.js";
import { getNats, purgeBelowNeeded } from "../../storage/nats.js";
import { getShard } from "../../storage/stream-shards.js";
import { chunkBucket } from "./chunk-index.js";
import { ensureLogEventsStream, LOG_EVENTS_STREAM, LOG_PARTITIONS, logPartitionFilter } from "./event-buffer.js";

/** How long after the checkpoint passed them buffered messages are kept for scans in flight. */
export const PURGE_GRACE_MS = 15_000;
/** A stream-triggered consumer of CW_LOGS_EVENTS whose lease lapsed this long ago no longer holds purging back. */
const STREAM_CONSUMER_GONE_MS = 10 * 60_000;
/** Marks kept per partition: a mark is added at most once a purge period, and ripe ones collapse into one. */
const MAX_MARKS = 100;

interface PurgeMarks {
  marks: { seq: number; at: number }[];
}

const marksKey = (partition: number) => `compactor.purge.${partition}`;

/**
 * Records that partition `p`'s checkpoint stood at `checkpoint` at `now`
 * (wall clock: the marks outlive a test clock). Marks above a checkpoint
 * that moved back (nats-server lost the stream's sequence) are dropped.
 */
export async function markCompacted(p: number, checkpoint: number, now = Date.now()): Promise<void> {
  const kv = await chunkBucket();
  const had = (await getRecord<PurgeMarks>(kv, marksKey(p)))?.value.marks ?? [];
  const marks = had.filter((m) => m.seq <= checkpoint);
  if (!marks.length || marks[marks.length - 1].seq < checkpoint) marks.push({ seq: checkpoint, at: now });
  // Of the ripe marks only the newest counts.
  const ripe = marks.filter((m) => m.at <= now - PURGE_GRACE_MS);
  const keep = [...ripe.slice(-1), ...marks.filter((m) => m.at > now - PURGE_GRACE_MS)].slice(-MAX_MARKS);
  if (JSON.stringify(keep) !== JSON.stringify(had)) await putRecord(kv, marksKey(p), { marks: keep } satisfies PurgeMarks);
}

/**
 * What partition `p` still needs from the buffer at `now`: its batches of
 * both kinds past its newest ripe mark (from 1 without one), and, while its
 * LogEventsProcessor is alive, the batches that one reads past its
 * checkpoint (only those: a processor with nothing to do never moves its
 * checkpoint, and must not hold the compactor's batches back for ever).
 */
export async function partitionNeeds(p: number, now = Date.now()): Promise<{ subject: string; from: number }[]> {
  const [rec, consumer] = await Promise.all([getRecord<PurgeMarks>(await chunkBucket(), marksKey(p)), getShard(LOG_EVENTS_STREAM, String(p))]);
  let floor = 0;
  for (const m of rec?.value.marks ?? []) if (m.at <= now - PURGE_GRACE_MS) floor = Math.max(floor, m.seq);
  const needs = [{ subject: logPartitionFilter(p), from: floor + 1 }];
  if (consumer && consumer.leaseUntil > now - STREAM_CONSUMER_GONE_MS) needs.push({ subject: consumer.filter, from: consumer.checkpoint + 1 });
  return needs;
}

/**
 * Purges the buffer stream-wide below the oldest message any partition
 * still needs (partitionNeeds). Returns how many went.
 */
export async function purgeCompactedBuffer(now = Date.now()): Promise<number> {
  await ensureLogEventsStream();
  const needs = await Promise.all(Array.from({ length: LOG_PARTITIONS }, (_, p) => partitionNeeds(p, now)));
  const { jsm } = await getNats();
  return purgeBelowNeeded(jsm, LOG_EVENTS_STREAM, needs.flat());
}
