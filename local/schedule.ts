/**
 * EventBridge schedule expressions: `rate(value unit)` and the six-field
 * `cron(minutes hours day-of-month month day-of-week year)`, in UTC, as AWS
 * documents them (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html),
 * and when they fire next.
 */

export type Schedule = RateSchedule | CronSchedule;

export interface RateSchedule {
  kind: "rate";
  expression: string;
  value: number;
  unit: "minute" | "hour" | "day";
  intervalMs: number;
}

type DomItem = { kind: "L"; offset: number } | { kind: "W"; day: number } | { kind: "LW" };
type DowItem = { kind: "last"; dow: number } | { kind: "nth"; dow: number; n: number };

export interface CronSchedule {
  kind: "cron";
  expression: string;
  minutes: boolean[]; // 0-59
  hours: boolean[]; // 0-23
  /** undefined when the field is `?`. */
  daysOfMonth?: { days: boolean[]; special: DomItem[] }; // 1-31
  months: boolean[]; // 1-12
  /** undefined when the field is `?`; 1 = Sunday ... 7 = Saturday. */
  daysOfWeek?: { days: boolean[]; special: DowItem[] };
  years?: boolean[]; // index = year - 1970; undefined = any
}

const UNIT_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const MIN_YEAR = 1970;
const MAX_YEAR = 2199;

export class ScheduleError extends Error {}

export function parseSchedule(expression: string): Schedule {
  const text = expression.trim();
  const m = /^(rate|cron)\((.*)\)$/s.exec(text);
  if (!m) throw new ScheduleError(`invalid schedule expression "${expression}": use rate(...) or cron(...)`);
  return m[1] === "rate" ? parseRate(text, m[2]) : parseCron(text, m[2]);
}

function parseRate(expression: string, body: string): RateSchedule {
  const m = /^\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*$/.exec(body);
  if (!m) throw new ScheduleError(`invalid rate expression "${expression}": use rate(N minute[s]|hour[s]|day[s])`);
  const value = Number(m[1]);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ScheduleError(`invalid rate expression "${expression}": the value must be a positive integer`);
  }
  const plural = m[2].endsWith("s");
  // AWS: "If the value is equal to 1, then the unit must be singular ... greater than 1, plural."
  if (value === 1 && plural) throw new ScheduleError(`invalid rate expression "${expression}": use the singular unit for 1`);
  if (value > 1 && !plural) throw new ScheduleError(`invalid rate expression "${expression}": use the plural unit for values above 1`);
  const unit = (plural ? m[2].slice(0, -1) : m[2]) as RateSchedule["unit"];
  return { kind: "rate", expression, value, unit, intervalMs: value * UNIT_MS[unit] };
}

function parseCron(expression: string, body: string): CronSchedule {
  const fields = body.trim().split(/\s+/);
  const fail = (why: string): never => {
    throw new ScheduleError(`invalid cron expression "${expression}": ${why}`);
  };
  if (fields.length !== 6) fail("it needs six fields: minutes hours day-of-month month day-of-week year");
  const [min, hour, dom, mon, dow, year] = fields;
  if (dom === "?" && dow === "?") fail("day-of-month and day-of-week cannot both be ?");
  if (dom !== "?" && dow !== "?") fail("one of day-of-month and day-of-week must be ?");
  const cron: CronSchedule = {
    kind: "cron",
    expression,
    minutes: parseField(min, 0, 59, [], "minutes", fail),
    hours: parseField(hour, 0, 23, [], "hours", fail),
    months: parseField(mon, 1, 12, MONTHS, "month", fail),
  };
  if (dom !== "?") {
    const special: DomItem[] = [];
    const plain: string[] = [];
    for (const part of dom.split(",")) {
      let m: RegExpExecArray | null;
      if (part === "L") special.push({ kind: "L", offset: 0 });
      else if ((m = /^L-(\d+)$/.exec(part))) {
        const offset = Number(m[1]);
        if (offset > 30) fail(`day-of-month ${part}: offset out of range`);
        special.push({ kind: "L", offset });
      } else if (part === "LW") special.push({ kind: "LW" });
      else if ((m = /^(\d+)W$/.exec(part))) {
        const day = Number(m[1]);
        if (day < 1 || day > 31) fail(`day-of-month ${part}: out of range`);
        special.push({ kind: "W", day });
      } else plain.push(part);
    }
    cron.daysOfMonth = {
      days: plain.length ? parseField(plain.join(","), 1, 31, [], "day-of-month", fail) : new Array(32).fill(false),
      special,
    };
  }
  if (dow !== "?") {
    const special: DowItem[] = [];
    const plain: string[] = [];
    const day = (s: string) => {
      const n = DAYS.indexOf(s.toUpperCase());
      const v = n >= 0 ? n + 1 : /^\d+$/.test(s) ? Number(s) : NaN;
      if (!(v >= 1 && v <= 7)) fail(`day-of-week ${s}: use 1-7 or SUN-SAT`);
      return v;
    };
    for (const part of dow.split(",")) {
      let m: RegExpExecArray | null;
      if (part === "L") special.push({ kind: "last", dow: 7 });
      else if ((m = /^(\w+)L$/.exec(part))) special.push({ kind: "last", dow: day(m[1]) });
      else if ((m = /^(\w+)#(\d)$/.exec(part))) {
        const n = Number(m[2]);
        if (n < 1 || n > 5) fail(`day-of-week ${part}: the week must be 1-5`);
        special.push({ kind: "nth", dow: day(m[1]), n });
      } else plain.push(part);
    }
    cron.daysOfWeek = {
      days: plain.length ? parseField(plain.join(","), 1, 7, DAYS, "day-of-week", fail) : new Array(8).fill(false),
      special,
    };
  }
  if (year !== "*") cron.years = parseField(year, MIN_YEAR, MAX_YEAR, [], "year", fail).slice(MIN_YEAR);
  return cron;
}

/** `*`, `n`, `a-b` (wrapping when a > b), `*\/n`, `a/n`, `a-b/n`, lists of those; names where given. */
function parseField(
  text: string, lo: number, hi: number, names: string[], what: string, fail: (why: string) => never,
): boolean[] {
  const set = new Array<boolean>(hi + 1).fill(false);
  const value = (s: string): number => {
    const i = names.indexOf(s.toUpperCase());
    if (i >= 0) return i + 1;
    if (!/^\d+$/.test(s)) fail(`${what} field "${text}": "${s}" is not a number${names.length ? " or name" : ""}`);
    const n = Number(s);
    if (n < lo || n > hi) fail(`${what} field "${text}": ${n} is outside ${lo}-${hi}`);
    return n;
  };
  for (const part of text.split(",")) {
    if (!part) fail(`${what} field "${text}": empty list item`);
    const [range, stepText, extra] = part.split("/");
    if (extra !== undefined) fail(`${what} field "${text}": bad step`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1) fail(`${what} field "${text}": the step must be a positive integer`);
      step = Number(stepText);
    }
    let from: number, to: number;
    if (range === "*") [from, to] = [lo, hi];
    else if (range.includes("-")) {
      const [a, b, more] = range.split("-");
      if (more !== undefined) fail(`${what} field "${text}": bad range`);
      [from, to] = [value(a), value(b)];
    } else {
      from = value(range);
      to = stepText !== undefined ? hi : from;
    }
    const span = to >= from ? to - from : to + (hi - lo + 1) - from; // a wrapping range, e.g. FRI-MON
    for (let k = 0; k <= span; k += step) {
      const v = from + k;
      set[v > hi ? v - (hi - lo + 1) : v] = true;
    }
  }
  return set;
}

