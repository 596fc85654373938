/**
 * The collector's decoders and arithmetic, without servers: the platform's
 * sidecar and TelemetryBatch formats, counters into per-period deltas, the
 * status checks, and the QMP client against peers that misbehave (fuzzed).
 */
import { createServer, type Server } from "node:net";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { counterDeltas } from "../../lib/collector/counter-deltas.js";
import { statusCheckMetrics } from "../../lib/collector/ec2-metrics.js";
import { diskMetrics, memoryMetrics } from "../../lib/collector/guest-agent-metrics.js";
import type { InstanceSample } from "../../lib/collector/instance-sample.js";
import { QmpError, QmpSession } from "../../lib/collector/qmp-client.js";
import { parseSidecar } from "../../lib/collector/sidecars.js";
import { telemetryMetrics } from "../../lib/collector/telemetry-batch.js";
import { rng } from "../support/random.js";

describe("parseSidecar (types.GuestTelemetryMeta as the daemon writes it)", () => {
  it("reads a full sidecar, and defaults an absent account to the platform's root account", () => {
    expect(parseSidecar('{"instance_id":"i-0abc","account_id":"123456789012","vcpus":2,"period_seconds":60,"taps":["tap0a1b"],"socket":"/run/spinifex/qmp-telemetry-i-0abc.sock"}'))
      .toEqual({ instanceId: "i-0abc", accountId: "123456789012", vcpus: 2, periodSeconds: 60, taps: ["tap0a1b"], socket: "/run/spinifex/qmp-telemetry-i-0abc.sock" });
    expect(parseSidecar('{"instance_id":"i-0abc","vcpus":1,"period_seconds":300,"socket":"/s"}')).toMatchObject({ accountId: "000000000000", taps: [] });
  });

  it("treats any period but 60 as basic monitoring (300), as the platform's collector does", () => {
    for (const p of [300, 0, 17, "60", null]) expect(parseSidecar(JSON.stringify({ instance_id: "i-1", socket: "/s", period_seconds: p })).periodSeconds).toBe(300);
  });

  it.each([
    ["{ not json", /JSON/],
    ["[]", /not a JSON object/],
    ['{"socket":"/s"}', /instance_id/],
    ['{"instance_id":"../../etc","socket":"/s"}', /instance_id/],
    ['{"instance_id":"i-1"}', /socket is missing/],
    ['{"instance_id":"i-1","socket":"/s","account_id":"12"}', /account_id/],
    ['{"instance_id":"i-1","socket":"/s","vcpus":-1}', /vcpus/],
    ['{"instance_id":"i-1","socket":"/s","taps":["../x"]}', /taps/],
  ])("rejects %s", (text, message) => {
    expect(() => parseSidecar(text)).toThrow(message);
  });

  it("either parses or throws an Error on fuzzed input", () => {
    const r = rng(15);
    const base = '{"instance_id":"i-0abc","account_id":"123456789012","vcpus":2,"period_seconds":60,"taps":["tap0"],"socket":"/s"}';
    for (let n = 0; n < 2000; n++) {
      const chars = [...base];
      for (let k = 0; k < 1 + Math.floor(r() * 4); k++) chars[Math.floor(r() * chars.length)] = String.fromCharCode(Math.floor(r() * 128));
      try {
        const s = parseSidecar(chars.join(""));
        expect(s.instanceId).toMatch(/^i-/);
        expect(s.vcpus).toBeGreaterThanOrEqual(1);
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
      }
    }
  });
});

const block = (wrOps: number, wrBytes = wrOps * 4096, wrTimeNs = wrOps * 1e6) => ({ rdOps: 0, wrOps, rdBytes: 0, wrBytes, rdTimeNs: 0, wrTimeNs, flushTimeNs: 0, idleNs: 1e9 });
const sample = (over: Partial<InstanceSample>): InstanceSample => ({
  at: 0, threads: [100], cpuJiffies: 0, status: "running", blocks: {}, taps: {}, ...over,
});

