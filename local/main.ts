/**
 * The local runtime (`npm start`): reads template.yaml like `sam local`,
 * starts nats-server and an S3 server when none is configured, bundles and
 * loads every function into this process, serves the API over HTTP and fires
 * the Schedule events.
 *
 *   npx tsx local/main.ts [--template template.yaml]
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { spawnSync } from "node:child_process";
import { ConfigError, envName, loadConfig, type Config } from "../lib/config/config.js";
import { hasFunction, registerFunction, type LambdaHandler } from "../lib/runtime/invoke.js";
import { closeNats, ensureNatsResources } from "../lib/storage/nats.js";
import { ensureBucket, getS3 } from "../lib/storage/s3.js";
import { buildAll, stopEsbuild } from "./build.js";
import { startHttpServer, type RunningHttpServer } from "./http-server.js";
import { ReservedConcurrency } from "./reserved-concurrency.js";
import { watchSaturation } from "./write-saturation.js";
import { startNatsServer, startS3Server, type RunningServer } from "./processes.js";
import { startScheduler, type Scheduler, type ScheduledTarget } from "./scheduler.js";
import { streamTargets } from "./stream-trigger.js";
import type { StreamWorkerData } from "./stream-worker.js";
import { Worker } from "node:worker_threads";
import { setFlagsFromString } from "node:v8";
import { supervise, type SupervisedWorker } from "./worker-supervisor.js";
import { loadTemplate, type TemplateFunction } from "./template.js";
import { ensureIngestStream } from "../lib/metrics/write/ingest-log.js";
import { formatMemoryReport, isolateMemory, memoryShort, rssMb, type IsolateMemory, type MemoryReport } from "../lib/capacity/memory.js";

const log = (message: string, error?: unknown) =>
  error === undefined ? console.error(`[hive-cloudwatch] ${message}`) : console.error(`[hive-cloudwatch] ${message}`, error);

function parseArgs(argv: string[]): { template: string } {
  let template = process.env.HIVE_CLOUDWATCH_TEMPLATE || "template.yaml";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--template" || a === "-t") template = argv[++i];
    else if (a.startsWith("--template=")) template = a.slice("--template=".length);
    else if (a === "--help" || a === "-h") {
      console.log("usage: npm start [-- --template template.yaml]\nConfiguration: hive.toml [cloudwatch] or HIVE_CLOUDWATCH_* variables.");
      process.exit(0);
    } else throw new ConfigError(`unknown argument ${a}`);
  }
  return { template };
}

async function retry<T>(what: string, fn: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() + delay > deadline) throw new Error(`${what}: ${(e as Error).message ?? e}`, { cause: e });
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** A nats-server this runtime started earlier and did not stop (it was killed): stop it, it holds the store. */
async function stopOrphanNats(storeDir: string): Promise<void> {
  const pidFile = resolve(storeDir, "nats.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").trim());
  rmSync(pidFile, { force: true });
  if (!Number.isInteger(pid) || pid <= 0) return;
  let cmdline = "";
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return; // not running
  }
  if (!cmdline.includes("nats-server") || !cmdline.includes(resolve(storeDir, "nats.conf"))) return;
  log(`stopping nats-server ${pid} left over from an earlier run`);
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  for (let i = 0; i < 100 && existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 50));
}

function scheduleTargets(functions: TemplateFunction[]): ScheduledTarget[] {
  return functions.flatMap((f) =>
    f.schedules.map((s) => ({
      logicalId: f.logicalId,
      eventName: s.name,
      schedule: s.schedule,
      enabled: s.enabled,
      input: s.input,
      timeoutMs: f.timeoutSeconds * 1000,
    })),
  );
}

// What this runtime started, stopped again on exit, also when starting fails.
const children: RunningServer[] = [];
let natsPidFile: string | undefined;

async function stopChildren(): Promise<void> {
  for (const c of children.splice(0).reverse()) await c.stop().catch((e) => log("stopping a server failed", e));
  if (natsPidFile) rmSync(natsPidFile, { force: true });
}

