import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { decodeLogBatch, decodeLogBatchHeader, encodeLogBatch, type LogBatch } from "../../lib/logs/events/batch-codec.js";
import { decodeBlock, encodeChunk, inflateBlock, placesOf, type BlockCheck, type BlockRange, type ChunkBlock, type ChunkEvent } from "../../lib/logs/events/chunk-codec.js";
import { addIndexTokenBytes, tokenizeForIndex } from "../../lib/logs/events/tokens.js";
import { buildTokenFilter, decodeTokenFilter, mayContain, TokenHashes } from "../../lib/logs/events/token-filter.js";
import { makeEventId, parseEventId } from "../../lib/logs/events/event-id.js";
import { isServiceError } from "../../lib/errors.js";
import { compileFilterPattern } from "../../lib/logs/patterns/index.js";
import { rng } from "../support/random.js";

const T0 = Date.UTC(2026, 11, 6, 9, 0, 0);

/**
 * Block text of either version (docs/formats/log-chunk.md), written apart from the codec: the format as the doc
 * states it. Version 2: `#events {count}`, header lines of deltas from the block's previous event (from 0 for its
 * first), seq and index left out when the event follows on in the same batch, an empty line, then the messages.
 */
function blockText(version: 1 | 2, events: readonly ChunkEvent[], first: boolean): Buffer {
  const parts: Buffer[] = first ? [Buffer.from(`#hive-cloudwatch-logs-chunk ${version}\n`)] : [];
  const bytes = events.map((e) => Buffer.from(e.message, "utf8"));
  if (version === 1) {
    events.forEach((e, i) => parts.push(Buffer.from(`${e.timestamp} ${e.ingestionTime} ${e.seq} ${e.index} ${bytes[i].length}\n`), bytes[i], Buffer.from("\n")));
    return Buffer.concat(parts);
  }
  let head = `#events ${events.length}\n`;
  events.forEach((e, i) => {
    const before = events[i - 1] ?? { timestamp: 0, ingestionTime: 0, seq: 0, index: 0 };
    const follows = i > 0 && e.seq === before.seq && e.index === before.index + 1;
    head += `${e.timestamp - before.timestamp} ${e.ingestionTime - before.ingestionTime} ${follows ? "" : `${e.seq - before.seq} ${e.index} `}${bytes[i].length}\n`;
  });
  parts.push(Buffer.from(`${head}\n`));
  for (const b of bytes) parts.push(b, Buffer.from("\n"));
  return Buffer.concat(parts);
}

/** A version 1 chunk as the old encoder cut it (a new block once the text reached 128 KB), each block a gzip member. */
function chunkV1(events: readonly ChunkEvent[]): { body: Buffer; blocks: ChunkBlock[] } {
  const members: Buffer[] = [];
  const blocks: ChunkBlock[] = [];
  let offset = 0;
  for (let i = 0; i < events.length || members.length === 0; ) {
    const mine: ChunkEvent[] = [];
    let size = 0;
    while (i < events.length && size < 128 * 1024) {
      size += blockText(1, [events[i]], false).length;
      mine.push(events[i++]);
    }
    const member = gzipSync(blockText(1, mine, members.length === 0), { level: 5 });
    blocks.push({ offset, firstTimestamp: mine[0]?.timestamp ?? 0 });
    members.push(member);
    offset += member.length;
  }
  return { body: Buffer.concat(members), blocks };
}

