/**
 * One reading of an instance's cumulative counters: vCPU thread CPU times
 * (QMP `query-cpus-fast` thread ids, then `/proc/{tid}/stat`), block
 * statistics per block node (`query-blockstats`), the run state
 * (`query-status`), the balloon (`query-balloon`, optional hardware) and the
 * tap devices' counters in `/sys/class/net/{tap}/statistics/`.
 * What the platform's qmp-collector reads (services/qmpcollector/poller.go),
 * kept per node and per tap so each volume has its own series.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { QmpSession } from "./qmp-client.js";
import type { Sidecar } from "./sidecars.js";

export interface BlockCounters {
  rdOps: number;
  wrOps: number;
  rdBytes: number;
  wrBytes: number;
  rdTimeNs: number;
  wrTimeNs: number;
  flushTimeNs: number;
  /** Nanoseconds since the node's last I/O when sampled (QEMU's idle_time_ns; absent before the first I/O). */
  idleNs?: number;
}

export interface NetCounters {
  rxBytes: number;
  txBytes: number;
  rxPackets: number;
  txPackets: number;
}

export interface InstanceSample {
  /** Epoch ms when sampled. */
  at: number;
  /** vCPU thread ids: a new set means a new QEMU process, whose counters start again. */
  threads: number[];
  cpuJiffies: number;
  /** QMP run state: running, paused, guest-panicked, io-error, ... */
  status: string;
  /** By block node name (node-name, else device, else qdev path). */
  blocks: Record<string, BlockCounters>;
  /** By tap device; a tap that could not be read is absent. */
  taps: Record<string, NetCounters>;
  balloonBytes?: number;
}

interface CpuInfoFast {
  "thread-id"?: number;
}
interface BlockStats {
  device?: string;
  "node-name"?: string;
  qdev?: string;
  stats?: Record<string, number>;
}

export interface Roots {
  proc: string;
  sys: string;
}

const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : 0);

/** utime + stime of a thread, in clock ticks; fields after the last ')' so a comm with spaces cannot shift them. */
export async function threadJiffies(procRoot: string, tid: number): Promise<number> {
  const raw = await readFile(join(procRoot, String(tid), "stat"), "utf8");
  const fields = raw.slice(raw.lastIndexOf(")") + 1).trim().split(/\s+/);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isInteger(utime) || !Number.isInteger(stime)) throw new Error(`malformed /proc/${tid}/stat`);
  return utime + stime;
}

async function readCounter(sysRoot: string, tap: string, name: string): Promise<number> {
  const v = Number((await readFile(join(sysRoot, "class", "net", tap, "statistics", name), "utf8")).trim());
  if (!Number.isSafeInteger(v) || v < 0) throw new Error(`malformed ${tap} ${name}`);
  return v;
}

export async function readTap(sysRoot: string, tap: string): Promise<NetCounters> {
  const [rxBytes, txBytes, rxPackets, txPackets] = await Promise.all(
    ["rx_bytes", "tx_bytes", "rx_packets", "tx_packets"].map((n) => readCounter(sysRoot, tap, n)),
  );
  return { rxBytes: rxBytes!, txBytes: txBytes!, rxPackets: rxPackets!, txPackets: txPackets! };
}

function blockCounters(s: Record<string, number>): BlockCounters {
  const c: BlockCounters = {
    rdOps: num(s.rd_operations),
    wrOps: num(s.wr_operations),
    rdBytes: num(s.rd_bytes),
    wrBytes: num(s.wr_bytes),
    rdTimeNs: num(s.rd_total_time_ns),
    wrTimeNs: num(s.wr_total_time_ns),
    flushTimeNs: num(s.flush_total_time_ns),
  };
  if (typeof s.idle_time_ns === "number") c.idleNs = num(s.idle_time_ns);
  return c;
}

/** Reads the instance through its telemetry socket; throws (QmpError, or a file error) when it cannot. */
export async function sampleInstance(sidecar: Sidecar, timeoutMs: number, roots: Roots): Promise<InstanceSample> {
  const qmp = await QmpSession.open(sidecar.socket, timeoutMs);
  try {
    const cpus = await qmp.execute<CpuInfoFast[]>("query-cpus-fast");
    const stats = await qmp.execute<BlockStats[]>("query-blockstats");
    const status = await qmp.execute<{ status?: string }>("query-status");
    let balloonBytes: number | undefined;
    try {
      balloonBytes = num((await qmp.execute<{ actual?: number }>("query-balloon")).actual);
    } catch {
      // no balloon device: no memory figure
    }
    if (!Array.isArray(cpus) || !Array.isArray(stats)) throw new Error("query-cpus-fast or query-blockstats did not answer a list");
    const threads = cpus.map((c) => c["thread-id"]).filter((t): t is number => Number.isInteger(t) && t! > 0).sort((a, b) => a - b);
    let cpuJiffies = 0;
    for (const tid of threads) cpuJiffies += await threadJiffies(roots.proc, tid);
    const blocks: Record<string, BlockCounters> = {};
    for (const b of stats) {
      const name = b?.["node-name"] || b?.device || b?.qdev;
      if (typeof name === "string" && b.stats && typeof b.stats === "object") blocks[name] = blockCounters(b.stats);
    }
    const taps: Record<string, NetCounters> = {};
    // A tap that vanished mid-interval (hot-unplug) is left out; deltas only span taps read both times.
    await Promise.all(sidecar.taps.map(async (t) => readTap(roots.sys, t).then((c) => (taps[t] = c), () => undefined)));
    return { at: Date.now(), threads, cpuJiffies, status: typeof status?.status === "string" ? status.status : "unknown", blocks, taps, balloonBytes };
  } finally {
    qmp.close();
  }
}
