/**
 * README's promise: `npm start` with no NATS URL and no S3 endpoint starts its
 * own nats-server and S3 server under the data dir, serves the aws CLI, stops
 * everything on Ctrl-C, and the next `npm start` finds the data where it was.
 *
 * `npm start` runs in its own process group, as in a terminal; Ctrl-C is
 * SIGINT to that group. Whatever happens, afterAll kills the group.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNTS, awsCli, listeningEndpoint, ROOT, type Stack } from "../support/stack.js";

const STARTUP_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 30_000;

interface NpmStart {
  proc: ChildProcess;
  /** Its process group: npm, the shells, tsx, the service, nats-server. */
  pgid: number;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

let tmp: string;
let dataDir: string;
let port: number;
let endpoint: string;
let env: NodeJS.ProcessEnv;
const groups = new Set<number>();

/** Pids of the live (not zombie) processes in a process group, from /proc. */
function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === pgid && fields[0] !== "Z") out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {
    // already gone
  }
}

// If the worker dies before afterAll, take the groups with it.
process.once("exit", () => groups.forEach(killGroup));

async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function npmStart(): Promise<NpmStart> {
  const proc = spawn("npm", ["start"], { cwd: ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const pgid = proc.pid!;
  groups.add(pgid);
  let stdout = "";
  let stderr = "";
  proc.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  proc.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr = (stderr + d).slice(-200_000)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    proc.once("exit", (code, signal) => r({ code, signal })),
  );
  const running: NpmStart = { proc, pgid, stdout: () => stdout, stderr: () => stderr, exited };
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    until("listening", () => listeningEndpoint(stdout) !== undefined, STARTUP_TIMEOUT_MS).then(() => "ready" as const),
    exited,
    new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), STARTUP_TIMEOUT_MS + 1000))),
  ]).catch(() => "timeout" as const);
  clearTimeout(timer);
  if (outcome !== "ready") {
    killGroup(pgid);
    throw new Error(`npm start did not come up (${JSON.stringify(outcome)}).\nstdout:\n${stdout}\nstderr:\n${stderr.slice(-20_000)}`);
  }
  endpoint = listeningEndpoint(stdout)!;
  port = Number(new URL(endpoint).port);
  return running;
}

/** Ctrl-C: SIGINT to the whole group, then everything in it must end on its own. */
async function ctrlC(run: NpmStart): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  process.kill(-run.pgid, "SIGINT");
  const exit = await Promise.race([
    run.exited,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error("npm start did not exit after SIGINT")), STOP_TIMEOUT_MS)),
  ]);
  // npm may exit before the service behind it has finished shutting down: wait for the whole group.
  await until(`process group ${run.pgid} to end (left: ${groupMembers(run.pgid).join(",")})`, () => groupMembers(run.pgid).length === 0, STOP_TIMEOUT_MS);
  groups.delete(run.pgid);
  return exit;
}

const cli = (args: string[]) => awsCli({ endpoint, credentials: ACCOUNTS } as unknown as Stack, args);

const portOpen = (p: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(p, "127.0.0.1");
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });

const DASHBOARD = "ops";
const DASHBOARD_BODY = JSON.stringify({
  widgets: [{ type: "text", x: 0, y: 0, width: 6, height: 3, properties: { markdown: "hi" } }],
});
const GROUP = "/app/web";

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "hive-npm-start-"));
  dataDir = join(tmp, "data");
  // An empty config file: no hive.toml of the checkout can configure NATS or S3 for this test.
  const config = join(tmp, "hive.toml");
  writeFileSync(config, "[cloudwatch]\n");
  env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith("HIVE_CLOUDWATCH_")) delete env[k];
  for (const k of ["NODE_OPTIONS", "VITEST", "VITEST_POOL_ID", "VITEST_WORKER_ID", "AWS_ENDPOINT_URL"]) delete env[k];
  Object.assign(env, {
    HIVE_CONFIG: config,
    // Port 0: the service binds one of its own choosing and prints it (npmStart reads it back).
    HIVE_CLOUDWATCH_PORT: "0",
    HIVE_CLOUDWATCH_DATA_DIR: dataDir,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  });
});

