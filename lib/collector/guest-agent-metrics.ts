/**
 * In-guest metrics from the QEMU guest agent, on its own socket (a
 * virtio-serial chardev; not reachable through QMP), published in the
 * CWAgent namespace at the CloudWatch Agent's names and dimensions so that
 * dashboards and alarms written for the agent work on instances that only
 * run the guest agent:
 * - disk_used_percent, disk_used, disk_total, disk_free (path, device, fstype, InstanceId), from guest-get-fsinfo;
 *   its total-bytes is used + available to non-root, so the percentage is df's;
 * - mem_used_percent, mem_used, mem_total, mem_available (InstanceId), from the guest's
 *   /proc/meminfo read with guest-file-*, used = total - available as the agent computes it;
 * - net_bytes_sent/recv, net_packets_sent/recv (interface, InstanceId), cumulative as the agent's net plugin;
 * - guest_clock_skew (Seconds, guest-get-time minus the host's clock).
 * A guest without an agent costs one short timeout (guest-sync first).
 */
import type { MetricDatum, StandardUnit } from "@aws-sdk/client-cloudwatch";
import { isAbsolute, join } from "node:path";
import { durationSeconds, getConfig } from "../config/config.js";
import { QmpSession } from "./qmp-client.js";
import { runtimeDir, type Sidecar } from "./sidecars.js";

export interface GuestAgentResult {
  data: MetricDatum[];
  /** Why nothing (or not everything) was read; undefined when the agent answered. */
  problem?: string;
}

interface FsInfo {
  name?: string;
  mountpoint?: string;
  type?: string;
  "used-bytes"?: number;
  "total-bytes"?: number;
}
interface NetInterface {
  name?: string;
  statistics?: { "rx-bytes"?: number; "tx-bytes"?: number; "rx-packets"?: number; "tx-packets"?: number };
}

/** Pseudo and container filesystems the agent's disk plugin leaves out by default (its ignore_fs list). */
const IGNORED_FS = new Set(["sysfs", "proc", "devtmpfs", "devpts", "tmpfs", "overlay", "squashfs", "aufs", "cgroup", "cgroup2", "autofs"]);
const MAX_FILE_READ = 64 * 1024;

export function guestAgentSocket(sidecar: Sidecar): string | undefined {
  const { guestAgentSocket: pattern, runtimeDir: dir } = getConfig().collector;
  if (!pattern) return undefined;
  const path = pattern.replaceAll("{instance-id}", sidecar.instanceId);
  return isAbsolute(path) ? path : join(runtimeDir(dir), path);
}

const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v >= 0;

/** mem_* from /proc/meminfo text (kB). */
export function memoryMetrics(meminfo: string, dims: { Name: string; Value: string }[], at: Date): MetricDatum[] {
  const kb = (field: string) => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(meminfo);
    return m ? Number(m[1]) * 1024 : undefined;
  };
  const total = kb("MemTotal");
  const available = kb("MemAvailable");
  if (!total || available === undefined || available > total) return [];
  const used = total - available;
  const d = (name: string, value: number, unit: StandardUnit): MetricDatum => ({ MetricName: name, Dimensions: dims, Timestamp: at, Value: value, Unit: unit });
  return [
    d("mem_used_percent", (used / total) * 100, "Percent"),
    d("mem_used", used, "Bytes"),
    d("mem_total", total, "Bytes"),
    d("mem_available", available, "Bytes"),
  ];
}

