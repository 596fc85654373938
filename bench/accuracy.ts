/**
 * Percentile accuracy of the Aggregate's DDSketch (npx tsx bench/accuracy.ts).
 *
 * A million values from a few distributions, folded into Aggregates in
 * 1-minute-sized pieces and merged (as reads merge buckets), compared with the
 * exact nearest-rank percentile of the sorted values. Target: ≤ 1% relative.
 * Also prints the trimmed statistics against their exact values.
 */

import { Aggregate } from "../lib/metrics/read/aggregate.js";
import { computeStatistic, parseStatistic } from "../lib/metrics/read/statistics.js";
import { rng } from "../test/support/random.js";

const N = 1_000_000;


const r = rng(2026);
const normal = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());

const distributions: Array<{ name: string; draw: () => number }> = [
  { name: "lognormal(μ=ln 100, σ=1)", draw: () => Math.exp(Math.log(100) + normal()) },
  { name: "uniform(0, 1000)", draw: () => r() * 1000 },
  { name: "bimodal: 90% N(20,3), 10% N(300,40)", draw: () => Math.abs(r() < 0.9 ? 20 + 3 * normal() : 300 + 40 * normal()) },
  { name: "pareto(α=1.5, x_m=1)", draw: () => 1 / Math.pow(1 - r(), 1 / 1.5) },
  { name: "integers 0..20 (many ties)", draw: () => Math.floor(r() * 21) },
];

/** Nearest rank: the smallest value with at least q·n values at or below it. */
const exactQuantile = (sorted: Float64Array, q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length - 1e-9) - 1)];

/** Exact trimmed sum/count over rank range [A, B] (each value one unit of mass). */
function exactTrimmed(sorted: Float64Array, loPct: number, hiPct: number) {
  const n = sorted.length;
  const A = (loPct / 100) * n;
  const B = (hiPct / 100) * n;
  let sum = 0;
  for (let i = Math.floor(A); i < Math.min(n, Math.ceil(B)); i++) {
    const w = Math.max(0, Math.min(i + 1, B) - Math.max(i, A));
    sum += w * sorted[i];
  }
  return { tc: B - A, ts: sum, tm: sum / (B - A) };
}

const pct = (x: number) => `${(x * 100).toFixed(3)}%`;
let worst = 0;

console.log(`percentile relative error, ${N.toLocaleString("en")} values per distribution (target ≤ 1%)\n`);
console.log(`${"distribution".padEnd(38)} ${"p50".padStart(9)} ${"p90".padStart(9)} ${"p99".padStart(9)} ${"p99.9".padStart(9)} ${"tm90".padStart(9)} ${"IQM".padStart(9)}  bins  ms`);
for (const d of distributions) {
  const values = new Float64Array(N);
  for (let i = 0; i < N; i++) values[i] = d.draw();
  const t0 = performance.now();
  // 1-minute buckets of 1000 values each, merged like a read over a long period
  const total = new Aggregate();
  for (let i = 0; i < N; i += 1000) {
    const bucket = new Aggregate();
    for (let j = i; j < i + 1000; j++) bucket.add(values[j]);
    total.merge(bucket);
  }
  const ms = performance.now() - t0;
  const sorted = values.slice().sort();
  const errs = [0.5, 0.9, 0.99, 0.999].map((q) => {
    const exact = exactQuantile(sorted, q);
    const got = total.quantile(q)!;
    return exact === 0 ? Math.abs(got) : Math.abs(got - exact) / Math.abs(exact);
  });
  const tm90 = exactTrimmed(sorted, 0, 90).tm;
  const iqm = exactTrimmed(sorted, 25, 75).tm;
  const eTm = Math.abs(computeStatistic(total, parseStatistic("tm90"))! - tm90) / tm90;
  const eIqm = Math.abs(computeStatistic(total, parseStatistic("IQM"))! - iqm) / iqm;
  worst = Math.max(worst, ...errs, eTm, eIqm);
  const sk = total.sketch!;
  const bins = sk.positive.size + sk.negative.size + (sk.zero > 0 ? 1 : 0);
  console.log(`${d.name.padEnd(38)} ${errs.map((e) => pct(e).padStart(9)).join(" ")} ${pct(eTm).padStart(9)} ${pct(eIqm).padStart(9)} ${String(bins).padStart(5)} ${ms.toFixed(0).padStart(3)}`);
}
console.log(`\nworst relative error: ${pct(worst)} ${worst <= 0.01 ? "(within 1%)" : "(ABOVE 1%)"}`);
