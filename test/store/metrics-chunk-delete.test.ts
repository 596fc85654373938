/**
 * Deleting a metric chunk (roll-off, once a chunk has moved) deletes its
 * message by revision, leaving no delete marker: with `history: 1` a marker
 * would be the key's message for good, on disk and in nats-server's
 * per-subject index, one per series and hour rolled off (bench/kv-markers.ts).
 * Real nats-server; the compare-and-set a purge with `previousSeq` gave is kept.
 */
import type { KV } from "nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServers, type TestServers } from "../support/servers.js";

let servers: TestServers;
let lib: typeof import("../../lib/storage/kv-writes.js") & typeof import("../../lib/storage/nats.js") & typeof import("../../lib/metrics/store/chunk-store.js");
let kv: KV;

beforeAll(async () => {
  servers = await startTestServers("chunk-delete", { s3: false });
  lib = {
    ...(await import("../../lib/storage/kv-writes.js")),
    ...(await import("../../lib/storage/nats.js")),
    ...(await import("../../lib/metrics/store/chunk-store.js")),
  };
  kv = await lib.getBucket(lib.BUCKETS.metricChunks);
}, 60_000);

afterAll(() => servers?.stop());

const value = (n: number) => new TextEncoder().encode(`chunk ${n}`);
const messages = async () => (await (await lib.getNats()).jsm.streams.info(`KV_${lib.BUCKETS.metricChunks}`)).state.messages;
const ref = { account: "000000000000", seriesId: "0123456789abcdef0123456789abcdef", unit: "Count", tier: "m1" as const, start: Date.UTC(2026, 11, 6, 20) };

describe("deleting a metric chunk", () => {
  it("removes its message by revision, leaving no marker, so the key has no message at all", async () => {
    const key = lib.chunkKey(ref);
    const [revision] = await lib.kvWrites(lib.BUCKETS.metricChunks, [{ key, value: value(1), revision: 0 }]);
    const before = await messages();
    expect(await lib.deleteChunk(kv, ref, revision)).toBe(true);
    expect(await messages()).toBe(before - 1);
    expect(await kv.get(key)).toBeNull();
    // A writer creating it again (revision 0, as compaction does) needs no marker handling.
    const [again] = await lib.kvWrites(lib.BUCKETS.metricChunks, [{ key, value: value(2), revision: 0 }], { overMarkers: false });
    expect(again).toBeGreaterThan(revision);
  });

  it("refuses a revision the key has moved past, as a purge with previousSeq did, and keeps the newer record", async () => {
    const key = lib.chunkKey({ ...ref, start: ref.start + 3_600_000 });
    const old = await kv.put(key, value(1));
    const now = await kv.put(key, value(2));
    expect(await lib.deleteChunk(kv, { ...ref, start: ref.start + 3_600_000 }, old)).toBe(false);
    expect(new TextDecoder().decode((await kv.get(key))!.value)).toBe("chunk 2");
    expect(await lib.deleteRevision(lib.BUCKETS.metricChunks, now)).toBe(true);
    expect(await lib.deleteRevision(lib.BUCKETS.metricChunks, now)).toBe(false);
  });
});
