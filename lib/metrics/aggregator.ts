/**
 * The aggregator: folds a batch of ingest messages (one partition, in stream
 * order) into per-series chunks, then touches the series index.
 *
 * Exactly-once: each chunk records the highest ingest sequence folded into it,
 * and a message at or below it is skipped. The partition's consumer allows one
 * outstanding batch at a time, so batches are folded in order even when
 * several aggregators pull from it; a crash before the ack only means the
 * batch is delivered again, and the chunks it already reached skip it.
 */
import type { KV } from "nats";
import { chunkBucket, chunkKey, loadChunk, saveChunk, type ChunkRef, type StoredChunk } from "./chunk-store.js";
import { foldDatum } from "./fold.js";
import type { IngestDatum, IngestMessage } from "./ingest.js";
import { cachedSeriesId } from "./identity.js";
import { touchSeries, type SeriesTouch } from "./series-index.js";
import { chunkStart, ingestTiers, retention, TIERS } from "./tiers.js";

export interface SequencedMessage {
  seq: number;
  message: IngestMessage;
}

interface PendingChunk {
  ref: ChunkRef;
  /** Parallel arrays: ingest sequence and datapoint (no object per datapoint). */
  seqs: number[];
  datums: IngestDatum[];
}


export async function aggregateBatch(batch: SequencedMessage[], now = Date.now()): Promise<{ datapoints: number; chunks: number }> {
  const chunks = new Map<string, PendingChunk>();
  // By account, then series id: ids come from a cache, so no key is built per datapoint.
  const accounts = new Map<string, Map<string, SeriesTouch & { lastChunk?: PendingChunk }>>();
  let datapoints = 0;
  const { hotMs } = retention();

  for (const { seq, message } of batch) {
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
      touch.lastTimestamp = Math.max(touch.lastTimestamp, d.t);
      touch.firstTimestamp = Math.min(touch.firstTimestamp, d.t);
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
            pending = { ref: { account: message.account, seriesId: id, unit: d.u, tier, start }, seqs: [], datums: [] };
            chunks.set(key, pending);
          }
          touch.lastChunk = pending;
        }
        pending.seqs.push(seq);
        pending.datums.push(d);
      }
    }
  }

  const kv = await chunkBucket();
  const all = [...chunks.values()];
  // A pool of in-flight chunk updates: NATS pipelines them on one connection.
  let next = 0;
  const worker = async () => {
    while (next < all.length) await applyToChunk(kv, all[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(256, all.length) }, worker));
  await touchSeries([...accounts.values()].flatMap((series) => [...series.values()]), now);
  return { datapoints, chunks: all.length };
}

/**
 * The chunks this process wrote last, with their KV revisions, so the next
 * batch can skip reading them back. Only a cache: every write is a
 * compare-and-set against the cached revision, and a mismatch reloads.
 * Bounded by an estimate of the memory it holds, not by a count: a chunk of
 * busy minutes with wide distributions holds tens of KB, one of single
 * values a few.
 */
const CHUNK_CACHE = new Map<string, { chunk: StoredChunk; bytes: number }>();
const CHUNK_CACHE_BUDGET = 128 * 2 ** 20;
let cachedBytes = 0;

async function applyToChunk(kv: KV, pending: PendingChunk): Promise<void> {
  const resolutionMs = TIERS[pending.ref.tier].resolutionMs;
  const key = chunkKey(pending.ref);
  for (let attempt = 0; attempt < 20; attempt++) {
    const cached = attempt === 0 ? forget(key) : undefined;
    const chunk = cached ?? (await loadChunk(kv, pending.ref));
    let maxSeq = chunk.lastSeq;
    const { seqs, datums } = pending;
    for (let i = 0; i < seqs.length; i++) {
      const seq = seqs[i];
      if (seq <= chunk.lastSeq) continue; // already folded by an earlier delivery
      foldDatum(chunk.buckets, datums[i], resolutionMs);
      if (seq > maxSeq) maxSeq = seq;
    }
    if (maxSeq === chunk.lastSeq) {
      if (chunk.revision) remember(key, chunk);
      return;
    }
    chunk.lastSeq = maxSeq;
    if (await saveChunk(kv, pending.ref, chunk)) {
      remember(key, chunk);
      return;
    }
  }
  throw new Error(`aggregator: chunk ${pending.ref.seriesId} kept changing under us`);
}

function remember(key: string, chunk: StoredChunk): void {
  let bytes = 200;
  for (const agg of chunk.buckets.values()) bytes += agg.approximateBytes();
  CHUNK_CACHE.set(key, { chunk, bytes });
  cachedBytes += bytes;
  // Oldest first: Maps iterate in insertion order, and a used chunk is re-inserted.
  while (cachedBytes > CHUNK_CACHE_BUDGET && CHUNK_CACHE.size > 1) forget(CHUNK_CACHE.keys().next().value!);
}

function forget(key: string): StoredChunk | undefined {
  const entry = CHUNK_CACHE.get(key);
  if (!entry) return undefined;
  CHUNK_CACHE.delete(key);
  cachedBytes -= entry.bytes;
  return entry.chunk;
}
