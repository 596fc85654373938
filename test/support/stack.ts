/**
 * The integration-test harness: real nats-server and S3 server with temp dirs,
 * each on a port it chose itself (read back, never picked here and handed on), and the service (local/main.ts) as a child process against
 * them, the way `npm start` runs it. Plus client factories for each protocol.
 *
 *   let stack: Stack;
 *   beforeAll(async () => (stack = await startStack()));
 *   afterAll(() => stack?.stop());
 */
import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { AwsQueryProtocol, AwsSmithyRpcV2CborProtocol } from "@aws-sdk/core/protocols";
import { startNatsServer, startS3Server, type RunningServer } from "../../local/processes.js";

export const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));

export interface StackCredential {
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
}

export const ACCOUNTS: StackCredential[] = [
  { accessKeyId: "test", secretAccessKey: "test", accountId: "000000000000" },
  { accessKeyId: "AKIDACCOUNTB", secretAccessKey: "secretB", accountId: "111111111111" },
];

export interface ServiceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Stack {
  /** http://127.0.0.1:PORT of the service. */
  endpoint: string;
  natsUrl: string;
  /** nats-server's monitoring endpoint, when `natsMonitor` was asked for. */
  natsMonitorUrl?: string;
  /** nats-server's Go profiler (/debug/pprof/), with `natsMonitor`. */
  natsProfileUrl?: string;
  /** nats-server's JetStream store directory (streams/NAME/msgs/*.blk). */
  natsStoreDir: string;
  s3Endpoint: string;
  dataDir: string;
  /** [0] = test/test/000000000000, [1] = AKIDACCOUNTB/secretB/111111111111. */
  credentials: StackCredential[];
  /** Stops the service (SIGTERM by default) and starts it again on the same port and servers. */
  restartService(opts?: { signal?: "SIGTERM" | "SIGKILL" }): Promise<void>;
  /** Stops the service and says how it exited. */
  stopService(signal?: "SIGTERM" | "SIGKILL"): Promise<ServiceExit>;
  /** Starts the service again after stopService, with `env` over the stack's environment for this run. */
  startService(env?: Record<string, string>): Promise<void>;
  /** Stops nats-server and starts it again on the same port and store dir. */
  /** Stops nats-server (SIGTERM, or SIGKILL for a crash) and starts it again on the same port and store. */
  restartNats(opts?: { signal?: "SIGTERM" | "SIGKILL" }): Promise<void>;
  /** Fires a scheduled function now (the runtime's POST /_hive/schedule/<id>) and returns its result. */
  fireSchedule(logicalId: string, eventName?: string): Promise<unknown>;
  /** The service's stderr so far (its logs). */
  logs(): string;
  /** The service process's pid (for benchmarks that read its memory). */
  servicePid(): number | undefined;
  /** nats-server's pid (for benchmarks that read its CPU time and memory). */
  natsPid(): number | undefined;
  /**
   * Starts one more service process on the same nats-server and S3 (its own
   * port and data dir), as a second host of a cluster would run; stopped with the stack.
   * `root`: another checkout to run it from (a benchmark comparing old and new code on one store).
   */
  addService(env?: Record<string, string>, opts?: { root?: string }): Promise<ExtraService>;
  stop(): Promise<void>;
}

export interface ExtraService {
  endpoint: string;
  pid(): number | undefined;
  logs(): string;
  stop(): Promise<ServiceExit>;
}

/**
 * A copy of template.yaml without the stream-triggered functions (the
 * aggregator): ingested data then stays in the ingest tail. Pass it as
 * HIVE_CLOUDWATCH_TEMPLATE.
 */
export function templateWithoutAggregator(): string {
  const doc = readFileSync(join(ROOT, "template.yaml"), "utf8");
  const blocks = doc.split(/\n(?=  [A-Za-z0-9]+:\n    Type: AWS::Serverless::Function)/);
  const path = join(mkdtempSync(join(tmpdir(), "hive-cw-template-")), "template.yaml");
  writeFileSync(path, blocks.filter((b) => !/Type: Kinesis/.test(b)).join("\n"));
  return path;
}

