/** What the service benchmarks share: arguments and the machine they ran on. */
import type { MetricDatum } from "@aws-sdk/client-cloudwatch";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { Session } from "node:inspector/promises";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { ROOT, type Stack } from "../test/support/stack.js";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

/** `--name N` on the command line, else `fallback`. */
export function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

export const machine = () => `machine: ${cpus().length} × ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`;

/**
 * The ingest benchmarks' request `i`: 1000 datums over `series` series
 * (ten metric names × hosts, one more dimension), all at `timestamp`.
 */
export function ingestRequest(i: number, series: number, timestamp: Date, namespace = "Bench/Ingest"): { Namespace: string; MetricData: MetricDatum[] } {
  const hosts = series / 10;
  const data: MetricDatum[] = [];
  for (let k = 0; k < 1000; k++) {
    const n = (i * 1000 + k) % series;
    data.push({
      MetricName: `metric_${n % 10}`,
      Dimensions: [
        { Name: "Host", Value: `host-${Math.floor(n / 10) % hosts}` },
        { Name: "Service", Value: "checkout" },
      ],
      Timestamp: timestamp,
      Value: Math.round(Math.random() * 10_000) / 100,
      Unit: "Percent",
    });
  }
  return { Namespace: namespace, MetricData: data };
}

/** `--profile DIR`: node options for the service that write V8 CPU profiles of its threads to DIR (for DevTools or speedscope). */
export function profileArgs(): string[] {
  const i = process.argv.indexOf("--profile");
  // BENCH_NODE_ARGS: more (e.g. --perf-basic-prof, for `perf record` of the service's native and JIT frames together).
  const more = process.env.BENCH_NODE_ARGS?.split(" ").filter(Boolean) ?? [];
  return [...(i > 0 ? ["--cpu-prof", `--cpu-prof-dir=${process.argv[i + 1]}`] : []), ...more];
}

/** The q-quantile of ascending `sorted` (NaN when empty). */
const ACCESS_LOG_WORDS = ["GET", "POST", "/api/v1/items", "/health", "200", "404", "500", "user=alice", "user=bob", "latency_ms=12", "ERROR", "INFO", "cache", "miss", "hit"];
/** A ~200-byte line of typical access-log text, event `i`'s, words drawn from `random` (the logs benches' events). */
export function accessLogLine(i: number, random: () => number): string {
  let s = `2026-12-06T09:00:00.${String(i % 1000).padStart(3, "0")}Z req-${i.toString(36)} `;
  while (s.length < 190) s += ACCESS_LOG_WORDS[Math.floor(random() * ACCESS_LOG_WORDS.length)] + " ";
  return s;
}

export const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

/** A process's resident memory in MiB, from /proc (NaN when it is gone). */
export function rssMb(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on Linux). */
const TICKS = 100;

/** CPU seconds (user + system) of each thread of a process, by thread id, from /proc (empty when it is gone). */
export function threadCpu(pid: number | undefined): Map<number, number> {
  const out = new Map<number, number>();
  if (!pid) return out;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
        const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        out.set(Number(tid), (Number(f[11]) + Number(f[12])) / TICKS);
      } catch {
        // the thread ended
      }
    }
  } catch {
    // the process ended
  }
  return out;
}

/** The machine's CPU time from /proc/stat (ticks of all cores): busy (user, nice, system, irq, softirq), idle (with iowait) and steal (taken by the hypervisor). */
export function machineCpu(): { busy: number; idle: number; steal: number } {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  return { busy: f[0] + f[1] + f[2] + f[5] + f[6], idle: f[3] + f[4], steal: f[7] ?? 0 };
}

/** Shares of the machine's cores between two machineCpu samples: busy, idle and stolen, each 0–1. */
export function machineShares(before: ReturnType<typeof machineCpu>, after: ReturnType<typeof machineCpu>): { busy: number; idle: number; steal: number } {
  const busy = after.busy - before.busy;
  const idle = after.idle - before.idle;
  const steal = after.steal - before.steal;
  const all = Math.max(busy + idle + steal, 1);
  return { busy: busy / all, idle: idle / all, steal: steal / all };
}