describe("counterDeltas", () => {
  it("turns two readings into the interval's sums, CPU as the average over the vCPUs", () => {
    const prev = sample({ at: 0, cpuJiffies: 1000, blocks: { "nbd-vol-1": block(10) }, taps: { tap0: { rxBytes: 100, txBytes: 50, rxPackets: 1, txPackets: 1 } } });
    const cur = sample({ at: 60_000, cpuJiffies: 4000, blocks: { "nbd-vol-1": block(74) }, taps: { tap0: { rxBytes: 1100, txBytes: 550, rxPackets: 11, txPackets: 6 } } });
    const r = counterDeltas(prev, cur, 2);
    expect(r).toEqual({
      deltas: {
        seconds: 60,
        cpuPercent: 25, // 30 s of CPU over 60 s on 2 vCPUs
        blocks: { "nbd-vol-1": { rdOps: 0, wrOps: 64, rdBytes: 0, wrBytes: 262144, rdSeconds: 0, wrSeconds: 0.064, idleSeconds: 60 - 0.064, queueLength: 0.064 / 60 } },
        net: { rxBytes: 1000, txBytes: 500, rxPackets: 10, txPackets: 5 },
      },
    });
  });

  it.each([
    ["a new QEMU process (other vCPU threads)", sample({ at: 60_000, threads: [200], cpuJiffies: 5000 })],
    ["CPU time going back", sample({ at: 60_000, cpuJiffies: 10 })],
    ["a clock that did not move", sample({ at: 0, cpuJiffies: 5000 })],
  ])("re-primes on %s", (_, cur) => {
    expect(counterDeltas(sample({ at: 0, cpuJiffies: 1000 }), cur, 1)).toHaveProperty("reprime");
  });

  it("leaves out a volume whose counters went back (re-attached), one that appeared, and a tap read only once", () => {
    const prev = sample({ blocks: { "nbd-vol-1": block(50), "nbd-vol-2": block(5) }, taps: { tap0: { rxBytes: 9, txBytes: 9, rxPackets: 9, txPackets: 9 } } });
    const cur = sample({ at: 60_000, blocks: { "nbd-vol-1": block(3), "nbd-vol-2": block(6), "nbd-vol-3": block(1) }, taps: { tap1: { rxBytes: 1, txBytes: 1, rxPackets: 1, txPackets: 1 } } });
    const r = counterDeltas(prev, cur, 1);
    expect("deltas" in r && Object.keys(r.deltas.blocks)).toEqual(["nbd-vol-2"]);
    expect("deltas" in r && r.deltas.net).toBeUndefined();
  });
});

describe("statusCheckMetrics (QMP run state)", () => {
  it.each([
    ["running", 0, 0],
    ["guest-panicked", 1, 0],
    ["watchdog", 1, 0],
    ["io-error", 0, 1],
    ["internal-error", 0, 1],
    ["paused", 0, 1],
  ])("%s → Instance %i, System %i", (status, instance, system) => {
    const m = Object.fromEntries(statusCheckMetrics("i-1", new Date(0), status).map((d) => [d.MetricName, d.Value]));
    expect(m).toEqual({ StatusCheckFailed_Instance: instance, StatusCheckFailed_System: system, StatusCheckFailed: Math.max(instance, system) });
  });
});

describe("guest-agent metrics", () => {
  it("mem_used_percent is (MemTotal - MemAvailable) / MemTotal, as the CloudWatch Agent computes it", () => {
    const m = memoryMetrics("MemTotal:        1000000 kB\nMemFree:          100000 kB\nMemAvailable:     250000 kB\n", [{ Name: "InstanceId", Value: "i-1" }], new Date(0));
    expect(m.find((d) => d.MetricName === "mem_used_percent")?.Value).toBe(75);
    expect(memoryMetrics("garbage", [], new Date(0))).toEqual([]);
  });

  it("disk metrics skip pseudo filesystems and impossible figures", () => {
    const m = diskMetrics([
      { name: "vda1", mountpoint: "/", type: "ext4", "used-bytes": 25, "total-bytes": 100 },
      { name: "tmpfs", mountpoint: "/run", type: "tmpfs", "used-bytes": 1, "total-bytes": 2 },
      { name: "vdb", mountpoint: "/data", type: "xfs", "used-bytes": 5, "total-bytes": 0 },
      { name: "vdc", mountpoint: "/x", type: "xfs", "used-bytes": 5, "total-bytes": 4 },
    ], "i-1", new Date(0));
    expect(m.map((d) => [d.MetricName, d.Value])).toEqual([["disk_used_percent", 25], ["disk_used", 25], ["disk_total", 100], ["disk_free", 75]]);
    expect(m[0]!.Dimensions).toEqual([{ Name: "InstanceId", Value: "i-1" }, { Name: "device", Value: "vda1" }, { Name: "fstype", Value: "ext4" }, { Name: "path", Value: "/" }]);
  });
});

