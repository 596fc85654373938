/**
 * The CPU of FilterLogEvents' work on the blocks of a full read, in this
 * process (no servers, so less load noise than bench/logs-filter.ts): the
 * stored chunks of a corpus that `bench/logs-filter.ts --corpus DIR` built
 * (the S3 server's files under DIR/s3), cut into blocks as the compactor cut
 * them, then
 *  - decode: decodeBlock with a pattern's needles and bytes check (as
 *    scanLogEvents hands them, whole blocks in range) and matches() on what
 *    it keeps; with `--against OLD` (a checkout of other code) its decode and
 *    this one alternate;
 *  - inflate: a chunk's gzip members inflated as the inflate pool's worker
 *    does into a slot (zlib's output straight into the slot) against
 *    gunzipSync's own buffer copied into the slot (what it did before).
 * Figures are CPU ms per MB of message text.
 *
 *   npx tsx bench/filter-decode.ts --corpus DIR [--against OLD] [--chunks 100] [--rounds 6] [--pattern "{ $.latency > 995 }"]
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { createGunzip, gunzipSync } from "node:zlib";
import { CHUNK_VERSION_LINE, CHUNK_VERSION_LINE_1 } from "../lib/logs/events/chunk-codec.js";
import { machine, numberArg } from "./common.js";

const arg = (name: string) => (process.argv.includes(`--${name}`) ? process.argv[process.argv.indexOf(`--${name}`) + 1] : undefined);
const corpus = arg("corpus");
if (!corpus) throw new Error("--corpus DIR: a corpus bench/logs-filter.ts built");
const against = arg("against");
const pattern = arg("pattern") ?? "{ $.latency > 995 }";
const CHUNKS = numberArg("chunks", 100);
const ROUNDS = numberArg("rounds", 6);
/** Block text at most before the compactor starts a new block (chunk-codec.ts's BLOCK_RAW_BYTES). */
const BLOCK_RAW_BYTES = 128 * 1024;
const SLOT_BYTES = 2 * 1024 * 1024;

function chunkFiles(dir: string): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) out.push(...chunkFiles(p));
    else if (f.endsWith(".log.gz._S3rver_object")) out.push(p);
  }
  return out;
}

/** The first CHUNKS chunks whose text and gzip bytes fit a slot together (the pool's worker inflates those in place). */
const gz: Buffer[] = [];
const texts: Buffer[] = [];
for (const f of chunkFiles(join(resolve(corpus), "s3")).sort()) {
  if (gz.length === CHUNKS) break;
  const g = readFileSync(f);
  const t = gunzipSync(g);
  if (g.length + t.length >= SLOT_BYTES) continue;
  gz.push(g);
  texts.push(t);
}
/**
 * Blocks as the compactor cut them. Text version 2: each block says its events (`#events {count}`) and their
 * lengths (each header line's last field); version 1: a new one once the text reached BLOCK_RAW_BYTES, at an event boundary.
 */
const blocks: { text: Buffer; first: boolean; count: number; messageBytes: number }[] = [];
for (const t of texts) {
  if (t.toString("latin1", 0, CHUNK_VERSION_LINE.length) === CHUNK_VERSION_LINE) {
    for (let p = CHUNK_VERSION_LINE.length, start = 0; p < t.length; start = p) {
      const nl = t.indexOf(10, p);
      const count = Number(t.toString("latin1", p, nl).split(" ")[1]);
      const blank = t.indexOf("\n\n", nl);
      const lengths = count ? t.toString("latin1", nl + 1, blank).split("\n").map((line) => Number(line.slice(line.lastIndexOf(" ") + 1))) : [];
      const messageBytes = lengths.reduce((n, len) => n + len, 0);
      p = blank + 2 + messageBytes + count;
      blocks.push({ text: t.subarray(start, p), first: start === 0, count, messageBytes });
    }
    continue;
  }
  let p = CHUNK_VERSION_LINE_1.length;
  let start = 0;
  let count = 0;
  let messageBytes = 0;
  while (p < t.length) {
    if (p - start >= BLOCK_RAW_BYTES) {
      blocks.push({ text: t.subarray(start, p), first: start === 0, count, messageBytes });
      [start, count, messageBytes] = [p, 0, 0];
    }
    const nl = t.indexOf(10, p);
    const len = Number(t.toString("latin1", p, nl).split(" ")[4]);
    p = nl + 1 + len + 1;
    count++;
    messageBytes += len;
  }
  blocks.push({ text: t.subarray(start), first: start === 0, count, messageBytes });
}
const mb = blocks.reduce((n, b) => n + b.messageBytes, 0) / 1e6;