export interface StackOptions {
  /** Open nats-server's monitoring endpoint (`natsMonitorUrl`), for benchmarks. */
  natsMonitor?: boolean;
  /** Extra environment for the service process. */
  env?: Record<string, string>;
  /** Extra options for node running the service (e.g. --cpu-prof, not allowed in NODE_OPTIONS). */
  nodeArgs?: string[];
  /**
   * A directory for the stores (nats-server's, S3's, the service's data) that
   * outlives the stack: a benchmark starts again on what it stored before.
   */
  keepDir?: string;
  /** nats-server's GOMEMLIMIT (`[cloudwatch] nats_memory_limit_mb`), for benchmarks trying another. */
  natsMemoryLimitMb?: number;
}

const STARTUP_TIMEOUT_MS = 90_000;

/** The endpoint the service printed once it listened (local/main.ts: "… listening on http://HOST:PORT"). */
export function listeningEndpoint(stdout: string): string | undefined {
  return /listening on (http:\/\/\S+)\n/.exec(stdout)?.[1];
}

// Processes of stacks a suite forgot (or had no chance) to stop die with the test worker.
const live = new Set<() => ChildProcess | undefined>();
process.once("exit", () => {
  for (const get of live) {
    try {
      get()?.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
});

/** Debian's jemalloc (libjemalloc2), which scripts/start.sh preloads into the service (docs/memory.md, "The allocator"). */
const JEMALLOC = [`/usr/lib/${process.arch === "arm64" ? "aarch64" : "x86_64"}-linux-gnu/libjemalloc.so.2`, "/usr/lib64/libjemalloc.so.2"].find((p) => existsSync(p));

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const tmp = opts.keepDir ?? mkdtempSync(join(tmpdir(), "hive-cw-"));
  mkdirSync(tmp, { recursive: true });
  const removeTmp = () => opts.keepDir === undefined && rmSync(tmp, { recursive: true, force: true });
  const dataDir = join(tmp, "data");
  const natsStore = join(tmp, "nats");
  let nats: RunningServer | undefined;
  let s3: RunningServer | undefined;
  try {
    [nats, s3] = await Promise.all([startNatsServer({ storeDir: natsStore, monitor: opts.natsMonitor, memoryLimitMb: opts.natsMemoryLimitMb }), startS3Server({ dir: join(tmp, "s3") })]);
  } catch (e) {
    await nats?.stop();
    await s3?.stop();
    removeTmp();
    throw e;
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HIVE_CLOUDWATCH_NATS_URL: nats.url,
    HIVE_CLOUDWATCH_STORAGE_ENDPOINT: s3.url,
    HIVE_CLOUDWATCH_HOST: "127.0.0.1",
    // As scripts/start.sh runs the service: on jemalloc when it is installed (a caller's LD_PRELOAD wins).
    MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? "2",
    ...(JEMALLOC && !process.env.LD_PRELOAD && process.env.HIVE_CLOUDWATCH_MALLOC !== "glibc" ? { LD_PRELOAD: JEMALLOC } : {}),
    // The service binds a port of its own choosing and prints it; restarts reuse that port.
    HIVE_CLOUDWATCH_PORT: "0",
    HIVE_CLOUDWATCH_LOCAL: "true",
    HIVE_CLOUDWATCH_CREDENTIALS: `${ACCOUNTS[1].accessKeyId}:${ACCOUNTS[1].secretAccessKey}:${ACCOUNTS[1].accountId}`,
    HIVE_CLOUDWATCH_DATA_DIR: dataDir,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    ...opts.env,
  };
  // The test runner's own settings must not leak into the service (a caller's may: profiling).
  if (opts.env?.NODE_OPTIONS === undefined) delete env.NODE_OPTIONS;
  delete env.VITEST;
  delete env.VITEST_POOL_ID;
  delete env.VITEST_WORKER_ID;

  let child: ChildProcess | undefined;
  let exited: Promise<ServiceExit> | undefined;
  let stderr = "";
  let endpoint = "";

  /** Spawns a service process with `env` and resolves once it listens. */
  const launch = async (procEnv: NodeJS.ProcessEnv, onLog: (d: string) => void, cwd = ROOT) => {
    const proc = spawn(process.execPath, ["--max-semi-space-size=32", "--max-old-space-size=512", "--initial-old-space-size=128", ...(opts.nodeArgs ?? []), "--import", "tsx", "local/main.ts"], {
      cwd,
      env: procEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<ServiceExit>((r) => proc.once("exit", (code, signal) => r({ code, signal })));
    let logs = "";
    proc.stderr!.setEncoding("utf8").on("data", (d: string) => {
      logs = (logs + d).slice(-20_000);
      onLog(d);
    });
    // The last 10,000 characters, kept until the service says where it listens (a --trace-gc
    // or other flag may print plenty before that line).
    let stdout = "";
    let bound: string | undefined;
    const ready = new Promise<void>((resolve) =>
      proc.stdout!.setEncoding("utf8").on("data", (d: string) => {
        // BENCH_SERVICE_STDOUT: a file that takes all of it (a benchmark's BENCH_NODE_ARGS=--trace-gc prints there).
        if (process.env.BENCH_SERVICE_STDOUT) appendFileSync(process.env.BENCH_SERVICE_STDOUT, d);
        if (bound) return;
        stdout = (stdout + d).slice(-10_000);
        bound = listeningEndpoint(stdout);
        if (bound) resolve();
      }),
    );
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      ready.then(() => "ready" as const),
      exited.then((x) => x),
      new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), STARTUP_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    if (outcome !== "ready") {
      if (outcome === "timeout") proc.kill("SIGKILL");
      const why = outcome === "timeout" ? `did not listen within ${STARTUP_TIMEOUT_MS} ms` : `exited (${outcome.code ?? outcome.signal})`;
      throw new Error(`the service ${why}.\nstdout:\n${stdout}\nstderr:\n${logs}`);
    }
    return { proc, exited, endpoint: bound! };
  };

  const startService = async (overrides: Record<string, string> = {}) => {
    const started = await launch({ ...env, ...overrides }, (d) => {
      stderr += d;
      if (stderr.length > 1_000_000) stderr = stderr.slice(-500_000);
    });
    child = started.proc;
    exited = started.exited;
    endpoint = started.endpoint;
    env.HIVE_CLOUDWATCH_PORT = new URL(endpoint).port;
  };

  const stopProcess = async (proc: ChildProcess, exit: Promise<ServiceExit>, signal: "SIGTERM" | "SIGKILL"): Promise<ServiceExit> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill(signal);
      const timer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
      try {
        return await exit;
      } finally {
        clearTimeout(timer);
      }
    }
    return exit;
  };
  const stopService = async (signal: "SIGTERM" | "SIGKILL" = "SIGTERM"): Promise<ServiceExit> => {
    const proc = child;
    if (!proc || !exited) return { code: null, signal: null };
    child = undefined;
    return stopProcess(proc, exited, signal);
  };

  const extras: Array<() => Promise<unknown>> = [];
  const addService = async (overrides: Record<string, string> = {}, extra: { root?: string } = {}): Promise<ExtraService> => {
    const extraDir = mkdtempSync(join(tmp, "data-"));
    let logs = "";
    const started = await launch({ ...env, HIVE_CLOUDWATCH_PORT: "0", HIVE_CLOUDWATCH_DATA_DIR: extraDir, ...overrides }, (d) => {
      logs = (logs + d).slice(-500_000);
    }, extra.root);
    const getProc = () => started.proc;
    live.add(getProc);
    const stop = () => {
      live.delete(getProc);
      return stopProcess(started.proc, started.exited, "SIGTERM");
    };
    extras.push(stop);
    return { endpoint: started.endpoint, pid: () => started.proc.pid, logs: () => logs, stop };
  };

  const getChild = () => child;
  const getNatsProcess = () => nats?.process;
  live.add(getChild);
  live.add(getNatsProcess);
  const stopAll = async () => {
    live.delete(getChild);
    await Promise.all(extras.map((stop) => stop().catch(() => undefined)));
    await stopService("SIGTERM").catch(() => undefined);
    live.delete(getNatsProcess);
    await Promise.all([nats!.stop(), s3!.stop()]);
    removeTmp();
  };

  try {
    await startService();
  } catch (e) {
    await stopAll();
    throw e;
  }

  const natsPort = nats.port;
  const stack: Stack = {
    endpoint,
    natsUrl: nats.url,
    natsMonitorUrl: nats.monitorUrl,
    natsProfileUrl: nats.profileUrl,
    natsStoreDir: natsStore,
    s3Endpoint: s3.url,
    dataDir,
    credentials: ACCOUNTS,
    restartService: async ({ signal = "SIGTERM" } = {}) => {
      await stopService(signal);
      await startService();
    },
    stopService,
    startService,
    restartNats: async (o) => {
      await nats!.stop(o?.signal);
      nats = await startNatsServer({ storeDir: natsStore, port: natsPort, monitor: opts.natsMonitor });
    },
    fireSchedule: async (logicalId, eventName) => {
      const q = eventName ? `?event=${encodeURIComponent(eventName)}` : "";
      const res = await fetch(`${endpoint}/_hive/schedule/${logicalId}${q}`, { method: "POST" });
      const body = (await res.json()) as { result?: unknown; error?: string };
      if (!res.ok) throw new Error(`firing ${logicalId}: ${body.error ?? res.status}`);
      return body.result;
    },
    logs: () => stderr,
    servicePid: () => child?.pid,
    natsPid: () => nats?.process?.pid,
    addService,
    stop: stopAll,
  };
  return stack;
}

