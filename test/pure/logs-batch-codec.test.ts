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
    // The text itself: plain decimal, no padding of the high part, the low part padded to nine digits.
    const text = (await inflateBlock(c.body)).toString("latin1");
    for (const e of edgeEvents) expect(text).toContain(`${e.timestamp} ${e.ingestionTime} ${e.seq} ${e.index} ${e.message.length}\n${e.message}\n`);
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
    // A needle across two events (the end of one message and the next header) matches neither.
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
  it("keep every event a JSON pattern matches when a block is decoded with its needles and check, whole blocks ruled out or not", () => {
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
      const text = Buffer.from((first ? "#hive-cloudwatch-logs-chunk 1\n" : "") + messages.map((m, i) => `${T0 + i} ${T0 + i + 1} 7 ${i} ${Buffer.byteLength(m)}\n${m}\n`).join(""));
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
          const start = first ? "#hive-cloudwatch-logs-chunk 1\n".length : 0;
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

  it("fuzz: mutated block text decodes or throws a ServiceError", async () => {
    const random = rng(11);
    const c = await encodeChunk(events.slice(0, 50));
    const text = await inflateBlock(c.body.subarray(0, c.blocks[1]?.offset ?? c.body.length));
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