const pickOne = <T,>(random: () => number, xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;

const batch = (events: LogBatch["events"], extra: Partial<LogBatch> = {}): LogBatch => ({
  account: "123456789012",
  logGroup: "/aws/lambda/fn",
  logStream: "2026/12/06/[$LATEST]abc",
  ingestionTime: T0 + 5,
  events,
  groupId: "0f6c2c1e-4bde-4c55-9d59-1f1c7b3f0a11",
  streamCreated: T0 - 1000,
  ...extra,
});

describe("log batches (docs/formats/log-batch.md)", () => {
  it("carry every field exactly: unicode, newlines, equal timestamps in sent order, long messages", () => {
    const b = batch([
      { timestamp: T0, message: "START RequestId: 1" },
      { timestamp: T0, message: "multi\nline\r\n\ttext" },
      { timestamp: T0 + 1, message: "ünïcödé 🌏 名前" },
      { timestamp: T0 + 86_400_000, message: "x".repeat(300_000) },
    ]);
    expect(decodeLogBatch(encodeLogBatch(b))).toEqual(b);
  });

  it("keep a batch without incarnation fields and an empty one", () => {
    const b = batch([{ timestamp: 0, message: "at the epoch" }], { groupId: undefined, streamCreated: undefined });
    const { groupId: _g, streamCreated: _s, ...rest } = b;
    expect(decodeLogBatch(encodeLogBatch(b))).toEqual(rest);
    expect(decodeLogBatch(encodeLogBatch(batch([]))).events).toEqual([]);
  });

  it("read the header alone", () => {
    const b = batch([{ timestamp: T0, message: "m" }, { timestamp: T0 + 2, message: "n" }]);
    const { events: _e, ...header } = b;
    expect(decodeLogBatchHeader(encodeLogBatch(b))).toEqual({ ...header, eventCount: 2 });
  });

  it("refuse to encode events out of timestamp order", () => {
    expect(() => encodeLogBatch(batch([{ timestamp: 2, message: "b" }, { timestamp: 1, message: "a" }]))).toThrow(RangeError);
  });

  it("fuzz: random and mutated bytes decode or throw a ServiceError, never another error", () => {
    const random = rng(20261206);
    const good = encodeLogBatch(batch([{ timestamp: T0, message: "hello world" }, { timestamp: T0 + 7, message: "ünï" }]));
    const tries: Uint8Array[] = [];
    for (let i = 0; i < 3000; i++) {
      if (i % 3 === 0) {
        tries.push(Uint8Array.from({ length: Math.floor(random() * 80) }, () => Math.floor(random() * 256)));
      } else {
        const m = Uint8Array.from(good);
        const flips = 1 + Math.floor(random() * 4);
        for (let f = 0; f < flips; f++) m[Math.floor(random() * m.length)] = Math.floor(random() * 256);
        tries.push(i % 3 === 1 ? m : m.subarray(0, Math.floor(random() * m.length)));
      }
    }
    let decoded = 0;
    for (const bytes of tries) {
      for (const decode of [decodeLogBatch, decodeLogBatchHeader]) {
        try {
          decode(bytes);
          decoded++;
        } catch (e) {
          expect(isServiceError(e), String(e)).toBe(true);
        }
      }
    }
    expect(decoded).toBeGreaterThan(0);
  });
});

describe("log chunks (docs/formats/log-chunk.md)", () => {
  const events: ChunkEvent[] = Array.from({ length: 5000 }, (_, i) => ({
    timestamp: T0 + i * 10,
    ingestionTime: T0 + i * 10 + 3,
    seq: 100 + Math.floor(i / 7),
    index: i % 7,
    message: i % 2 ? `{"level":"info","i":${i},"msg":"line\\nwith escape"}` : `GET /api/items/${i} 200 ${i * 3}ms ünï\nsecond line`,
  }));

  /** Blocks `from` on, inflated and decoded as a scan does, back into events. */
  async function decodeChunk(body: Uint8Array, blocks: readonly ChunkBlock[], from = 0, range: BlockRange = {}, needles: string[][] = [], check?: BlockCheck): Promise<ChunkEvent[]> {
    const out: ChunkEvent[] = [];
    for (let b = from; b < blocks.length; b++) {
      const end = b + 1 < blocks.length ? blocks[b + 1].offset : body.length;
      const d = decodeBlock(await inflateBlock(body.subarray(blocks[b].offset, end)), b === 0, range, needles.map((g) => g.map((n) => Buffer.from(n))), undefined, check);
      for (let i = 0; i < d.length; i++) out.push({ timestamp: d.timestamp[i], ingestionTime: d.ingestionTime[i], seq: d.seq[i], index: d.index[i], message: d.message(i) });
    }
    return out;
  }

  it("round-trip through several gzip blocks, and a reader can start at any block", async () => {
    const c = await encodeChunk(events);
    expect(c.blocks.length).toBeGreaterThan(1);
    expect(await decodeChunk(c.body, c.blocks)).toEqual(events);
    const from = c.blocks.length - 1;
    const tail = await decodeChunk(c.body, c.blocks, from);
    expect(tail[0].timestamp).toBe(c.blocks[from].firstTimestamp);
    expect(tail).toEqual(events.slice(events.length - tail.length));
  });

  it("carry every header number exactly, each side of a power of ten and up to 2^53 - 1", async () => {
    const edges = [0, 1, 9, 10, 99, 100, 999_999_999, 1_000_000_000, 1_000_000_001, 1_000_000_009_000, 1_765_000_000_123, 9_999_999_999_999, Number.MAX_SAFE_INTEGER];
    const sorted = [...edges].sort((a, b) => a - b);
    const edgeEvents: ChunkEvent[] = sorted.map((t, i) => ({ timestamp: t, ingestionTime: edges[(i + 3) % edges.length], seq: edges[(i + 5) % edges.length], index: edges[(i + 7) % edges.length], message: `m${i}` }));
    const c = await encodeChunk(edgeEvents);
    expect(await decodeChunk(c.body, c.blocks)).toEqual(edgeEvents);
    // The text itself: plain decimal deltas, negative ones down to -(2^53 - 1), no padding of the high part, the low part padded to nine digits.
    const text = await inflateBlock(c.body);
    expect(text.toString("latin1")).toBe(blockText(2, edgeEvents, true).toString("latin1"));
    expect(text.toString("latin1")).toMatch(new RegExp(`[ \n]${-Number.MAX_SAFE_INTEGER}[ \n]`));
  });

  it("write the worked example of docs/formats/log-chunk.md as the doc shows it", async () => {
    const example: ChunkEvent[] = [
      { timestamp: 1765098000000, ingestionTime: 1765098000050, seq: 1832, index: 0, message: "GET /a 200 3ms" },
      { timestamp: 1765098000001, ingestionTime: 1765098000050, seq: 1832, index: 1, message: "line one\ntwo" },
      { timestamp: 1765098000001, ingestionTime: 1765098000047, seq: 1840, index: 0, message: "" },
    ];
    const doc = readFileSync(new URL("../../docs/formats/log-chunk.md", import.meta.url), "utf8");
    const shown = /\n\n((?: {4}#hive-cloudwatch-logs-chunk 2\n {4}#events 3\n)(?: {4}.*\n|\n)+)/.exec(doc)![1];
    const c = await encodeChunk(example);
    // The doc's block, unindented, with the empty message's newline it cannot show.
    expect((await inflateBlock(c.body)).toString("utf8")).toBe(shown.replace(/^ {4}/gm, "").replace(/\n+$/, "\n") + "\n");
    expect(await decodeChunk(c.body, c.blocks)).toEqual(example);
  });

  /** Events of each kind the format must carry, sorted as the compactor sorts them (timestamp, seq, index). */
  const kinds: [string, ChunkEvent[]][] = [
    [
      "multi-line, empty, unicode and escaped messages",
      ["a\nb\r\n\tc", "", "ünïcödé 🌏 名前", '{"k":"\\u00e9\\n"}', "\n", "\n\n", "", "#events 3", "12 3 4\n\n5 6 7"].map((message, i) => ({ timestamp: T0 + i, ingestionTime: T0 + 9, seq: 40, index: i, message })),
    ],
    [
      "equal timestamps, seq and index gaps, seq and ingestion time going down",
      [
        [T0, T0 + 5, 900, 0], [T0, T0 + 5, 900, 1], [T0, T0 + 5, 900, 3], [T0, T0 + 2, 901, 0], [T0 + 1, T0 + 5, 900, 4],
        [T0 + 1, T0 + 5, 900, 5], [T0 + 1, T0 + 7, 903, 0], [T0 + 1, T0 + 7, 903, 1], [T0 + 50, T0, 2, 9999], [T0 + 50, T0, 2, 10000],
      ].map(([timestamp, ingestionTime, seq, index], i) => ({ timestamp, ingestionTime, seq, index, message: `e${i}` })),
    ],
    ["a block of one event", [{ timestamp: T0, ingestionTime: T0 + 1, seq: 1, index: 0, message: "only" }]],
    ["no events", []],
    [
      "big events crossing the block size, one bigger than a block",
      [100_000, 5, 130_000, 300_000, 0, 70_000, 70_000].map((n, i) => ({ timestamp: T0 + i, ingestionTime: T0, seq: 5, index: i, message: "ab\nü".repeat(n / 5) + String(i) })),
    ],
    [
      "many tiny messages (header lines past the room kept for them)",
      Array.from({ length: 60_000 }, (_, i) => ({ timestamp: T0 + Math.floor(i / 9), ingestionTime: T0 + 99, seq: 7 + Math.floor(i / 5000), index: i % 5000, message: i % 3 ? "" : "x" })),
    ],
  ];

  it.each(kinds)("round-trip text version 2 exactly, from any block, in the documented text: %s", async (_, evs) => {
    const c = await encodeChunk(evs);
    expect(await decodeChunk(c.body, c.blocks)).toEqual(evs);
    let seen = 0;
    for (let b = 0; b < c.blocks.length; b++) {
      const block = c.blocks[b];
      const mine = evs.slice(seen, (seen += block.count!));
      const text = await inflateBlock(c.body.subarray(block.offset, c.blocks[b + 1]?.offset ?? c.body.length));
      expect(text.equals(blockText(2, mine, b === 0))).toBe(true);
      expect([block.rawBytes, block.firstTimestamp, block.lastTimestamp]).toEqual([text.length, mine[0]?.timestamp ?? 0, mine[mine.length - 1]?.timestamp ?? 0]);
      expect(await decodeChunk(c.body, c.blocks, b)).toEqual(evs.slice(seen - mine.length));
    }
    expect(seen).toBe(evs.length);
    // A block ends once its text reaches 128 KB: only the last is shorter.
    for (const block of c.blocks.slice(0, -1)) expect(block.rawBytes).toBeGreaterThanOrEqual(128 * 1024);
  });

  it("decode a version 1 chunk the version 1 encoder wrote (test/fixtures), and one cut as it cut them, to the same columns", async () => {
    // The fixture's events: written by encodeChunk of 5e440bd with this formula.
    const message = (i: number) =>
      i % 50 === 0 ? "x".repeat(20_000 + i) : i % 11 === 0 ? "" : i % 7 === 0 ? `line ${i}\nünï 🌏\r\n\ttab` : i % 13 === 0 ? `{"k":"\\u00e9","i":${i}}` : `GET /api/items/${i} 200 ${i * 3}ms`;
    const old = Array.from({ length: 400 }, (_, i) => ({ timestamp: T0 + Math.floor(i / 3) * 7, ingestionTime: T0 + 1000 + (i % 5), seq: 500 + Math.floor(i / 40), index: i % 40, message: message(i) }));
    const body = readFileSync(new URL("../fixtures/log-chunk-v1.log.gz", import.meta.url));
    const blocks = JSON.parse(readFileSync(new URL("../fixtures/log-chunk-v1.blocks.json", import.meta.url), "utf8")) as ChunkBlock[];
    expect((await inflateBlock(body)).subarray(0, 30).toString()).toBe("#hive-cloudwatch-logs-chunk 1\n");
    expect(blocks.length).toBe(2);
    expect(await decodeChunk(body, blocks)).toEqual(old);
    expect(await decodeChunk(body, blocks, 1)).toEqual(old.slice(blocks[0].count));
    const held = (e: ChunkEvent) => e.message.includes("items/1") && (e.message.includes("0ms") || e.message.includes("ünï"));
    const range = { startTime: T0 + 70, endTime: T0 + 500 };
    const want = old.filter((e) => e.timestamp >= range.startTime && e.timestamp < range.endTime && held(e));
    expect(want.length).toBeGreaterThan(0);
    expect(await decodeChunk(body, blocks, 0, range, [["items/1"], ["0ms", "ünï"]])).toEqual(want);
    // Both versions of the same events decode alike, with a range, needles and a bytes check.
    const p = compileFilterPattern("{ $.i > 4000 }");
    const check: BlockCheck = { needles: p.bytesCheck!.needles.map((n) => Buffer.from(n)), test: p.bytesCheck!.test, candidates: p.bytesCheck!.candidates };
    const v1 = chunkV1(events);
    const v2 = await encodeChunk(events);
    expect(v1.blocks.length).toBeGreaterThan(1);
    const within = { startTime: T0 + 990, endTime: T0 + 47_000 };
    const cases: [string[][], BlockCheck | undefined][] = [[[], undefined], [[["ünï"], ["200 1"]], undefined], [p.requiredAnyOf ?? [], check]];
    for (const [needles, c] of cases) {
      const fromV2 = await decodeChunk(v2.body, v2.blocks, 0, within, needles, c);
      expect(await decodeChunk(v1.body, v1.blocks, 0, within, needles, c)).toEqual(fromV2);
      expect(fromV2.length).toBeGreaterThan(0);
    }
  });

  it("are the same bytes and index whether the messages come as strings or as byte ranges of buffered batches", async () => {
    const batchBytes = Buffer.concat(events.map((e) => Buffer.from(e.message, "utf8")));
    let at = 0;
    const spans = events.map(({ message, ...e }) => {
      const size = Buffer.byteLength(message, "utf8");
      at += size;
      return { ...e, data: batchBytes, start: at - size, size };
    });
    const [fromStrings, fromBytes] = [await encodeChunk(events), await encodeChunk(spans)];
    expect(Buffer.compare(Buffer.from(fromBytes.body), Buffer.from(fromStrings.body))).toBe(0);
    expect(fromBytes.blocks).toEqual(fromStrings.blocks);
    expect(await decodeChunk(fromBytes.body, fromBytes.blocks)).toEqual(events);
  });

  it("are the same bytes and index when encoded again after other chunks, many at once (block buffers and token sets are reused)", async () => {
    const others = Array.from({ length: 6 }, (_, k) => events.map((e) => ({ ...e, message: `${e.message} other-${k} ${"z".repeat(k * 40)}` })));
    const first = await encodeChunk(events);
    const rest = await Promise.all(others.map((o) => encodeChunk(o)));
    const again = await encodeChunk(events);
    expect(first.blocks.length).toBeGreaterThan(2);
    expect(Buffer.compare(Buffer.from(again.body), Buffer.from(first.body))).toBe(0);
    expect(again.blocks).toEqual(first.blocks);
    for (const [k, c] of rest.entries()) expect(await decodeChunk(c.body, c.blocks)).toEqual(others[k]);
  });

  it("hash a message's tokens from its bytes as from its text (ASCII words, any other byte a break)", () => {
    const random = rng(7);
    const alphabet = ["a", "Z", "9", "_", " ", "-", "ü", "🌏", "\\u00e9", "\n", "=", "名"];
    for (let i = 0; i < 300; i++) {
      const message = Array.from({ length: Math.floor(random() * 40) }, () => pickOne(random, alphabet)).join("");
      const bytes = Buffer.from(`xx${message}yy`, "utf8");
      const hashed = new TokenHashes();
      addIndexTokenBytes(bytes, 2, bytes.length - 2, hashed);
      const fromText = buildTokenFilter(new Set(tokenizeForIndex(message)), 10, 4096);
      expect(hashed.size).toBe(tokenizeForIndex(message).length);
      expect(buildTokenFilter(hashed, 10, 4096)).toEqual(fromText);
    }
  });

  it("index each block: first and last timestamp, event count, text bytes, and a token filter of its own messages", async () => {
    const c = await encodeChunk(events);
    let seen = 0;
    for (const b of c.blocks) {
      const mine = events.slice(seen, seen + b.count!);
      expect(b.firstTimestamp).toBe(mine[0].timestamp);
      expect(b.lastTimestamp).toBe(mine[mine.length - 1].timestamp);
      expect(b.messageBytes).toBe(mine.reduce((n, e) => n + Buffer.byteLength(e.message), 0));
      const filter = decodeTokenFilter(b.filter!);
      for (const e of mine) for (const t of tokenizeForIndex(e.message)) expect(mayContain(filter, t)).toBe(true);
      seen += b.count!;
    }
    expect(seen).toBe(events.length);
    expect(c.blocks.reduce((n, b) => n + b.rawBytes!, 0)).toBe(c.rawBytes);
    // A number only one block's messages hold is ruled out by (almost) every other block's filter.
    const owner = c.blocks.findIndex((b, i) => i > 0);
    const token = String(events.slice(0, c.blocks[owner].count! + c.blocks[0].count!).length - 1);
    const holders = c.blocks.filter((b) => mayContain(decodeTokenFilter(b.filter!), token)).length;
    expect(holders).toBeLessThanOrEqual(2);
  });

  it("mark each block whose messages hold a \\u escape, and only those", async () => {
    const withEscape = events.map((e, i) => (i === 3210 ? { ...e, message: '{"level":"\\u0065rror"}' } : e));
    const c = await encodeChunk(withEscape);
    let seen = 0;
    const marked = c.blocks.map((b) => {
      const mine = withEscape.slice(seen, (seen += b.count!));
      expect(b.unicodeEscapes).toBe(mine.some((e) => e.message.includes("\\u")));
      return b.unicodeEscapes;
    });
    expect(marked.filter(Boolean)).toHaveLength(1);
  });

  it("keep only the events in the time range and holding one substring of every required group, with the message bytes they read", async () => {
    const c = await encodeChunk(events);
    const range = { startTime: T0 + 1000, endTime: T0 + 30_000 };
    const want = events.filter((e) => e.timestamp >= range.startTime && e.timestamp < range.endTime);
    expect(await decodeChunk(c.body, c.blocks, 0, range)).toEqual(want);
    const needles = [["ünï"], ["200 1"]];
    expect(await decodeChunk(c.body, c.blocks, 0, range, needles)).toEqual(want.filter((e) => e.message.includes("ünï") && e.message.includes("200 1")));
    // Alternatives: either substring, an event holding both kept once.
    const either = [["/items/12", '"i":13', "ms ünï"]];
    const held = (e: ChunkEvent) => either[0].some((n) => e.message.includes(n));
    expect(await decodeChunk(c.body, c.blocks, 0, range, either)).toEqual(want.filter(held));
    expect(await decodeChunk(c.body, c.blocks, 0, range, [...either, ["ünï"]])).toEqual(want.filter((e) => held(e) && e.message.includes("ünï")));
    // A needle across two events (the end of one message and the next message, or the next header) matches neither.
    expect(await decodeChunk(c.body, c.blocks, 0, {}, [['escape"}\nGET']])).toEqual([]);
    expect(chunkV1(events).body.length).toBeGreaterThan(0);
    const v1 = chunkV1(events);
    expect(await decodeChunk(v1.body, v1.blocks, 0, {}, [['escape"}\n']])).toEqual([]);
    expect(await decodeChunk(v1.body, v1.blocks, 0, {}, [['escape"}']])).toHaveLength(events.length / 2);
    expect(await decodeChunk(c.body, c.blocks, 0, {}, [['escape"}\n']])).toEqual([]);
  });

  it.each([
    ["{ $.i > 4000 }"], // needles ("i" or an escape), then the check
    ["{ $.i < 30 || $.level = \"x\" }"], // no name every match needs: the check alone
    ["{ $.i = 4001 && $.msg = *escape }"], // two names; the escaped string is left to the full match
  ])("keep only the events whose message bytes pass a JSON pattern's bytes check, counting the others as read: %s", async (text) => {
    const c = await encodeChunk(events);
    const p = compileFilterPattern(text);
    const check: BlockCheck = { needles: p.bytesCheck!.needles.map((n) => Buffer.from(n)), test: p.bytesCheck!.test };
    const range = { startTime: T0 + 20, endTime: T0 + 10 * (events.length - 20) };
    const inRange = events.filter((e) => e.timestamp >= range.startTime && e.timestamp < range.endTime);
    const kept = await decodeChunk(c.body, c.blocks, 0, range, p.requiredAnyOf ?? [], check);
    expect(kept).toEqual(inRange.filter((e) => p.matches(e.message)));
    expect(kept.length).toBeGreaterThan(0);
    let read = 0;
    for (let b = 0; b < c.blocks.length; b++) {
      const end = b + 1 < c.blocks.length ? c.blocks[b + 1].offset : c.body.length;
      read += decodeBlock(await inflateBlock(c.body.subarray(c.blocks[b].offset, end)), b === 0, range, [], undefined, check).inRange;
    }
    expect(read).toBe(inRange.length);
  });

  it("count a whole block that lacks a needle from its index figures, without parsing it", async () => {
    const c = await encodeChunk(events);
    const b = c.blocks[1];
    const text = await inflateBlock(c.body.subarray(b.offset, c.blocks[2]?.offset ?? c.body.length));
    const whole = { count: b.count!, messageBytes: b.messageBytes! };
    const absent = decodeBlock(text, false, {}, [[Buffer.from("NOT_THERE")]], whole);
    expect([absent.length, absent.inRange, absent.textBytes]).toEqual([0, b.count, b.messageBytes]);
    const parsed = decodeBlock(text, false, {}, [[Buffer.from("ünï")]], whole);
    expect([parsed.inRange, parsed.textBytes]).toEqual([b.count, b.messageBytes]);
    const mine = events.slice(c.blocks[0].count!, c.blocks[0].count! + b.count!);
    expect(parsed.length).toBe(mine.filter((e) => e.message.includes("ünï")).length);
  });

  it("find every place of a needle, overlapping ones too, whether its places are rare or dense", () => {
    const random = rng(17);
    const alphabet = ['"', "l", "a", "t", "e", "n", "c", "y", ":", "9", " ", "\\", "u", "ü", "{", "}"];
    for (let n = 0; n < 400; n++) {
      // Dense needles (a few letters of a small alphabet) go on past the first places with the JS scan; rare ones stay on indexOf.
      const text = Buffer.from(Array.from({ length: Math.floor(random() * 20_000) }, () => alphabet[Math.floor(random() * alphabet.length)]).join(""));
      const needle = Buffer.from(pickOne(random, ['"latency"', "aa", "aaa", "lat", "ll", '"', "ü", "\\u", "yy:", "9999", "nn nn", "ca"]));
      const from = random() < 0.5 ? 0 : Math.floor(random() * text.length);
      const want: number[] = [];
      for (let i = from; i + needle.length <= text.length; i++) if (text.subarray(i, i + needle.length).equals(needle)) want.push(i);
      expect(Array.from(placesOf(text, needle, from))).toEqual(want);
    }
    const json = Buffer.from(Array.from({ length: 2000 }, (_, i) => `1 2 3 4 20\n{"latency":${i},"a":"latency"}\n`).join(""));
    expect(placesOf(json, Buffer.from('"latency"'), 0)).toHaveLength(4000); // the name and the value of each line
    expect(placesOf(json, Buffer.from('"latency"'), 0)[3999]).toBe(json.lastIndexOf('"latency"'));
  });

  // The scan decodes a block with a pattern's needles and bytes check, and first runs the check over the whole block as if
  // one message: a block it rules out is counted unparsed. Neither may ever drop an event the pattern matches.
  it.each([1, 2] as const)("keep every event a JSON pattern matches when a block is decoded with its needles and check, whole blocks ruled out or not (text version %i)", (version) => {
    const random = rng(2026_12_06);
    const pick = <T,>(xs: readonly T[]) => pickOne(random, xs);
    const patterns = [
      "{ $.latency > 995 }", "{ $.latency = 999 }", "{ $.latency != 7 }", "{ $.latency <= -2.5 }", '{ $.user = "ü-1" }', "{ $.user = ü* }", "{ $.user IS TRUE }",
      "{ $.user IS NULL }", "{ $.a.latency > 5 }", "{ $.latency > 995 && $.user = x }", "{ ($.latency > 995 || $.user = x) && $.level = error }",
      "{ $.latency > 995 || $.level = error }", "{ $.latency = %^9+$% }", "{ $.latency > 1e3 }", '{ $.a-b = 1 }', "{ $.latency[0] > 995 }",
    ].map((text) => compileFilterPattern(text));
    const keys = ['"latency"', '"user"', '"level"', '"a"', '"a-b"', '"a\\u002db"', '"l\\u0061tency"', '"say \\"latency"', '"xlatency"', '"u/v"', '"u\\/v"'];
    const values = [
      "999", "996", "995", "7", "-3", "-2.5", "9.99e2", "1e3", "1001.5", "0999", "-", "+5", '"999"', '"ü-1"', '"üx"', '"x"', '"a\\"b"', '"error"',
      "true", "false", "null", "[999]", '{"latency": 999}', '"unclosed', "",
    ];
    const space = () => pick(["", " ", "\n ", "\t"]);
    const message = () => {
      if (random() < 0.3) return pick(["GET /x 200", "latency=999 error", '"latency": 999', "x\n1 2 3 4 5\ny", "ü ünï", ""]);
      const fields = Array.from({ length: 1 + Math.floor(random() * 4) }, () => `${pick(keys)}${space()}:${space()}${pick(values)}`);
      const body = `{${fields.join(", ")}}`;
      return pick([body, body, body, body.slice(0, -1), `x ${body}`, `${body} "latency": 999`, `{"level": "x", "latency":`]);
    };
    const ruledOutWhole = new Map<(typeof patterns)[number], number>();
    const withCandidates = new Set<(typeof patterns)[number]>();
    let matched = 0;
    for (let n = 0; n < 1500; n++) {
      const messages = Array.from({ length: 1 + Math.floor(random() * 6) }, message);
      const first = random() < 0.3;
      const text = blockText(version, messages.map((message, i) => ({ timestamp: T0 + i, ingestionTime: T0 + i + 1, seq: 7, index: i, message })), first);
      const whole = { count: messages.length, messageBytes: messages.reduce((x, m) => x + Buffer.byteLength(m), 0) };
      for (const p of patterns) {
        const needles = (p.requiredAnyOf ?? []).map((g) => g.map((x) => Buffer.from(x)));
        const check: BlockCheck | undefined = p.bytesCheck && { needles: p.bytesCheck.needles.map((x) => Buffer.from(x)), test: p.bytesCheck.test };
        // With the check's candidate places (as the scan runs it) and without (test alone on every event holding the needles).
        const checks = check?.candidates === undefined && p.bytesCheck?.candidates === undefined ? [check] : [check, { ...check!, candidates: p.bytesCheck!.candidates }];
        if (checks.length > 1) withCandidates.add(p);
        for (const [w, c] of [whole, undefined].flatMap((w) => checks.map((c) => [w, c] as const))) {
          const d = decodeBlock(text, first, {}, needles, w, c);
          const kept = new Set(Array.from({ length: d.length }, (_, i) => d.index[i]));
          messages.forEach((m, i) => {
            if (!p.matches(m)) return;
            matched++;
            expect(kept.has(i), `${JSON.stringify(m)} matches ${JSON.stringify(messages)}`).toBe(true);
          });
          for (let i = 0; i < d.length; i++) expect(d.message(i)).toBe(messages[d.index[i]]);
          expect([d.inRange, d.textBytes]).toEqual([whole.count, whole.messageBytes]);
        }
        if (check) {
          const all = check.needles;
          // Where the messages start (version 2: past the header lines and the empty line).
          const start = version === 1 ? (first ? "#hive-cloudwatch-logs-chunk 1\n".length : 0) : text.indexOf("\n\n") + 2;
          if (!check.test(text, start, text.length, (k, from) => text.indexOf(all[k], from))) ruledOutWhole.set(p, (ruledOutWhole.get(p) ?? 0) + 1);
        }
      }
    }
    expect(matched).toBeGreaterThan(1000);
    // Every pattern here but `$.latency[0]` (a path ending in an index has no text check) gives candidate places.
    expect(withCandidates.size).toBe(patterns.length - 1);
    // The generator makes blocks the whole-block check rules out, for most patterns.
    expect(ruledOutWhole.size).toBeGreaterThan(12);
    expect(Math.min(...ruledOutWhole.values())).toBeGreaterThan(20);
  });

  it("fuzz: mutated chunks decode or throw a ServiceError", async () => {
    const random = rng(7);
    const c = await encodeChunk(events.slice(0, 50));
    for (let i = 0; i < 500; i++) {
      const m = Uint8Array.from(c.body);
      m[Math.floor(random() * m.length)] ^= 1 + Math.floor(random() * 255);
      try {
        await decodeChunk(m, c.blocks);
      } catch (e) {
        expect(isServiceError(e), String(e)).toBe(true);
      }
    }
  });

  it.each([1, 2] as const)("fuzz: mutated block text of version %i decodes or throws a ServiceError", async (version) => {
    const random = rng(11);
    const c = await encodeChunk(events.slice(0, 50));
    const text = version === 2 ? await inflateBlock(c.body.subarray(0, c.blocks[1]?.offset ?? c.body.length)) : blockText(1, events.slice(0, 50), true);
    for (let i = 0; i < 2000; i++) {
      const m = Buffer.from(text);
      for (let f = 0; f < 1 + (i % 4); f++) m[Math.floor(random() * m.length)] = Math.floor(random() * 256);
      try {
        decodeBlock(i % 5 === 0 ? m.subarray(0, Math.floor(random() * m.length)) : m, true, {}, [[Buffer.from("item")]]);
      } catch (e) {
        expect(isServiceError(e), String(e)).toBe(true);
      }
    }
  });
});

describe("index tokens and the token filter", () => {
  it("tokens are maximal runs of [A-Za-z0-9_], case kept, each once", () => {
    expect(tokenizeForIndex('ERROR user_id=42 "Timeout" in /api/v1/items, Error again ERROR')).toEqual([
      "ERROR", "user_id", "42", "Timeout", "in", "api", "v1", "items", "Error", "again",
    ]);
    expect(tokenizeForIndex("ünï-x")).toEqual(["n", "x"]);
  });

  it("never rules out a token it was built with, and rules out most others", () => {
    const tokens = new Set(Array.from({ length: 2000 }, (_, i) => `tok${i}`));
    const f = buildTokenFilter(tokens, 10, 256 * 1024);
    for (const t of tokens) expect(mayContain(f, t)).toBe(true);
    let falsePositives = 0;
    for (let i = 0; i < 2000; i++) if (mayContain(f, `other${i}`)) falsePositives++;
    expect(falsePositives).toBeLessThan(100);
  });
});

describe("event ids", () => {
  it("are 56 digits and give back their parts", () => {
    const parts = { timestamp: T0, streamHash: 4_294_967_295, seq: 123_456_789, index: 9999 };
    const id = makeEventId(parts);
    expect(id).toMatch(/^\d{56}$/);
    expect(parseEventId(id)).toEqual(parts);
    expect(parseEventId("12")).toBeUndefined();
  });
});
