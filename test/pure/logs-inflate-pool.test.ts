import { describe, expect, it } from "vitest";
import { gzipSync } from "node:zlib";
import { decodeBlock, encodeChunk, inflateBlock, type ChunkEvent } from "../../lib/logs/events/chunk-codec.js";
import { inflateShared, SLOT_BYTES } from "../../lib/logs/events/inflate-pool.js";
import { isServiceError } from "../../lib/errors.js";
import { compileFilterPattern } from "../../lib/logs/patterns/index.js";
import { rng } from "../support/random.js";

const T0 = Date.UTC(2026, 11, 6, 9, 0, 0);

function events(random: () => number, n: number): ChunkEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    timestamp: T0 + i,
    ingestionTime: T0 + i + 5,
    seq: 1 + Math.floor(i / 10),
    index: i % 10,
    message: random() < 0.5 ? JSON.stringify({ latency: Math.floor(random() * 1000), note: "ünï ".repeat(Math.floor(random() * 4)), i }) : `text line ${i} status=${random() < 0.1 ? 404 : 200}`,
  }));
}

describe("the inflate pool (blocks inflated in worker threads into reused slots)", () => {
  it("gives the text zlib gives, and blocks decoded from a slot keep their messages after it is released and reused", async () => {
    const random = rng(7);
    const chunk = await encodeChunk(events(random, 40_000));
    const end = (b: number) => chunk.blocks[b + 1]?.offset ?? chunk.body.length;
    const check = compileFilterPattern("{ $.latency > 900 }").bytesCheck!;
    const blockCheck = { needles: check.needles.map((n) => Buffer.from(n)), test: check.test };
    const pattern = compileFilterPattern("{ $.latency > 900 }");
    // More blocks at once than there are slots: each waits for one, none is lost.
    const results = await Promise.all(
      chunk.blocks.map(async (block, b) => {
        const members = chunk.body.subarray(block.offset, end(b));
        const plain = await inflateBlock(members, block.rawBytes);
        const shared = (await inflateShared(members, block.rawBytes!))!;
        expect(Buffer.compare(shared.text, plain)).toBe(0);
        const d = decodeBlock(shared.text, b === 0, {}, [[Buffer.from('"latency"'), Buffer.from("\\u")]], undefined, blockCheck);
        d.compact(true);
        shared.release();
        const want = decodeBlock(plain, b === 0, {}, [[Buffer.from('"latency"'), Buffer.from("\\u")]], undefined, blockCheck);
        return { got: Array.from({ length: d.length }, (_, i) => d.message(i)), want: Array.from({ length: want.length }, (_, i) => want.message(i)) };
      }),
    );
    expect(chunk.blocks.length).toBeGreaterThan(12);
    // Read after every slot was released and refilled by later blocks.
    for (const r of results) {
      expect(r.got).toEqual(r.want);
      for (const m of r.got) expect(pattern.matches(m)).toBe(true);
    }
    expect(results.reduce((n, r) => n + r.got.length, 0)).toBeGreaterThan(100);
  });

  // The worker inflates a text that fits before the compressed bytes straight into the slot, and any other by a copy.
  it("gives the text zlib gives for a run of several blocks, and for text that does not fit before its compressed bytes", async () => {
    const random = rng(11);
    const chunk = await encodeChunk(events(random, 15_000)); // text version 2 puts 12,000 of these in 4 blocks
    expect(chunk.blocks.length).toBeGreaterThan(4);
    const whole = (await inflateShared(chunk.body, chunk.rawBytes))!;
    expect(Buffer.compare(whole.text, await inflateBlock(chunk.body))).toBe(0);
    whole.release();
    // Noise barely compresses: 1.2 MB of text and ~1.2 MB of gzip together exceed a slot; so does a text the index understates.
    const noise = Buffer.from(Array.from({ length: 1_200_000 }, () => Math.floor(random() * 256)));
    for (const said of [noise.length, 1000]) {
      const shared = (await inflateShared(gzipSync(noise), said))!;
      expect(Buffer.compare(shared.text, noise)).toBe(0);
      shared.release();
    }
  });

  it("leaves text larger than a slot to the caller", async () => {
    const big = Buffer.alloc(SLOT_BYTES + 1, 97);
    expect(await inflateShared(gzipSync(big), big.length)).toBeUndefined();
  });

  it("answers an internal failure for bytes that are not gzip, and for text longer than the index says, and goes on working", async () => {
    const garbage = Buffer.from("not gzip at all, not even close");
    const failure = await inflateShared(garbage, 1000).catch((e: unknown) => e);
    expect(isServiceError(failure) && failure.code).toBe("InternalFailure");
    const overLong = gzipSync(Buffer.alloc(SLOT_BYTES + 10, 98));
    const over = await inflateShared(overLong, 1000).catch((e: unknown) => e);
    expect(isServiceError(over) && over.code).toBe("InternalFailure");
    const ok = (await inflateShared(gzipSync(Buffer.from("still here")), 10))!;
    expect(ok.text.toString()).toBe("still here");
    ok.release();
  });
});
