/**
 * Two readings of an instance's cumulative counters → what happened in
 * between. A new QEMU process (new vCPU threads) or a counter that went
 * backwards re-primes: the newer reading becomes the baseline and nothing is
 * published, never a negative or a sum across a restart.
 */
import type { BlockCounters, InstanceSample, NetCounters } from "./instance-sample.js";

/** The kernel's USER_HZ: /proc/{tid}/stat counts CPU time in 1/100 s on every Linux the platform runs on. */
const USER_HZ = 100;

export interface BlockDelta {
  rdOps: number;
  wrOps: number;
  rdBytes: number;
  wrBytes: number;
  rdSeconds: number;
  wrSeconds: number;
  /** Seconds of the interval with no request in flight (see idleSeconds). */
  idleSeconds: number;
  /** Mean requests in flight over the interval (Little's law on QEMU's summed request times). */
  queueLength: number;
}

export interface Deltas {
  /** Seconds between the readings. */
  seconds: number;
  cpuPercent: number;
  /** Nodes read both times whose counters did not go backwards (a re-attached volume starts again). */
  blocks: Record<string, BlockDelta>;
  /** Summed over the taps read both times; undefined when there are none. */
  net?: NetCounters;
}

export type DeltaResult = { deltas: Deltas } | { reprime: string };

/**
 * Idle time: all of it without I/O; else the larger of QEMU's time since the
 * last request and the time its requests' summed durations leave free.
 */
function idleSeconds(prev: BlockCounters, cur: BlockCounters, seconds: number): number {
  const ops = cur.rdOps - prev.rdOps + (cur.wrOps - prev.wrOps);
  if (ops === 0) return seconds;
  const busy = (cur.rdTimeNs - prev.rdTimeNs + (cur.wrTimeNs - prev.wrTimeNs) + (cur.flushTimeNs - prev.flushTimeNs)) / 1e9;
  const sinceLast = cur.idleNs !== undefined ? cur.idleNs / 1e9 : 0;
  return Math.min(seconds, Math.max(sinceLast, seconds - busy, 0));
}

function blockDelta(prev: BlockCounters, cur: BlockCounters, seconds: number): BlockDelta | undefined {
  const keys = ["rdOps", "wrOps", "rdBytes", "wrBytes", "rdTimeNs", "wrTimeNs", "flushTimeNs"] as const;
  if (keys.some((k) => cur[k] < prev[k])) return undefined;
  const rdSeconds = (cur.rdTimeNs - prev.rdTimeNs) / 1e9;
  const wrSeconds = (cur.wrTimeNs - prev.wrTimeNs) / 1e9;
  return {
    rdOps: cur.rdOps - prev.rdOps,
    wrOps: cur.wrOps - prev.wrOps,
    rdBytes: cur.rdBytes - prev.rdBytes,
    wrBytes: cur.wrBytes - prev.wrBytes,
    rdSeconds,
    wrSeconds,
    idleSeconds: idleSeconds(prev, cur, seconds),
    queueLength: (rdSeconds + wrSeconds) / seconds,
  };
}

function netDelta(prev: Record<string, NetCounters>, cur: Record<string, NetCounters>): NetCounters | undefined {
  let sum: NetCounters | undefined;
  for (const [tap, c] of Object.entries(cur)) {
    const p = prev[tap];
    if (!p || c.rxBytes < p.rxBytes || c.txBytes < p.txBytes || c.rxPackets < p.rxPackets || c.txPackets < p.txPackets) continue;
    sum ??= { rxBytes: 0, txBytes: 0, rxPackets: 0, txPackets: 0 };
    sum.rxBytes += c.rxBytes - p.rxBytes;
    sum.txBytes += c.txBytes - p.txBytes;
    sum.rxPackets += c.rxPackets - p.rxPackets;
    sum.txPackets += c.txPackets - p.txPackets;
  }
  return sum;
}

export function counterDeltas(prev: InstanceSample, cur: InstanceSample, vcpus: number): DeltaResult {
  const seconds = (cur.at - prev.at) / 1000;
  if (!(seconds > 0)) return { reprime: "the clock did not move forward" };
  if (prev.threads.join(",") !== cur.threads.join(",")) return { reprime: "a new QEMU process" };
  if (cur.cpuJiffies < prev.cpuJiffies) return { reprime: "CPU time went backwards" };
  const blocks: Record<string, BlockDelta> = {};
  for (const [name, c] of Object.entries(cur.blocks)) {
    const p = prev.blocks[name];
    const d = p && blockDelta(p, c, seconds);
    if (d) blocks[name] = d;
  }
  const cpuPercent = Math.min(100, ((cur.cpuJiffies - prev.cpuJiffies) / USER_HZ / seconds / Math.max(1, vcpus)) * 100);
  return { deltas: { seconds, cpuPercent, blocks, net: netDelta(prev.taps, cur.taps) } };
}
