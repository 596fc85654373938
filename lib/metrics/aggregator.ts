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
import type { Aggregate } from "./aggregate.js";
import type { ChunkRef } from "./chunk-store.js";
import { encodeDelta, type DeltaEntry } from "./delta-codec.js";
import { appendDelta, lastDeltaEnd, MAX_DELTA_BYTES } from "./delta-log.js";
import { foldDatum } from "./fold.js";
import { partitionOf, type IngestDatum, type IngestMessage } from "./ingest.js";
import { cachedSeriesId } from "./identity.js";
import { touchSeries, type SeriesTouch } from "./series-index.js";
import { chunkStart, ingestTiers, retention, TIERS } from "./tiers.js";

export interface SequencedMessage {
  seq: number;
  message: IngestMessage;
}

interface PendingChunk {
  ref: ChunkRef;
  buckets: Map<number, Aggregate>;
}

/** By account, then series id: ids come from a cache, so no key is built per datapoint. */
type Touches = Map<string, Map<string, SeriesTouch & { lastChunk?: PendingChunk }>>;

export interface BatchResult {
  /** The partition the batch belongs to (undefined for a batch with no datapoints). */
  partition?: number;
  datapoints: number;
  chunks: number;
}

export async function aggregateBatch(batch: SequencedMessage[], now = Date.now()): Promise<BatchResult> {
  const first = batch.find((m) => m.message.data.length > 0)?.message;
  if (!first) return { datapoints: 0, chunks: 0 };
  const partition = partitionOf(first.account, first.namespace, first.data[0]);
  let result: BatchResult = { partition, datapoints: 0, chunks: 0 };
  const touches: Touches = new Map();
  for (let attempt = 0; ; attempt++) {
    // What the partition's last record covers is already recorded...
    const end = await lastDeltaEnd(partition);
    const pending = batch.filter((m) => m.seq > end);
    // ...but its series are touched again: a delivery that died after its
    // append and before its index writes left them unindexed.
    if (pending.length < batch.length) foldMessages(batch.filter((m) => m.seq <= end), now, touches, false);
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
  msgs: SequencedMessage[],
  now: number,
  touches: Touches,
): Promise<{ datapoints: number; chunks: number } | undefined> {
  const { chunks, datapoints } = foldMessages(msgs, now, touches, true);
  const to = msgs[msgs.length - 1].seq;
  const entries: DeltaEntry[] = [];
  const bytes = encodeDelta(msgs[0].seq, to, chunks.values(), entries);
  if (bytes.length > MAX_DELTA_BYTES && msgs.length > 1) {
    chunks.clear();
    const half = msgs.length >> 1;
    const a = await recordMessages(partition, msgs.slice(0, half), now, touches);
    const b = a && (await recordMessages(partition, msgs.slice(half), now, touches));
    return b && { datapoints: a.datapoints + b.datapoints, chunks: a.chunks + b.chunks };
  }
  // The buckets are in `bytes` now: let them go before waiting on NATS, or
  // every batch in flight keeps its sketches alive into the old generation.
  const written = chunks.size;
  chunks.clear();
  if (!(await appendDelta(partition, bytes, msgs[0].seq, to, entries))) return undefined;
  return { datapoints, chunks: written };
}

/** Folds the messages into chunks (unless `fold` is false) and records their series in `accounts`. */
function foldMessages(msgs: SequencedMessage[], now: number, accounts: Touches, fold: boolean): { chunks: Map<string, PendingChunk>; datapoints: number } {
  const chunks = new Map<string, PendingChunk>();
  let datapoints = 0;
  const { hotMs } = retention();
  for (const { message } of msgs) {
    let series = accounts.get(message.account);
    if (!series) accounts.set(message.account, (series = new Map()));
    // A decoded message's datapoints of one series share their dimension list.
    let lastDims: IngestDatum["d"] | undefined;
    let lastName = "";
    let id = "";
    for (const d of message.data) {
      datapoints++;
      if (d.d !== lastDims || d.m !== lastName) {
        id = cachedSeriesId(message.namespace, d.m, d.d);
        lastDims = d.d;
        lastName = d.m;
      }
      let touch = series.get(id);
      if (!touch) {
        touch = {
          lastChunk: undefined,
          account: message.account,
          id,
          identity: { namespace: message.namespace, metricName: d.m, dimensions: d.d },
          units: new Set(),
          lastTimestamp: d.t,
          firstTimestamp: d.t,
        };
        series.set(id, touch);
      }
      touch.units.add(d.u);
      if (d.t > touch.lastTimestamp) touch.lastTimestamp = d.t;
      if (d.t < touch.firstTimestamp) touch.firstTimestamp = d.t;
      if (!fold) continue;
      for (const tier of ingestTiers(d, now, hotMs)) {
        const start = chunkStart(d.t, TIERS[tier]);
        // A series' datapoints in a batch mostly share one chunk: skip building its key again.
        const last = touch.lastChunk;
        let pending: PendingChunk | undefined =
          last && last.ref.start === start && last.ref.tier === tier && last.ref.unit === d.u ? last : undefined;
        if (!pending) {
          const key = `${message.account}.${id}.${d.u}.${tier}.${start}`;
          pending = chunks.get(key);
          if (!pending) {
            pending = { ref: { account: message.account, seriesId: id, unit: d.u, tier, start }, buckets: new Map() };
            chunks.set(key, pending);
          }
          touch.lastChunk = pending;
        }
        foldDatum(pending.buckets, d, TIERS[tier].resolutionMs);
      }
    }
  }
  // Touches outlive the fold (the index writes, a split or retried batch): their chunks must not.
  for (const series of accounts.values()) for (const t of series.values()) t.lastChunk = undefined;
  return { chunks, datapoints };
}
