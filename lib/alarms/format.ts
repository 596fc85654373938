/**
 * How CloudWatch prints numbers and times in alarm reasons and their JSON:
 * Java's Double.toString ("1.0", "0.019092", "1.0E7") and the timestamp forms
 * "2023-04-07T09:08:00.000+0000" (JSON) and "07/04/23 09:08:00" (reason text,
 * dd/MM/yy in UTC), as recorded AWS alarms show them (see test/pure/alarms-reasons.test.ts).
 */

/** Java's Double.toString: plain between 10^-3 and 10^7, else scientific; always a fraction part. */
export function javaDouble(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "-Infinity";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const abs = Math.abs(x);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(x);
    return s.includes(".") || s.includes("e") ? s : `${s}.0`;
  }
  // Shortest round-trip digits, as Java prints them: d.dddE±n.
  const [mantissa, exp] = x.toExponential().split("e");
  const m = mantissa.includes(".") ? mantissa : `${mantissa}.0`;
  return `${m}E${Number(exp)}`;
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** "2023-04-07T09:08:00.000+0000" */
export function awsJsonDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}+0000`;
}

/** "07/04/23 09:08:00" (day/month/year) */
export function reasonDate(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCFullYear() % 100)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/** "Friday 15 March, 2024 10:00:00 UTC", the form of a composite alarm's reason. */
export function longDate(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]} ${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]}, ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
}

/**
 * JSON with numbers written as Java doubles (AWS's reason data has "threshold":1.0,
 * "sampleCount":5.0). Values marked by `Double` are written that way; other numbers as JSON does.
 */
export class Double {
  constructor(readonly value: number) {}
}

export function javaJson(value: unknown): string {
  if (value instanceof Double) return Number.isFinite(value.value) ? javaDouble(value.value) : "null";
  if (Array.isArray(value)) return `[${value.map(javaJson).join(",")}]`;
  if (value && typeof value === "object") {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(value)) if (v !== undefined) parts.push(`${JSON.stringify(k)}:${javaJson(v)}`);
    return `{${parts.join(",")}}`;
  }
  return JSON.stringify(value);
}
