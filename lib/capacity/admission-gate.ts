/**
 * Admission by a reading that is slow to take (the aggregators' lag, the log
 * buffer's size): one rule for every overload check, so that no request
 * waits for a reading while a recent one admits, and none is refused on a
 * stale one.
 */

/** A reading this recent is taken as it is. */
export const READING_FRESH_MS = 1000;
/**
 * An older one, up to this age and within the limit, still admits while a
 * newer one is taken: reading the lag (nine JetStream API calls) took
 * 0.1-0.4 s on a loaded machine, and every request arriving meanwhile
 * waited for it. A refusal is never made on a stale reading.
 */
export const READING_STALE_MS = 5000;

/**
 * The admission decision over a reader: at most one reading at a time,
 * shared by concurrent requests. `read` and `clock` (milliseconds, monotonic
 * by default) are parameters so that the rule can be tested without a server.
 * The gate answers true when a request may be admitted with the reading at
 * most `limit`.
 */
export function admissionGate(read: () => Promise<number>, clock: () => number = () => performance.now()) {
  let known: { at: number; value: number } | undefined;
  let reading: Promise<number> | undefined;

  const refresh = (): Promise<number> => {
    if (!reading) {
      const at = clock();
      reading = read().then(
        (value) => {
          known = { at, value };
          reading = undefined;
          return value;
        },
        (e) => {
          reading = undefined;
          throw e;
        },
      );
    }
    return reading;
  };

  return async (limit: number): Promise<boolean> => {
    const age = known ? clock() - known.at : Infinity;
    if (known && age < READING_FRESH_MS) return known.value <= limit;
    if (known && age < READING_STALE_MS && known.value <= limit) {
      refresh().catch(() => undefined); // a failed reading is taken again by the next request
      return true;
    }
    return (await refresh()) <= limit;
  };
}