const daysInMonth = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate(); // m is 1-12

function nearestWeekday(y: number, m: number, day: number): number {
  const last = daysInMonth(y, m);
  const d = Math.min(day, last);
  const wd = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  if (wd === 6) return d === 1 ? 3 : d - 1; // Saturday: Friday, or Monday when that leaves the month
  if (wd === 0) return d === last ? d - 2 : d + 1; // Sunday: Monday, or Friday when that leaves the month
  return d;
}

function dayMatches(c: CronSchedule, y: number, m: number, d: number): boolean {
  const last = daysInMonth(y, m);
  if (c.daysOfMonth) {
    const { days, special } = c.daysOfMonth;
    if (days[d]) return true;
    for (const s of special) {
      if (s.kind === "L" && d === last - s.offset) return true;
      if (s.kind === "W" && d === nearestWeekday(y, m, s.day)) return true;
      if (s.kind === "LW" && d === nearestWeekday(y, m, last)) return true;
    }
    return false;
  }
  const dow = new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 1;
  const { days, special } = c.daysOfWeek!;
  if (days[dow]) return true;
  for (const s of special) {
    if (s.dow !== dow) continue;
    if (s.kind === "last" && d + 7 > last) return true;
    if (s.kind === "nth" && Math.ceil(d / 7) === s.n) return true;
  }
  return false;
}

/**
 * The first time strictly after `afterMs` the schedule fires, or undefined
 * when it never will. A rate fires at `anchorMs + k * interval` (EventBridge
 * counts from when the rule was created; the local runtime uses its start).
 */
export function nextFire(schedule: Schedule, afterMs: number, anchorMs = afterMs): number | undefined {
  if (schedule.kind === "rate") {
    const k = afterMs < anchorMs ? 0 : Math.floor((afterMs - anchorMs) / schedule.intervalMs) + 1;
    return anchorMs + k * schedule.intervalMs;
  }
  const c = schedule;
  let t = Math.floor(afterMs / 60_000) * 60_000 + 60_000;
  for (let guard = 0; guard < 5_000_000; guard++) {
    const date = new Date(t);
    const y = date.getUTCFullYear();
    if (y > MAX_YEAR) return undefined;
    if (c.years && !c.years[y - MIN_YEAR]) {
      t = Date.UTC(y + 1, 0, 1);
      continue;
    }
    const m = date.getUTCMonth() + 1;
    if (!c.months[m]) {
      t = Date.UTC(y, m, 1);
      continue;
    }
    const d = date.getUTCDate();
    if (!dayMatches(c, y, m, d)) {
      t = Date.UTC(y, m - 1, d + 1);
      continue;
    }
    const h = date.getUTCHours();
    if (!c.hours[h]) {
      t = Date.UTC(y, m - 1, d, h + 1);
      continue;
    }
    if (!c.minutes[date.getUTCMinutes()]) {
      t += 60_000;
      continue;
    }
    return t;
  }
  return undefined;
}
