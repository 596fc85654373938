/**
 * How the scheduled LogCompactor spends one invocation: compactLogs passes,
 * back to back while they find work and a second apart when they do not,
 * until shortly before the next minute's invocation.
 */
import { compactLogs, type CompactionReport } from "./compactor.js";

export interface CompactionRun {
  passes: number;
  chunks: number;
  events: number;
  waiting: number;
}

/** Just under the schedule's minute: the scheduler skips a tick while a run is still going. */
const RUN_MS = 57_000;
const IDLE_MS = 1000;

export async function compactForAWhile(opts: { once?: boolean; force?: boolean; runMs?: number } = {}): Promise<CompactionRun> {
  const until = Date.now() + (opts.once ? 0 : (opts.runMs ?? RUN_MS));
  const run: CompactionRun = { passes: 0, chunks: 0, events: 0, waiting: 0 };
  for (;;) {
    const started = Date.now();
    const r: CompactionReport = await compactLogs({ force: opts.force });
    const took = Date.now() - started;
    run.passes++;
    run.chunks += r.chunks;
    run.events += r.events;
    run.waiting = r.waiting;
    // Stop rather than start a pass that would run into the next invocation's minute.
    if (Date.now() + IDLE_MS + took >= until) return run;
    // Straight on while there is work: the lag behind the buffer is what a pass costs.
    if (r.chunks === 0) await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  }
}
