/**
 * The comparison period of `diff`
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-Diff.html):
 * `diff` compares with the period of equal length immediately before the
 * query's, `diff previousDay` / `previousWeek` / `previousMonth` with the same
 * time a day, a week or a calendar month (UTC) earlier.
 */
export type DiffPeriod = "previous" | "previousDay" | "previousWeek" | "previousMonth";

export const DIFF_PERIODS: Record<string, DiffPeriod> = {
  previousday: "previousDay",
  previousweek: "previousWeek",
  previousmonth: "previousMonth",
};

const DAY = 86_400_000;

/** The comparison range [start, end) in ms for the query's range [start, end). */
export function comparisonRange(period: DiffPeriod, start: number, end: number): { start: number; end: number } {
  switch (period) {
    case "previous":
      return { start: start - (end - start), end: start };
    case "previousDay":
      return { start: start - DAY, end: end - DAY };
    case "previousWeek":
      return { start: start - 7 * DAY, end: end - 7 * DAY };
    case "previousMonth":
      return { start: monthBefore(start), end: monthBefore(end) };
  }
}

/** The same instant a calendar month earlier; a day past the month's end falls on its last day (31 March → 28/29 February). */
function monthBefore(ms: number): number {
  const d = new Date(ms);
  const y = d.getUTCMonth() === 0 ? d.getUTCFullYear() - 1 : d.getUTCFullYear();
  const m = (d.getUTCMonth() + 11) % 12;
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return Date.UTC(y, m, Math.min(d.getUTCDate(), last), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}
