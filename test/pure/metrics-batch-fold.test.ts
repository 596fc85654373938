/**
 * The aggregator's columnar fold (batch-fold.ts) against the plain one it
 * replaced: every datapoint folded into an Aggregate (datum-fold.ts) per bucket.
 * Random batches of every form of datum must encode to the same delta
 * record, byte for byte, and touch the same series the same way.
 */
import { describe, expect, it } from "vitest";
import type { Aggregate } from "../../lib/metrics/read/aggregate.js";
import { BatchFold, type Touches } from "../../lib/metrics/write/batch-fold.js";
import type { ChunkRef } from "../../lib/metrics/store/chunk-store.js";
import { decodeDelta, encodeDelta } from "../../lib/metrics/encoding/delta-codec.js";
import { decodeChunk } from "../../lib/metrics/encoding/chunk.js";
import { chunkRecord, isHot, newChunkRecord } from "../../lib/metrics/store/chunk-store.js";
import { foldDatum } from "../../lib/metrics/write/datum-fold.js";
import { cachedSeriesId } from "../../lib/metrics/store/identity.js";
import { decodeIngestColumns, decodeIngestMessage, IngestColumns, type IngestDatum, type IngestMessage } from "../../lib/metrics/encoding/ingest-codec.js";
import { encodeIngestMessage } from "../../lib/metrics/encoding/datum-columns.js";
import { chunkStart, ingestTiers, TIERS } from "../../lib/metrics/store/tiers.js";
import { rng } from "../support/random.js";

const NOW = Date.UTC(2026, 10, 25, 12, 30, 0);
const HOUR = 3_600_000;
const HOT_MS = 24 * HOUR; // the seed's hot retention

/** The fold before batch-fold.ts: an Aggregate per bucket, in a Map per chunk. */
function referenceFold(messages: IngestMessage[], now: number) {
  const chunks = new Map<string, { ref: ChunkRef; buckets: Map<number, Aggregate> }>();
  const touched = new Map<string, { units: Set<string>; first: number; last: number }>();
  for (const msg of messages) {
    for (const d of msg.data) {
      const id = cachedSeriesId(msg.namespace, d.m, d.d);
      const key = `${msg.account}.${id}`;
      const t = touched.get(key) ?? { units: new Set<string>(), first: d.t, last: d.t };
      t.units.add(d.u);
      t.first = Math.min(t.first, d.t);
      t.last = Math.max(t.last, d.t);
      touched.set(key, t);
      for (const tier of ingestTiers(d, now, HOT_MS)) {
        const start = chunkStart(d.t, TIERS[tier]);
        const ck = `${key}.${d.u}.${tier}.${start}`;
        let c = chunks.get(ck);
        if (!c) chunks.set(ck, (c = { ref: { account: msg.account, seriesId: id, unit: d.u, tier, start }, buckets: new Map() }));
        foldDatum(c.buckets, d, TIERS[tier].resolutionMs);
      }
    }
  }
  const listed = [...chunks.values()].map(({ ref, buckets }) => ({ ref, buckets: [...buckets].map(([t, agg]) => ({ t, agg })) }));
  return { bytes: encodeDelta(1, messages.length, listed), touched };
}

function columnarFold(encoded: Uint8Array[], now: number, fold = true) {
  const touches: Touches = new Map();
  const batch = new BatchFold(now, HOT_MS, touches);
  const columns = new IngestColumns();
  for (const bytes of encoded) batch.add(decodeIngestColumns(bytes, columns), fold);
  const bytes = encodeDelta(1, encoded.length, batch.encodable());
  batch.release();
  const touched = new Map<string, { units: Set<string>; first: number; last: number }>();
  for (const series of touches.values()) for (const t of series.values()) touched.set(`${t.account}.${t.id}`, { units: new Set(t.units), first: t.firstTimestamp, last: t.lastTimestamp });
  return { bytes, touched, datapoints: batch.datapoints, chunks: batch.chunks.length };
}