async function main(): Promise<void> {
  process.setSourceMapsEnabled(true);
  // The main thread's heap flags (scripts/start.sh: --max-old-space-size, --max-semi-space-size) are V8
  // globals that a worker's isolate also reads, and they win over its resourceLimits: the stream worker
  // took the main thread's 512 MiB limit, not its MemorySize. The main heap is sized already, so clearing
  // the flags leaves it as it is and lets each worker take its own limits.
  setFlagsFromString("--max-old-space-size=0");
  setFlagsFromString("--max-semi-space-size=0");
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  // Local mode unless told otherwise: the dev credential, and servers started for you.
  if (!process.env[envName("local")]) process.env[envName("local")] = "true";
  const args = parseArgs(process.argv.slice(2));

  let config: Config = loadConfig();
  const dataDir = resolve(config.dataDir);
  let http: RunningHttpServer | undefined;
  let scheduler: Scheduler | undefined;
  let streams: SupervisedWorker | undefined;
  let shuttingDown = false;
  let shutdownAt = 0;

  const shutdown = async (signal: string, code = 0) => {
    if (shuttingDown) {
      // A second signal right after the first is a duplicate (a terminal and a
      // wrapper both forwarding Ctrl-C), not an impatient user.
      if (Date.now() - shutdownAt < 2000) return;
      log(`${signal} again: exiting now`);
      process.exit(code || 1);
    }
    shuttingDown = true;
    shutdownAt = Date.now();
    log(`${signal}: shutting down`);
    const force = setTimeout(() => {
      log("shutdown took too long: exiting");
      process.exit(code || 1);
    }, 15_000);
    force.unref();
    try {
      await http?.close(5000);
      await scheduler?.stop(5000);
      await streams?.stop(stopStreamWorker);
      await closeNats();
      try {
        getS3().destroy();
      } catch {
        // never configured
      }
      await stopChildren();
    } catch (e) {
      log("shutdown failed", e);
      code ||= 1;
    }
    process.exit(code);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("unhandledRejection", (e) => log("unhandled rejection", e));

  // 1. The servers nobody configured. Their addresses go into the environment
  //    before any function is loaded: each bundle reads its own configuration.
  if (!config.natsUrl) {
    const storeDir = resolve(dataDir, "nats");
    if (spawnSync("nats-server", ["--version"], { stdio: "ignore" }).error) {
      throw new ConfigError(
        `nats-server is not installed and no NATS URL is configured: install it (apt-get install nats-server) or set ${envName("nats_url")}`,
      );
    }
    await stopOrphanNats(storeDir);
    const nats = await startNatsServer({ storeDir, memoryLimitMb: config.natsMemoryLimitMb });
    children.push(nats);
    natsPidFile = resolve(storeDir, "nats.pid");
    if (nats.process?.pid) writeFileSync(natsPidFile, String(nats.process.pid));
    process.env[envName("nats_url")] = nats.url;
    log(`started nats-server at ${nats.url} (store ${storeDir})`);
  }
  if (!config.storage.endpoint) {
    const dir = resolve(dataDir, "s3");
    const s3 = await startS3Server({ dir });
    children.push(s3);
    process.env[envName("storage.endpoint")] = s3.url;
    log(`started S3 server at ${s3.url} (files ${dir})`);
  }
  config = loadConfig();

  // 2. The template's functions, bundled in one build and loaded here.
  // The ingest functions' ReservedConcurrentExecutions come from the configuration, as a deployment's parameter overrides.
  const template = loadTemplate(args.template, { region: config.region, parameters: { MaxConcurrentWrites: String(config.maxConcurrentWrites) } });
  if (!template.functions.length) throw new ConfigError(`${args.template} declares no functions`);
  for (const f of template.functions) {
    for (const [k, v] of Object.entries(f.environment)) {
      // HIVE_CLOUDWATCH_* come from this runtime's configuration (hive.toml or
      // the environment); the template's values are for deployments.
      if (k.startsWith("HIVE_CLOUDWATCH_") || k === "NODE_OPTIONS") continue;
      if (process.env[k] === undefined) process.env[k] = v;
    }
  }
  const started = Date.now();
  const STREAM_WORKER = "local/stream-worker.ts";
  const build = await buildAll([...template.functions.map((f) => f.entry), STREAM_WORKER]);
  for (const f of template.functions) {
    const mod = await import(pathToFileURL(build.entries.get(f.entry)!.file).href);
    const handler = mod[f.exportName] as LambdaHandler | undefined;
    if (typeof handler !== "function") {
      throw new ConfigError(`${f.logicalId}: ${f.entry} does not export a function named ${f.exportName} (Handler ${f.handler})`);
    }
    registerFunction(f.logicalId, handler);
  }
  await stopEsbuild(); // its service process is not needed after the build
  log(`loaded ${template.functions.length} functions in ${Date.now() - started} ms${build.reused ? " (cached build)" : ""}`);
  if (!hasFunction("Front")) log("warning: template.yaml has no Front function; API requests will fail");

  // 3. Storage resources, so the first request finds them.
  await retry(`NATS at ${config.natsUrl}`, async () => {
    await ensureNatsResources();
    await ensureIngestStream();
  });
  await retry(`S3 at ${config.storage.endpoint}`, async () => {
    await ensureBucket(config.storage.bucket);
    await ensureBucket(config.logs.bucket);
  });

  // 4. Serve, and fire schedules.
  const accountId = config.credentials[0]?.accountId ?? "000000000000";
  scheduler = startScheduler(scheduleTargets(template.functions), {
    region: config.region,
    accountId,
    onError: (t, e) => log(`scheduled run of ${t.logicalId} (${t.eventName}) failed`, e),
  });
  const targets = streamTargets(template.functions);
  if (targets.length) {
    const ids = new Set(targets.map((t) => t.logicalId));
    const data: StreamWorkerData = {
      targets,
      functions: template.functions
        .filter((f) => ids.has(f.logicalId))
        .map((f) => ({ logicalId: f.logicalId, file: build.entries.get(f.entry)!.file, exportName: f.exportName })),
    };
    // A smaller young generation than the main thread's: the aggregator's garbage is
    // short-lived, and under the ingest benchmark this kept the service's RSS under 1 GiB.
    // The old generation is bounded by the stream functions' MemorySize, as Lambda bounds
    // a function's memory: V8 collects before the host runs short.
    const file = build.entries.get(STREAM_WORKER)!.file;
    const workerHeapMb = Math.max(...template.functions.filter((f) => ids.has(f.logicalId)).map((f) => f.memorySize ?? DEFAULT_MEMORY_MB));
    log(`stream worker heap limit ${workerHeapMb} MiB (MemorySize)`);
    streams = supervise(() => new Worker(file, { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: 48, maxOldGenerationSizeMb: workerHeapMb } }), {
      log: (m, e) => log(`stream ${m}`, e),
    });
  }
  const mainMemory = template.functions.find((f) => f.logicalId === "Front")?.memorySize ?? DEFAULT_MEMORY_MB;
  if (isolateMemory("main").heapLimitMb > mainMemory + 128) {
    log(`warning: the main thread's heap may grow past the API functions' MemorySize (${mainMemory} MiB): start node with --max-old-space-size=${mainMemory}, as scripts/start.sh does`);
  }
  const memoryReport = async (): Promise<MemoryReport> => {
    const isolates: IsolateMemory[] = [isolateMemory("main")];
    const worker = streams?.current();
    if (worker) isolates.push(...(await askMemory(worker)));
    return { rssMb: rssMb(), budgetMb: config.memoryBudgetMb, isolates };
  };
  // The writes' limit under saturation starts at (and never passes) their reserved concurrency.
  const saturation = watchSaturation(config.maxEventLoopDelayMs, config.maxConcurrentWrites, () => reserved.writesInFlight());
  const reserved = new ReservedConcurrency(template.functions, saturation.limit, () => memoryShort(config.memoryBudgetMb));
  const reporter = setInterval(() => {
    memoryReport().then((r) => log(formatMemoryReport(r)), (e) => log("memory report failed", e));
    const throttled = [...reserved.takeThrottled()].map(([id, n]) => `${id} ${n}`);
    if (throttled.length) log(`throttled in the last minute (ReservedConcurrentExecutions): ${throttled.join(", ")}`);
  }, MEMORY_REPORT_MS);
  reporter.unref();
  http = await startHttpServer({
    admit: reserved.admit,
    memoryReport,
    host: config.host,
    port: config.port,
    maxRequestBytes: config.maxRequestBytes,
    healthBucket: config.storage.bucket,
    functionCount: () => template.functions.length,
    fireSchedule: config.local ? (id, ev) => scheduler!.fire(id, ev) : undefined,
    log,
  });
  if (shuttingDown) return;
  console.log(`Hive CloudWatch listening on ${http.url}`);
}

