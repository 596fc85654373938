/**
 * Seeded fuzzing of decoders (one of test/support/fuzz-targets.ts), in a
 * worker thread so that a case that hangs can be stopped: the worker marks
 * each case in shared memory as it starts, and the test ends the worker when
 * one case runs longer than its bound. Every case either decodes or throws a
 * ServiceError; anything else is a failure, reported with the case's input.
 *
 *   const report = await fuzz("chunk", { seed: 1, cases: 4000 });
 *   expect(report.failures).toEqual([]);
 *
 * Case i is made from (seed, i) alone, so any case can be made again:
 * fuzzCase("chunk", seed, i).
 */
import { Worker } from "node:worker_threads";
import { rng } from "./random.js";
import { FUZZ_TARGETS, type FuzzInput, type FuzzTargetName } from "./fuzz-targets.js";

export interface FuzzFailure {
  case: number;
  label: string;
  input: string;
  error: string;
}

export interface FuzzReport {
  cases: number;
  /** Cases that decoded. */
  decoded: number;
  /** Cases refused with a ServiceError, by code. */
  rejected: Record<string, number>;
  /** Cases that threw something else (the first few). */
  failures: FuzzFailure[];
  failureCount: number;
  /** The slowest case that finished, in ms. */
  slowestMs: number;
  /** A case that ran past the bound and was stopped. */
  hung?: { case: number; label: string; input: string; afterMs: number };
}

export interface FuzzOptions {
  seed: number;
  cases: number;
  /** How long one case may run before it counts as a hang (generous: the machine is shared). */
  caseLimitMs?: number;
}

const WORKER = new URL("./fuzz-worker.mjs", import.meta.url);

export function fuzz(target: FuzzTargetName, opts: FuzzOptions): Promise<FuzzReport> {
  const caseLimitMs = opts.caseLimitMs ?? 5000;
  const progress = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(WORKER, { workerData: { target, seed: opts.seed, cases: opts.cases, progress } });
  return new Promise<FuzzReport>((resolve, reject) => {
    let last = -1;
    let since = Date.now();
    const watch = setInterval(async () => {
      const now = Atomics.load(progress, 0);
      if (now !== last) {
        last = now;
        since = Date.now();
        return;
      }
      if (now === 0 || Date.now() - since < caseLimitMs) return; // 0: still starting up
      clearInterval(watch);
      const afterMs = Date.now() - since;
      await worker.terminate();
      const input = await fuzzCase(target, opts.seed, now - 1);
      resolve({
        cases: now,
        decoded: 0,
        rejected: {},
        failures: [],
        failureCount: 0,
        slowestMs: afterMs,
        hung: { case: now - 1, label: input.label, input: preview(input.bytes), afterMs },
      });
    }, 50);
    worker.once("message", (report: FuzzReport) => {
      clearInterval(watch);
      void worker.terminate();
      resolve(report);
    });
    worker.once("error", (e) => {
      clearInterval(watch);
      reject(e);
    });
  });
}

/** Case i of a run: a seed input mutated one to four times, or (one case in ten) random bytes. */
export async function fuzzCase(target: FuzzTargetName, seed: number, i: number): Promise<FuzzInput> {
  return makeCase(await seedsOf(target), FUZZ_TARGETS[target].tokens ?? [], seed, i);
}

const seedCache = new Map<FuzzTargetName, Promise<FuzzInput[]>>();
export const seedsOf = (target: FuzzTargetName): Promise<FuzzInput[]> => {
  let s = seedCache.get(target);
  if (!s) seedCache.set(target, (s = Promise.resolve(FUZZ_TARGETS[target].seeds())));
  return s;
};

export function makeCase(seeds: FuzzInput[], tokens: string[], seed: number, i: number): FuzzInput {
  const r = rng((seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0);
  const int = (n: number) => Math.floor(r() * n);
  const base = seeds[int(seeds.length)];
  if (r() < 0.1) return { label: base.label, bytes: randomBytes(r, int(300)) };
  let bytes = base.bytes;
  for (let k = 1 + int(4); k > 0; k--) bytes = mutate(bytes, r, seeds, tokens);
  return { label: base.label, bytes };
}

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x22, 0x5c, 0x7b, 0x5b, 0x2c, 0x3d, 0x26, 0x25, 0x2e];
const LONG_VARINT = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f];
const ENCODER = new TextEncoder();

function randomBytes(r: () => number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  return b;
}

function splice(b: Uint8Array, at: number, remove: number, insert: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(b.length - remove + insert.length);
  out.set(b.subarray(0, at));
  out.set(insert, at);
  out.set(b.subarray(at + remove), at + insert.length);
  return out;
}

/** One mutation: a bit, a byte, an inserted, removed or repeated run, a cut, a graft of another seed, a token, a huge varint. */
function mutate(b: Uint8Array, r: () => number, seeds: FuzzInput[], tokens: string[]): Uint8Array {
  const int = (n: number) => Math.floor(r() * n);
  const at = int(b.length + 1);
  const span = Math.min(b.length - at, 1 + int(16));
  switch (int(10)) {
    case 0:
      if (at < b.length) return splice(b, at, 1, [b[at] ^ (1 << int(8))]);
      return b;
    case 1:
      return splice(b, at, Math.min(1, b.length - at), [INTERESTING[int(INTERESTING.length)]]);
    case 2:
      return splice(b, at, Math.min(1, b.length - at), [int(256)]);
    case 3:
      return splice(b, at, 0, randomBytes(r, 1 + int(8)));
    case 4:
      return splice(b, at, span, []);
    case 5:
      return splice(b, at, 0, b.subarray(at, at + span));
    case 6:
      return b.subarray(0, at);
    case 7: {
      const other = seeds[int(seeds.length)].bytes;
      return Uint8Array.from([...b.subarray(0, at), ...other.subarray(int(other.length + 1))]);
    }
    case 8:
      if (tokens.length) return splice(b, at, int(3) === 0 ? span : 0, ENCODER.encode(tokens[int(tokens.length)]));
      return splice(b, at, Math.min(1, b.length - at), LONG_VARINT);
    default:
      return splice(b, at, Math.min(1, b.length - at), LONG_VARINT.slice(int(LONG_VARINT.length)));
  }
}

/** An input as a failure message shows it: printable text as a JSON string, else hex (first 200 bytes). */
export function preview(bytes: Uint8Array): string {
  const text = Buffer.from(bytes).toString("utf8");
  const printable = !text.includes("\uFFFD") && !/[\u0000-\u0008\u000e-\u001f]/.test(text);
  const head = printable ? JSON.stringify(text.slice(0, 400)) : Buffer.from(bytes.subarray(0, 200)).toString("hex");
  return `${bytes.length} bytes: ${head}`;
}
