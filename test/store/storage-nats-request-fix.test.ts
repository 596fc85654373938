/**
 * lib/storage/nats-request-fix.ts against a real nats-server: a successful
 * request no longer builds a throwaway error, and failed requests still fail
 * the way nats.js documents.
 */
import { ErrorCode, NatsError } from "nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServers, type TestServers } from "../support/servers.js";

let servers: TestServers;
let lib: typeof import("../../lib/storage/nats.js");

beforeAll(async () => {
  servers = await startTestServers("nats-fix", { s3: false });
  lib = await import("../../lib/storage/nats.js");
});

afterAll(() => servers?.stop());

/** How many NatsErrors `work` builds. */
async function errorsBuiltBy(work: () => Promise<unknown>): Promise<number> {
  const original = NatsError.errorForCode;
  let built = 0;
  NatsError.errorForCode = (...args: Parameters<typeof original>) => {
    built++;
    return original.apply(NatsError, args);
  };
  try {
    await work();
  } finally {
    NatsError.errorForCode = original;
  }
  return built;
}

describe("nats.js requests with the cancel fix", () => {
  it("builds no error for requests that succeed: 200 KV puts and gets", async () => {
    const kv = await lib.getBucket(lib.BUCKETS.streamShards);
    const built = await errorsBuiltBy(async () => {
      for (let i = 0; i < 100; i++) {
        await kv.put(`fix.${i}`, Buffer.from(String(i)));
        expect(Buffer.from((await kv.get(`fix.${i}`))!.value).toString()).toBe(String(i));
      }
    });
    // one per request before the fix
    expect(built).toBeLessThan(10);
  });

  it("still rejects a request nobody answers, and one that times out, with nats.js's codes", async () => {
    const { nc } = await lib.getNats();
    await expect(nc.request("nobody.listens.here", Buffer.from("x"), { timeout: 1000 })).rejects.toMatchObject({ code: ErrorCode.NoResponders });
    const sub = nc.subscribe("slow.service"); // subscribed, never answers
    await expect(nc.request("slow.service", Buffer.from("x"), { timeout: 200 })).rejects.toMatchObject({ code: ErrorCode.Timeout });
    sub.unsubscribe();
  });
});
