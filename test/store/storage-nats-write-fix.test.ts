/**
 * lib/storage/nats-write-fix.ts against a real nats-server: what waits to be
 * written goes out as it is (no packed copy) when it is large, and every
 * message still arrives byte for byte and in order, large and small,
 * published in one tick or apart.
 */
import { headers } from "nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataBuffer } from "nats/lib/nats-base-client/databuffer.js";
import { startTestServers, type TestServers } from "../support/servers.js";

let servers: TestServers;
let lib: typeof import("../../lib/storage/nats.js");

beforeAll(async () => {
  servers = await startTestServers("nats-write-fix", { s3: false });
  lib = await import("../../lib/storage/nats.js");
});

afterAll(() => servers?.stop());

/** Bytes 0..n-1 of a pattern that differs by `seed`. */
const payload = (n: number, seed: number) => {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7) & 0xff;
  return b;
};

describe("nats.js writes with the flush fix", () => {
  it("sends large messages without packing them into a new buffer, byte for byte and in order", async () => {
    const { nc } = await lib.getNats();
    const got: Uint8Array[] = [];
    const gotHeaders: string[] = [];
    const sub = nc.subscribe("writes.>", {
      callback: (_, m) => {
        got.push(m.data);
        gotHeaders.push(m.headers?.get("k") ?? "");
      },
    });
    await nc.flush();
    const packs = DataBuffer.prototype.pack;
    let packed = 0;
    DataBuffer.prototype.pack = function (this: DataBuffer) {
      if ((this as unknown as { buffers: unknown[] }).buffers.length > 1) packed += this.size();
      return packs.call(this);
    };
    const sizes = [300_000, 10, 70_000, 0, 1_000_000 - 4096, 5, 65_536];
    try {
      // In one tick (one write of everything waiting), then one at a time.
      sizes.forEach((n, i) => {
        const h = headers();
        h.set("k", String(i));
        nc.publish(`writes.${i}`, payload(n, i), i % 2 ? { headers: h } : undefined);
      });
      await nc.flush();
      for (const [i, n] of sizes.entries()) {
        nc.publish(`writes.${i}`, payload(n, i + 100));
        await nc.flush();
      }
    } finally {
      DataBuffer.prototype.pack = packs;
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(got).toHaveLength(2 * sizes.length);
    sizes.forEach((n, i) => {
      expect(Buffer.from(got[i]).equals(Buffer.from(payload(n, i)))).toBe(true);
      expect(Buffer.from(got[sizes.length + i]).equals(Buffer.from(payload(n, i + 100)))).toBe(true);
    });
    expect(gotHeaders.slice(0, sizes.length)).toEqual(sizes.map((_, i) => (i % 2 ? String(i) : "")));
    // Only small commands were packed (before the fix: every large payload too, about 2.7 MB here).
    expect(packed).toBeLessThan(64 * 1024);
    sub.unsubscribe();
  });

  it("publishes a large message to JetStream and reads it back as it was", async () => {
    const { js, jsm } = await lib.getNats();
    await jsm.streams.add({ name: "WRITES", subjects: ["jswrites.*"], allow_direct: true });
    const data = payload(600_000, 9);
    const ack = await js.publish("jswrites.a", data, { msgID: "one" });
    const again = await js.publish("jswrites.a", data, { msgID: "one" });
    expect(again.duplicate).toBe(true);
    const m = await lib.directGet(jsm, "WRITES", { seq: ack.seq, next_by_subj: "jswrites.a" });
    expect(Buffer.from(m!.data).equals(Buffer.from(data))).toBe(true);
  });
});
