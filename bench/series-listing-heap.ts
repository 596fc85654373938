/**
 * What ListMetrics' in-process listing (lib/metrics/read/series-listing.ts)
 * really holds a series, against what it charges to `list_metrics_index_mb`:
 * rows built from series records parsed as the watch parses them, held in an
 * id map and a sorted array as the listing holds them; V8's heap measured
 * after a forced GC. No server: the rows are the listing's whole memory.
 *
 *   node --expose-gc --import tsx bench/series-listing-heap.ts [--series 100000]
 */
import { rowOf, type ListedRow } from "../lib/metrics/read/series-listing.js";
import type { SeriesRecord } from "../lib/metrics/store/series-index.js";
import { numberArg } from "./common.js";

const N = numberArg("series", 100_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");

const shapes: Record<string, (i: number) => SeriesRecord> = {
  // The soak's churn: one short dimension.
  "Soak/Churn cpu Pod=pod-M-K": (i) => record("Soak/Churn", "cpu", [["Pod", `pod-${Math.floor(i / 50)}-${i % 50}`]]),
  // The CloudWatch agent's usual: three dimensions.
  "CWAgent mem_used_percent InstanceId,ImageId,InstanceType": (i) =>
    record("CWAgent", "mem_used_percent", [["InstanceId", `i-${i.toString(16).padStart(17, "0")}`], ["ImageId", "ami-0abcdef1234567890"], ["InstanceType", "t3.medium"]]),
};

function record(namespace: string, metricName: string, dimensions: Array<[string, string]>): SeriesRecord {
  const now = Date.now();
  return { namespace, metricName, dimensions, units: ["None"], lastTimestamp: now, firstTimestamp: now, lastWrite: now, created: now };
}

// Everything each shape made stays alive: a shape's measure must not see the last one's freed.
const keep: unknown[] = [];
for (const [name, make] of Object.entries(shapes)) {
  // The records as the watch gets them: JSON bytes, parsed one by one.
  const payloads = Array.from({ length: N }, (_, i) => Buffer.from(JSON.stringify(make(i))));
  const ids = Array.from({ length: N }, (_, i) => `s${i.toString(36).padStart(21, "0")}`);
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const byId = new Map<string, ListedRow>();
  let charged = 0;
  for (let i = 0; i < N; i++) {
    const id = ids[i].slice(0); // the id comes from the message subject: its own string
    const row = rowOf(`${id}`, JSON.parse(payloads[i].toString("utf8")) as SeriesRecord);
    byId.set(id, row);
    charged += row.bytes;
  }
  const rows = [...byId.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  gc();
  gc();
  const held = process.memoryUsage().heapUsed - before;
  console.log(
    `${name}: ${N.toLocaleString("en-US")} series hold ${(held / 2 ** 20).toFixed(1)} MiB of heap (${(held / N).toFixed(0)} B a series); charged ${(charged / 2 ** 20).toFixed(1)} MiB (${(charged / N).toFixed(0)} B a series)`,
  );
  if (rows.length !== N) throw new Error("lost rows");
  keep.push(payloads, ids, byId, rows);
}
