/**
 * A real QEMU instance laid out as the Spinifex daemon lays one out: a raw
 * disk attached as block node `nbd-{volume-id}` with device
 * `vdisk-{volume-id}` (spinifex/vm/devices.go), a telemetry QMP socket
 * `qmp-telemetry-{id}.sock` (`-qmp unix:…,server,nowait`, spinifex/vm/vm.go)
 * and its sidecar `qmp-telemetry-{id}.json` (spinifex/vm/telemetry_meta.go).
 * The guest (scripts/guest-image.sh) boots under TCG and does block I/O when
 * told to on its serial console.
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./stack.js";

export interface TestVm {
  instanceId: string;
  volumeId: string;
  socket: string;
  sidecar: string;
  /** Sends `write N` / `read N` to the guest and waits until it says it is done. */
  command(cmd: string, timeoutMs?: number): Promise<void>;
  /** Stops QEMU and starts a new QEMU process on the same disk and sockets (as a reboot through the platform does). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const BOOT_TIMEOUT_MS = 120_000;

/** Builds (once, cached under .cache/guest) and returns the guest kernel and initramfs. */
export function guestImage(): { kernel: string; initrd: string } {
  const dir = execFileSync("bash", [join(ROOT, "scripts/guest-image.sh")], { cwd: ROOT, encoding: "utf8" }).trim().split("\n").pop()!;
  return { kernel: join(ROOT, dir, "vmlinuz"), initrd: join(ROOT, dir, "initrd.gz") };
}

/** The sidecar exactly as writeTelemetryMeta marshals types.GuestTelemetryMeta. */
export function writeSidecar(dir: string, meta: { instanceId: string; accountId?: string; vcpus: number; periodSeconds: number; taps?: string[]; socket: string }): string {
  const path = join(dir, `qmp-telemetry-${meta.instanceId}.json`);
  const o: Record<string, unknown> = { instance_id: meta.instanceId };
  if (meta.accountId) o.account_id = meta.accountId;
  o.vcpus = meta.vcpus;
  o.period_seconds = meta.periodSeconds;
  if (meta.taps?.length) o.taps = meta.taps;
  o.socket = meta.socket;
  writeFileSync(path, JSON.stringify(o), { mode: 0o600 });
  return path;
}

export async function startVm(opts: { dir: string; instanceId: string; volumeId: string; accountId: string; taps?: string[] }): Promise<TestVm> {
  const { kernel, initrd } = guestImage();
  const disk = join(opts.dir, `${opts.volumeId}.raw`);
  writeFileSync(disk, Buffer.alloc(0));
  execFileSync("truncate", ["-s", "16M", disk]);
  const socket = join(opts.dir, `qmp-telemetry-${opts.instanceId}.sock`);
  let proc: ChildProcess | undefined;
  let serial = "";
  let waiters: Array<() => void> = [];

  const boot = async () => {
    if (existsSync(socket)) rmSync(socket);
    serial = "";
    const p = spawn("qemu-system-x86_64", [
      "-machine", "pc,accel=tcg", "-m", "128", "-smp", "1", "-nodefaults", "-no-user-config", "-display", "none",
      "-serial", "stdio", "-kernel", kernel, "-initrd", initrd, "-append", "console=ttyS0 quiet panic=-1",
      "-blockdev", `driver=raw,node-name=nbd-${opts.volumeId},file.driver=file,file.filename=${disk}`,
      "-device", `virtio-blk-pci,drive=nbd-${opts.volumeId},id=vdisk-${opts.volumeId}`,
      "-qmp", `unix:${socket},server,nowait`,
    ], { stdio: ["pipe", "pipe", "pipe"] });
    proc = p;
    p.stdout!.setEncoding("utf8").on("data", (d: string) => {
      serial += d;
      if (serial.length > 100_000) serial = serial.slice(-50_000);
      for (const w of waiters) w();
    });
    p.stderr!.setEncoding("utf8").on("data", (d: string) => (serial += d));
    await waitFor("guest ready", BOOT_TIMEOUT_MS);
  };

  const waitFor = (text: string, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (serial.includes(text)) {
          clearTimeout(timer);
          waiters = waiters.filter((w) => w !== check);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        waiters = waiters.filter((w) => w !== check);
        reject(new Error(`the guest did not say "${text}" within ${timeoutMs} ms; console:\n${serial.slice(-3000)}`));
      }, timeoutMs);
      waiters.push(check);
      check();
    });

  const halt = async () => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null) return;
    const gone = new Promise((r) => p.once("exit", r));
    p.kill("SIGTERM");
    const t = setTimeout(() => p.kill("SIGKILL"), 5_000);
    await gone;
    clearTimeout(t);
  };

  await boot();
  const sidecar = writeSidecar(opts.dir, { instanceId: opts.instanceId, accountId: opts.accountId, vcpus: 1, periodSeconds: 60, taps: opts.taps, socket });
  return {
    instanceId: opts.instanceId,
    volumeId: opts.volumeId,
    socket,
    sidecar,
    async command(cmd, timeoutMs = 60_000) {
      const marker = `done ${cmd}`;
      serial = serial.replaceAll(marker, "");
      proc!.stdin!.write(`${cmd}\n`);
      await waitFor(marker, timeoutMs);
    },
    async restart() {
      await halt();
      await boot();
    },
    stop: halt,
  };
}