/** CPU seconds all of `pid`'s threads used since the threadCpu sample `before`. */
export function cpuSince(pid: number | undefined, before: Map<number, number>): number {
  let total = 0;
  for (const [tid, t] of threadCpu(pid)) total += t - (before.get(tid) ?? 0);
  return total;
}

/**
 * A service process's CPU between two threadCpu samples, split as the bench
 * reports it: the main thread (the API), the busiest other thread (the
 * stream worker that aggregates) and the rest (GC helpers, compilers, libuv).
 */
export function serviceCpu(pid: number, before: Map<number, number>, after: Map<number, number>): { api: number; worker: number; other: number } {
  let api = 0;
  let worker = 0;
  let other = 0;
  for (const [tid, t] of after) {
    const d = t - (before.get(tid) ?? 0);
    if (tid === pid) api = d;
    else if (d > worker) {
      other += worker;
      worker = d;
    } else other += d;
  }
  return { api, worker, other };
}

/**
 * A copy of template.yaml whose LogCompactor runs only when fired: a
 * benchmark drains the buffer itself and then times reads without
 * compaction competing for the two cores. Pass it as HIVE_CLOUDWATCH_TEMPLATE.
 */
export function templateWithCompactorOnDemand(): string {
  const doc = readFileSync(join(ROOT, "template.yaml"), "utf8");
  const blocks = doc.split(/\n(?=  [A-Za-z0-9]+:\n    Type: AWS::Serverless::Function)/);
  const i = blocks.findIndex((b) => /^\s*LogCompactor:/.test(b));
  blocks[i] = blocks[i].replace("Schedule: rate(1 minute)\n", "Schedule: rate(1 minute)\n            Enabled: false\n");
  const path = join(mkdtempSync(join(tmpdir(), "hive-cw-template-")), "template.yaml");
  writeFileSync(path, blocks.join("\n"));
  return path;
}

/**
 * Runs the LogCompactor's one-pass forced flush (its `Drain` event) until a
 * pass finds nothing left. On a loaded machine an invocation can time out
 * while its pass goes on and commits: its events are then not in the count.
 */
export async function drainCompactor(stack: Stack): Promise<{ chunks: number; events: number }> {
  const total = { chunks: 0, events: 0 };
  for (;;) {
    const r = (await stack.fireSchedule("LogCompactor", "Drain").catch((e) => console.log(`drain pass: ${(e as Error).message}`))) as { chunks: number; events: number } | undefined;
    // A failed call (the service busy or briefly unreachable): try again after a pause, not in a tight loop.
    if (!r) {
      await new Promise((wake) => setTimeout(wake, 1000));
      continue;
    }
    total.chunks += r.chunks;
    total.events += r.events;
    if (r.chunks === 0) return total;
  }
}

/**
 * Runs `work` under V8's CPU profiler when `--cpu-profile FILE` is given:
 * writes FILE + `suffix` (for DevTools or speedscope) and prints the top self-time
 * frames, so a run shows where its time went and nothing else is profiled.
 */
export async function profiled<T>(work: () => Promise<T>, suffix = ""): Promise<T> {
  const h = process.argv.indexOf("--heap-profile");
  if (h > 0) return heapProfiled(work, process.argv[h + 1] + suffix);
  const i = process.argv.indexOf("--cpu-profile");
  if (i < 0) return work();
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 200 });
  await session.post("Profiler.start");
  try {
    return await work();
  } finally {
    const { profile } = await session.post("Profiler.stop");
    session.disconnect();
    writeFileSync(process.argv[i + 1] + suffix, JSON.stringify(profile));
    console.log(topFrames(profile, 15));
  }
}

