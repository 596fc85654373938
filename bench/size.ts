/**
 * Bytes at rest per stored bucket (npx tsx bench/size.ts).
 *
 * Realistic series, one value a minute for 24 hours, stored as hourly chunks
 * of 1-minute buckets (what compaction writes to KV while an hour is open)
 * and as 12-hour sealed chunks (where roll-off moves closed hours); plus, for
 * comparison, busier series with many values a minute. Every chunk is decoded
 * again and checked bit-for-bit (count, sum, min, max, sketch quantiles).
 */

import { Aggregate } from "../lib/metrics/read/aggregate.js";
import { decodeChunk, encodeChunk, type Bucket } from "../lib/metrics/encoding/chunk.js";
import { rng } from "../test/support/random.js";
import { TIERS } from "../lib/metrics/store/tiers.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY0 = Date.UTC(2026, 10, 25);

/** Deterministic PRNG (mulberry32), so the figures are reproducible. */

function gaussian(r: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

const round = (v: number, d: number) => Number(v.toFixed(d));
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

type Gen = (minute: number) => number[];

const series: Array<{ name: string; unit: string; values: Gen }> = (() => {
  const r = rng(42);
  const g = gaussian(r);
  let cpu = 35;
  let lat = 120;
  let req = 1000;
  let mem = 2_147_483_648;
  const gLat = gaussian(rng(7));
  return [
    {
      name: "CPU % (random walk, 2 decimals)",
      unit: "Percent",
      values: () => [round((cpu = clamp(cpu + g() * 1.5, 0, 100)), 2)],
    },
    {
      name: "latency ms (random walk, 3 decimals)",
      unit: "Milliseconds",
      values: () => [round((lat = clamp(lat + g() * 4, 5, 5000)), 3)],
    },
    {
      name: "latency ms (independent lognormal, 3 decimals)",
      unit: "Milliseconds",
      values: () => [round(Math.exp(Math.log(80) + 0.5 * gLat()), 3)],
    },
    {
      name: "request count (integer counter per minute)",
      unit: "Count",
      values: () => [(req = Math.max(0, Math.round(req + g() * 30)))],
    },
    {
      name: "memory bytes (integer, slow drift)",
      unit: "Bytes",
      values: () => [(mem = Math.max(0, mem + Math.round(g() * 4096) * 4096))],
    },
    {
      name: "raw doubles (no decimal form)",
      unit: "None",
      values: () => [(lat = clamp(lat + g() * 4, 5, 5000))],
    },
    {
      name: "busy latency: 60 lognormal values a minute, 3 decimals",
      unit: "Milliseconds",
      values: () => Array.from({ length: 60 }, () => round(Math.exp(Math.log(80) + 0.5 * gLat()), 3)),
    },
  ];
})();

function check(a: Aggregate, b: Aggregate): void {
  for (const k of ["count", "sum", "min", "max", "hasDistribution"] as const) {
    if (!Object.is(a[k], b[k])) throw new Error(`round trip changed ${k}: ${a[k]} → ${b[k]}`);
  }
  for (const q of [0.5, 0.9, 0.99]) if (a.quantile(q) !== b.quantile(q)) throw new Error(`round trip changed p${q * 100}`);
}

console.log(
  "bytes at rest per 1-minute bucket over 24 h (target ≤ 6 for one value a minute):\n" +
    "open hour = one-hour chunks as compaction stores them (no deflate, with the record header);\n" +
    "sealed = 12-hour chunks as roll-off seals closed hours into (no deflate, the header listing the 12 hours absorbed);\n" +
    "deflated = one-hour chunks at deflate level 9, as rollups are stored\n",
);
console.log(`${"series".padEnd(56)} ${"open hour".padStart(10)} ${"sealed".padStart(8)} ${"deflated".padStart(9)} ${"1-h chunk bytes".padStart(16)}`);
for (const s of series) {
  // The codec at its best (deflate level 9), one-hour chunks: what rollups use.
  let best = 0;
  let nBuckets = 0;
  let lo = Infinity;
  let hi = 0;
  const hours: Bucket[][] = [];
  for (let h = 0; h < 24; h++) {
    const buckets: Bucket[] = [];
    for (let m = 0; m < 60; m++) {
      const agg = new Aggregate();
      for (const v of s.values(h * 60 + m)) agg.add(v);
      buckets.push({ t: DAY0 + h * HOUR + m * MINUTE, agg, unit: s.unit });
    }
    hours.push(buckets);
    const bytes = encodeChunk(buckets, MINUTE, 9);
    const back = decodeChunk(bytes);
    back.buckets.forEach((b, i) => {
      if (b.t !== buckets[i].t || b.unit !== buckets[i].unit) throw new Error("round trip changed a bucket's time or unit");
      check(buckets[i].agg, b.agg);
    });
    best += bytes.length;
    nBuckets += buckets.length;
    lo = Math.min(lo, bytes.length);
    hi = Math.max(hi, bytes.length);
  }
  const stored = (spanMs: number, header: number) => {
    let total = 0;
    const perChunk = spanMs / HOUR;
    for (let first = 0; first < 24; first += perChunk) {
      const buckets = hours.slice(first, first + perChunk).flat();
      const bytes = encodeChunk(buckets, MINUTE, 0);
      decodeChunk(bytes).buckets.forEach((b, i) => check(buckets[i].agg, b.agg));
      total += bytes.length + header;
    }
    return total;
  };
  const hot = stored(TIERS.m1.spanMs, 15);
  const sealed = stored(TIERS.m1s.spanMs, 15 + 4 * (TIERS.m1s.spanMs / TIERS.m1.spanMs));
  console.log(
    `${s.name.padEnd(56)} ${(hot / nBuckets).toFixed(2).padStart(10)} ${(sealed / nBuckets).toFixed(2).padStart(8)} ${(best / nBuckets).toFixed(2).padStart(9)} ${`${lo}–${hi}`.padStart(16)}`,
  );
}

