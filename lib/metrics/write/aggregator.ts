/**
 * The aggregator: folds a batch of ingest messages (one partition, in stream
 * order) into buckets per chunk, appends them to the delta log as one record
 * (delta-log.ts), then touches the series index. Compaction (compaction.ts)
 * later folds the records into the chunks themselves: a batch costs one
 * append, not one write per series it touched.
 *
 * Exactly-once: a batch delivered again (a crash before the checkpoint
 * moved, or a holder that lost its lease) finds its messages covered by the
 * partition's last record and drops them; appends are conditional on that
 * record still being the last, so two holders cannot both record a message.
 */
import { BatchFold, type Touches } from "./batch-fold.js";
import { encodeDelta, type DeltaEntry } from "../encoding/delta-codec.js";
import { appendDelta, lastDeltaEnd, MAX_DELTA_BYTES } from "./delta-log.js";
import { partitionOf } from "./ingest-log.js";
import { decodeIngestColumns, IngestColumns } from "../encoding/ingest-codec.js";
import { touchSeries } from "../store/series-index.js";
import { retention } from "../store/tiers.js";

/** An ingest message as the stream hands it over: its sequence and its bytes (ingest-codec.ts). */
export interface IngestRecord {
  seq: number;
  data: Uint8Array;
}

export interface BatchResult {
  /** The partition the batch belongs to (undefined for a batch with no datapoints). */
  partition?: number;
  datapoints: number;
  chunks: number;
}

export async function aggregateBatch(batch: IngestRecord[], now = Date.now()): Promise<BatchResult> {
  let first: IngestColumns | undefined;
  for (const m of batch) if ((first = decodeIngestColumns(m.data, new IngestColumns())).length > 0) break;
  if (!first?.length) return { datapoints: 0, chunks: 0 };
  const partition = partitionOf(first.account, first.namespace, first.series[first.seriesOf[0]]);
  let result: BatchResult = { partition, datapoints: 0, chunks: 0 };
  const touches: Touches = new Map();
  for (let attempt = 0; ; attempt++) {
    // What the partition's last record covers is already recorded...
    const end = await lastDeltaEnd(partition);
    const pending = batch.filter((m) => m.seq > end);
    // ...but its series are touched again: a delivery that died after its
    // append and before its index writes left them unindexed.
    if (pending.length < batch.length) foldMessages(batch.filter((m) => m.seq <= end), now, touches, false).release();
    if (!pending.length) break;
    const recorded = await recordMessages(partition, pending, now, touches);
    if (recorded) {
      result = { partition, ...recorded };
      break;
    }
    if (attempt >= 20) throw new Error(`aggregator: partition ${partition}'s delta log kept moving under us`);
  }
  await touchSeries([...touches.values()].flatMap((series) => [...series.values()]), now);
  return result;
}

/**
 * Folds the messages and appends them as one record, or as several when one
 * would not fit in a NATS message (split by messages, so each record covers
 * a contiguous range). Undefined when another writer appended first.
 */
async function recordMessages(
  partition: number,
  msgs: IngestRecord[],
  now: number,
  touches: Touches,
): Promise<{ datapoints: number; chunks: number } | undefined> {
  const fold = foldMessages(msgs, now, touches, true);
  const to = msgs[msgs.length - 1].seq;
  const entries: DeltaEntry[] = [];
  const bytes = encodeDelta(msgs[0].seq, to, fold.encodable(), entries);
  fold.release();
  const { datapoints } = fold;
  const written = fold.chunks.length;
  if (bytes.length > MAX_DELTA_BYTES && msgs.length > 1) {
    const half = msgs.length >> 1;
    const a = await recordMessages(partition, msgs.slice(0, half), now, touches);
    const b = a && (await recordMessages(partition, msgs.slice(half), now, touches));
    return b && { datapoints: a.datapoints + b.datapoints, chunks: a.chunks + b.chunks };
  }
  if (!(await appendDelta(partition, bytes, msgs[0].seq, to, entries))) return undefined;
  return { datapoints, chunks: written };
}

/** Folds the messages into chunks (unless `fold` is false) and records their series in `touches`. */
function foldMessages(msgs: IngestRecord[], now: number, touches: Touches, fold: boolean): BatchFold {
  const batch = new BatchFold(now, retention().hotMs, touches);
  const columns = new IngestColumns();
  for (const { data } of msgs) batch.add(decodeIngestColumns(data, columns), fold);
  return batch;
}
