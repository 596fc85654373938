/**
 * Removes the ingest messages every partition's aggregator has passed. Nothing
 * reads an ingest message at or below its partition's checkpoint (the aggregator,
 * the read tail and the lag all start at checkpoint + 1; the delta log holds
 * what it said), and a stream kept for its whole max_age grew by gigabytes
 * an hour at full ingest, its per-block state in nats-server's memory.
 */
import { getCheckpoint } from "../../storage/stream-shards.js";
import { getNats, purgeBelowNeeded } from "../../storage/nats.js";
import { INGEST_STREAM, PARTITIONS, partitionFilter } from "./ingest-log.js";

/** How often one process purges: the stream then holds about this much past the slowest checkpoint. */
export const PURGE_EVERY_MS = 10_000;

/** Purges the messages below the oldest one some partition still has to aggregate (purgeBelowNeeded); returns how many went. */
export async function purgeAggregatedIngest(): Promise<number> {
  const { jsm } = await getNats();
  const needed = [];
  for (let p = 0; p < PARTITIONS; p++) needed.push({ subject: partitionFilter(p), from: (await getCheckpoint(INGEST_STREAM, String(p))) + 1 });
  return purgeBelowNeeded(jsm, INGEST_STREAM, needed);
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
