/**
 * Values of Logs Insights: loosely typed as AWS's are. A number written as a
 * string compares and adds as a number; timestamps are their own kind, shown
 * as `2026-12-06 09:00:00.000` (UTC), as GetQueryResults shows @timestamp.
 */

export class Time {
  constructor(readonly ms: number) {}
}

/** `null` is an absent field (AWS leaves it out of a result row). */
export type Value = string | number | boolean | Time | null;

const NUMERIC = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

export function toNumber(v: Value): number | null {
  if (v === null) return null;
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (v instanceof Time) return v.ms;
  if (typeof v === "boolean") return v ? 1 : 0;
  return NUMERIC.test(v) ? Number(v) : null;
}

export function toText(v: Value): string | null {
  if (v === null) return null;
  if (typeof v === "string") return v;
  if (v instanceof Time) return formatTime(v.ms);
  if (typeof v === "boolean") return v ? "1" : "0";
  return formatNumber(v);
}

export function isTruthy(v: Value): boolean {
  if (v === null) return false;
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v !== 0;
  if (v instanceof Time) return true;
  return v.length > 0;
}

/** Shortest round-trip form: integers without a fraction (`count(*)` shows `3`). */
export function formatNumber(n: number): string {
  return String(n);
}

/** `2026-12-06 09:00:00.000`, UTC: the way AWS shows every timestamp in results. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").replace("Z", "");
}

/** A timestamp compared with text reads the text as a date (`2026-12-06 09:00:00.000`, ISO 8601). */
function asTimes(a: Value, b: Value): [Value, Value] {
  const parse = (t: string) => {
    const ms = Date.parse(/^\d{4}-\d\d-\d\d[ T]\d/.test(t) && !/[zZ]|[+-]\d\d:?\d\d$/.test(t) ? t.replace(" ", "T") + "Z" : t);
    return Number.isNaN(ms) ? null : new Time(ms);
  };
  if (a instanceof Time && typeof b === "string") return [a, parse(b) ?? b];
  if (b instanceof Time && typeof a === "string") return [parse(a) ?? a, b];
  return [a, b];
}

/** Equality as `=` and `in` see it: numbers by value, the rest as text. */
export function valuesEqual(x: Value, y: Value): boolean {
  const [a, b] = asTimes(x, y);
  if (a === null || b === null) return false;
  const na = toNumber(a);
  const nb = toNumber(b);
  if (na !== null && nb !== null) return na === nb;
  return toText(a) === toText(b);
}

/** Ordering for comparisons, sort, min and max: numbers numerically, text by code unit. */
export function compareValues(x: Value, y: Value): number {
  const [a, b] = asTimes(x, y);
  const na = toNumber(a);
  const nb = toNumber(b);
  if (na !== null && nb !== null) return na < nb ? -1 : na > nb ? 1 : 0;
  if (na !== null) return -1; // numbers sort before text
  if (nb !== null) return 1;
  const ta = toText(a)!;
  const tb = toText(b)!;
  return ta < tb ? -1 : ta > tb ? 1 : 0;
}
