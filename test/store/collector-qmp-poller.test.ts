/**
 * The QMP collector against a real QEMU (TCG) laid out as the platform lays
 * one out, a real guest agent (qemu-ga on this host), real tap-like devices
 * (a veth pair), and the real metric store. One VM is booted for the suite.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StandardUnit } from "@aws-sdk/client-cloudwatch";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { pollHost } from "../../lib/collector/qmp-poller.js";
import { getMetricStatistics } from "../../lib/metrics/get-metric-statistics.js";
import { startTestServers, type TestServers } from "../support/servers.js";
import { startVm, writeSidecar, type TestVm } from "../support/qemu-vm.js";

const ACCOUNT = "123456789012";
const INSTANCE = "i-0a1b2c3d4e5f60001";
const VOLUME = "vol-0a1b2c3d4e5f60001";
// Named per process: two runs of this suite on one machine must not share (or delete) each other's devices.
const TAP = `cwt${process.pid}`;
const PEER = `cwt${process.pid}p`;
const MINUTE = 60_000;

let servers: TestServers;
let dir: string;
let vm: TestVm;
let qga: ChildProcess | undefined;
const fakes: Server[] = [];
/** A boundary 30 minutes ago: each step of the suite polls the next minute after it. */
const T0 = Math.floor(Date.now() / MINUTE) * MINUTE - 30 * MINUTE;
let minute = 0;
const nextTick = () => T0 + ++minute * MINUTE;

async function stat(namespace: string, name: string, dims: Record<string, string>, at: number, statistic: "Sum" | "SampleCount" | "Average" | "Minimum" | "Maximum" = "Sum", unit?: StandardUnit) {
  const r = await getMetricStatistics(ACCOUNT, {
    Unit: unit,
    Namespace: namespace,
    MetricName: name,
    Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })),
    StartTime: new Date(at),
    EndTime: new Date(at + MINUTE),
    Period: 60,
    Statistics: [statistic],
  });
  return r.Datapoints?.[0]?.[statistic];
}

/** AF_PACKET frames of `size` bytes sent out of `iface` (python: node has no packet sockets). */
function sendFrames(iface: string, count: number, size: number): void {
  execFileSync("python3", ["-c", `
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("${iface}", 0))
for _ in range(${count}):
    s.send(b"\\xff" * 6 + b"\\x02\\x00\\x00\\x00\\x00\\x01" + b"\\x88\\xb5" + b"x" * (${size} - 14))
`]);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "hive-cw-qmp-"));
  // A veth pair stands in for the instance's tap: its host-side counters are what the collector reads.
  execFileSync("bash", ["-c", `ip link del ${TAP} 2>/dev/null; ip link add ${TAP} type veth peer name ${PEER} &&
    for i in ${TAP} ${PEER}; do ip link set dev $i addrgenmode none; sysctl -qw net.ipv6.conf.$i.disable_ipv6=1; ip link set $i up; done &&
    ip addr add 169.254.77.1/30 dev ${TAP}`]); // the guest agent reports counters of interfaces with an address only
  servers = await startTestServers("collector", { s3: false });
  process.env.HIVE_CLOUDWATCH_COLLECTOR_RUNTIME_DIR = dir;
  process.env.HIVE_CLOUDWATCH_COLLECTOR_QMP_TIMEOUT = "1s";
  // No aggregator runs here: the ingest log's growing tail must not be taken for overload.
  process.env.HIVE_CLOUDWATCH_MAX_INGEST_LAG = "1d";
  process.env.HIVE_CLOUDWATCH_COLLECTOR_GUEST_AGENT_TIMEOUT = "1s";
  vm = await startVm({ dir, instanceId: INSTANCE, volumeId: VOLUME, accountId: ACCOUNT, taps: [TAP] });
  // The guest agent of the instance, run on this host: what it reports is this machine's filesystems.
  qga = spawn(existsSync("/usr/sbin/qemu-ga") ? "/usr/sbin/qemu-ga" : "qemu-ga", ["-m", "unix-listen", "-p", join(dir, `qga-${INSTANCE}.sock`)], { stdio: "ignore" });
}, 240_000);

