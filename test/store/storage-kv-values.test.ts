/**
 * The two wide KV reads, against a real nats-server:
 *  - kvValues (lib/storage/kv-values.ts), the batched direct gets chunk reads
 *    use (and kvRecords, the same with revisions, compaction's loads):
 *    what kv.get would say for every state a key can be in, across
 *    batches larger than the window of gets in flight, and through a bucket
 *    whose stream does not allow direct gets;
 *  - forEachEntry (lib/storage/kv.ts), the scan of every key under a filter
 *    that index listings use.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServers, type TestServers } from "../support/servers.js";

let servers: TestServers;
let nats: typeof import("../../lib/storage/nats.js");
let lib: typeof import("../../lib/storage/kv-values.js");
let kvLib: typeof import("../../lib/storage/kv.js");

beforeAll(async () => {
  servers = await startTestServers("kv-values", { s3: false });
  nats = await import("../../lib/storage/nats.js");
  lib = await import("../../lib/storage/kv-values.js");
  kvLib = await import("../../lib/storage/kv.js");
});

afterAll(() => servers?.stop());

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => Buffer.from(b).toString();

/** kvValues' answer as key → value text. */
async function values(bucket: string, keys: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  await lib.kvValues(bucket, keys, (i, v) => {
    expect(out.has(keys[i])).toBe(false); // each key at most once
    out.set(keys[i], text(v));
  });
  return out;
}

describe("kvValues", () => {
  it("gives each value with its revision when asked (kvRecords), as kv.get says it, for compare-and-set writes", async () => {
    const kv = await nats.getBucket(nats.BUCKETS.metricChunks);
    await kv.put("1.r.None.m1.3600", bytes("first"));
    const second = await kv.put("1.r.None.m1.3600", bytes("second"));
    const other = await kv.put("1.q.None.m1.3600", bytes("other"));
    const got = new Map<string, [string, number]>();
    const keys = ["1.r.None.m1.3600", "1.never.None.m1.7200", "1.q.None.m1.3600"];
    await lib.kvRecords(nats.BUCKETS.metricChunks, keys, (i, v, revision) => got.set(keys[i], [text(v), revision]));
    expect(got).toEqual(
      new Map([
        ["1.r.None.m1.3600", ["second", second]],
        ["1.q.None.m1.3600", ["other", other]],
      ]),
    );
    expect((await kv.get("1.r.None.m1.3600"))?.revision).toBe(second);
  });

  it("reads each key's latest value, and nothing for a key never written, deleted or purged", async () => {
    const kv = await nats.getBucket(nats.BUCKETS.metricChunks);
    await kv.put("1.s.None.m1.3600", bytes("first"));
    await kv.put("1.s.None.m1.3600", bytes("second"));
    await kv.put("1.d.None.m1.3600", bytes("x"));
    await kv.delete("1.d.None.m1.3600");
    await kv.put("1.p.None.m1.3600", bytes("x"));
    await kv.purge("1.p.None.m1.3600");
    const got = await values(nats.BUCKETS.metricChunks, ["1.never.None.m1.0", "1.s.None.m1.3600", "1.d.None.m1.3600", "1.p.None.m1.3600"]);
    expect([...got]).toEqual([["1.s.None.m1.3600", "second"]]);
  });

  it("answers batches far larger than its window, each present key once with its own value", async () => {
    const kv = await nats.getBucket(nats.BUCKETS.metricChunks);
    const keys = Array.from({ length: 7000 }, (_, i) => `2.s${i}.None.m1.3600`);
    for (let from = 0; from < keys.length; from += 1000) {
      // every third key is left unwritten
      await Promise.all(keys.slice(from, from + 1000).map((k, j) => ((from + j) % 3 === 0 ? undefined : kv.put(k, bytes(`v${from + j}`)))));
    }
    const got = await values(nats.BUCKETS.metricChunks, keys);
    expect(got.size).toBe(keys.filter((_, i) => i % 3 !== 0).length);
    keys.forEach((k, i) => expect(got.get(k)).toBe(i % 3 === 0 ? undefined : `v${i}`));
  });

  it("does nothing for no keys", async () => {
    await expect(values(nats.BUCKETS.metricChunks, [])).resolves.toEqual(new Map());
  });

  it("refuses keys NATS does not allow, before anything is sent", async () => {
    for (const bad of ["a b", "a\r\nPUB x 1", "é", ""]) {
      await expect(lib.kvValues(nats.BUCKETS.metricChunks, ["1.s.None.m1.3600", bad], () => undefined)).rejects.toThrow("invalid KV key");
    }
    // the connection still works
    expect((await values(nats.BUCKETS.metricChunks, ["1.s.None.m1.3600"])).get("1.s.None.m1.3600")).toBe("second");
  });

  it("rejects, without hanging, when the visitor throws", async () => {
    const kv = await nats.getBucket(nats.BUCKETS.metricChunks);
    await kv.put("3.a.None.m1.0", bytes("a"));
    await expect(
      lib.kvValues(nats.BUCKETS.metricChunks, ["3.a.None.m1.0"], () => {
        throw new Error("visitor failed");
      }),
    ).rejects.toThrow("visitor failed");
  });

  it("falls back to plain gets when the bucket's stream does not allow direct gets", async () => {
    const { jsm, js } = await nats.getNats();
    await jsm.streams.add({ name: "KV_no-direct", subjects: ["$KV.no-direct.>"], max_msgs_per_subject: 1, allow_direct: false, allow_rollup_hdrs: true, deny_delete: true } as never);
    const kv = await js.views.kv("no-direct", { bindOnly: true });
    await kv.put("a.b", bytes("kept"));
    await kv.put("a.c", bytes("gone"));
    await kv.delete("a.c");
    expect([...(await values("no-direct", ["a.b", "a.missing", "a.c"]))]).toEqual([["a.b", "kept"]]);
  });
});

