/**
 * How the scheduled LogCompactor spends one invocation: passes of
 * compactLogs until shortly before the next minute's invocation, one a
 * second, sooner again while a pass found more than it could take.
 */
import { compactLogs, type CompactionReport } from "./compactor.js";

export interface CompactionRun {
  passes: number;
  chunks: number;
  events: number;
  waiting: number;
}

const RUN_MS = 50_000;
const IDLE_MS = 1000;

export async function compactForAWhile(opts: { once?: boolean; force?: boolean; runMs?: number } = {}): Promise<CompactionRun> {
  const until = Date.now() + (opts.once ? 0 : (opts.runMs ?? RUN_MS));
  const run: CompactionRun = { passes: 0, chunks: 0, events: 0, waiting: 0 };
  for (;;) {
    const r: CompactionReport = await compactLogs({ force: opts.force });
    run.passes++;
    run.chunks += r.chunks;
    run.events += r.events;
    run.waiting = r.waiting;
    if (Date.now() >= until) return run;
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  }
}
