/**
 * Child servers the service needs when none is configured: nats-server with
 * JetStream, and a local S3 server. Used by `npm start` and by the tests.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";

export interface RunningServer {
  url: string;
  port: number;
  process?: ChildProcess;
  /** SIGTERM, or the signal given (SIGKILL: a crash, for durability tests). */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
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

function stopChild(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => (clearTimeout(timer), resolve()));
    child.kill(signal);
  });
}

/** nats-server with JetStream storing under `storeDir`; max_payload raised for 1 MB API bodies. */
export async function startNatsServer(opts: { storeDir: string; port?: number }): Promise<RunningServer> {
  mkdirSync(opts.storeDir, { recursive: true });
  const port = opts.port ?? (await freePort());
  const { writeFileSync } = await import("node:fs");
  const conf = `${opts.storeDir}/nats.conf`;
  writeFileSync(
    conf,
    `listen: 127.0.0.1:${port}\nmax_payload: 8MB\njetstream { store_dir: "${opts.storeDir}" }\n`,
  );
  const child = spawn("nats-server", ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code) => reject(new Error(`nats-server exited (${code}): ${stderr}`))),
  );
  exited.catch(() => undefined);
  await Promise.race([waitForPort(port), exited]);
  return { url: `nats://127.0.0.1:${port}`, port, process: child, stop: (signal) => stopChild(child, signal) };
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
  const port = opts.port ?? (await freePort());
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