export type Account = 0 | 1;

/** The three protocols CloudWatch speaks to the SDK: awsJson1_0, smithy-rpc-v2-cbor, awsQuery. */
export type Protocol = "json" | "cbor" | "query";

const clientBase = (stack: Stack, account: Account = 0) => ({
  endpoint: stack.endpoint,
  region: "us-east-1",
  maxAttempts: 1,
  credentials: { accessKeyId: stack.credentials[account].accessKeyId, secretAccessKey: stack.credentials[account].secretAccessKey },
});

/**
 * CloudWatch client over awsJson1_0 (the SDK's default), smithy-rpc-v2-cbor or
 * awsQuery. The protocol classes get the client's own protocol settings (error
 * registries, awsQueryCompatible), so modeled errors arrive as their classes.
 */
export function cloudWatchClient(
  stack: Stack,
  opts: { protocol?: Protocol; account?: Account } = {},
): CloudWatchClient {
  const protocol =
    opts.protocol === "cbor" ? AwsSmithyRpcV2CborProtocol : opts.protocol === "query" ? AwsQueryProtocol : undefined;
  return new CloudWatchClient({ ...clientBase(stack, opts.account), ...(protocol ? { protocol: protocol as any } : {}) });
}

/** The same protocols built as the AWS docs show it: a protocol instance with only the namespaces. */
export function cloudWatchClientWithProtocolInstance(
  stack: Stack,
  opts: { protocol: "cbor" | "query"; account?: Account },
): CloudWatchClient {
  const protocol =
    opts.protocol === "cbor"
      ? new AwsSmithyRpcV2CborProtocol({ defaultNamespace: "com.amazonaws.cloudwatch" })
      : new AwsQueryProtocol({
          defaultNamespace: "com.amazonaws.cloudwatch",
          xmlNamespace: "http://monitoring.amazonaws.com/doc/2010-08-01/",
          version: "2010-08-01",
        });
  return new CloudWatchClient({ ...clientBase(stack, opts.account), protocol });
}

