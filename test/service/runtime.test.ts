/**
 * The local runtime end to end: a real nats-server and S3 server, the service
 * as a child process, plain HTTP and an SDK client against it.
 */
import { ListDashboardsCommand } from "@aws-sdk/client-cloudwatch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cloudWatchClient, startStack, type Stack } from "../support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

async function health(): Promise<Record<string, unknown>> {
  const res = await fetch(`${stack.endpoint}/_hive/health`);
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

async function waitHealthy(timeoutMs = 20_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const h = await health();
    if (h.status === "ok" || Date.now() > deadline) return h;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("local runtime", () => {
  it("reports NATS and S3 up and the functions it loaded", async () => {
    const h = await health();
    expect(h).toMatchObject({ status: "ok", nats: "up", s3: "up" });
    expect(h.functions).toBeGreaterThan(0);
  });

  it("answers an unknown path without crashing", async () => {
    const res = await fetch(`${stack.endpoint}/no/such/path?x=1`, { method: "POST", body: "hello" });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    await res.arrayBuffer();
    const get = await fetch(`${stack.endpoint}/`);
    expect(get.status).toBeGreaterThanOrEqual(400);
    await get.arrayBuffer();
    const internal = await fetch(`${stack.endpoint}/_hive/nothing`);
    expect(internal.status).toBe(404);
    await internal.arrayBuffer();
    expect((await health()).status).toBe("ok");
  });

  it("answers an oversize body with 413 and keeps serving", async () => {
    const body = Buffer.alloc(3 * 1024 * 1024, 0x61);
    const res = await fetch(stack.endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "GraniteServiceVersion20100801.PutMetricData" },
      body,
    });
    expect(res.status).toBe(413);
    const text = await res.text();
    expect(text).toContain("RequestEntityTooLarge");
    // Chunked (no content-length): the limit applies while reading.
    const chunked = await fetch(stack.endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.0" },
      body: new ReadableStream({
        start(c) {
          for (let i = 0; i < 3; i++) c.enqueue(new Uint8Array(1024 * 1024));
          c.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
    await chunked.arrayBuffer();
    expect((await health()).status).toBe("ok");
  });

  it("serves an SDK client", async () => {
    const cw = cloudWatchClient(stack);
    try {
      const out = await cw.send(new ListDashboardsCommand({}));
      expect(out.DashboardEntries).toBeDefined();
    } finally {
      cw.destroy();
    }
  });

  it("shuts down cleanly on SIGTERM and starts again", async () => {
    const exit = await stack.stopService("SIGTERM");
    expect(exit).toEqual({ code: 0, signal: null });
    await stack.startService();
    expect(await waitHealthy()).toMatchObject({ status: "ok", nats: "up", s3: "up" });
  });

  it("starts again after SIGKILL", async () => {
    const exit = await stack.stopService("SIGKILL");
    expect(exit.signal).toBe("SIGKILL");
    await stack.startService();
    expect(await waitHealthy()).toMatchObject({ status: "ok", nats: "up", s3: "up" });
  });

  it("reconnects after nats-server restarts", async () => {
    await stack.restartNats();
    expect(await waitHealthy()).toMatchObject({ status: "ok", nats: "up" });
  });

  it("fires a scheduled function on demand only when it has a schedule", async () => {
    const res = await fetch(`${stack.endpoint}/_hive/schedule/Front`, { method: "POST" });
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: string }).error).toMatch(/no schedule/);
  });
});
