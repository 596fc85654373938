/**
 * The service's memory as an operator sees it: the process's RSS against the
 * configured budget, and each isolate's heap. The main thread cannot see a
 * worker's heap, so workers answer `memoryOf` with their own figures.
 */
import { getHeapStatistics } from "node:v8";

export interface IsolateMemory {
  name: string;
  heapUsedMb: number;
  heapTotalMb: number;
  heapLimitMb: number;
  externalMb: number;
}

export interface MemoryReport {
  rssMb: number;
  budgetMb: number;
  isolates: IsolateMemory[];
}

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

/** This isolate's heap, named for the report. */
export function isolateMemory(name: string): IsolateMemory {
  const heap = getHeapStatistics();
  const usage = process.memoryUsage();
  return {
    name,
    heapUsedMb: mb(heap.used_heap_size),
    heapTotalMb: mb(heap.total_heap_size),
    heapLimitMb: mb(heap.heap_size_limit),
    externalMb: mb(usage.external),
  };
}

export const rssMb = (): number => mb(process.memoryUsage.rss());

// Reading the RSS is a read of /proc: under the ingest benchmark, once a
// request, it took 8% of the API thread. A figure a second old is fresh
// enough: heaps have their own limits, the budget only has to catch the trend.
const RSS_TTL_MS = 1000;
let sampled = { at: -Infinity, rssMb: 0 };

/**
 * True when the process is within 10% of its budget: new work is refused
 * (with AWS's throttling error) until collection or drained buffers bring it down.
 */
export function memoryShort(budgetMb: number): boolean {
  const now = performance.now();
  if (now - sampled.at >= RSS_TTL_MS) sampled = { at: now, rssMb: rssMb() };
  return sampled.rssMb > budgetMb * 0.9;
}

export function formatMemoryReport(r: MemoryReport): string {
  const isolates = r.isolates
    .map((i) => `${i.name} heap ${i.heapUsedMb}/${i.heapTotalMb} MiB (limit ${i.heapLimitMb}) external ${i.externalMb}`)
    .join("; ");
  return `memory: rss ${r.rssMb} MiB of ${r.budgetMb} MiB budget; ${isolates}`;
}