export function logsClient(stack: Stack, opts: { account?: Account } = {}): CloudWatchLogsClient {
  return new CloudWatchLogsClient(clientBase(stack, opts.account));
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON, when it is JSON. */
  json: any;
}

/** Debian's aws CLI v2.9 (`/usr/bin/aws`, awsQuery to CloudWatch), not the pip CLI on the PATH. */
export const DEBIAN_AWS_CLI = "/usr/bin/aws";

export function awsCli(
  stack: Stack,
  args: string[],
  opts: { account?: Account; input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  const cred = stack.credentials[opts.account ?? 0];
  const env: NodeJS.ProcessEnv = {
    PATH: "/usr/bin:/bin",
    HOME: tmpdir(),
    LANG: "C.UTF-8",
    AWS_ACCESS_KEY_ID: cred.accessKeyId,
    AWS_SECRET_ACCESS_KEY: cred.secretAccessKey,
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_PAGER: "",
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_MAX_ATTEMPTS: "1",
    AWS_RETRY_MODE: "standard",
  };
  return new Promise((resolvePromise, reject) => {
    const proc = spawn(DEBIAN_AWS_CLI, [...args, "--endpoint-url", stack.endpoint, "--output", "json"], {
      env,
      stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    proc.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    proc.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    if (opts.input !== undefined) proc.stdin!.end(opts.input);
    const timer = setTimeout(() => proc.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
    proc.once("error", (e) => (clearTimeout(timer), reject(e)));
    proc.once("close", (code) => {
      clearTimeout(timer);
      let json: any;
      try {
        json = stdout.trim() ? JSON.parse(stdout) : undefined;
      } catch {
        json = undefined;
      }
      resolvePromise({ code: code ?? -1, stdout, stderr, json });
    });
  });
}