/** A decode of every block with the pattern as `root`'s scan runs it, counting what it keeps and what matches. */
async function decoder(root: string): Promise<() => string> {
  const codec = await import(join(root, "lib/logs/events/chunk-codec.ts"));
  const { compileFilterPattern } = await import(join(root, "lib/logs/patterns/index.ts"));
  const p = compileFilterPattern(pattern);
  const buffers = new Map<string, Buffer>();
  const bytes = (n: string) => buffers.get(n) ?? buffers.set(n, Buffer.from(n)).get(n)!;
  const needles = [...new Set<string>([...p.requiredTokens, ...p.requiredSubstrings])].map((n) => [bytes(n)]).concat((p.requiredAnyOf ?? []).map((g: string[]) => g.map(bytes)));
  const check = p.bytesCheck && { needles: p.bytesCheck.needles.map(bytes), test: p.bytesCheck.test, candidates: p.bytesCheck.candidates };
  return () => {
    let kept = 0;
    let matched = 0;
    for (const b of blocks) {
      const d = codec.decodeBlock(b.text, b.first, {}, needles, { count: b.count, messageBytes: b.messageBytes }, check);
      kept += d.length;
      for (let i = 0; i < d.length; i++) if (p.matches(d.message(i))) matched++;
    }
    return `kept ${kept}, matched ${matched}`;
  };
}

const slots = new SharedArrayBuffer(SLOT_BYTES);
/** The inflate pool worker's way: zlib's sync path given the slot's free start as its output buffer. */
function inflateIntoSlot(g: Buffer, rawBytes: number): number {
  const input = new Uint8Array(slots, SLOT_BYTES - g.length, g.length);
  input.set(g);
  const engine = createGunzip({ chunkSize: 64, maxOutputLength: SLOT_BYTES }) as any;
  engine._outBuffer = Buffer.from(slots, 0, SLOT_BYTES - g.length);
  engine._outOffset = 0;
  engine._chunkSize = SLOT_BYTES - g.length;
  const out: Buffer = engine._processChunk(input, engine._finishFlushFlag);
  if (out.buffer !== slots || out.length !== rawBytes) throw new Error("not inflated in place");
  return out.length;
}
/** Before: gunzipSync's own buffer, copied into the slot. */
function inflateCopied(g: Buffer, rawBytes: number): number {
  const input = new Uint8Array(slots, SLOT_BYTES - g.length, g.length);
  input.set(g);
  const out = gunzipSync(input, { chunkSize: Math.max(16384, rawBytes + 1024), maxOutputLength: SLOT_BYTES });
  new Uint8Array(slots, 0, out.length).set(out);
  return out.length;
}

function timed(name: string, run: () => string): void {
  const cpu0 = process.cpuUsage();
  const said = run();
  const cpu = process.cpuUsage(cpu0);
  const ms = (cpu.user + cpu.system) / 1000;
  console.log(`${name.padEnd(22)} ${said}: ${ms.toFixed(0)} ms CPU, ${(ms / mb).toFixed(3)} ms CPU/MB`);
}

console.log(machine());
console.log(`load average before: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
console.log(`${gz.length} chunks, ${blocks.length} blocks, ${mb.toFixed(1)} MB of messages; pattern ${pattern}`);
const decoders: [string, () => string][] = [["decode, this", await decoder(resolve("."))]];
if (against) decoders.unshift(["decode, other", await decoder(resolve(against))]);
const inflates: [string, () => string][] = [
  ["inflate, copied", () => `${gz.reduce((n, g, i) => n + inflateCopied(g, texts[i].length), 0)} bytes`],
  ["inflate, in the slot", () => `${gz.reduce((n, g, i) => n + inflateIntoSlot(g, texts[i].length), 0)} bytes`],
];
for (let r = 0; r < ROUNDS; r++) {
  // A B B A: the first round of each warms the JIT.
  for (const [name, run] of r % 2 ? [...decoders].reverse() : decoders) timed(name, run);
  for (const [name, run] of r % 2 ? [...inflates].reverse() : inflates) timed(name, run);
}
console.log(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
