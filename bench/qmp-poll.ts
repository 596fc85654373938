/**
 * QmpPoller on one host of 100 instances (npx tsx bench/qmp-poll.ts [N]):
 * N simulated QMP endpoints (unix sockets in a child process answering what
 * QEMU 7.2 answers: two vCPUs, a root disk and two nbd-vol-* volumes, growing
 * counters), their sidecars, no guest agents (each costs nothing: no socket),
 * a real nats-server for the metric store. Prints each tick's wall time and
 * the poller's CPU over the minute it stands for (the target: a tick under
 * 5 s, under 5% of a core averaged over the minute).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestServers } from "../test/support/servers.js";

const N = Number(process.argv[2] ?? 100);
const TICKS = 6;
const dir = mkdtempSync(join(tmpdir(), "hive-cw-bench-qmp-"));

// The endpoints: QMP's greeting, then answers; counters grow on every blockstats query.
const endpoints = `
const net = require("node:net");
const [dir, n] = [process.argv[1], Number(process.argv[2])];
const stats = (k, base) => ({ rd_operations: base * k, wr_operations: base * k * 2, rd_bytes: base * k * 4096, wr_bytes: base * k * 8192,
  rd_total_time_ns: base * k * 1e5, wr_total_time_ns: base * k * 2e5, flush_total_time_ns: 0, idle_time_ns: 1e8, timed_stats: [] });
for (let i = 0; i < n; i++) {
  let k = 1;
  net.createServer((s) => {
    s.setEncoding("utf8");
    s.write(JSON.stringify({ QMP: { version: { qemu: { major: 7, minor: 2, micro: 22 } }, capabilities: ["oob"] } }) + "\\n");
    let buf = "";
    s.on("data", (d) => {
      buf += d;
      for (let nl = buf.indexOf("\\n"); nl >= 0; nl = buf.indexOf("\\n")) {
        const cmd = JSON.parse(buf.slice(0, nl)).execute;
        buf = buf.slice(nl + 1);
        let ret;
        if (cmd === "query-cpus-fast") ret = [0, 1].map((c) => ({ "thread-id": process.pid, "cpu-index": c, target: "x86_64" }));
        else if (cmd === "query-blockstats") { k++; ret = ["nbd-vol-" + i + "a", "nbd-vol-" + i + "b", "root-" + i].map((node, j) => ({ device: "", "node-name": node, qdev: "/machine/peripheral/vdisk-" + node + "/virtio-backend", stats: stats(k, j + 1) })); }
        else if (cmd === "query-status") ret = { status: "running", running: true, singlestep: false };
        else if (cmd === "query-balloon") { s.write(JSON.stringify({ error: { class: "DeviceNotActive", desc: "No balloon device has been activated" } }) + "\\n"); continue; }
        else ret = {};
        s.write(JSON.stringify({ return: ret }) + "\\n");
      }
    });
    s.on("error", () => {});
  }).listen(dir + "/qmp-telemetry-i-" + String(i).padStart(17, "0") + ".sock");
}
process.send("ready");
`;

async function main() {
  const servers = await startTestServers("bench-qmp", { s3: false });
  process.env.HIVE_CLOUDWATCH_COLLECTOR_RUNTIME_DIR = dir;
  process.env.HIVE_CLOUDWATCH_MAX_INGEST_LAG = "1d"; // no aggregator runs here
  const child = spawn(process.execPath, ["-e", endpoints, dir, String(N)], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  await new Promise((r) => child.once("message", r));
  for (let i = 0; i < N; i++) {
    const id = `i-${String(i).padStart(17, "0")}`;
    writeFileSync(join(dir, `qmp-telemetry-${id}.json`), JSON.stringify({
      instance_id: id, account_id: "123456789012", vcpus: 2, period_seconds: 60, socket: join(dir, `qmp-telemetry-${id}.sock`),
    }));
  }
  const { pollHost } = await import("../lib/collector/qmp-poller.js");
  const t0 = Math.floor(Date.now() / 60_000) * 60_000 - TICKS * 60_000;
  console.log(`QmpPoller, ${N} instances (simulated QMP endpoints), ${TICKS} ticks; the first one only primes`);
  for (let t = 0; t < TICKS; t++) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const r = await pollHost({ now: t0 + t * 60_000 });
    const wall = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    console.log(`tick ${t}: ${wall.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU = ${(cpuMs / 60_000 * 100).toFixed(2)}% of a core over the minute; published ${r.published.length}, skipped ${Object.keys(r.skipped).length}`);
  }
  child.kill();
  await servers.stop();
  rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
