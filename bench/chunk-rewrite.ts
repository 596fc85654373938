/**
 * What compaction costs once chunks are full: it rewrites a live chunk whole
 * each time records bring it new buckets, so the cost of a datapoint grows
 * with the chunk's span. Prints, for the hot tier's span and longer ones, the
 * time to decode and re-encode a full chunk and what that means for 10,000
 * series each written every 5 s (the ingest benchmark's load) and for
 * 1,000,000 series each written once a minute. In-process, no servers.
 *
 *   npx tsx bench/chunk-rewrite.ts
 */
import { Aggregate } from "../lib/metrics/read/aggregate.js";
import { decodeChunk, encodeChunk } from "../lib/metrics/encoding/chunk.js";
import { TIERS } from "../lib/metrics/store/tiers.js";
import { rng } from "../test/support/random.js";
import { machine } from "./common.js";

const MIN = 60_000;
const random = rng(11);

function cost(buckets: number, valuesPerBucket: number): { bytes: number; ms: number } {
  const chunk = Array.from({ length: buckets }, (_, i) => {
    const a = new Aggregate();
    for (let k = 0; k < valuesPerBucket; k++) a.add(Math.round(random() * 10_000) / 100);
    return { t: Date.UTC(2026, 10, 25) + i * MIN, agg: a };
  });
  const bytes = encodeChunk(chunk, MIN, 0);
  for (let r = 0; r < 20; r++) encodeChunk(decodeChunk(bytes).buckets, MIN, 0); // warm up
  const runs = Math.max(20, Math.round(20_000 / buckets));
  const t0 = performance.now();
  for (let r = 0; r < runs; r++) encodeChunk(decodeChunk(bytes).buckets, MIN, 0);
  return { bytes: bytes.length, ms: (performance.now() - t0) / runs };
}

console.log(`${machine()}\n`);
// Warm every path of the codec up before measuring.
for (const hours of [1, 3, 12]) for (const values of [1, 13]) cost(hours * 60, values);
console.log("rewriting a full 1-minute chunk (decode + encode), and the share of one core it takes at steady state:");
console.log(`${"span".padEnd(8)} ${"values/bucket".padStart(13)} ${"bytes".padStart(8)} ${"ms".padStart(7)} ${"10k series / 5 s".padStart(17)} ${"1M series / min".padStart(16)}`);
for (const hours of [TIERS.m1.spanMs / 3_600_000, 3, 12]) {
  for (const values of [1, 13]) {
    const { bytes, ms } = cost(hours * 60, values);
    // A chunk is as full as half its span on average.
    const busy = (10_000 * ms) / 2 / 5_000;
    const sparse = (1_000_000 * ms) / 2 / 60_000;
    console.log(
      `${`${hours} h`.padEnd(8)} ${String(values).padStart(13)} ${String(bytes).padStart(8)} ${ms.toFixed(3).padStart(7)} ${`${(busy * 100).toFixed(0)}%`.padStart(17)} ${`${(sparse * 100).toFixed(0)}%`.padStart(16)}`,
    );
  }
}
console.log(`\nthe hot tier's chunks span ${TIERS.m1.spanMs / 3_600_000} h`);
