/**
 * The CPU of encodeChunk (block text, token filters and gzip on the thread
 * pool: this process's CPU, all threads) per event, and the stored ratio
 * (message bytes / chunk bytes), on the logs benches' events: batches of
 * 1,000 access-log lines of ~192 bytes (bench/common.ts), one timestamp a
 * batch, in chunks of 10,000 events (the compactor's default buffer_size),
 * as bench/logs-ingest.ts's compactor sees them. With `--against OLD` (a
 * checkout of other code) its encodeChunk and this one alternate, A B B A.
 *
 *   npx tsx bench/chunk-encode.ts [--against OLD] [--chunks 20] [--rounds 6]
 */
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

type Encode = (evs: (typeof chunks)[number]) => Promise<{ body: Uint8Array }>;

async function encoder(root: string): Promise<Encode> {
  const codec = await import(join(root, "lib/logs/events/chunk-codec.ts"));
  return (evs) => codec.encodeChunk(evs);
}

/** Every chunk encoded, two at a time (as the compactor's flushes overlap); returns µs CPU an event and the ratio. */
async function timed(name: string, encode: Encode): Promise<void> {
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

console.log(machine());
console.log(`load average before: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
console.log(`${CHUNKS} chunks of ${CHUNK_EVENTS} events, ${(messageBytes / 1e6).toFixed(1)} MB of messages`);
const encoders: [string, Encode][] = [["encode, this", await encoder(resolve("."))]];
if (against) encoders.unshift(["encode, other", await encoder(resolve(against))]);
for (let r = 0; r < ROUNDS; r++) {
  // A B B A: the first round of each warms the JIT.
  for (const [name, run] of r % 2 ? [...encoders].reverse() : encoders) await timed(name, run);
}
console.log(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