describe("telemetryMetrics (types.TelemetryBatch)", () => {
  const labels = { namespace: "AWS/EC2", instance_id: "i-0abc", account_id: "123456789012" };
  const body = (o: unknown) => Buffer.from(JSON.stringify(o));

  it("maps the goanna_ec2_* series to AWS/EC2 names and dates the batch at its period's start", () => {
    const t = telemetryMetrics("metrics.ec2.i-0abc", body({ ts: 1_700_000_043, period_seconds: 60, series: [{ name: "goanna_ec2_disk_write_ops", labels, value: 64, unit: "Count" }, { name: "goanna_ec2_memory_actual_bytes", labels, value: 1, unit: "Bytes" }] }));
    expect(t).toMatchObject({ accountId: "123456789012", instanceId: "i-0abc", timestamp: 1_699_999_980_000 });
    expect(t.data).toEqual([{ MetricName: "DiskWriteOps", Dimensions: [{ Name: "InstanceId", Value: "i-0abc" }], Timestamp: new Date(1_699_999_980_000), Value: 64, Unit: "Count" }]);
  });

  it.each([
    [{ ts: "x", period_seconds: 60, series: [] }, /ts/],
    [{ ts: 1, period_seconds: 0, series: [] }, /period_seconds/],
    [{ ts: 1, period_seconds: 60, series: {} }, /series/],
    [{ ts: 1, period_seconds: 60, series: [{ name: "goanna_ec2_disk_read_ops", labels: { instance_id: "i-other" }, value: 1 }] }, /subject's instance/],
    [{ ts: 1, period_seconds: 60, series: [{ name: "goanna_ec2_disk_read_ops", labels: { instance_id: "i-0abc", account_id: "x" }, value: 1 }] }, /account_id/],
  ])("rejects %j", (o, message) => {
    expect(() => telemetryMetrics("metrics.ec2.i-0abc", body(o))).toThrow(message);
  });

  it("either maps or throws an Error on fuzzed input", () => {
    const r = rng(4);
    const base = JSON.stringify({ ts: 1_700_000_043, period_seconds: 60, series: [{ name: "goanna_ec2_cpu_utilization", labels, value: 12.5 }] });
    for (let n = 0; n < 2000; n++) {
      const bytes = Buffer.from(base);
      for (let k = 0; k < 1 + Math.floor(r() * 4); k++) bytes[Math.floor(r() * bytes.length)] = Math.floor(r() * 256);
      try {
        for (const d of telemetryMetrics("metrics.ec2.i-0abc", bytes).data) expect(d.Value).toBeGreaterThanOrEqual(0);
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
      }
    }
  });
});

describe("QmpSession against misbehaving peers", () => {
  const dir = mkdtempSync(join(tmpdir(), "hive-cw-qmp-fuzz-"));
  const servers: Server[] = [];
  afterAll(() => servers.forEach((s) => s.close()));
  let n = 0;
  async function peer(answer: (write: (s: string) => void, end: () => void) => void): Promise<string> {
    const path = join(dir, `p${n++}.sock`);
    const srv = createServer((sock) => {
      sock.on("error", () => undefined);
      answer((s) => sock.write(s), () => sock.end());
    });
    servers.push(srv);
    await new Promise<void>((r) => srv.listen(path, r));
    return path;
  }
  const greeting = '{"QMP": {"version": {}, "capabilities": []}}\n';

  it.each([
    ["garbage", (w: (s: string) => void) => w("hello\n"), /not JSON/],
    ["a JSON value that is not a message", (w: (s: string) => void) => w("[1,2]\n"), /not a QMP message/],
    ["no greeting", (w: (s: string) => void) => w('{"return": {}}\n'), /did not greet/],
    ["silence", () => undefined, /no answer within 300 ms/],
    ["a greeting, then silence", (w: (s: string) => void) => w(greeting), /no answer within 300 ms/],
    ["a line that never ends", (w: (s: string) => void) => w("x".repeat(2 * 1024 * 1024)), /without a complete message|no answer/],
  ])("fails on %s, within its deadline", async (_, answer, message) => {
    const path = await peer(answer);
    const started = Date.now();
    await expect(QmpSession.open(path, 300)).rejects.toThrow(message);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("a QMP error becomes a QmpError with its class; events between answers are skipped", async () => {
    const path = await peer((w) => {
      w(greeting);
      w('{"return": {}}\n{"event": "RESUME", "timestamp": {}}\n{"error": {"class": "DeviceNotActive", "desc": "No balloon device has been activated"}}\n');
    });
    const s = await QmpSession.open(path, 1000);
    const e = await s.execute("query-balloon").catch((x) => x);
    s.close();
    expect(e).toBeInstanceOf(QmpError);
    expect(e).toMatchObject({ qmpClass: "DeviceNotActive", message: "query-balloon: No balloon device has been activated" });
  });

  it("fuzzed answers either parse or fail with an Error within the deadline", async () => {
    const r = rng(7);
    const base = `${greeting}{"return": {}}\n{"return": [{"thread-id": 1, "cpu-index": 0}]}\n`;
    for (let i = 0; i < 40; i++) {
      const chars = [...base];
      for (let k = 0; k < 1 + Math.floor(r() * 6); k++) chars[Math.floor(r() * chars.length)] = String.fromCharCode(Math.floor(r() * 256));
      const text = chars.join("");
      const path = await peer((w) => w(text));
      const started = Date.now();
      try {
        const s = await QmpSession.open(path, 200);
        await s.execute("query-cpus-fast").finally(() => s.close());
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
      }
      expect(Date.now() - started).toBeLessThan(1500);
    }
  }, 60_000);
});