afterAll(() => {
  groups.forEach(killGroup);
  groups.clear();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("npm start", () => {
  let run: NpmStart | undefined;
  let natsPid: number;

  it("comes up with its own nats-server and S3 server under the data dir", async () => {
    run = await npmStart();
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(port).toBeGreaterThan(0);
    expect(run.stderr()).toContain(`started nats-server at nats://127.0.0.1:`);
    expect(run.stderr()).toContain(`(store ${join(dataDir, "nats")})`);
    expect(run.stderr()).toContain(`(files ${join(dataDir, "s3")})`);

    const pidFile = join(dataDir, "nats", "nats.pid");
    expect(existsSync(pidFile)).toBe(true);
    natsPid = Number(readFileSync(pidFile, "utf8").trim());
    expect(alive(natsPid)).toBe(true);
    const cmdline = readFileSync(`/proc/${natsPid}/cmdline`, "utf8");
    expect(cmdline).toContain("nats-server");
    expect(cmdline).toContain(join(dataDir, "nats", "nats.conf"));
    expect(groupMembers(run.pgid)).toContain(natsPid);

    const health = await fetch(`${endpoint}/_hive/health`);
    expect(await health.json()).toMatchObject({ status: "ok", nats: "up", s3: "up" });

    // On jemalloc (npm test installs libjemalloc2, as npm start does): glibc's malloc grew under load (docs/memory.md).
    const service = groupMembers(run.pgid).find((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("local/main.ts"));
    expect(service).toBeDefined();
    expect(readFileSync(`/proc/${service}/maps`, "utf8")).toMatch(/\/libjemalloc\.so\.2\n/);
  }, STARTUP_TIMEOUT_MS + 10_000);

  // Four runs of the Python CLI: seconds each on a loaded machine.
  it("serves Debian's aws CLI: put-dashboard, list-dashboards, create-log-group, describe-log-groups", async () => {
    expect(run).toBeDefined();
    const put = await cli(["cloudwatch", "put-dashboard", "--dashboard-name", DASHBOARD, "--dashboard-body", DASHBOARD_BODY]);
    expect(put.code, put.stderr).toBe(0);
    expect(put.json).toEqual({ DashboardValidationMessages: [] });

    const list = await cli(["cloudwatch", "list-dashboards"]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.json.DashboardEntries.map((d: any) => d.DashboardName)).toEqual([DASHBOARD]);
    expect(list.json.DashboardEntries[0].Size).toBe(Buffer.byteLength(DASHBOARD_BODY));

    const create = await cli(["logs", "create-log-group", "--log-group-name", GROUP]);
    expect(create.code, create.stderr).toBe(0);

    const groups = await cli(["logs", "describe-log-groups"]);
    expect(groups.code, groups.stderr).toBe(0);
    expect(groups.json.logGroups.map((g: any) => g.logGroupName)).toEqual([GROUP]);
  }, 180_000);

  it("stops everything on Ctrl-C: the service shuts down cleanly and its nats-server is gone", async () => {
    expect(run).toBeDefined();
    const exit = await ctrlC(run!);
    // npm re-raises the SIGINT its script got (a shell shows 130), or exits 0; never an error code.
    expect(exit.code === 0 || exit.signal === "SIGINT", JSON.stringify(exit)).toBe(true);
    expect(alive(natsPid)).toBe(false);
    const log = run!.stderr();
    const tail = log.split("\n").filter((l) => l.includes("[hive-cloudwatch]")).slice(-10).join("\n");
    expect(log).toContain("SIGINT: shutting down");
    // One Ctrl-C is one graceful shutdown, not a forced exit.
    expect(log, tail).not.toMatch(/exiting now|shutdown took too long|shutdown failed|unhandled/);
    // The service ran its own shutdown to the end: it stopped nats-server and removed the pid file.
    expect(existsSync(join(dataDir, "nats", "nats.pid")), tail).toBe(false);
    expect(await portOpen(port)).toBe(false);
  });

  it("starts again on the same data dir and finds the dashboard and the log group", async () => {
    run = await npmStart();
    expect(run.stderr()).not.toContain("left over from an earlier run");
    const got = await cli(["cloudwatch", "get-dashboard", "--dashboard-name", DASHBOARD]);
    expect(got.code, got.stderr).toBe(0);
    expect(got.json.DashboardBody).toBe(DASHBOARD_BODY);
    const list = await cli(["cloudwatch", "list-dashboards"]);
    expect(list.json.DashboardEntries.map((d: any) => d.DashboardName)).toEqual([DASHBOARD]);
    const groups = await cli(["logs", "describe-log-groups"]);
    expect(groups.code, groups.stderr).toBe(0);
    expect(groups.json.logGroups.map((g: any) => g.logGroupName)).toEqual([GROUP]);

    const pid = Number(readFileSync(join(dataDir, "nats", "nats.pid"), "utf8").trim());
    expect(pid).not.toBe(natsPid);
    const exit = await ctrlC(run);
    expect(exit.code === 0 || exit.signal === "SIGINT", JSON.stringify(exit)).toBe(true);
    expect(alive(pid)).toBe(false);
    const tail = run.stderr().split("\n").filter((l) => l.includes("[hive-cloudwatch]")).slice(-10).join("\n");
    expect(run.stderr(), tail).not.toMatch(/exiting now|shutdown took too long|shutdown failed|unhandled/);
    expect(existsSync(join(dataDir, "nats", "nats.pid")), tail).toBe(false);
  }, STARTUP_TIMEOUT_MS + 60_000);
});
