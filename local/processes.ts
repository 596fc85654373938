/**
 * Child servers the service needs when none is configured: nats-server with
 * JetStream, and a local S3 server. Used by `npm start` and by the tests.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { DEFAULT_NATS_MEMORY_LIMIT_MB } from "../lib/config/config.js";

export interface RunningServer {
  url: string;
  port: number;
  /** nats-server's monitoring endpoint (/varz, /jsz), when asked for. */
  monitorUrl?: string;
  /** nats-server's Go profiler (/debug/pprof/), opened with the monitoring endpoint. */
  profileUrl?: string;
  process?: ChildProcess;
  /** SIGTERM, or the signal given (SIGKILL: a crash, for durability tests). */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function waitForPort(port: number, timeoutMs = 15_000): Promise<void> {
  const { connect } = await import("node:net");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, "127.0.0.1");
      s.once("connect", () => (s.destroy(), resolve(true)));
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listened on port ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Signals the child and resolves once it has exited (SIGKILL after 5 s). */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => (clearTimeout(timer), resolve()));
    child.kill(signal);
  });
}

/**
 * nats-server with JetStream storing under `storeDir`; max_payload raised for 1 MB API bodies.
 * Without `port` it listens on a port of its own choosing (`-1`) and the port is read back
 * from the ports file it writes into `storeDir`: no port is picked here and handed on.
 * `memoryLimitMb` (`[cloudwatch] nats_memory_limit_mb`) becomes the Go runtime's soft limit
 * (GOMEMLIMIT): nats-server (Go 1.19) otherwise lets garbage grow to twice its live heap; `gcPercent` its GOGC. `monitor` opens the
 * monitoring endpoint (/varz, /jsz) and the Go profiler (/debug/pprof/) on ports of its own choosing, for benchmarks.
 */
export async function startNatsServer(opts: { storeDir: string; port?: number; memoryLimitMb?: number; gcPercent?: number; monitor?: boolean }): Promise<RunningServer> {
  mkdirSync(opts.storeDir, { recursive: true });
  const conf = `${opts.storeDir}/nats.conf`;
  writeFileSync(
    conf,
    `listen: 127.0.0.1:${opts.port ?? -1}\n${opts.monitor ? "http: 127.0.0.1:-1\nprof_port: -1\n" : ""}ports_file_dir: "${opts.storeDir}"\nmax_payload: 8MB\njetstream { store_dir: "${opts.storeDir}", max_memory_store: 1GB, max_file_store: 10GB }\n`,
  );
  const env = { ...process.env };
  env.GOMEMLIMIT = `${opts.memoryLimitMb ?? DEFAULT_NATS_MEMORY_LIMIT_MB}MiB`;
  if (opts.gcPercent !== undefined) env.GOGC = String(opts.gcPercent);
  const child = spawn("nats-server", ["-c", conf], { stdio: ["ignore", "ignore", "pipe"], env });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code) => reject(new Error(`nats-server exited (${code}): ${stderr}`))),
  );
  exited.catch(() => undefined);
  const ports = await Promise.race([readNatsPorts(`${opts.storeDir}/nats-server_${child.pid}.ports`), exited]);
  await Promise.race([waitForPort(ports.port), exited]);
  return {
    url: `nats://127.0.0.1:${ports.port}`,
    port: ports.port,
    monitorUrl: ports.monitorUrl,
    profileUrl: ports.profileUrl,
    process: child,
    stop: (signal) => stopChild(child, signal),
  };
}

/**
 * The client port (and monitoring URL, if any) from the ports file a nats-server configured with
 * `ports_file_dir` writes (`{dir}/nats-server_{pid}.ports`: `{"nats":["nats://127.0.0.1:PORT"],
 * "monitoring":["http://127.0.0.1:PORT"],"profile":[…]}`), once it is written.
 */
export async function readNatsPorts(file: string, timeoutMs = 15_000): Promise<{ port: number; monitorUrl?: string; profileUrl?: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (existsSync(file)) {
      try {
        const ports = JSON.parse(readFileSync(file, "utf8")) as { nats?: string[]; monitoring?: string[]; profile?: string[] };
        const url = ports.nats?.[0];
        if (url) return { port: Number(new URL(url).port), monitorUrl: ports.monitoring?.[0], profileUrl: ports.profile?.[0] };
      } catch {
        // written but not complete yet: read it again
      }
    }
    if (Date.now() > deadline) throw new Error(`nats-server wrote no ports file ${file} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * An S3-protocol server in this process (s3rver: real HTTP, objects on disk
 * under `dir`). Path-style; signatures are checked leniently, any key works.
 */
export async function startS3Server(opts: { dir: string; port?: number; host?: string }): Promise<RunningServer> {
  mkdirSync(opts.dir, { recursive: true });
  const { createRequire } = await import("node:module");
  const S3rver = createRequire(import.meta.url)("s3rver");
  const host = opts.host ?? "127.0.0.1";
  // Port 0: the OS chooses, and run() reports what was bound.
  const port = opts.port ?? 0;
  const server = new S3rver({
    address: host,
    port,
    directory: opts.dir,
    silent: true,
    allowMismatchedSignatures: true,
    vhostBuckets: false,
    resetOnClose: false,
  });
  const address = (await server.run()) as { port: number };
  // Keep-alive sockets from clients would hold close() open; end them.
  const http = server.httpServer as import("node:http").Server;
  http.keepAliveTimeout = 5000;
  let stopped: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections?.();
      })),
  };
}
