/**
 * How far the aggregators are behind: ingest messages past each partition's
 * checkpoint, and delta records not compacted yet. For operators, benchmarks
 * and tests.
 */
import { AckPolicy, DeliverPolicy } from "nats";
import { getCheckpoint } from "../../storage/stream-shards.js";
import { getNats } from "../../storage/nats.js";
import { DELTA_STREAM, ensureDeltaStream } from "./delta-log.js";
import { ensureIngestStream, INGEST_STREAM, PARTITIONS, partitionFilter } from "./ingest-log.js";

/** Delta records compaction has not purged yet (it folds them into chunks within seconds). */
export async function deltaBacklog(): Promise<number> {
  await ensureDeltaStream();
  const { jsm } = await getNats();
  return (await jsm.streams.info(DELTA_STREAM)).state.messages;
}

export async function ingestBacklog(): Promise<number> {
  await ensureIngestStream();
  const { jsm } = await getNats();
  let total = 0;
  for (let p = 0; p < PARTITIONS; p++) {
    const checkpoint = await getCheckpoint(INGEST_STREAM, String(p));
    // An ephemeral consumer's num_pending counts the partition's messages past it.
    const info = await jsm.consumers.add(INGEST_STREAM, {
      filter_subject: partitionFilter(p),
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: checkpoint + 1,
      ack_policy: AckPolicy.None,
      inactive_threshold: 10_000_000_000,
    });
    total += info.num_pending;
    await jsm.consumers.delete(INGEST_STREAM, info.name).catch(() => undefined);
  }
  return total;
}