const MEMORY_REPORT_MS = 60_000;
/** What a function gets without a MemorySize, as in SAM. */
const DEFAULT_MEMORY_MB = 128;

/** The worker's own heap figures; none when it does not answer within a second (busy or restarting). */
async function askMemory(worker: Worker): Promise<IsolateMemory[]> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => done([]), 1000);
    const onMessage = (m: unknown) => {
      if (m && typeof m === "object" && "memory" in m) done([(m as { memory: IsolateMemory }).memory]);
    };
    const done = (r: IsolateMemory[]) => {
      clearTimeout(timer);
      worker.off("message", onMessage);
      resolve(r);
    };
    worker.on("message", onMessage);
    worker.postMessage("memory");
  });
}

/** Asks the stream worker to finish its batch and close; terminates it if it takes too long. */
async function stopStreamWorker(worker: Worker): Promise<void> {
  const stopped = new Promise<void>((resolve) => {
    worker.on("message", (m) => m === "stopped" && resolve());
    worker.once("exit", () => resolve());
  });
  worker.postMessage("stop");
  await Promise.race([stopped, new Promise((r) => setTimeout(r, 5000))]);
  await worker.terminate();
}

main().catch(async (e) => {
  if (e instanceof ConfigError) console.error(`hive-cloudwatch: ${e.message}`);
  else console.error("hive-cloudwatch failed to start:", e);
  await stopChildren();
  process.exit(1);
});