afterAll(async () => {
  qga?.kill();
  await vm?.stop();
  for (const s of fakes) s.close();
  await servers?.stop();
  execFileSync("bash", ["-c", `ip link del ${TAP} 2>/dev/null || true`]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("QmpPoller on a real QEMU", () => {
  it("primes on the first tick and publishes the next period's AWS/EBS and AWS/EC2 metrics: real guest writes move VolumeWriteOps/Bytes by exactly what was written", async () => {
    const primed = await pollHost({ now: nextTick() });
    expect(primed.published).toEqual([INSTANCE]);
    const period = T0 + minute * MINUTE; // the period the next tick measures starts here
    await vm.command("write 64");
    sendFrames(PEER, 10, 100); // arrives on the tap's receive side: the guest sent it
    sendFrames(TAP, 5, 200); // leaves through the tap: the guest received it
    const r = await pollHost({ now: nextTick() });
    expect(r.published).toEqual([INSTANCE]);

    const vol = { VolumeId: VOLUME };
    expect(await stat("AWS/EBS", "VolumeWriteOps", vol, period)).toBe(64);
    expect(await stat("AWS/EBS", "VolumeWriteBytes", vol, period)).toBe(64 * 4096);
    // AWS: VolumeWriteBytes' SampleCount is the number of writes, its Average their mean size.
    expect(await stat("AWS/EBS", "VolumeWriteBytes", vol, period, "SampleCount")).toBe(64);
    expect(await stat("AWS/EBS", "VolumeWriteBytes", vol, period, "Average")).toBe(4096);
    expect(await stat("AWS/EBS", "VolumeTotalWriteTime", vol, period)).toBeGreaterThan(0);
    const idle = await stat("AWS/EBS", "VolumeIdleTime", vol, period);
    expect(idle).toBeGreaterThanOrEqual(0);
    expect(idle).toBeLessThanOrEqual(120);
    expect(await stat("AWS/EBS", "VolumeQueueLength", vol, period)).toBeGreaterThan(0);

    const inst = { InstanceId: INSTANCE };
    expect(await stat("AWS/EC2", "DiskWriteOps", inst, period)).toBe(64);
    expect(await stat("AWS/EC2", "DiskWriteBytes", inst, period)).toBe(64 * 4096);
    expect(await stat("AWS/EC2", "NetworkOut", inst, period)).toBe(1000);
    expect(await stat("AWS/EC2", "NetworkPacketsOut", inst, period)).toBe(10);
    expect(await stat("AWS/EC2", "NetworkIn", inst, period)).toBe(1000);
    expect(await stat("AWS/EC2", "NetworkPacketsIn", inst, period)).toBe(5);
    const cpu = await stat("AWS/EC2", "CPUUtilization", inst, period, "Average");
    expect(cpu).toBeGreaterThan(0);
    expect(cpu).toBeLessThanOrEqual(100);
    for (const check of ["StatusCheckFailed", "StatusCheckFailed_Instance", "StatusCheckFailed_System"]) {
      expect(await stat("AWS/EC2", check, inst, period)).toBe(0);
    }

    // AWS's units: a query with another unit finds nothing.
    for (const [name, unit] of [["VolumeWriteOps", "Count"], ["VolumeWriteBytes", "Bytes"], ["VolumeTotalWriteTime", "Seconds"], ["VolumeIdleTime", "Seconds"], ["VolumeQueueLength", "Count"]] as const) {
      expect(await stat("AWS/EBS", name, vol, period, "SampleCount", unit), name).toBeGreaterThan(0);
      expect(await stat("AWS/EBS", name, vol, period, "SampleCount", "Percent"), name).toBeUndefined();
    }
    expect(await stat("AWS/EC2", "CPUUtilization", inst, period, "SampleCount", "Percent")).toBe(1);
  }, 120_000);

  it("publishes a period once when two collectors tick together", async () => {
    const now = nextTick();
    const [a, b] = await Promise.all([pollHost({ now }), pollHost({ now })]);
    expect([...a.published, ...b.published]).toEqual([INSTANCE]);
    expect({ ...a.skipped, ...b.skipped }[INSTANCE]).toMatch(/claimed|already collected/);
    expect((await pollHost({ now })).published).toEqual([]);
  });

  it("publishes the guest agent's filesystems as CWAgent disk_used_percent matching df, and its memory as mem_used_percent", async () => {
    const period = T0 + (minute - 1) * MINUTE;
    const [, size, used, avail] = execFileSync("df", ["-P", "-B1", "/"], { encoding: "utf8" }).trim().split("\n")[1]!.split(/\s+/).map(Number);
    // The agent's dimensions: device without /dev/, as the CloudWatch Agent's disk plugin names it.
    const [source, fstype] = execFileSync("findmnt", ["-no", "SOURCE,FSTYPE", "/"], { encoding: "utf8" }).trim().split(/\s+/);
    const dims = { InstanceId: INSTANCE, device: source!.replace(/^\/dev\//, ""), fstype: fstype!, path: "/" };
    const percent = await stat("CWAgent", "disk_used_percent", dims, period, "Average");
    expect(Math.abs(percent! - (used! / (used! + avail!)) * 100)).toBeLessThan(0.5);
    expect(size).toBeGreaterThan(0);
    const meminfo = execFileSync("cat", ["/proc/meminfo"], { encoding: "utf8" });
    const kb = (f: string) => Number(new RegExp(`^${f}:\\s+(\\d+)`, "m").exec(meminfo)![1]);
    const mem = await stat("CWAgent", "mem_used_percent", { InstanceId: INSTANCE }, period, "Average");
    expect(Math.abs(mem! - (1 - kb("MemAvailable") / kb("MemTotal")) * 100)).toBeLessThan(10);
    // net_* are cumulative, as the agent's net plugin sends them: the tap-like veth has sent the 5 frames of 200 bytes.
    const sent = await stat("CWAgent", "net_bytes_sent", { InstanceId: INSTANCE, interface: TAP }, period, "Maximum");
    expect(sent).toBeGreaterThanOrEqual(1000);
    const skew = await stat("CWAgent", "guest_clock_skew", { InstanceId: INSTANCE }, period, "Average");
    expect(Math.abs(skew!)).toBeLessThan(2);
  });

  it("re-primes after a QEMU restart instead of publishing a negative, then measures the new process", async () => {
    await vm.restart();
    const restartPeriod = T0 + minute * MINUTE;
    expect((await pollHost({ now: nextTick() })).published).toEqual([INSTANCE]);
    expect(await stat("AWS/EBS", "VolumeWriteOps", { VolumeId: VOLUME }, restartPeriod)).toBeUndefined();
    expect(await stat("AWS/EC2", "StatusCheckFailed", { InstanceId: INSTANCE }, restartPeriod)).toBe(0);
    const period = T0 + minute * MINUTE;
    await vm.command("write 8");
    await pollHost({ now: nextTick() });
    expect(await stat("AWS/EBS", "VolumeWriteOps", { VolumeId: VOLUME }, period)).toBe(8);
    for (const name of ["VolumeWriteOps", "VolumeReadOps", "VolumeWriteBytes"]) {
      const all = await getMetricStatistics(ACCOUNT, {
        Namespace: "AWS/EBS", MetricName: name, Dimensions: [{ Name: "VolumeId", Value: VOLUME }],
        StartTime: new Date(T0 - MINUTE), EndTime: new Date(T0 + 60 * MINUTE), Period: 60, Statistics: ["Minimum"],
      });
      expect(all.Datapoints!.length).toBeGreaterThan(0);
      expect(all.Datapoints!.every((d) => d.Minimum! >= 0)).toBe(true);
    }
  }, 180_000);
});

/** A QMP endpoint answering as QEMU does for a running one-vCPU VM with no disks (its vCPU "thread" is this process). */
function fakeQmp(path: string): void {
  fakes.push(createServer((s) => {
    s.write('{"QMP": {"version": {}, "capabilities": []}}\n');
    s.setEncoding("utf8").on("data", (d: string) => {
      for (const line of d.split("\n").filter(Boolean)) {
        const cmd = JSON.parse(line).execute;
        const ret = cmd === "query-cpus-fast" ? [{ "thread-id": process.pid, "cpu-index": 0 }] : cmd === "query-blockstats" ? [] : cmd === "query-status" ? { status: "running" } : {};
        s.write(`${JSON.stringify(cmd === "query-balloon" ? { error: { class: "DeviceNotActive", desc: "No balloon device has been activated" } } : { return: ret })}\n`);
      }
    });
  }).listen(path));
}

/** A guest agent that syncs, then answers every command with an error (as one whose RPCs are blocked does). */
function failingAgent(path: string): void {
  fakes.push(createServer((s) => {
    s.setEncoding("utf8").on("data", (d: string) => {
      for (const line of d.split("\n").filter(Boolean)) {
        const m = JSON.parse(line);
        s.write(`${JSON.stringify(m.execute === "guest-sync" ? { return: m.arguments.id } : { error: { class: "GenericError", desc: `command ${m.execute} has been disabled` } })}\n`);
      }
    });
  }).listen(path));
}

describe("QmpPoller with bad input", () => {
  it("logs a malformed sidecar, a garbage socket, a silent socket, a vanished instance and a guest agent that answers errors once each, skips them for the period, and still collects the rest", async () => {
    writeFileSync(join(dir, "qmp-telemetry-i-0000000000000bad1.json"), "{ not json");
    writeFileSync(join(dir, "qmp-telemetry-i-0000000000000bad2.json"), JSON.stringify({ vcpus: 1, socket: "/nowhere" }));
    const garbage = join(dir, "garbage.sock");
    const silent = join(dir, "silent.sock");
    fakes.push(createServer((s) => s.end("this is not QMP\n")).listen(garbage));
    fakes.push(createServer(() => undefined).listen(silent));
    writeSidecar(dir, { instanceId: "i-0000000000000bad3", accountId: ACCOUNT, vcpus: 1, periodSeconds: 60, socket: garbage });
    writeSidecar(dir, { instanceId: "i-0000000000000bad4", accountId: ACCOUNT, vcpus: 1, periodSeconds: 60, socket: silent });
    writeSidecar(dir, { instanceId: "i-0000000000000bad5", accountId: ACCOUNT, vcpus: 1, periodSeconds: 60, socket: join(dir, "gone.sock") });
    fakeQmp(join(dir, "qmp-telemetry-i-0000000000000bad6.sock"));
    failingAgent(join(dir, "qga-i-0000000000000bad6.sock"));
    writeSidecar(dir, { instanceId: "i-0000000000000bad6", accountId: ACCOUNT, vcpus: 1, periodSeconds: 60, socket: join(dir, "qmp-telemetry-i-0000000000000bad6.sock") });
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      const started = Date.now();
      const first = await pollHost({ now: nextTick() });
      expect(Date.now() - started).toBeLessThan(10_000); // one 1 s timeout for the silent socket, not a hang
      const second = await pollHost({ now: nextTick() });
      for (const r of [first, second]) {
        // An agent that answers errors costs its CWAgent metrics, not the instance's QMP metrics.
        expect(r.published.sort()).toEqual(["i-0000000000000bad6", INSTANCE]);
        expect(r.skipped["i-0000000000000bad3"]).toMatch(/not JSON/);
        expect(r.skipped["i-0000000000000bad4"]).toMatch(/no answer within 1000 ms/);
        expect(r.skipped["i-0000000000000bad5"]).toMatch(/vanished/);
      }
      const lines = warn.mock.calls.map((c) => String(c[0]));
      for (const what of ["bad1.json", "bad2.json", "i-0000000000000bad3", "i-0000000000000bad4", "i-0000000000000bad5"]) {
        expect(lines.filter((l) => l.includes(what) && !l.includes("guest agent")), what).toHaveLength(1);
      }
      expect(lines.filter((l) => l.includes("i-0000000000000bad6 guest agent") && l.includes("has been disabled"))).toHaveLength(1);
    } finally {
      warn.mockRestore();
    }
    // Nothing was stored for the broken instances.
    for (const id of ["i-0000000000000bad3", "i-0000000000000bad4", "i-0000000000000bad5"]) {
      expect(await stat("AWS/EC2", "StatusCheckFailed", { InstanceId: id }, T0 + (minute - 1) * MINUTE)).toBeUndefined();
    }
    expect(await stat("AWS/EC2", "StatusCheckFailed", { InstanceId: INSTANCE }, T0 + (minute - 1) * MINUTE)).toBe(0);
    expect(await stat("AWS/EC2", "CPUUtilization", { InstanceId: "i-0000000000000bad6" }, T0 + (minute - 1) * MINUTE, "SampleCount")).toBe(1);
    expect(await stat("CWAgent", "mem_used_percent", { InstanceId: "i-0000000000000bad6" }, T0 + (minute - 1) * MINUTE, "SampleCount")).toBeUndefined();
  }, 60_000);
});

describe("QmpPoller and the monitoring tiers", () => {
  it("collects an instance in basic monitoring (period_seconds 300) once per 5 minutes, dated at the 5-minute period's start", async () => {
    const id = "i-00000000000basic1";
    const socket = join(dir, `qmp-telemetry-${id}.sock`);
    fakeQmp(socket);
    const sidecar = writeSidecar(dir, { instanceId: id, accountId: ACCOUNT, vcpus: 1, periodSeconds: 300, socket });
    try {
      const FIVE = 5 * MINUTE;
      const base = Math.floor((T0 - 20 * MINUTE) / FIVE) * FIVE;
      const published: number[] = [];
      for (let m = 0; m <= 6; m++) {
        const r = await pollHost({ now: base + m * MINUTE + 5_000 });
        if (r.published.includes(id)) published.push(m);
        else expect(r.skipped[id]).toMatch(/already collected/);
      }
      expect(published).toEqual([0, 5]);
      const cpu = await getMetricStatistics(ACCOUNT, {
        Namespace: "AWS/EC2", MetricName: "CPUUtilization", Dimensions: [{ Name: "InstanceId", Value: id }],
        StartTime: new Date(base - FIVE), EndTime: new Date(base + 2 * FIVE), Period: 300, Statistics: ["SampleCount"],
      });
      expect(cpu.Datapoints?.map((d) => [d.Timestamp?.getTime(), d.SampleCount])).toEqual([[base, 1]]);
    } finally {
      rmSync(sidecar);
    }
  });
});
