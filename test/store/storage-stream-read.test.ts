/**
 * readSubject (lib/storage/stream-read.ts) against a real nats-server: a
 * range of large messages is read whole and in order, and past the messages
 * it gets one by one a read asks for at most about 4 MB a fetch. A fetch's messages come over the process's one
 * connection ahead of every other answer: a forced log compaction pass once
 * fetched 64 batches of ~0.8 MB for each of 4 partitions at once, and KV
 * answers queued behind them past their 5 s timeout (bench/insights.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServers, type TestServers } from "../support/servers.js";
import { getNats } from "../../lib/storage/nats.js";
import { DIRECT_READS, readSubject } from "../../lib/storage/stream-read.js";

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

  it("fetches about 4 MB at a time past its first DIRECT_READS messages: a read that stops at its first fetched message has not had the rest sent", async () => {
    const { js, jsm, nc } = await getNats();
    const SIZE = 200 * 1024;
    const TOTAL = DIRECT_READS + 16;
    await jsm.streams.add({ name: "READ_B", subjects: ["big.*"] });
    for (let i = 0; i < TOTAL; i++) await js.publish("big.x", new Uint8Array(SIZE).fill(i % 256));
    let visited = 0;
    let before = 0;
    await readSubject("READ_B", "big.*", 1, TOTAL, () => {
      visited++;
      // The last message read by a get: the consumer is made after it.
      if (visited === DIRECT_READS) before = nc.stats().inBytes;
      return visited <= DIRECT_READS;
    });
    // What was already on its way still arrives: wait until nothing more comes.
    let last = -1;
    for (let now = nc.stats().inBytes; now !== last; now = nc.stats().inBytes) {
      last = now;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(visited).toBe(DIRECT_READS + 1);
    // One fetch of about 4 MB at most (sized for 1 MB messages before any is seen: 4 of these), not all 16 (3.2 MB).
    expect(last - before).toBeLessThan(6 * SIZE);
    expect(last - before).toBeGreaterThanOrEqual(SIZE);
  });
});