describe("forEachEntry", () => {
  async function scan(filter: string): Promise<Map<string, string>> {
    const kv = await nats.getBucket(nats.BUCKETS.metricSeries);
    const out = new Map<string, string>();
    await kvLib.forEachEntry(kv, filter, (e) => {
      expect(out.has(e.key)).toBe(false);
      out.set(e.key, text(e.value));
    });
    return out;
  }

  it("visits each live key under the filter once, with its latest value", async () => {
    const kv = await nats.getBucket(nats.BUCKETS.metricSeries);
    await kv.put("10.a", bytes("1"));
    await kv.put("10.a", bytes("2"));
    await kv.put("10.b", bytes("b"));
    await kv.put("10.d", bytes("x"));
    await kv.delete("10.d");
    await kv.put("10.p", bytes("x"));
    await kv.purge("10.p");
    await kv.put("11.a", bytes("other account"));
    await kv.put("10.a.deeper", bytes("not one token"));
    expect([...(await scan("10.*"))].sort()).toEqual([["10.a", "2"], ["10.b", "b"]]);
  });

  it("finishes at once when nothing matches, even when the last entry was a delete", async () => {
    expect((await scan("12.*")).size).toBe(0);
    const kv = await nats.getBucket(nats.BUCKETS.metricSeries);
    await kv.put("13.x", bytes("x"));
    await kv.delete("13.x");
    expect((await scan("13.*")).size).toBe(0);
  });

  it("streams more entries than one flow-control window", async () => {
    const kv = await nats.getBucket(nats.BUCKETS.metricSeries);
    const value = "v".repeat(400);
    for (let from = 0; from < 6000; from += 1000) {
      await Promise.all(Array.from({ length: 1000 }, (_, j) => kv.put(`14.k${from + j}`, bytes(value))));
    }
    const got = await scan("14.*");
    expect(got.size).toBe(6000);
    expect(got.get("14.k5999")).toBe(value);
  });

  it("rejects, without hanging, when the visitor throws", async () => {
    const kv = await nats.getBucket(nats.BUCKETS.metricSeries);
    await expect(
      kvLib.forEachEntry(kv, "10.*", () => {
        throw new Error("visitor failed");
      }),
    ).rejects.toThrow("visitor failed");
  });
});
