/**
 * AWS's period and time-range rules, shared by GetMetricStatistics,
 * GetMetricData and alarms.
 */
import { invalidParameterValue } from "../../errors.js";
import { bucketStart } from "../store/tiers.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Valid periods: 1, 5, 10, 20, 30, 60 or any multiple of 60 seconds. */
export function checkPeriod(period: number, parameter = "Period"): void {
  const ok = Number.isInteger(period) && period > 0 && ([1, 5, 10, 20, 30].includes(period) || period % 60 === 0);
  if (!ok) {
    throw invalidParameterValue(
      `The parameter ${parameter} must be 1, 5, 10, 20, 30, 60, or any multiple of 60.`,
    );
  }
}

/**
 * Older data exists only at coarser periods. AWS: for a StartTime more than
 * 3 hours ago the period must be a multiple of 60 s, more than 15 days ago
 * of 300 s, more than 63 days ago of 3600 s, "or no data points in that time
 * range is returned" (not an error).
 */
export function periodAvailable(period: number, start: number, now: number): boolean {
  const age = now - start;
  const need = age > 63 * DAY ? 3600 : age > 15 * DAY ? 300 : age > 3 * HOUR ? 60 : 1;
  return period % need === 0;
}

/**
 * Rounds the start time down as AWS does: to the period for sub-minute
 * periods, else to the minute (less than 15 days ago), to 5 minutes (15 to
 * 63 days) or to the hour (older).
 */
export function alignStart(start: number, period: number, now: number): number {
  const age = now - start;
  const unit = period < 60 ? period * 1000 : age > 63 * DAY ? 3600_000 : age > 15 * DAY ? 300_000 : 60_000;
  return bucketStart(start, unit);
}

/**
 * A StartTime or EndTime as AWS compares it: to the whole second, its
 * milliseconds dropped (getmoto/moto#6380, from AWS's answers: a start at
 * ss.020 and an end at ss.987 of one second are equal).
 */
export const wholeSecond = (t: Date): number => Math.floor(t.getTime() / 1000) * 1000;
