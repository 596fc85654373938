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

/**
 * True when the process is within 10% of its budget: new work is refused
 * (with AWS's throttling error) until collection or drained buffers bring it down.
 */
export function memoryShort(budgetMb: number): boolean {
  return rssMb() > budgetMb * 0.9;
}

export function formatMemoryReport(r: MemoryReport): string {
  const isolates = r.isolates
    .map((i) => `${i.name} heap ${i.heapUsedMb}/${i.heapTotalMb} MiB (limit ${i.heapLimitMb}) external ${i.externalMb}`)
    .join("; ");
  return `memory: rss ${r.rssMb} MiB of ${r.budgetMb} MiB budget; ${isolates}`;
}
