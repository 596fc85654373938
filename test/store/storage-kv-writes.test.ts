/**
 * kvWrites (lib/storage/kv-writes.ts), the batched compare-and-set writes
 * compaction uses, against a real nats-server: each write does what
 * kv.update (or kv.create, at revision 0) would, in every state a key can be
 * in, across batches larger than the window of writes in flight.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServers, type TestServers } from "../support/servers.js";

let servers: TestServers;
let nats: typeof import("../../lib/storage/nats.js");
let lib: typeof import("../../lib/storage/kv-writes.js");

beforeAll(async () => {
  servers = await startTestServers("kv-writes", { s3: false });
  nats = await import("../../lib/storage/nats.js");
  lib = await import("../../lib/storage/kv-writes.js");
});

afterAll(() => servers?.stop());

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => Buffer.from(b).toString();
const BUCKET = () => nats.BUCKETS.metricChunks;

async function valueOf(key: string): Promise<{ value: string; revision: number } | undefined> {
  const e = await (await nats.getBucket(BUCKET())).get(key);
  return e && e.operation === "PUT" ? { value: text(e.value), revision: e.revision } : undefined;
}

describe("kvWrites", () => {
  it("writes where the key is at the expected revision, and answers 0 without writing where it is not", async () => {
    const kv = await nats.getBucket(BUCKET());
    const current = await kv.put("1.a.None.m1.0", bytes("a1"));
    const moved = await kv.put("1.b.None.m1.0", bytes("b1"));
    await kv.put("1.b.None.m1.0", bytes("b2")); // another writer moved b on

    const revisions = await lib.kvWrites(BUCKET(), [
      { key: "1.a.None.m1.0", value: bytes("a-new"), revision: current },
      { key: "1.b.None.m1.0", value: bytes("b-new"), revision: moved },
    ]);
    expect(revisions[0]).toBeGreaterThan(current);
    expect(revisions[1]).toBe(0);
    expect(await valueOf("1.a.None.m1.0")).toEqual({ value: "a-new", revision: revisions[0] });
    expect((await valueOf("1.b.None.m1.0"))!.value).toBe("b2");
  });

  it("at revision 0 creates a key never written, deleted or purged, and answers 0 for one that exists", async () => {
    const kv = await nats.getBucket(BUCKET());
    await kv.put("2.deleted.None.m1.0", bytes("x"));
    await kv.delete("2.deleted.None.m1.0");
    await kv.put("2.purged.None.m1.0", bytes("x"));
    await kv.purge("2.purged.None.m1.0");
    await kv.put("2.exists.None.m1.0", bytes("kept"));

    const keys = ["2.never.None.m1.0", "2.deleted.None.m1.0", "2.purged.None.m1.0", "2.exists.None.m1.0"];
    const revisions = await lib.kvWrites(
      BUCKET(),
      keys.map((key) => ({ key, value: bytes(`new ${key}`), revision: 0 })),
    );
    expect(revisions.slice(0, 3).every((r) => r > 0)).toBe(true);
    expect(revisions[3]).toBe(0);
    for (const [i, key] of keys.slice(0, 3).entries()) expect(await valueOf(key)).toEqual({ value: `new ${key}`, revision: revisions[i] });
    expect((await valueOf("2.exists.None.m1.0"))!.value).toBe("kept");
  });

  it("writes batches far larger than its window, each key once with its own value", async () => {
    const kv = await nats.getBucket(BUCKET());
    const keys = Array.from({ length: 2500 }, (_, i) => `3.s${i}.None.m1.0`);
    const first = await lib.kvWrites(
      BUCKET(),
      keys.map((key, i) => ({ key, value: bytes(`v${i}`), revision: 0 })),
    );
    expect(first.every((r) => r > 0)).toBe(true);
    expect(new Set(first).size).toBe(keys.length);
    // Every other key moved on by another writer: those writes answer 0.
    for (let i = 0; i < keys.length; i += 2) await kv.put(keys[i], bytes(`other ${i}`));
    const second = await lib.kvWrites(
      BUCKET(),
      keys.map((key, i) => ({ key, value: bytes(`w${i}`), revision: first[i] })),
    );
    second.forEach((r, i) => (i % 2 === 0 ? expect(r).toBe(0) : expect(r).toBeGreaterThan(first[i])));
    for (const i of [0, 1, 1248, 1249, 2498, 2499]) {
      expect((await valueOf(keys[i]))!.value).toBe(i % 2 === 0 ? `other ${i}` : `w${i}`);
    }
  });

  it("refuses keys NATS would not take, before writing anything", async () => {
    await expect(
      lib.kvWrites(BUCKET(), [
        { key: "4.fine.None.m1.0", value: bytes("x"), revision: 0 },
        { key: "4.a b.None.m1.0", value: bytes("x"), revision: 0 },
      ]),
    ).rejects.toThrow(/invalid KV key/);
    expect(await valueOf("4.fine.None.m1.0")).toBeUndefined();
  });

  it("answers an empty batch with no writes", async () => {
    expect(await lib.kvWrites(BUCKET(), [])).toEqual([]);
  });
});