/** A random datum of any form, on one of a few series and units, at times across chunk boundaries and tiers. */
function randomDatum(random: () => number): IngestDatum {
  const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)];
  const value = () =>
    pick([
      () => Math.round(random() * 10_000) / 100,
      () => -Math.round(random() * 1000) / 10,
      () => 0,
      () => -0,
      () => Math.exp((random() - 0.5) * 40),
      () => 42,
    ])();
  const times = [NOW - 5_000, NOW - 61_000, NOW - 2 * HOUR, NOW - 13 * HOUR, NOW - 30 * HOUR, NOW - 6 * 24 * HOUR, Date.UTC(2026, 10, 25, 11, 59, 59, 500), NOW + 30_000];
  const base = {
    m: pick(["Latency", "Requests", "é 🌏"]),
    d: pick([[], [["Host", "a"]], [["Host", "ab"]], [["Az", "1"], ["Host", "a"]]] as Array<Array<[string, string]>>),
    t: pick(times) + Math.floor(random() * 120) * 1000,
    u: pick(["Milliseconds", "Count", "None"]),
    ...(random() < 0.3 ? { r: 1 as const } : {}),
  };
  const form = random();
  if (form < 0.5) return { ...base, v: value() };
  if (form < 0.7) {
    const v = value();
    const n = 1 + Math.floor(random() * 5);
    // Uniform sets (every value known) and others (distribution lost).
    return random() < 0.5 ? { ...base, s: [n, v * n, v, v] } : { ...base, s: [n, v * n + 1, v - 1, v + 1] };
  }
  const k = Math.floor(random() * 40);
  const vs = Array.from({ length: k }, value);
  if (random() < 0.5) return { ...base, vs };
  // Counts of every kind: whole, fractional, zero (skipped).
  return { ...base, vs, cs: vs.map(() => pick([1, 2, 0.5, 0, 3.25, 100])) };
}

function randomBatch(seed: number) {
  const random = rng(seed);
  return Array.from({ length: 1 + Math.floor(random() * 6) }, () => ({
    account: random() < 0.8 ? "111111111111" : "222222222222",
    namespace: random() < 0.8 ? "App" : "Other",
    data: Array.from({ length: 1 + Math.floor(random() * 120) }, () => randomDatum(random)),
  }));
}

describe("the aggregator's columnar fold", () => {
  it("encodes the same delta record as folding every datapoint into an Aggregate, for 300 random batches", () => {
    for (let seed = 1; seed <= 300; seed++) {
      const messages = randomBatch(seed);
      const encoded = messages.map(encodeIngestMessage);
      const want = referenceFold(messages.map((m, i) => decodeIngestMessage(encoded[i])), NOW);
      const got = columnarFold(encoded, NOW);
      expect(Buffer.from(got.bytes).equals(Buffer.from(want.bytes)), `seed ${seed}`).toBe(true);
      expect(got.touched).toEqual(want.touched);
      expect(got.datapoints).toBe(messages.reduce((n, m) => n + m.data.length, 0));
    }
  });

  it("folds a series' thousands of datapoints into one chunk's buckets (sketch bins over the sort's small-bucket limit)", () => {
    const random = rng(5);
    const data: IngestDatum[] = Array.from({ length: 5000 }, (_, i) => ({ m: "Busy", d: [["Host", "a"]], t: NOW - 600_000 + (i % 600) * 1000, u: "None", v: Math.exp(random() * 12) - 100 }));
    const msg = { account: "111111111111", namespace: "App", data };
    const want = referenceFold([msg], NOW);
    const got = columnarFold([encodeIngestMessage(msg)], NOW);
    expect(got.chunks).toBe(1);
    expect(Buffer.from(got.bytes).equals(Buffer.from(want.bytes))).toBe(true);
  });

  it("gives a new hot chunk, written from a delta entry's bytes as compaction does, the record its decoded buckets would have", () => {
    let compared = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const { bytes } = columnarFold(randomBatch(seed).map(encodeIngestMessage), NOW);
      for (const e of decodeDelta(bytes).entries.filter((x) => isHot(x.tier))) {
        const record = newChunkRecord(e.body, 1234);
        const incarnation = new DataView(record.buffer).getUint32(9);
        const buckets = new Map(decodeChunk(e.body).buckets.map((b) => [b.t, b.agg]));
        expect(Buffer.from(record).equals(Buffer.from(chunkRecord(e, { lastSeq: 1234, incarnation, absorbed: [], buckets, revision: 0 }))), `seed ${seed}`).toBe(true);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(100);
  });

  it("reads messages in the JSON form written before the binary one", () => {
    const messages = randomBatch(77);
    const json = messages.map((m) => new TextEncoder().encode(JSON.stringify(m)));
    const want = referenceFold(messages, NOW);
    const got = columnarFold(json, NOW);
    expect(Buffer.from(got.bytes).equals(Buffer.from(want.bytes))).toBe(true);
  });

  it("only records the series when not folding (a batch the delta log already covers)", () => {
    const messages = randomBatch(9);
    const got = columnarFold(messages.map(encodeIngestMessage), NOW, false);
    expect(got.chunks).toBe(0);
    expect(got.touched).toEqual(referenceFold(messages, NOW).touched);
  });
});
