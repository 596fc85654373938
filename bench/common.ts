/** What the service benchmarks share: arguments and the machine they ran on. */
import type { MetricDatum } from "@aws-sdk/client-cloudwatch";
import { readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import type { Stack } from "../test/support/stack.js";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

/** `--name N` on the command line, else `fallback`. */
export function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

export const machine = () => `machine: ${cpus().length} × ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`;

/**
 * The ingest benchmarks' request `i`: 1000 datums over `series` series
 * (ten metric names × hosts, one more dimension), all at `timestamp`.
 */
export function ingestRequest(i: number, series: number, timestamp: Date): { Namespace: string; MetricData: MetricDatum[] } {
  const hosts = series / 10;
  const data: MetricDatum[] = [];
  for (let k = 0; k < 1000; k++) {
    const n = (i * 1000 + k) % series;
    data.push({
      MetricName: `metric_${n % 10}`,
      Dimensions: [
        { Name: "Host", Value: `host-${Math.floor(n / 10) % hosts}` },
        { Name: "Service", Value: "checkout" },
      ],
      Timestamp: timestamp,
      Value: Math.round(Math.random() * 10_000) / 100,
      Unit: "Percent",
    });
  }
  return { Namespace: "Bench/Ingest", MetricData: data };
}

/** `--profile DIR`: node options for the service that write V8 CPU profiles of its threads to DIR (for DevTools or speedscope). */
export function profileArgs(): string[] {
  const i = process.argv.indexOf("--profile");
  return i > 0 ? ["--cpu-prof", `--cpu-prof-dir=${process.argv[i + 1]}`] : [];
}

/** The q-quantile of ascending `sorted` (NaN when empty). */
export const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

/** A process's resident memory in MiB, from /proc (NaN when it is gone). */
export function rssMb(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/**
 * Runs the LogCompactor's one-pass forced flush (its `Drain` event) until two
 * passes two seconds apart find nothing left (a scheduled run may hold a partition's lease meanwhile).
 */
export async function drainCompactor(stack: Stack): Promise<{ chunks: number; events: number }> {
  const total = { chunks: 0, events: 0 };
  for (let idle = 0; idle < 2; ) {
    // A NATS timeout on a loaded machine fails one pass; the next carries on where it stopped.
    const r = ((await stack.fireSchedule("LogCompactor", "Drain").catch(() => undefined)) as { chunks: number; events: number } | undefined) ?? { chunks: -1, events: 0 };
    if (r.chunks < 0) continue;
    total.chunks += r.chunks;
    total.events += r.events;
    idle = r.chunks === 0 ? idle + 1 : 0;
    if (r.chunks === 0) await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  return total;
}
