/**
 * How far behind the aggregators are, in seconds of data: the time
 * between the oldest ingest message past any partition's checkpoint and the
 * stream's newest message. Both times are nats-server's, so a service with a moved clock
 * (tests, a skewed host) measures the same. Every read folds that
 * unaggregated tail in, so its span bounds what reads and memory pay for it.
 */
import { getCheckpoint } from "../../storage/stream-shards.js";
import { getNats, nextMessage } from "../../storage/nats.js";
import { ensureIngestStream, INGEST_STREAM, PARTITIONS, partitionFilter } from "./ingest-log.js";

/** The span of unaggregated data, in seconds (0 when none waits). */
export async function ingestLagSeconds(): Promise<number> {
  await ensureIngestStream();
  const { jsm } = await getNats();
  const oldest = await Promise.all(
    Array.from({ length: PARTITIONS }, async (_, p) => {
      const checkpoint = await getCheckpoint(INGEST_STREAM, String(p));
      // The ingest stream has no direct gets: the JS API answers.
      const next = await nextMessage(jsm, INGEST_STREAM, checkpoint + 1, partitionFilter(p));
      return next ? next.time.getTime() : Infinity;
    }),
  );
  const first = Math.min(...oldest);
  if (first === Infinity) return 0;
  const newest = Date.parse((await jsm.streams.info(INGEST_STREAM)).state.last_ts);
  return Math.max(0, (newest - first) / 1000);
}
