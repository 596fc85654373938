/**
 * Overload is answered, never absorbed: while the aggregators lag by more
 * than `max_ingest_lag` seconds of data, or the process is near its memory
 * budget, PutMetricData answers AWS's `Throttling` ("Rate exceeded"), which
 * every AWS SDK and the CloudWatch Agent retry with backoff. Nothing is
 * appended for a throttled request, so nothing acknowledged is lost.
 */
import { getConfig } from "../../config/config.js";
import { memoryShort } from "../../capacity/memory.js";
import { protocolError } from "../../errors.js";
import { ingestLagSeconds } from "./ingest-lag.js";

/** A lag read this recently is taken as it is. */
export const LAG_FRESH_MS = 1000;
/**
 * An older one, up to this age and under the limit, still admits while a
 * newer one is read: reading it (nine JetStream API calls) took 0.1-0.4 s
 * on a loaded machine, and every request arriving meanwhile waited for it.
 * A refusal is never made on a stale figure.
 */
export const LAG_STALE_MS = 5000;

/**
 * The admission decision over a lag reader: at most one read at a time,
 * shared by concurrent requests. `read` and `clock` are parameters so that
 * the rule can be tested without a server.
 */
export function lagGate(read: () => Promise<number>, clock: () => number = Date.now) {
  let known: { at: number; seconds: number } | undefined;
  let reading: Promise<number> | undefined;

  const refresh = (): Promise<number> => {
    if (!reading) {
      const at = clock();
      reading = read().then(
        (seconds) => {
          known = { at, seconds };
          reading = undefined;
          return seconds;
        },
        (e) => {
          reading = undefined;
          throw e;
        },
      );
    }
    return reading;
  };

  /** True when a request may be admitted with at most `maxSeconds` of lag. */
  return async (maxSeconds: number): Promise<boolean> => {
    const age = known ? clock() - known.at : Infinity;
    if (known && age < LAG_FRESH_MS) return known.seconds <= maxSeconds;
    if (known && age < LAG_STALE_MS && known.seconds <= maxSeconds) {
      refresh().catch(() => undefined); // a failed read is tried again by the next request
      return true;
    }
    return (await refresh()) <= maxSeconds;
  };
}

const admitsLag = lagGate(ingestLagSeconds);

/** Throws Throttling when ingest must wait; resolves otherwise. */
export async function admitIngest(): Promise<void> {
  const config = getConfig();
  if (memoryShort(config.memoryBudgetMb)) throw rateExceeded();
  if (!(await admitsLag(config.maxIngestLagSeconds))) throw rateExceeded();
}

// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CommonErrors.html (Throttling, 400)
const rateExceeded = () => protocolError("Throttling", "Rate exceeded");
