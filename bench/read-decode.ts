/**
 * The CPU of what GetMetricStatistics p99 over the last hour does with the
 * chunks it reads, in this process (no server, so no load noise from I/O):
 * decode the chunk's buckets and answer p99 per minute. Chunks as the soak
 * writes them (432 random values a minute): an hourly chunk of 10 minutes
 * (the soak's minute 10), of 60 (minute 60), and a 12-hour sealed chunk of
 * which the last hour is read. Old (whole decode, quantile over bins()) and
 * new (the range's buckets only, quantile walking the bins) alternate.
 *
 *   npx tsx bench/read-decode.ts [--rounds 200]
 */
import { loadavg } from "node:os";
import { Aggregate } from "../lib/metrics/read/aggregate.js";
import { decodeChunk, encodeChunk, type Bucket } from "../lib/metrics/encoding/chunk.js";
import type { DDSketch } from "../lib/metrics/read/sketch.js";
import { machine, numberArg, quantile } from "./common.js";

const ROUNDS = numberArg("rounds", 200);
const MIN = 60_000;
const END = Math.floor(Date.now() / (12 * 3600_000)) * 12 * 3600_000 + 12 * 3600_000;

function chunk(minutes: number): Uint8Array {
  const buckets: Bucket[] = Array.from({ length: minutes }, (_, m) => {
    const agg = new Aggregate();
    for (let k = 0; k < 432; k++) agg.add(Math.random() * 100);
    return { t: END - (minutes - m) * MIN, agg };
  });
  return encodeChunk(buckets, MIN, 0);
}

/** p99 as before: every bin as an object, then the walk. */
function p99ByBins(s: DDSketch): number {
  const bins = s.bins();
  const target = 0.99 * s.count;
  let cum = 0;
  for (const b of bins) if ((cum += b.count) >= target - 1e-9 * Math.max(1, target)) return b.value;
  return bins[bins.length - 1].value;
}

const cases = [
  { label: "hourly chunk, 10 minutes (minute 10)", bytes: chunk(10) },
  { label: "hourly chunk, 60 minutes (minute 60)", bytes: chunk(60) },
  { label: "sealed chunk, 720 minutes, last hour read", bytes: chunk(720) },
];
const ways = {
  old: (bytes: Uint8Array) => {
    let x = 0;
    for (const b of decodeChunk(bytes).buckets) if (b.t + MIN > END - 3600_000) x += p99ByBins(b.agg.sketch!);
    return x;
  },
  new: (bytes: Uint8Array) => {
    let x = 0;
    for (const b of decodeChunk(bytes, END - 3600_000, END).buckets) x += b.agg.quantile(0.99)!;
    return x;
  },
};

console.log(`${machine()}; load ${loadavg().map((x) => x.toFixed(1)).join(" ")}`);
const times: Record<string, number[]> = {};
for (let r = 0; r < ROUNDS; r++) {
  for (const c of cases) {
    const order = r % 2 ? (["new", "old"] as const) : (["old", "new"] as const);
    for (const way of order) {
      const t = performance.now();
      ways[way](c.bytes);
      if (r >= 10) (times[`${c.label}: ${way}`] ??= []).push(performance.now() - t);
    }
  }
}
for (const [name, xs] of Object.entries(times)) {
  const s = xs.sort((a, b) => a - b);
  console.log(`${name.padEnd(56)} p50 ${quantile(s, 0.5).toFixed(2).padStart(6)} ms  p99 ${quantile(s, 0.99).toFixed(2).padStart(6)} ms`);
}
