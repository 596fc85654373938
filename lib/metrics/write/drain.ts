/**
 * Aggregates everything pending in the ingest log now, in-process, and
 * compacts it into chunks: for tools, tests with a fixed clock and
 * benchmarks. It takes each partition's lease like any aggregator, so it is
 * safe next to a running service.
 */
import { acquireLease, commitLease, readShard, releaseLease } from "../../storage/stream-shards.js";
import { aggregateBatch } from "./aggregator.js";
import { compactPartition } from "./compaction.js";
import { AGGREGATOR_BATCH, ensureIngestStream, INGEST_STREAM, PARTITIONS, partitionFilter } from "./ingest-log.js";

const LEASE_MS = 30_000;

/** `batchSize`: messages per batch (the template's BatchSize, for a like-for-like benchmark). */
export async function drainIngest(now = Date.now(), batchSize = AGGREGATOR_BATCH): Promise<number> {
  await ensureIngestStream();
  // The partitions at once, as the stream trigger runs its shard loops: one
  // partition's waits on nats-server overlap another's folding.
  const drained = await Promise.allSettled(Array.from({ length: PARTITIONS }, (_, p) => drainPartition(p, now, batchSize)));
  const failed = drained.find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
  return drained.reduce((sum, r) => sum + (r.status === "fulfilled" ? r.value : 0), 0);
}

async function drainPartition(p: number, now: number, batchSize: number): Promise<number> {
  const lease = await acquireLease(INGEST_STREAM, String(p), `drain-${process.pid}`, LEASE_MS);
  if (!lease) throw new Error(`partition ${p} is leased by another aggregator; try again when it is idle`);
  let total = 0;
  try {
    for (;;) {
      const msgs = await readShard(INGEST_STREAM, partitionFilter(p), lease.record.checkpoint + 1, batchSize, 0);
      if (!msgs.length) break;
      await aggregateBatch(msgs, now);
      if (!(await commitLease(lease, msgs[msgs.length - 1].seq, LEASE_MS))) throw new Error(`lost the lease of partition ${p}`);
      total += msgs.length;
    }
    await compactPartition(p);
  } finally {
    await releaseLease(lease);
  }
  return total;
}
