/**
 * Dynamic labels (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/graph-dynamic-labels.html):
 * ${...} placeholders in a query's Label, filled from the returned series.
 *
 * AWS documents what each placeholder means, not how it is printed; the
 * formats here are:
 * - numbers: shortest decimal form, rounded to 15 significant digits so that
 *   float noise does not show (0.1 + 0.2 prints 0.3);
 * - times (${FIRST_TIME} ...): ISO 8601 to the second in the LabelOptions
 *   Timezone: 2024-05-01T13:30:00Z for +0000, 2024-05-01T15:00:00+01:30 for +0130;
 * - durations (${FIRST_LAST_TIME_RANGE}, ${..._TIME_RELATIVE}): whole units,
 *   largest first, zero units left out: "1d 2h 30m", "45s", "0s".
 * Statistics of a series without data print as "" (${DATAPOINT_COUNT} as 0). A
 * placeholder this file does not know is left as written.
 */
import { invalidParameterValue } from "../../../errors.js";
import type { MetricIdentity, Series } from "../../types.js";

/** Where ${PROP('...')} values come from, besides the series' own metric identity. */
export interface LabelProps {
  /** The statistic of the query (Average, p99 ...): ${PROP('Stat')}. */
  stat?: string;
  /** The query's period: ${PROP('Period')}. */
  periodSeconds?: number;
  accountId?: string;
  region?: string;
  /** Used when the series carries no metric identity. */
  metric?: MetricIdentity;
}

export interface RenderLabelOptions {
  /** LabelOptions.Timezone: +HHMM or -HHMM (default +0000). */
  timezone?: string;
  /** The query id: ${LABEL} of a series without a label. */
  id: string;
  propSource?: LabelProps;
  /** "Now" for the *_RELATIVE placeholders (default Date.now()). */
  now?: number;
}

/** Minutes east of UTC of a LabelOptions.Timezone such as +0130 or -0800. */
export function parseTimezone(timezone: string | undefined): number {
  if (timezone === undefined || timezone === "") return 0;
  const m = /^([+-])(\d\d)(\d\d)$/.exec(timezone);
  if (!m || Number(m[2]) > 23 || Number(m[3]) > 59) {
    throw invalidParameterValue(`The value ${timezone} for LabelOptions.Timezone is not valid: use + or - followed by four digits, such as +0130.`);
  }
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === "-" ? -minutes : minutes;
}

export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return "";
  return String(Number.isInteger(x) ? x : Number(x.toPrecision(15)));
}

export function formatTime(t: number, offsetMinutes: number): string {
  const local = new Date(t + offsetMinutes * 60_000).toISOString().slice(0, 19);
  if (offsetMinutes === 0) return `${local}Z`;
  const abs = Math.abs(offsetMinutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, "0");
  const mm = String(abs % 60).padStart(2, "0");
  return `${local}${offsetMinutes < 0 ? "-" : "+"}${hh}:${mm}`;
}

export function formatDuration(ms: number): string {
  let seconds = Math.round(Math.abs(ms) / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [["d", 86_400], ["h", 3_600], ["m", 60], ["s", 1]] as const) {
    const n = Math.floor(seconds / size);
    seconds -= n * size;
    if (n > 0) parts.push(`${n}${unit}`);
  }
  return parts.length ? parts.join(" ") : "0s";
}

interface Stats {
  count: number;
  sum: number;
  first: number;
  last: number;
  min: number;
  max: number;
  firstTime: number;
  lastTime: number;
  minTime: number;
  maxTime: number;
}

function statsOf(s: Series): Stats | undefined {
  const { timestamps: t, values: v } = s;
  const n = Math.min(t.length, v.length);
  if (n === 0) return undefined;
  // Ascending or descending input: "first" is the oldest point, "last" the newest.
  let iFirst = 0, iLast = 0, iMin = 0, iMax = 0, sum = 0;
  for (let i = 0; i < n; i++) {
    sum += v[i]!;
    if (t[i]! < t[iFirst]!) iFirst = i;
    if (t[i]! > t[iLast]!) iLast = i;
    if (v[i]! < v[iMin]! || (v[i] === v[iMin] && t[i]! < t[iMin]!)) iMin = i;
    if (v[i]! > v[iMax]! || (v[i] === v[iMax] && t[i]! < t[iMax]!)) iMax = i;
  }
  return {
    count: n,
    sum,
    first: v[iFirst]!,
    last: v[iLast]!,
    min: v[iMin]!,
    max: v[iMax]!,
    firstTime: t[iFirst]!,
    lastTime: t[iLast]!,
    minTime: t[iMin]!,
    maxTime: t[iMax]!,
  };
}

