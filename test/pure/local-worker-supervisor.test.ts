/**
 * The stream worker's supervisor, with real worker threads: a worker that
 * dies is started again, with a growing pause, and never after stop().
 */
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { supervise } from "../../local/worker-supervisor.js";

const crashing = () => new Worker(`throw new Error("boom")`, { eval: true });
const running = () => new Worker(`setInterval(() => {}, 1000)`, { eval: true });
const until = async (ok: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe("the worker supervisor", () => {
  it("starts a worker that crashed again, pausing twice as long each time it crashes again", async () => {
    const logs: string[] = [];
    const errors: unknown[] = [];
    const w = supervise(crashing, { log: (m, e) => (logs.push(m), e && errors.push(e)), minDelayMs: 20, maxDelayMs: 80 });
    await until(() => w.restarts() >= 4);
    await w.stop(async (x) => void (await x.terminate()));
    expect(errors.some((e) => String(e).includes("boom"))).toBe(true);
    const pauses = logs.filter((m) => m.startsWith("worker exited")).map((m) => Number(/in (\d+) ms/.exec(m)![1]));
    expect(pauses.slice(0, 4)).toEqual([20, 40, 80, 80]);
  });

  it("never starts it again once stopped, even when it dies while stopping", async () => {
    let created = 0;
    const w = supervise(() => (created++, crashing()), { log: () => undefined, minDelayMs: 50 });
    await w.stop(async (x) => void (await x.terminate()));
    await new Promise((r) => setTimeout(r, 200));
    expect(created).toBe(1);
    expect(w.restarts()).toBe(0);
  });

  it("does not ask a worker that died, and waits for its restart, to stop", async () => {
    const w = supervise(crashing, { log: () => undefined, minDelayMs: 60_000 });
    await new Promise<void>((r) => w.current().once("exit", () => r()));
    let asked = false;
    await w.stop(async () => void (asked = true));
    expect(asked).toBe(false);
    expect(w.restarts()).toBe(0);
  });

  it("leaves a healthy worker alone and hands it to the stop function", async () => {
    const w = supervise(running, { log: () => undefined, minDelayMs: 10 });
    const first = w.current();
    await new Promise((r) => setTimeout(r, 100));
    expect(w.restarts()).toBe(0);
    let stopped: Worker | undefined;
    await w.stop(async (x) => {
      stopped = x;
      await x.terminate();
    });
    expect(stopped).toBe(first);
  });
});