/**
 * `--heap-profile FILE` instead: V8's allocation sampling over `work`, the
 * objects collected since included (what the collector's time goes to): writes
 * FILE (a .heapprofile for DevTools) and prints the sites that allocated most.
 */
async function heapProfiled<T>(work: () => Promise<T>, file: string): Promise<T> {
  const session = new Session();
  session.connect();
  await session.post("HeapProfiler.enable");
  await session.post("HeapProfiler.startSampling", { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  try {
    return await work();
  } finally {
    const { profile } = await session.post("HeapProfiler.stopSampling");
    session.disconnect();
    writeFileSync(file, JSON.stringify(profile));
    const bySite = new Map<string, number>();
    let total = 0;
    const walk = (n: HeapNode) => {
      const f = n.callFrame;
      const key = `${f.functionName || "(anonymous)"} ${f.url.replace(/^.*\/(lib|node_modules)\//, "$1/")}:${f.lineNumber + 1}:${f.columnNumber + 1}`;
      const bytes = n.selfSize;
      total += bytes;
      if (bytes) bySite.set(key, (bySite.get(key) ?? 0) + bytes);
      n.children.forEach(walk);
    };
    walk(profile.head as HeapNode);
    const top = [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 20);
    console.log([`allocated ${(total / 2 ** 20).toFixed(0)} MiB sampled, by site:`, ...top.map(([k, b]) => `${(b / 2 ** 20).toFixed(1).padStart(7)} MiB  ${k}`)].join("\n"));
  }
}

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  selfSize: number;
  children: HeapNode[];
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples?: number[];
  timeDeltas?: number[];
}

/** The profile's `n` frames with the most self time, one a line. */
function topFrames(profile: CpuProfile, n: number): string {
  const byNode = new Map<number, number>();
  const samples = profile.samples ?? [];
  samples.forEach((id, k) => byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas?.[k] ?? 0)));
  const byFrame = new Map<string, number>();
  let total = 0;
  for (const { id, callFrame: f } of profile.nodes) {
    const us = byNode.get(id) ?? 0;
    total += us;
    const where = f.url ? ` ${f.url.replace(/^.*\/(lib|node_modules)\//, "$1/")}:${f.lineNumber + 1}` : "";
    const key = `${f.functionName || "(anonymous)"}${where}`;
    byFrame.set(key, (byFrame.get(key) ?? 0) + us);
  }
  const top = [...byFrame].sort((a, b) => b[1] - a[1]).slice(0, n);
  const lines = top.map(([key, us]) => `${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${key}`);
  return [`top self time of ${(total / 1000).toFixed(0)} ms profiled:`, ...lines].join("\n");
}

/**
 * Where a process's resident memory is, from /proc/PID/smaps (MiB): malloc's (the brk heap and
 * glibc's per-thread arenas: a read-write region followed by its inaccessible rest, 64 MiB in all),
 * other anonymous memory (V8's heap pages, thread stacks, other mmaps), and file-backed (code).
 * Under jemalloc (`jemalloc` true) malloc's memory is plain anonymous maps, counted in otherAnon.
 */
