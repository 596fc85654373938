/**
 * Keeps a worker thread running: one that exits when nobody asked it to (an
 * uncaught error, running out of heap) is started again, after a pause that
 * grows while it keeps failing. The stream worker is where the aggregator
 * runs: without this, one crash stopped aggregation until the service was
 * restarted.
 */
import type { Worker } from "node:worker_threads";

export interface SupervisedWorker {
  /** The worker running now (a new one after each restart). */
  current(): Worker;
  /** How many times it was started again. */
  restarts(): number;
  /** Stops supervising, then stops the worker with `stop` unless it has exited (no restart after). */
  stop(stop: (w: Worker) => Promise<void>): Promise<void>;
}

export interface SuperviseOptions {
  log: (message: string, error?: unknown) => void;
  /** First pause before a restart; doubled per failure in a row, up to maxDelayMs. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** A worker that ran this long before exiting counts as healthy: the pause starts over. */
  healthyAfterMs?: number;
}

export function supervise(create: () => Worker, opts: SuperviseOptions): SupervisedWorker {
  const { log, minDelayMs = 1000, maxDelayMs = 30_000, healthyAfterMs = 60_000 } = opts;
  let stopping = false;
  let restarts = 0;
  let delay = minDelayMs;
  let timer: NodeJS.Timeout | undefined;
  let worker: Worker;
  let exited = false;

  const start = () => {
    const startedAt = Date.now();
    exited = false;
    worker = create();
    worker.on("error", (e) => log("worker failed", e));
    worker.once("exit", (code) => {
      exited = true;
      if (stopping) return;
      if (Date.now() - startedAt >= healthyAfterMs) delay = minDelayMs;
      log(`worker exited (code ${code}); starting it again in ${delay} ms`);
      timer = setTimeout(() => {
        timer = undefined;
        if (stopping) return;
        restarts++;
        start();
      }, delay);
      delay = Math.min(maxDelayMs, delay * 2);
    });
  };
  start();

  return {
    current: () => worker,
    restarts: () => restarts,
    async stop(stop) {
      stopping = true;
      if (timer) clearTimeout(timer);
      // One that died and awaits its restart has nothing left to stop.
      if (!exited) await stop(worker);
    },
  };
}
