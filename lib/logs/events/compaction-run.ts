/**
 * How the scheduled LogCompactor spends an invocation: one loop per log
 * partition, each holding the partition's lease for the whole run and making
 * passes (compactor.ts) while there is work. A pass reads only the messages
 * new since the last one and starts flushing each stream that is due
 * (`buffer_size` events or `flush_interval`) without waiting for the flushes
 * it started before, so an event is in a committed chunk one flush after its
 * stream became due, not behind other streams' flushes. A partition with
 * nothing new is looked at again every IDLE_MS, or as a flush ends. What
 * DescribeLogStreams/DescribeLogGroups show (event range, storedBytes) is
 * settled every SETTLE_MS and at the end, not after each commit, and the
 * partitions' checkpoints are marked and the buffer purged (buffer-purge.ts)
 * every PURGE_EVERY_MS: neither holds up the next pass.
 *
 * The run ends at the next minute's invocation, measured from the scheduled
 * time (RUN_MS), and lets its leases go.
 */
import { LOG_PARTITIONS } from "./event-buffer.js";
import type { StreamChunkState } from "./chunk-index.js";
import { markCompacted, purgeCompactedBuffer } from "./buffer-purge.js";
import { compactLogs, compactPartitionPass, flushEnded, flushesEnded, settleGroupBytes, settleStreamRecord, type CompactionReport, type PartitionCarry } from "./compactor.js";
import { releaseLease, type Lease } from "../../storage/stream-shards.js";

export interface CompactionRun {
  passes: number;
  chunks: number;
  events: number;
  /** Streams waiting for buffer_size or flush_interval after the last passes. */
  waiting: number;
}

export interface RunOptions {
  /** One pass over every partition (and with `force`, flush every stream). */
  once?: boolean;
  force?: boolean;
  /** ms: the invocation's scheduled time (the event's `time`); the run ends RUN_MS after it. */
  scheduledAt?: number;
  runMs?: number;
}

/**
 * From the scheduled time to the next tick: the local scheduler queues a tick
 * that comes while a run goes and fires it as the run ends, so the next run
 * takes over at once. Ended before the tick, a run left every partition idle
 * until it, 1–3 s each minute behind every stream due meanwhile.
 */
const RUN_MS = 60_000;
/** Between looks at a partition that had nothing new. */
const IDLE_MS = 100;
const MIN_PAUSE_MS = 50;
/** A partition another process holds is tried again after this. */
const LEASE_RETRY_MS = 1000;
const SETTLE_MS = 2000;
const PURGE_EVERY_MS = 2000;

/** Partitions a run of this process is looping over: a second run leaves them to it. */
const looping = new Set<number>();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

export async function compactForAWhile(opts: RunOptions = {}): Promise<CompactionRun> {
  if (opts.once) {
    const r = await compactLogs({ force: opts.force });
    return { passes: 1, chunks: r.chunks, events: r.events, waiting: r.waiting };
  }
  const until = (Number.isFinite(opts.scheduledAt) ? opts.scheduledAt! : Date.now()) + (opts.runMs ?? RUN_MS);
  const run: CompactionRun = { passes: 0, chunks: 0, events: 0, waiting: 0 };
  const waiting: number[] = [];
  const settles = new Settles();
  const settling = setInterval(() => void settles.flush(), SETTLE_MS);
  const purges = new Purges();
  const purging = setInterval(() => void purges.run(), PURGE_EVERY_MS);
  try {
    await Promise.all(Array.from({ length: LOG_PARTITIONS }, (_, p) => partitionLoop(p, until, run, waiting, settles, purges, opts.force === true)));
  } finally {
    clearInterval(settling);
    clearInterval(purging);
    await Promise.all([settles.flush(), purges.run()]);
  }
  run.waiting = waiting.reduce((n, w) => n + w, 0);
  return run;
}

