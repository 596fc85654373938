/**
 * kvValue (lib/storage/nats.ts), the lean KV read of chunk reads, against a
 * real nats-server: what kv.get would say, for every state a key can be in,
 * and through a bucket whose stream does not allow direct gets.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServers, type TestServers } from "../support/servers.js";

let servers: TestServers;
let lib: typeof import("../../lib/storage/nats.js");

beforeAll(async () => {
  servers = await startTestServers("kv-value", { s3: false });
  lib = await import("../../lib/storage/nats.js");
});

afterAll(() => servers?.stop());

const bytes = (s: string) => new TextEncoder().encode(s);

describe("kvValue", () => {
  it("reads a key's latest value, and nothing for a key never written, deleted or purged", async () => {
    const kv = await lib.getBucket(lib.BUCKETS.metricChunks);
    expect(await lib.kvValue(lib.BUCKETS.metricChunks, "1.never.None.m1.0")).toBeUndefined();
    await kv.put("1.s.None.m1.3600", bytes("first"));
    await kv.put("1.s.None.m1.3600", bytes("second"));
    expect(Buffer.from((await lib.kvValue(lib.BUCKETS.metricChunks, "1.s.None.m1.3600"))!).toString()).toBe("second");
    await kv.put("1.d.None.m1.3600", bytes("x"));
    await kv.delete("1.d.None.m1.3600");
    expect(await lib.kvValue(lib.BUCKETS.metricChunks, "1.d.None.m1.3600")).toBeUndefined();
    await kv.put("1.p.None.m1.3600", bytes("x"));
    await kv.purge("1.p.None.m1.3600");
    expect(await lib.kvValue(lib.BUCKETS.metricChunks, "1.p.None.m1.3600")).toBeUndefined();
  });

  it("falls back to a plain get when the bucket's stream does not allow direct gets", async () => {
    const { jsm, js } = await lib.getNats();
    await jsm.streams.add({ name: "KV_no-direct", subjects: ["$KV.no-direct.>"], max_msgs_per_subject: 1, allow_direct: false, allow_rollup_hdrs: true, deny_delete: true } as never);
    const kv = await js.views.kv("no-direct", { bindOnly: true });
    await kv.put("a.b", bytes("kept"));
    expect(Buffer.from((await lib.kvValue("no-direct", "a.b"))!).toString()).toBe("kept");
    expect(await lib.kvValue("no-direct", "a.missing")).toBeUndefined();
  });
});