export function smapsMb(pid: number | undefined): { malloc: number; arenas: number; otherAnon: number; file: number; jemalloc: boolean } | undefined {
  if (!pid) return undefined;
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/smaps`, "utf8");
  } catch {
    return undefined;
  }
  const regions = text.split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/).flatMap((region) => {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \d+[ \t]*([^\n]*)/.exec(region);
    if (!head) return [];
    const kb = (field: string) => Number(new RegExp(`\\n${field}:\\s+(\\d+) kB`).exec(region)?.[1] ?? 0) / 1024;
    return [{ start: parseInt(head[1]!, 16), end: parseInt(head[2]!, 16), perm: head[3]!, name: head[4]!.trim(), rss: kb("Rss"), anon: kb("Anonymous") }];
  });
  const out = { malloc: 0, arenas: 0, otherAnon: 0, file: 0, jemalloc: false };
  regions.forEach((r, i) => {
    if (r.name.includes("libjemalloc")) out.jemalloc = true;
    const next = regions[i + 1];
    const arena = r.perm === "rw-p" && !r.name && next?.perm === "---p" && next.start === r.end && next.end - r.start === 64 * 2 ** 20;
    if (arena) out.arenas++;
    out.file += r.rss - r.anon;
    if (arena || r.name === "[heap]") out.malloc += r.anon;
    else out.otherAnon += r.anon;
  });
  return out;
}

/**
 * Sends a request again while the service answers Throttling /
 * ThrottlingException (its backpressure), with jittered backoff up to 2 s, as
 * log shippers and the CloudWatch Agent do; counts the throttled answers in `throttled.count`
 * and calls `onThrottled` (a bench whose compactor runs on demand drains it there).
 */
export async function sendThroughThrottling<T>(send: () => Promise<T>, throttled: { count: number }, onThrottled?: () => void): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await send();
    } catch (e) {
      const name = (e as { name?: string }).name;
      if (name !== "ThrottlingException" && name !== "Throttling") throw e;
      throttled.count++;
      onThrottled?.();
      await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random())));
    }
  }
}

/**
 * nats-server's live heap after a collection (`/debug/pprof/heap?gc=1`, the
 * text form: no Go toolchain needed) and its biggest allocation sites, each
 * named by its first three nats-server frames, sampled sizes scaled as pprof
 * scales them: `liveBytes`, and `text` saying all of it.
 */
export async function natsHeap(profileUrl: string): Promise<{ liveBytes: number; text: string }> {
  const text = await fetch(`${profileUrl}/debug/pprof/heap?gc=1&debug=1`).then((r) => r.text());
  const rate = Number(/@ heap\/(\d+)/.exec(text)?.[1] ?? 1048576) / 2;
  const sites = new Map<string, number>();
  for (const rec of text.split("\n\n")) {
    const head = /^(\d+): (\d+) \[/.exec(rec);
    if (!head || head[1] === "0") continue;
    const [objs, bytes] = [Number(head[1]), Number(head[2])];
    const scaled = bytes / (1 - Math.exp(-bytes / objs / rate));
    const frames = [...rec.matchAll(/server\.([^\s+]+)\+/g)].map((m) => m[1]).slice(0, 3);
    const site = frames.join(" < ") || "other";
    sites.set(site, (sites.get(site) ?? 0) + scaled);
  }
  const mb = (x: number) => (x / 1e6).toFixed(1);
  const stat = (k: string) => Number(new RegExp(`# ${k} = (\\d+)`).exec(text)?.[1] ?? NaN);
  const top = [...sites].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([k, v]) => `${mb(v)} ${k}`);
  const liveBytes = stat("HeapAlloc");
  return { liveBytes, text: `nats live heap ${mb(liveBytes)} MB (heap sys ${mb(stat("HeapSys"))}, released ${mb(stat("HeapReleased"))}); top: ${top.join("; ")}` };
}

/** A signed request prepared once and replayed as it is. */
export interface SignedRequest {
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Posts prepared requests over `sockets` keep-alive connections, as bare as a
 * client gets: no SDK, no signing per call, so the figures are the service's.
 * Rejects on any answer but 200, with its status and body.
 */
export function replayPoster(endpoint: string, sockets: number): { post: (r: SignedRequest) => Promise<void>; close: () => void } {
  const url = new URL(endpoint);
  const agent = new Agent({ keepAlive: true, maxSockets: sockets });
  const post = (r: SignedRequest) =>
    new Promise<void>((resolve, reject) => {
      const q = request({ host: url.hostname, port: url.port, method: "POST", path: "/", headers: r.headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (d) => chunks.push(d));
        res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`${res.statusCode} ${Buffer.concat(chunks)}`))));
      });
      q.on("error", reject);
      q.end(r.body);
    });
  return { post, close: () => agent.destroy() };
}