async function partitionLoop(p: number, until: number, run: CompactionRun, waiting: number[], settles: Settles, purges: Purges, force: boolean): Promise<void> {
  if (looping.has(p)) return;
  looping.add(p);
  // The loop's chunks and events: a pass's flushes commit after it returns.
  const report: CompactionReport = { chunks: 0, events: 0, waiting: 0, checkpoints: [] };
  try {
    let lease: Lease | undefined;
    let carry: PartitionCarry | undefined;
    while (Date.now() < until) {
      const hadLease = lease !== undefined;
      let read = 0;
      let started = 0;
      let nextDue = Infinity;
      try {
        const r = await compactPartitionPass(p, { force }, report, { lease, carry, settle: (st) => settles.add(st), purge: false, overlap: true });
        ({ lease, carry, read, started, nextDue } = r);
        waiting[p] = r.waiting;
        purges.held(p, lease?.record.checkpoint);
      } catch (e) {
        // A storage hiccup: start again from the checkpoint, after a pause.
        console.error(`LogCompactor: partition ${p}:`, (e as Error).message);
        lease = carry = undefined;
        purges.held(p, undefined);
        await sleep(LEASE_RETRY_MS);
        continue;
      }
      run.passes++;
      if (!lease) {
        // Lost just now (another pass of this process took it, or another process): try again at once; else wait.
        if (!hadLease) await sleep(Math.min(LEASE_RETRY_MS, until - Date.now()));
      } else if (read === 0 && started === 0) {
        // Nothing new: the next pass when a stream becomes due, a flush ends (its checkpoint, its stream's next chunk), or new messages may have come.
        await Promise.race([sleep(Math.min(Math.max(MIN_PAUSE_MS, nextDue - Date.now()), IDLE_MS, until - Date.now())), flushEnded(p)]);
      }
    }
    await flushesEnded(p);
    if (lease) {
      // A last pass that waits for its flushes commits the checkpoint past those that ended, so the next run does not read them again.
      const r = await compactPartitionPass(p, { force }, report, { lease, carry, settle: (st) => settles.add(st), purge: false }).catch(() => undefined);
      lease = r?.lease;
      if (r) waiting[p] = r.waiting;
      purges.held(p, lease?.record.checkpoint);
    }
    // Free for the next run at once, in whichever process it runs (EventBridge would start it beside this one).
    if (lease) await releaseLease(lease).catch(() => undefined);
  } finally {
    looping.delete(p);
    run.chunks += report.chunks;
    run.events += report.events;
  }
}

/** Committed stream states whose DescribeLogStreams/DescribeLogGroups figures are settled in one go. */
class Settles {
  private streams = new Map<string, StreamChunkState>();
  private running: Promise<void> | undefined;

  add(state: StreamChunkState): void {
    const key = `${state.account}\u0000${state.groupId}\u0000${state.logStream}`;
    const had = this.streams.get(key);
    // The later commit carries every figure of the earlier one.
    if (!had || had.through <= state.through) this.streams.set(key, state);
  }

  async flush(): Promise<void> {
    while (this.running) await this.running;
    if (this.streams.size === 0) return;
    const states = [...this.streams.values()];
    this.streams.clear();
    this.running = (async () => {
      await Promise.all(states.map((st) => settleStreamRecord(st).catch(() => undefined)));
      const groups = new Map(states.map((st) => [`${st.account}\u0000${st.groupId}`, st]));
      await Promise.all([...groups.values()].map((st) => settleGroupBytes(st.account, st.logGroup, st.groupId).catch(() => undefined)));
    })().finally(() => (this.running = undefined));
    await this.running;
  }
}

/** The checkpoints of the partitions the run holds, marked and the buffer purged behind them, one go at a time. */
class Purges {
  private checkpoints = new Map<number, number>();
  private running: Promise<void> | undefined;

  /** Partition `p`'s checkpoint after a pass; undefined when the run does not hold it (now). */
  held(p: number, checkpoint: number | undefined): void {
    if (checkpoint === undefined) this.checkpoints.delete(p);
    else this.checkpoints.set(p, checkpoint);
  }

  /** A go, unless one is under way (then that one's end). Failures are logged: the next go tries again. */
  run(): Promise<void> {
    this.running ??= (async () => {
      try {
        await Promise.all([...this.checkpoints].map(([p, checkpoint]) => markCompacted(p, checkpoint)));
        await purgeCompactedBuffer();
      } catch (e) {
        console.error("LogCompactor: purging the buffer:", (e as Error).message);
      }
    })().finally(() => (this.running = undefined));
    return this.running;
  }
}
