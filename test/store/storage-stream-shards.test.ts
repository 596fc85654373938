/**
 * Stream shard leases (lib/storage/stream-shards.ts) shared by several
 * runtimes, as Kinesis consumers share a stream's shards: the leases even
 * out, one shard a pass, and a holder that lost a shard can no longer move
 * its checkpoint. Against a real nats-server.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServers, type TestServers } from "../support/servers.js";

let servers: TestServers;
let lib: typeof import("../../lib/storage/stream-shards.js");

beforeAll(async () => {
  servers = await startTestServers("stream-shards", { s3: false });
  lib = await import("../../lib/storage/stream-shards.js");
});

afterAll(() => servers?.stop());

const NOW = 1_000_000;
const shard = (n: number, owner?: string, live = true): import("../../lib/storage/stream-shards.js").ShardRecord => ({
  stream: "S",
  shard: String(n),
  filter: `s.${n}`,
  checkpoint: 0,
  owner,
  leaseUntil: owner ? (live ? NOW + 10_000 : NOW - 1) : 0,
});

describe("shardToTake", () => {
  // [who holds shards 0..n-1 ("" free, "x-" an expired lease of x)], the owner asking, the shard it takes (or none)
  const cases: Array<[string, string[], string, string | undefined]> = [
    ["a newcomer takes from the one holding all four", ["A", "A", "A", "A"], "B", "0"],
    ["three against one: the one takes from the three", ["A", "A", "A", "B"], "B", "0"],
    ["two and two: nothing moves", ["A", "A", "B", "B"], "B", undefined],
    ["the one holding more never takes", ["A", "A", "A", "B"], "A", undefined],
    ["two, two and none: the third takes one", ["A", "A", "B", "B"], "C", "0"],
    ["two, one and one: nothing moves", ["A", "A", "B", "C"], "C", undefined],
    ["a free shard goes to an owner below its share", ["A", "A", "A", ""], "B", "3"],
    ["an expired lease counts as free, its holder as gone", ["A-", "A-", "B", "B"], "B", "0"],
    ["an owner at its share leaves a free shard to others", ["A", "A", "B", ""], "A", undefined],
    ["alone, an owner takes every free shard", ["", "", "", ""], "A", "0"],
  ];
  it.each(cases)("%s", (_, holders, owner, expected) => {
    const shards = holders.map((h, i) => shard(i, h.replace("-", "") || undefined, !h.endsWith("-")));
    expect(lib.shardToTake(shards, owner, NOW)?.shard).toBe(expected);
  });
});

describe("balanceLeases", () => {
  it("a second runtime takes shards from one holding all four until each holds two; the first's commits on them fail", async () => {
    const stream = "BALANCE_TEST";
    for (let p = 0; p < 4; p++) await lib.registerShard(stream, String(p), `cloudwatch.*.test.${p}`);
    const leases = [];
    for (let p = 0; p < 4; p++) leases.push(await lib.acquireLease(stream, String(p), "first", 30_000));
    expect(leases.every(Boolean)).toBe(true);

    const taken = [await lib.balanceLeases(stream, "second", 30_000), await lib.balanceLeases(stream, "second", 30_000)];
    expect(taken.every((s) => s !== undefined)).toBe(true);
    expect(await lib.balanceLeases(stream, "second", 30_000)).toBeUndefined();
    expect(await lib.balanceLeases(stream, "first", 30_000)).toBeUndefined();

    const owners = (await lib.listShards(stream)).map((s) => s.owner).sort();
    expect(owners).toEqual(["first", "first", "second", "second"]);
    for (const lease of leases) {
      const lost = taken.includes(lease!.record.shard);
      expect(await lib.commitLease(lease!, 10, 30_000)).toBe(!lost);
    }
    // the new holder holds the lease it was given, from the old checkpoint
    const mine = await lib.acquireLease(stream, taken[0]!, "second", 30_000);
    expect(mine?.record).toMatchObject({ owner: "second", checkpoint: 0 });
  });
});

describe("reading a shard and a subject range", () => {
  // nats-server 2.9.10 keeps every consumer ever made in its heap (lib/storage/stream-read.ts DIRECT_READS):
  // a read of a few messages, as every batch and read tail at full ingest is, must make none.
  it("reads a few messages by message gets, making no consumer, and a longer range through one consumer, in order", async () => {
    const { getNats } = await import("../../lib/storage/nats.js");
    const { readSubject, DIRECT_READS } = await import("../../lib/storage/stream-read.js");
    const { js, jsm, nc } = await getNats();
    await jsm.streams.add({ name: "READS", subjects: ["reads.*"] });
    const creates: string[] = [];
    const sub = nc.subscribe("$JS.API.CONSUMER.CREATE.>", { callback: (_, m) => creates.push(m.subject) });
    await nc.flush();
    const publish = async (n: number) => {
      for (let i = 0; i < n; i++) await js.publish(`reads.${i % 2}`, new TextEncoder().encode(String(i)));
    };
    const seqsOf = async (from: number, to: number) => {
      const seqs: number[] = [];
      await readSubject("READS", "reads.0", from, to, (m) => void seqs.push(m.seq));
      return seqs;
    };

    await publish(10); // sequences 1..10, odd ones on reads.0
    expect((await lib.readShard("READS", "reads.0", 1, 100, 0)).map((m) => m.seq)).toEqual([1, 3, 5, 7, 9]);
    expect((await lib.readShard("READS", "reads.0", 4, 2, 0)).map((m) => m.seq)).toEqual([5, 7]);
    expect(await seqsOf(2, 8)).toEqual([3, 5, 7]);
    await nc.flush();
    expect(creates).toEqual([]);

    // A backlog past DIRECT_READS: the rest through one consumer, every message once and in order.
    await publish(4 * DIRECT_READS); // sequences 11.., odd ones on reads.0 again
    const odd = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i).filter((s) => s % 2 === 1);
    const last = 10 + 4 * DIRECT_READS;
    const batch = await lib.readShard("READS", "reads.0", 1, 10_000, 0);
    expect(batch.map((m) => m.seq)).toEqual(odd(1, last));
    expect(await seqsOf(1, last)).toEqual(odd(1, last));
    await nc.flush();
    expect(creates).toHaveLength(2);
    sub.unsubscribe();
  }, 60_000);

  // An idle runtime's stream triggers read nine shards this way, one window after another: looking every 100 ms was
  // ninety gets a second, most of its CPU.
  it("looks at an empty shard at the start and the end of its window, and hands over a message that came meanwhile", async () => {
    const { getNats } = await import("../../lib/storage/nats.js");
    const { js, jsm, nc } = await getNats();
    await jsm.streams.add({ name: "IDLE", subjects: ["idle.*"], allow_direct: true });
    const gets: string[] = [];
    const sub = nc.subscribe("$JS.API.DIRECT.GET.IDLE", { callback: (_, m) => gets.push(m.subject) });
    await nc.flush();

    const t0 = Date.now();
    expect(await lib.readShard("IDLE", "idle.0", 1, 16, 800)).toEqual([]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(780);
    await nc.flush();
    expect(gets).toHaveLength(2);

    // A message stored 300 ms into the window: found at the window's end, with the message after it.
    gets.length = 0;
    setTimeout(() => void js.publish("idle.0", new TextEncoder().encode("a")).then(() => js.publish("idle.0", new TextEncoder().encode("b"))), 300);
    const batch = await lib.readShard("IDLE", "idle.0", 1, 16, 800);
    expect(batch.map((m) => new TextDecoder().decode(m.data))).toEqual(["a", "b"]);
    await nc.flush();
    expect(gets.length).toBeLessThanOrEqual(4);
    sub.unsubscribe();
  }, 30_000);
});
