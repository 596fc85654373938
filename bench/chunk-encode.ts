/**
 * The CPU of encodeChunk (block text, token filters and gzip on the thread
 * pool: this process's CPU, all threads) per event, and the stored ratio
 * (message bytes / chunk bytes), on the logs benches' events: batches of
 * 1,000 access-log lines of ~192 bytes (bench/common.ts), one timestamp a
 * batch, in chunks of 10,000 events (the compactor's default buffer_size),
 * as bench/logs-ingest.ts's compactor sees them. With `--against OLD` (a
 * checkout of other code) its encodeChunk and this one alternate, A B B A.
 * Then the read side: decodeBlock of each one's own blocks (inflated
 * beforehand), plain (GetLogEvents) and with a needle most events lack
 * (FilterLogEvents), µs CPU an event.
 *
 *   npx tsx bench/chunk-encode.ts [--against OLD] [--chunks 20] [--rounds 6]
 */
import { gunzipSync } from "node:zlib";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { accessLogLine, machine, numberArg } from "./common.js";
import { rng } from "../test/support/random.js";

const arg = (name: string) => (process.argv.includes(`--${name}`) ? process.argv[process.argv.indexOf(`--${name}`) + 1] : undefined);
const against = arg("against");
const CHUNKS = numberArg("chunks", 20);
const ROUNDS = numberArg("rounds", 6);
const CHUNK_EVENTS = 10_000;
const BATCH = 1000;

const random = rng(42);
const T0 = Date.UTC(2026, 11, 7, 9);
/** Chunks as one stream's flushes: batch b at T0 + 50 b ms, its CW_LOGS_EVENTS sequence 8 apart from the stream's last (8 clients). */
const chunks = Array.from({ length: CHUNKS }, (_, c) => {
  const lines = Array.from({ length: CHUNK_EVENTS }, (_, k) => accessLogLine(c * CHUNK_EVENTS + k, random));
  const data = Buffer.from(lines.join(""), "utf8");
  let at = 0;
  return lines.map((line, k) => {
    const b = Math.floor((c * CHUNK_EVENTS + k) / BATCH);
    const size = Buffer.byteLength(line, "utf8");
    at += size;
    return { timestamp: T0 + b * 50, ingestionTime: T0 + b * 50 + 3, seq: 1000 + 8 * b, index: k % BATCH, data, start: at - size, size };
  });
});
const events = CHUNKS * CHUNK_EVENTS;
const messageBytes = chunks.reduce((n, c) => n + c.reduce((m, e) => m + e.size, 0), 0);

type Encode = (evs: (typeof chunks)[number]) => Promise<{ body: Uint8Array; blocks: { offset: number; count?: number; messageBytes?: number }[] }>;
type Codec = { encode: Encode; decode: (text: Buffer, first: boolean, needles: Buffer[][], whole?: { count: number; messageBytes: number }) => { length: number } };

async function codec(root: string): Promise<Codec> {
  const c = await import(join(root, "lib/logs/events/chunk-codec.ts"));
  return { encode: (evs) => c.encodeChunk(evs), decode: (text, first, needles, whole) => c.decodeBlock(text, first, {}, needles, whole) };
}

/** Every chunk encoded, two at a time (as the compactor's flushes overlap): µs CPU an event and the ratio. */
async function timedEncode(name: string, encode: Encode): Promise<void> {
  const cpu0 = process.cpuUsage();
  let stored = 0;
  for (let i = 0; i < chunks.length; i += 2) {
    const done = await Promise.all(chunks.slice(i, i + 2).map(encode));
    for (const c of done) stored += c.body.length;
  }
  const cpu = process.cpuUsage(cpu0);
  const us = (cpu.user + cpu.system) / events;
  console.log(`${name.padEnd(18)} ${us.toFixed(2)} µs CPU an event, stored 1/${(messageBytes / stored).toFixed(2)} of the message bytes`);
}

/** A codec's own blocks, inflated, with their index figures. */
async function blocksOf(c: Codec): Promise<{ text: Buffer; first: boolean; whole: { count: number; messageBytes: number } }[]> {
  const out: { text: Buffer; first: boolean; whole: { count: number; messageBytes: number } }[] = [];
  for (const evs of chunks) {
    const { body, blocks } = await c.encode(evs);
    blocks.forEach((b, i) =>
      out.push({ text: gunzipSync(body.subarray(b.offset, blocks[i + 1]?.offset ?? body.length)), first: i === 0, whole: { count: b.count!, messageBytes: b.messageBytes! } }),
    );
  }
  return out;
}

/** "user=alice latency_ms=12": in ~1 event in 40 of the bench's lines. */
const NEEDLE = [[Buffer.from("user=alice latency_ms=12")]];

function timedDecode(name: string, c: Codec, blocks: Awaited<ReturnType<typeof blocksOf>>): void {
  const said: string[] = [];
  for (const needles of [[], NEEDLE]) {
    const cpu0 = process.cpuUsage();
    let kept = 0;
    for (const b of blocks) kept += c.decode(b.text, b.first, needles, b.whole).length;
    const cpu = process.cpuUsage(cpu0);
    said.push(`${needles.length ? "with a needle" : "plain"} ${((cpu.user + cpu.system) / events).toFixed(3)} µs (${kept} kept)`);
  }
  console.log(`${name.padEnd(18)} ${said.join(", ")} CPU an event`);
}

console.log(machine());
console.log(`load average before: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
console.log(`${CHUNKS} chunks of ${CHUNK_EVENTS} events, ${(messageBytes / 1e6).toFixed(1)} MB of messages`);
const codecs: [string, Codec][] = [["this", await codec(resolve("."))]];
if (against) codecs.unshift(["other", await codec(resolve(against))]);
for (let r = 0; r < ROUNDS; r++) {
  // A B B A: the first round of each warms the JIT.
  for (const [name, c] of r % 2 ? [...codecs].reverse() : codecs) await timedEncode(`encode, ${name}`, c.encode);
}
const read = await Promise.all(codecs.map(async ([name, c]) => [name, c, await blocksOf(c)] as const));
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, c, blocks] of r % 2 ? [...read].reverse() : read) timedDecode(`decode, ${name}`, c, blocks);
}
console.log(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
