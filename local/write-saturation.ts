/**
 * Writes yield to reads when the process is saturated. Every API call runs
 * on one event loop; under a write flood the writes admitted (up to
 * max_concurrent_writes) keep both cores busy and each step of a read waits
 * behind theirs: GetMetricData took 2.5-7.3 s at twice the sustainable rate.
 * So the writes in flight are bounded by a limit that adapts to the event
 * loop's delay (AIMD, as TCP and Netflix's concurrency-limits adapt): halved
 * from what was in flight when a period's mean delay passes
 * `[cloudwatch] max_event_loop_delay`, one more each period below it. A write
 * past the limit gets AWS's throttling answer (local/reserved-concurrency.ts);
 * reads are never limited.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";

/**
 * The least the limit falls to: a saturated process still ingests, and a
 * few clients writing at once at a normal rate (the soak's four agents) are
 * never refused for a pause of the loop such as a full GC.
 */
export const MIN_WRITES = 4;
/** One control period: long enough for a mean over ~20 samples, short enough to cut a flood within a second. */
export const PERIOD_MS = 250;
/** The event loop is sampled this often (the histogram's figures include it). */
const RESOLUTION_MS = 10;

/** The adaptive limit alone, fed a period's figures: pure, so that tests drive it. */
export class SaturationLimit {
  limit: number;
  private peak = 0;

  constructor(
    private readonly maxDelayMs: number,
    private readonly ceiling: number,
  ) {
    this.limit = ceiling;
  }

  /** Notes the writes in flight now (the period's peak is what the limit is cut from). */
  inFlight(n: number): void {
    if (n > this.peak) this.peak = n;
  }

  /** The end of a period whose event loop ran `meanDelayMs` late on average, with `inFlightNow` writes in flight. */
  period(meanDelayMs: number, inFlightNow: number): void {
    if (meanDelayMs > this.maxDelayMs) this.limit = Math.max(MIN_WRITES, Math.floor(Math.min(this.limit, this.peak) / 2));
    else this.limit = Math.min(this.ceiling, this.limit + 1);
    this.peak = inFlightNow;
  }
}

/**
 * The limit over this process's event loop, updated every PERIOD_MS until
 * `stop`. `maxDelayMs` 0 turns it off (the limit stays at the ceiling).
 */
export function watchSaturation(maxDelayMs: number, ceiling: number, writesInFlight: () => number): { limit: SaturationLimit; stop(): void } {
  const limit = new SaturationLimit(maxDelayMs, ceiling);
  if (maxDelayMs <= 0) return { limit, stop: () => undefined };
  const h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  h.enable();
  const timer = setInterval(() => {
    // The histogram counts the sampling interval in every figure; an idle loop reads ~RESOLUTION_MS.
    const mean = h.count ? Math.max(0, h.mean / 1e6 - RESOLUTION_MS) : PERIOD_MS;
    h.reset();
    limit.period(mean, writesInFlight());
  }, PERIOD_MS);
  timer.unref();
  return {
    limit,
    stop: () => {
      clearInterval(timer);
      h.disable();
    },
  };
}
