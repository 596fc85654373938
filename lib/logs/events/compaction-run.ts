/**
 * How the scheduled LogCompactor spends an invocation: one loop per log
 * partition, each holding the partition's lease for the whole run and making
 * passes (compactor.ts) back to back while there is work, so an event is in
 * a committed chunk about one pass after its stream became due
 * (`buffer_size` events or `flush_interval`). A pass reads only the messages
 * new since the last one; an idle partition is looked at every IDLE_MS. What
 * DescribeLogStreams/DescribeLogGroups show (event range, storedBytes) is
 * settled every SETTLE_MS and at the end, not after each commit, and the
 * buffer is purged every PURGE_EVERY_MS: neither holds up the next pass.
 *
 * The run ends shortly before the next minute's invocation (the scheduler
 * skips a tick while a run is still going), measured from the scheduled time.
 */
import { LOG_PARTITIONS } from "./event-buffer.js";
import type { StreamChunkState } from "./chunk-index.js";
import { compactLogs, compactPartitionPass, settleGroupBytes, settleStreamRecord, type CompactionReport, type PartitionCarry } from "./compactor.js";
import type { Lease } from "../../storage/stream-shards.js";

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

/** From the scheduled time: just under the schedule's minute, so the next tick finds this run over. */
const RUN_MS = 59_000;
/** Kept free before the end besides the longest pass so far (a run past the next tick delays it). */
const END_MARGIN_MS = 500;
/** Between looks at a partition that had nothing new. */
const IDLE_MS = 200;
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
  try {
    await Promise.all(Array.from({ length: LOG_PARTITIONS }, (_, p) => partitionLoop(p, until, run, waiting, settles, opts.force === true)));
  } finally {
    clearInterval(settling);
    await settles.flush();
  }
  run.waiting = waiting.reduce((n, w) => n + w, 0);
  return run;
}

async function partitionLoop(p: number, until: number, run: CompactionRun, waiting: number[], settles: Settles, force: boolean): Promise<void> {
  if (looping.has(p)) return;
  looping.add(p);
  try {
    let lease: Lease | undefined;
    let carry: PartitionCarry | undefined;
    let lastPurge = 0;
    // The longest pass so far: a pass is not started when it would likely run past `until`.
    let longest = 0;
    while (Date.now() + longest + END_MARGIN_MS < until) {
      const started = Date.now();
      const report: CompactionReport = { chunks: 0, events: 0, waiting: 0, checkpoints: [] };
      const hadLease = lease !== undefined;
      const purge = started - lastPurge >= PURGE_EVERY_MS;
      let read = 0;
      let nextDue = Infinity;
      try {
        const r = await compactPartitionPass(p, { force }, report, { lease, carry, settle: (st) => settles.add(st), purge });
        ({ lease, carry, read, nextDue } = r);
        if (lease && purge) lastPurge = started;
      } catch (e) {
        // A storage hiccup: start again from the checkpoint, after a pause.
        console.error(`LogCompactor: partition ${p}:`, (e as Error).message);
        lease = carry = undefined;
        await sleep(LEASE_RETRY_MS);
        continue;
      }
      longest = Math.max(longest, Date.now() - started);
      run.passes++;
      run.chunks += report.chunks;
      run.events += report.events;
      waiting[p] = report.waiting;
      if (!lease) {
        // Lost just now (another pass of this process took it, or another process): try again at once; else wait.
        if (!hadLease) await sleep(Math.min(LEASE_RETRY_MS, until - Date.now()));
      } else if (read === 0 && report.chunks === 0) {
        // A flush that lost a race is due at once: a short pause still, rather than passes back to back.
        await sleep(Math.min(Math.max(MIN_PAUSE_MS, nextDue - Date.now()), IDLE_MS, until - Date.now()));
      }
    }
  } finally {
    looping.delete(p);
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