/** Replaces the dynamic-label placeholders of `template` with values of `s`. */
export function renderLabel(template: string, s: Series, opts: RenderLabelOptions): string {
  if (!template.includes("${")) return template;
  const offset = parseTimezone(opts.timezone);
  const now = opts.now ?? Date.now();
  const props = opts.propSource ?? {};
  const metric = s.metric ?? props.metric;
  let stats: Stats | undefined | null = null; // null: not computed yet
  const st = () => (stats === null ? (stats = statsOf(s)) : stats);
  const num = (f: (x: Stats) => number) => {
    const x = st();
    return x ? formatNumber(f(x)) : "";
  };
  const time = (f: (x: Stats) => number) => {
    const x = st();
    return x ? formatTime(f(x), offset) : "";
  };
  const span = (f: (x: Stats) => number) => {
    const x = st();
    return x ? formatDuration(f(x)) : "";
  };

  const simple: Record<string, () => string> = {
    AVG: () => num((x) => x.sum / x.count),
    DATAPOINT_COUNT: () => String(st()?.count ?? 0),
    FIRST: () => num((x) => x.first),
    FIRST_LAST_RANGE: () => num((x) => x.last - x.first),
    FIRST_LAST_TIME_RANGE: () => span((x) => x.lastTime - x.firstTime),
    FIRST_TIME: () => time((x) => x.firstTime),
    FIRST_TIME_RELATIVE: () => span((x) => now - x.firstTime),
    LABEL: () => s.label || opts.id,
    LAST: () => num((x) => x.last),
    LAST_TIME: () => time((x) => x.lastTime),
    LAST_TIME_RELATIVE: () => span((x) => now - x.lastTime),
    MAX: () => num((x) => x.max),
    MAX_TIME: () => time((x) => x.maxTime),
    MAX_TIME_RELATIVE: () => span((x) => now - x.maxTime),
    MIN: () => num((x) => x.min),
    MIN_MAX_RANGE: () => num((x) => x.max - x.min),
    MAX_MIN_RANGE: () => num((x) => x.max - x.min),
    MIN_MAX_TIME_RANGE: () => span((x) => x.maxTime - x.minTime),
    MAX_MIN_TIME_RANGE: () => span((x) => x.maxTime - x.minTime),
    MIN_TIME: () => time((x) => x.minTime),
    MIN_TIME_RELATIVE: () => span((x) => now - x.minTime),
    SUM: () => num((x) => x.sum),
  };

  const prop = (name: string): string | undefined => {
    if (name.startsWith("Dim.")) {
      const dim = name.slice(4);
      return metric?.dimensions.find((d) => d.name === dim)?.value ?? "";
    }
    switch (name) {
      case "MetricName":
        return metric?.metricName ?? "";
      case "Namespace":
        return metric?.namespace ?? "";
      case "Period":
        return props.periodSeconds === undefined ? "" : String(props.periodSeconds);
      case "Stat":
        return props.stat ?? "";
      case "AccountId":
        return props.accountId ?? "";
      case "Region":
        return props.region ?? "";
      default:
        return undefined;
    }
  };

  let out = "";
  let i = 0;
  for (;;) {
    const open = template.indexOf("${", i);
    if (open < 0) break;
    out += template.slice(i, open);
    const body = open + 2;
    let replaced: string | undefined;
    let end = -1;
    const word = /^[A-Z_]+\}/.exec(template.slice(body, body + 40));
    if (word) {
      const name = word[0].slice(0, -1);
      const f = simple[name];
      if (f) {
        replaced = f();
        end = body + word[0].length;
      }
    } else if (template.startsWith("PROP(", body)) {
      const q = template[body + 5];
      if (q === "'" || q === '"') {
        const close = template.indexOf(q, body + 6);
        if (close >= 0 && template.startsWith(")}", close + 1)) {
          replaced = prop(template.slice(body + 6, close));
          end = close + 3;
        }
      }
    }
    if (replaced === undefined) {
      out += "${";
      i = body;
    } else {
      out += replaced;
      i = end;
    }
  }
  return out + template.slice(i);
}
