/**
 * The servers local/processes.ts starts (for `npm start` and for every test
 * helper) choose their own ports and report the port they bound: nats-server
 * through its ports file, s3rver from the address it listens on.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { connect } from "nats";
import { afterAll, describe, expect, it } from "vitest";
import { startNatsServer, startS3Server, type RunningServer } from "../../local/processes.js";

const started: RunningServer[] = [];
const dirs: string[] = [];
const tempDir = (name: string) => {
  const d = mkdtempSync(join(tmpdir(), `local-processes-${name}-`));
  dirs.push(d);
  return d;
};

afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function natsAnswers(url: string): Promise<boolean> {
  const nc = await connect({ servers: url, timeout: 10_000 });
  try {
    await nc.flush();
    return true;
  } finally {
    await nc.close();
  }
}

describe("startNatsServer", () => {
  it.each([
    { memoryLimitMb: undefined, expected: "192MiB" },
    { memoryLimitMb: 96, expected: "96MiB" },
  ])("runs nats-server with GOMEMLIMIT $expected when memoryLimitMb is $memoryLimitMb, and a monitoring endpoint when asked", async ({ memoryLimitMb, expected }) => {
    const nats = await startNatsServer({ storeDir: tempDir("nats-limit"), memoryLimitMb, monitor: true });
    started.push(nats);
    const environ = readFileSync(`/proc/${nats.process!.pid}/environ`, "utf8").split("\0");
    expect(environ).toContain(`GOMEMLIMIT=${expected}`);
    const varz = (await (await fetch(`${nats.monitorUrl}/varz`)).json()) as { mem: number; port: number };
    expect(varz.port).toBe(nats.port);
    expect(varz.mem).toBeGreaterThan(0);
  });

  it("runs nats-server with GOGC when gcPercent is given (bench/kv-holes.ts compares collector settings)", async () => {
    const nats = await startNatsServer({ storeDir: tempDir("nats-gogc"), gcPercent: 50 });
    started.push(nats);
    const environ = readFileSync(`/proc/${nats.process!.pid}/environ`, "utf8").split("\0");
    expect(environ).toContain("GOGC=50");
  });

  it("two servers started at once each get a port they chose, read back from their ports files", async () => {
    const stores = [tempDir("nats-a"), tempDir("nats-b")];
    const [a, b] = await Promise.all(stores.map((storeDir) => startNatsServer({ storeDir })));
    started.push(a, b);
    expect(a.port).toBeGreaterThan(0);
    expect(b.port).not.toBe(a.port);
    expect(a.url).toBe(`nats://127.0.0.1:${a.port}`);
    expect(readdirSync(stores[0])).toContain(`nats-server_${a.process!.pid}.ports`);
    expect(await natsAnswers(a.url)).toBe(true);
    expect(await natsAnswers(b.url)).toBe(true);
  }, 60_000);

  it("starts again on the port it is given (a restart keeps the URL clients hold)", async () => {
    const storeDir = tempDir("nats-restart");
    const first = await startNatsServer({ storeDir });
    await first.stop();
    const again = await startNatsServer({ storeDir, port: first.port });
    started.push(again);
    expect(again.port).toBe(first.port);
    expect(await natsAnswers(again.url)).toBe(true);
  }, 60_000);
});

describe("startS3Server", () => {
  it("listens on a port of the OS's choosing and reports it", async () => {
    const s3 = await startS3Server({ dir: tempDir("s3") });
    started.push(s3);
    expect(s3.port).toBeGreaterThan(0);
    expect(s3.url).toBe(`http://127.0.0.1:${s3.port}`);
    const client = new S3Client({
      endpoint: s3.url,
      region: "us-east-1",
      forcePathStyle: true,
      // s3rver's built-in key (the default of storage.access_key / secret_key in lib/config/config.ts).
      credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    });
    const out = await client.send(new ListBucketsCommand({}));
    client.destroy();
    expect(out.Buckets ?? []).toEqual([]);
  }, 60_000);
});
