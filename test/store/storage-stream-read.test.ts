/**
 * readSubject (lib/storage/stream-read.ts) against a real nats-server: a
 * range of large messages is read whole and in order, and a read asks for
 * at most about 4 MB a fetch. A fetch's messages come over the process's one
 * connection ahead of every other answer: a forced log compaction pass once
 * fetched 64 batches of ~0.8 MB for each of 4 partitions at once, and KV
 * answers queued behind them past their 5 s timeout (bench/insights.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServers, type TestServers } from "../support/servers.js";
import { getNats } from "../../lib/storage/nats.js";
import { readSubject } from "../../lib/storage/stream-read.js";

let servers: TestServers;
beforeAll(async () => (servers = await startTestServers("stream-read", { s3: false })), 60_000);
afterAll(() => servers?.stop());

const LARGE = 900 * 1024;
const COUNT = 24;

describe("readSubject", () => {
  beforeAll(async () => {
    const { js, jsm } = await getNats();
    await jsm.streams.add({ name: "READ_T", subjects: ["read.*"] });
    for (let i = 0; i < COUNT; i++) {
      const data = new Uint8Array(LARGE).fill(i);
      await js.publish(i % 3 === 2 ? "read.other" : "read.mine", data);
    }
  }, 60_000);

  it("reads every message of the subject in the range, in order, whole", async () => {
    const seen: { seq: number; size: number; fill: number }[] = [];
    const first = await readSubject("READ_T", "read.mine", 2, COUNT, (m) => void seen.push({ seq: m.seq, size: m.data.length, fill: m.data[LARGE - 1] }));
    const want = Array.from({ length: COUNT }, (_, i) => i + 1).filter((seq) => seq >= 2 && (seq - 1) % 3 !== 2);
    expect(first).toBe(want[0]);
    expect(seen.map((m) => m.seq)).toEqual(want);
    for (const m of seen) expect(m).toMatchObject({ size: LARGE, fill: m.seq - 1 });
  });

  it("fetches about 4 MB at a time: a read that stops at its first message has not had all the rest sent to it", async () => {
    const { nc } = await getNats();
    const before = nc.stats().inBytes;
    let visited = 0;
    await readSubject("READ_T", "read.*", 1, COUNT, () => {
      visited++;
      return false;
    });
    // What was already on its way still arrives: wait until nothing more comes.
    let last = -1;
    for (let now = nc.stats().inBytes; now !== last; now = nc.stats().inBytes) {
      last = now;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(visited).toBe(1);
    // Four of the 24 messages (one fetch of ≤ 4 MB), not all 24 (21 MB).
    expect(last - before).toBeLessThan(5 * LARGE);
    expect(last - before).toBeGreaterThanOrEqual(LARGE);
  });
});
