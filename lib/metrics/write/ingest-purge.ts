/**
 * Removes the ingest messages every partition's aggregator has passed. Nothing
 * reads an ingest message at or below its partition's checkpoint (the aggregator,
 * the read tail and the lag all start at checkpoint + 1; the delta log holds
 * what it said), and a stream kept for its whole max_age grew by gigabytes
 * an hour at full ingest, its per-block state in nats-server's memory.
 */
import { getCheckpoint } from "../../storage/stream-shards.js";
import { getNats, nextMessage } from "../../storage/nats.js";
import { INGEST_STREAM, PARTITIONS, partitionFilter } from "./ingest-log.js";

/** How often one process purges: the stream then holds about this much past the slowest checkpoint. */
export const PURGE_EVERY_MS = 10_000;

/**
 * Purges the messages below the oldest one some partition still has to
 * aggregate; returns how many went. The stream's last sequence is read
 * first: a message appended after it is above every bound used here, so it
 * is never taken for aggregated. The last message always stays (nats-server
 * would forget the sequence of an empty stream: see purgeBelow in storage/nats.ts).
 */
export async function purgeAggregatedIngest(): Promise<number> {
  const { jsm } = await getNats();
  const last = (await jsm.streams.info(INGEST_STREAM)).state.last_seq;
  let below = last;
  for (let p = 0; p < PARTITIONS; p++) {
    const checkpoint = await getCheckpoint(INGEST_STREAM, String(p));
    if (checkpoint + 1 >= below) continue;
    const next = await nextMessage(jsm, INGEST_STREAM, checkpoint + 1, partitionFilter(p));
    if (next) below = Math.min(below, next.seq);
  }
  // A purge request with sequence 1 means "everything" to nats-server 2.9.
  if (below <= 1) return 0;
  return (await jsm.streams.purge(INGEST_STREAM, { seq: below })).purged;
}

let lastPurge = 0;
/** purgeAggregatedIngest at most once per PURGE_EVERY_MS in this process; failures only logged (the next pass retries). */
export async function purgeAggregatedSoon(now = Date.now()): Promise<void> {
  if (now - lastPurge < PURGE_EVERY_MS) return;
  lastPurge = now;
  try {
    await purgeAggregatedIngest();
  } catch (e) {
    console.error("[hive-cloudwatch] purging aggregated ingest messages failed; retrying on the next compaction", e);
  }
}
