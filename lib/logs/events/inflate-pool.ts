/**
 * Inflates stored blocks in worker threads into a fixed set of shared
 * slots, reused from block to block, so reading log text allocates no new
 * Buffer per block on the main thread. zlib's async API gave each ~1 MB of
 * inflated text its own Buffer: V8 counts those bytes as external memory and
 * answered a full scan (1 GB) with a scavenge and a full collection every
 * ~10 MB, which cost more CPU than the inflating (README, "Benchmarks").
 *
 * A slot holds a block's compressed bytes at its end and, once inflated, its
 * text at its start; the caller decodes the text and copies out what it keeps
 * before it releases the slot (docs/memory.md bounds the slots).
 */
import { Worker } from "node:worker_threads";
import { internalFailure } from "../../errors.js";

/** Bytes of one slot: a run of blocks (8 × 128 KB of text) and its compressed bytes fit. */
export const SLOT_BYTES = 2 * 1024 * 1024;
const SLOTS = 12;
const WORKERS = 2;

/**
 * The worker's code, as text: bundled functions have no worker file beside them.
 * A text that fits before the compressed bytes is inflated straight into the
 * slot: zlib's sync path writes into its engine's output buffer, given here
 * as the slot's free start. gunzipSync's own buffer cost a fresh ~1 MB
 * allocation (page faults) and a copy per run, 40 % of the worker's CPU. A
 * result that did not land there (the text did not fit, or another Node's
 * zlib) is copied as before.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const zlib = require("node:zlib");
const { memory, slotBytes } = workerData;
function inflateInto(input, base, room, expected) {
  if (expected < room) {
    const engine = zlib.createGunzip({ chunkSize: 64, maxOutputLength: slotBytes });
    if (typeof engine._processChunk === "function" && "_outBuffer" in engine && "_chunkSize" in engine) {
      engine._outBuffer = Buffer.from(memory, base, room);
      engine._outOffset = 0;
      engine._chunkSize = room;
      return engine._processChunk(input, engine._finishFlushFlag);
    }
  }
  return zlib.gunzipSync(input, { chunkSize: Math.max(16384, expected + 1024), maxOutputLength: slotBytes });
}
parentPort.on("message", ({ id, slot, inputBytes, expected }) => {
  const base = slot * slotBytes;
  try {
    const input = new Uint8Array(memory, base + slotBytes - inputBytes, inputBytes);
    const out = inflateInto(input, base, slotBytes - inputBytes, expected);
    if (out.buffer !== memory || out.byteOffset !== base) new Uint8Array(memory, base, out.length).set(out);
    parentPort.postMessage({ id, length: out.length });
  } catch (e) {
    parentPort.postMessage({ id, error: String((e && e.message) || e) });
  }
});
`;

interface Pending {
  resolve(length: number): void;
  reject(e: Error): void;
}

interface Pool {
  memory: SharedArrayBuffer;
  workers: { worker: Worker; inFlight: number }[];
  free: number[];
  slotWaiters: (() => void)[];
  pending: Map<number, Pending>;
  nextId: number;
  /** Set once a worker is gone: the pool takes no more work. */
  failure?: Error;
}

const SHARED = Symbol.for("hive.cloudwatch.inflate-pool");
const holder = ((globalThis as any)[SHARED] ??= {}) as { pool?: Pool };

function startPool(): Pool {
  const memory = new SharedArrayBuffer(SLOTS * SLOT_BYTES);
  const pool: Pool = { memory, workers: [], free: Array.from({ length: SLOTS }, (_, i) => i), slotWaiters: [], pending: new Map(), nextId: 0 };
  const fail = (e: Error) => {
    // A worker gone: what it had in hand fails, and so does what waits for a slot; the next read starts a new pool.
    if (holder.pool === pool) holder.pool = undefined;
    pool.failure ??= e;
    for (const p of pool.pending.values()) p.reject(e);
    pool.pending.clear();
    for (const wake of pool.slotWaiters.splice(0)) wake();
    for (const w of pool.workers) void w.worker.terminate();
  };
  for (let i = 0; i < WORKERS; i++) {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { memory, slotBytes: SLOT_BYTES }, resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 } });
    const entry = { worker, inFlight: 0 };
    worker.on("message", (m: { id: number; length?: number; error?: string }) => {
      if (--entry.inFlight === 0) worker.unref();
      const p = pool.pending.get(m.id);
      pool.pending.delete(m.id);
      if (m.error !== undefined) p?.reject(internalFailure(`corrupt log chunk: ${m.error}`));
      else p?.resolve(m.length!);
    });
    worker.on("error", fail);
    worker.on("exit", () => fail(internalFailure("the inflate worker stopped")));
    // Idle workers do not keep the process alive.
    worker.unref();
    pool.workers.push(entry);
  }
  return pool;
}

/** A block's text in a slot; release() gives the slot back (the text must no longer be read). */
export interface SharedText {
  text: Buffer;
  release(): void;
}

/** Whether gzip members of `inputBytes` whose text is `rawBytes` long go through a slot. */
export const fitsSlot = (inputBytes: number, rawBytes: number) => rawBytes <= SLOT_BYTES && inputBytes <= SLOT_BYTES;

/**
 * Inflates gzip members whose text is `rawBytes` long into a slot, waiting
 * for one to be free; undefined when they do not fit one (the caller
 * inflates them the plain way). Throws a ServiceError on garbage.
 */
export async function inflateShared(members: Uint8Array, rawBytes: number): Promise<SharedText | undefined> {
  if (!fitsSlot(members.length, rawBytes)) return undefined;
  return inflateFilled(members.length, rawBytes, async (into) => {
    into.set(members);
    return true;
  });
}

/**
 * inflateShared for members `fill` writes into the slot itself (an S3 body
 * read straight into it: no Buffer of its own, no copy); `fill` answers false
 * when there are none (the object is gone), and so does this, undefined.
 * The members must fit a slot (fitsSlot).
 */
export async function inflateFilled(inputBytes: number, rawBytes: number, fill: (into: Uint8Array) => Promise<boolean>): Promise<SharedText | undefined> {
  if (!fitsSlot(inputBytes, rawBytes)) throw internalFailure("gzip members larger than an inflate slot");
  const pool = (holder.pool ??= startPool());
  while (pool.free.length === 0 && !pool.failure) await new Promise<void>((wake) => pool.slotWaiters.push(wake));
  if (pool.failure) throw pool.failure;
  const slot = pool.free.pop()!;
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    pool.free.push(slot);
    pool.slotWaiters.shift()?.();
  };
  try {
    const base = slot * SLOT_BYTES;
    if (!(await fill(new Uint8Array(pool.memory, base + SLOT_BYTES - inputBytes, inputBytes)))) {
      release();
      return undefined;
    }
    if (pool.failure) throw pool.failure;
    const id = pool.nextId++;
    const entry = pool.workers.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
    // Referenced while it has work: an awaited inflate keeps the process alive, an idle worker does not.
    if (entry.inFlight++ === 0) entry.worker.ref();
    const length = await new Promise<number>((resolve, reject) => {
      if (pool.failure) return reject(pool.failure);
      pool.pending.set(id, { resolve, reject });
      entry.worker.postMessage({ id, slot, inputBytes, expected: rawBytes });
    });
    return { text: Buffer.from(pool.memory, base, length), release };
  } catch (e) {
    release();
    throw e;
  }
}
