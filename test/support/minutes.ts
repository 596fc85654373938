/**
 * The recent-past minute grid the metric tests put their data on: whole
 * minutes a little in the past, so every datapoint is inside AWS's window and
 * every period boundary is known.
 */
export const MIN = 60_000;

export const ALL_STATS = ["SampleCount", "Sum", "Average", "Minimum", "Maximum"] as const;

/**
 * T0: the start of the `alignMinutes`-minute span `minutesAgo` minutes before
 * the current one; `at(m, ms)` is T0 + m minutes + ms.
 */
export function minuteGrid(minutesAgo: number, alignMinutes = 1): { T0: number; at: (minutes: number, ms?: number) => Date } {
  const T0 = Math.floor(Date.now() / (alignMinutes * MIN)) * alignMinutes * MIN - minutesAgo * MIN;
  return { T0, at: (minutes, ms = 0) => new Date(T0 + minutes * MIN + ms) };
}