export function diskMetrics(fs: FsInfo[], instanceId: string, at: Date): MetricDatum[] {
  const out: MetricDatum[] = [];
  for (const f of fs) {
    if (typeof f.mountpoint !== "string" || typeof f.type !== "string" || IGNORED_FS.has(f.type)) continue;
    const used = f["used-bytes"];
    const total = f["total-bytes"];
    if (!finite(used) || !finite(total) || total === 0 || used > total) continue;
    const Dimensions = [
      { Name: "InstanceId", Value: instanceId },
      { Name: "device", Value: f.name ?? "" },
      { Name: "fstype", Value: f.type },
      { Name: "path", Value: f.mountpoint },
    ].filter((x) => x.Value !== "");
    const d = (name: string, value: number, unit: StandardUnit): MetricDatum => ({ MetricName: name, Dimensions, Timestamp: at, Value: value, Unit: unit });
    out.push(
      d("disk_used_percent", (used / total) * 100, "Percent"),
      d("disk_used", used, "Bytes"),
      d("disk_total", total, "Bytes"),
      d("disk_free", total - used, "Bytes"),
    );
  }
  return out;
}

function netMetrics(ifaces: NetInterface[], instanceId: string, at: Date): MetricDatum[] {
  const out: MetricDatum[] = [];
  for (const i of ifaces) {
    const s = i.statistics;
    if (!s || typeof i.name !== "string" || i.name === "lo") continue;
    const Dimensions = [{ Name: "InstanceId", Value: instanceId }, { Name: "interface", Value: i.name }];
    for (const [name, v, unit] of [
      ["net_bytes_recv", s["rx-bytes"], "Bytes"],
      ["net_bytes_sent", s["tx-bytes"], "Bytes"],
      ["net_packets_recv", s["rx-packets"], "Count"],
      ["net_packets_sent", s["tx-packets"], "Count"],
    ] as const) {
      if (finite(v)) out.push({ MetricName: name, Dimensions, Timestamp: at, Value: v, Unit: unit });
    }
  }
  return out;
}

async function readGuestFile(qga: QmpSession, path: string): Promise<string> {
  const handle = await qga.execute<number>("guest-file-open", { path, mode: "r" });
  try {
    const r = await qga.execute<{ "buf-b64"?: string }>("guest-file-read", { handle, count: MAX_FILE_READ });
    return Buffer.from(r["buf-b64"] ?? "", "base64").toString("utf8");
  } finally {
    await qga.execute("guest-file-close", { handle }).catch(() => undefined);
  }
}

/** Reads the instance's guest agent; never throws: a missing or broken agent is a `problem`. */
export async function collectGuestAgent(sidecar: Sidecar, at: Date): Promise<GuestAgentResult> {
  const path = guestAgentSocket(sidecar);
  if (!path) return { data: [] };
  const timeoutMs = durationSeconds(getConfig().collector.guestAgentTimeout) * 1000;
  let qga: QmpSession | undefined;
  try {
    qga = await QmpSession.connect(path, timeoutMs);
    await qga.sync(Math.floor(Math.random() * 2 ** 31));
    const dims = [{ Name: "InstanceId", Value: sidecar.instanceId }];
    const data = diskMetrics(await qga.execute<FsInfo[]>("guest-get-fsinfo"), sidecar.instanceId, at);
    const problems: string[] = [];
    // Optional commands: an agent may block them (its --block-rpcs); what they would give is then left out.
    await readGuestFile(qga, "/proc/meminfo").then((t) => data.push(...memoryMetrics(t, dims, at)), (e) => problems.push(`/proc/meminfo: ${(e as Error).message}`));
    await qga.execute<NetInterface[]>("guest-network-get-interfaces").then((n) => data.push(...netMetrics(n, sidecar.instanceId, at)), (e) => problems.push((e as Error).message));
    const sent = Date.now();
    await qga.execute<number>("guest-get-time").then((ns) => {
      // The guest's clock against the middle of the round trip.
      if (finite(ns)) data.push({ MetricName: "guest_clock_skew", Dimensions: dims, Timestamp: at, Value: ns / 1e6 / 1000 - (sent + Date.now()) / 2000, Unit: "Seconds" });
    }, (e) => problems.push((e as Error).message));
    return { data, problem: problems.length ? problems.join("; ") : undefined };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const problem = err.code === "ENOENT" ? undefined : err.code === "ECONNREFUSED" ? "nothing listens on the guest-agent socket" : String(err.message).slice(0, 200);
    return { data: [], problem };
  } finally {
    qga?.close();
  }
}
