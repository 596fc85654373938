/**
 * Repacking the chunk bucket (lib/storage/kv-repack.ts) against a real
 * nats-server: records that nobody rewrites, among records rewritten over and
 * over, move to the head of the stream with their bytes unchanged, so the
 * stream spans at most twice its live records and nats-server can drop the
 * old file blocks; deleted keys stay deleted; a writer holding a revision
 * from before the move fails its compare-and-set and so reloads.
 */
import type { KV } from "nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServers, type TestServers } from "../support/servers.js";

let servers: TestServers;
let lib: typeof import("../../lib/storage/kv-repack.js") & typeof import("../../lib/storage/nats.js") & typeof import("../../lib/storage/kv.js");
let kv: KV;

beforeAll(async () => {
  servers = await startTestServers("kv-repack", { s3: false });
  lib = { ...(await import("../../lib/storage/kv-repack.js")), ...(await import("../../lib/storage/nats.js")), ...(await import("../../lib/storage/kv.js")) };
  kv = await lib.getBucket(lib.BUCKETS.metricChunks);
}, 60_000);

afterAll(() => servers?.stop());

const STREAM = "KV_cw-metric-chunks";
const value = (key: string, n: number) => new TextEncoder().encode(`${key}:${n}:${"x".repeat(200 + n)}`);
const state = async () => (await (await lib.getNats()).jsm.streams.info(STREAM)).state;

describe("repacking the chunk bucket", () => {
  /** 50 cold keys (written once), 5 deleted, 10 hot keys each rewritten 40 times after them. */
  const cold = Array.from({ length: 50 }, (_, i) => `acct.m1.cold${i}`);
  const hot = Array.from({ length: 10 }, (_, i) => `acct.m1.hot${i}`);
  const deleted = cold.slice(0, 5);
  const revisions = new Map<string, number>();

  beforeAll(async () => {
    for (const key of cold) revisions.set(key, await kv.put(key, value(key, 0)));
    for (const key of deleted) await kv.purge(key);
    for (let n = 1; n <= 40; n++) for (const key of hot) await kv.put(key, value(key, n));
  });

  it("does nothing while the stream spans no more than `spanFactor` times its live records", async () => {
    const fresh = await lib.repackBucket(lib.BUCKETS.metricChunks, { spanFactor: 1000 });
    expect(fresh).toEqual({ moved: 0, markers: 0, bytes: 0 });
  });

  it("moves the old records to the head, so the stream spans at most twice its live records", async () => {
    const before = await state();
    expect(before.last_seq - before.first_seq + 1).toBeGreaterThan(2 * before.messages);
    const report = await lib.repackBucket(lib.BUCKETS.metricChunks);
    expect(report.moved).toBe(cold.length - deleted.length);
    expect(report.markers).toBe(deleted.length);
    const after = await state();
    expect(after.messages).toBe(before.messages - deleted.length);
    expect(after.first_seq).toBeGreaterThan(before.last_seq - 2 * before.messages);
    expect(after.last_seq - after.first_seq + 1).toBeLessThanOrEqual(2 * after.messages + 2 * hot.length);
  });

  it("keeps every record's bytes and keeps deleted keys deleted", async () => {
    for (const key of cold.slice(deleted.length)) {
      const e = await kv.get(key);
      expect(Buffer.from(e!.value).equals(Buffer.from(value(key, 0)))).toBe(true);
      expect(e!.revision).toBeGreaterThan(revisions.get(key)!);
    }
    for (const key of hot) expect(Buffer.from((await kv.get(key))!.value).equals(Buffer.from(value(key, 40)))).toBe(true);
    for (const key of deleted) expect((await kv.get(key))?.value.length ?? 0).toBe(0);
    expect((await lib.scanEntries(kv, "acct.m1.>")).filter((e) => e.value.length > 0)).toHaveLength(cold.length - deleted.length + hot.length);
  });

  it("fails a writer's compare-and-set on a revision from before the move, so it reloads", async () => {
    const key = cold[deleted.length];
    await expect(kv.update(key, value(key, 1), revisions.get(key)!)).rejects.toSatisfy(lib.isWrongLastSequence);
    const now = (await kv.get(key))!.revision;
    expect(await kv.update(key, value(key, 1), now)).toBeGreaterThan(now);
  });

  it("lets a deleted key be created again once its marker is gone", async () => {
    expect(await kv.create(deleted[0], value(deleted[0], 2))).toBeGreaterThan(0);
    expect(Buffer.from((await kv.get(deleted[0]))!.value).equals(Buffer.from(value(deleted[0], 2)))).toBe(true);
  });
});
