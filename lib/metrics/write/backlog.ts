/**
 * How far the aggregators are behind: ingest messages past each partition's
 * checkpoint, and delta records not compacted yet. For operators, benchmarks
 * and tests.
 */
import { AckPolicy, DeliverPolicy } from "nats";
import { getCheckpoint } from "../../storage/stream-shards.js";
import { getNats } from "../../storage/nats.js";
import { DELTA_STREAM, deltaSubject, ensureDeltaStream, purgeMark } from "./delta-log.js";
import { ensureIngestStream, INGEST_STREAM, PARTITIONS, partitionFilter } from "./ingest-log.js";

/**
 * Delta records compaction has not folded yet (it does within seconds): those
 * at or past each partition's purge mark. Not the stream's message count:
 * folded records stay until every partition has folded its own, and the
 * stream's last record always stays (delta-log.ts purgeFolded).
 */
export async function deltaBacklog(): Promise<number> {
  await ensureDeltaStream();
  let total = 0;
  for (let p = 0; p < PARTITIONS; p++) total += await pendingFrom(DELTA_STREAM, deltaSubject(p), await purgeMark(p));
  return total;
}

export async function ingestBacklog(): Promise<number> {
  await ensureIngestStream();
  let total = 0;
  for (let p = 0; p < PARTITIONS; p++) total += await pendingFrom(INGEST_STREAM, partitionFilter(p), (await getCheckpoint(INGEST_STREAM, String(p))) + 1);
  return total;
}

/** Messages on `filter` from sequence `from` on: an ephemeral consumer's num_pending. */
async function pendingFrom(stream: string, filter: string, from: number): Promise<number> {
  const { jsm } = await getNats();
  const info = await jsm.consumers.add(stream, {
    filter_subject: filter,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: Math.max(1, from),
    ack_policy: AckPolicy.None,
    inactive_threshold: 10_000_000_000,
  });
  await jsm.consumers.delete(stream, info.name).catch(() => undefined);
  return info.num_pending;
}
