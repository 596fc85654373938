/**
 * One broken constraint of a request: where (a path built only when a
 * request fails), which constraint, and the words AWS's request validation
 * prints for it, e.g. `Value 'x:1' at 'logGroupName' failed to satisfy
 * constraint: Member must satisfy regular expression pattern: [\.\-_/#A-Za-z0-9]+`.
 */

/** A step of a path: a member, a list element (1-based) or a map key. */
export interface PathNode {
  parent: PathNode | undefined;
  member?: string;
  index?: number;
  key?: string;
}

export const ROOT: PathNode = { parent: undefined };

export type ViolationKind = "required" | "length" | "range" | "pattern" | "enum" | "members" | "keys" | "values";

export interface Violation {
  path: PathNode;
  kind: ViolationKind;
  /** For length and range: which end, and the model's bound. */
  bound?: "min" | "max";
  limit?: number;
  /** What was measured: a string, list, map, blob or number. */
  of?: "string" | "list" | "map" | "blob" | "number";
  /** The value as AWS echoes it (Java's String.valueOf), or undefined for a missing member. */
  shown: string | undefined;
  /** AWS's words after "failed to satisfy constraint: ". */
  constraint: string;
  /** AWS names the member but does not echo its value (`Value at 'p' failed ...`). */
  hidden?: boolean;
}

function steps(path: PathNode): PathNode[] {
  const out: PathNode[] = [];
  for (let p: PathNode | undefined = path; p && p !== ROOT; p = p.parent) out.push(p);
  return out.reverse();
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/**
 * The path as AWS's validation messages write it: member names with the
 * first letter lower-cased, list elements as `N.member`
 * (`logEvents.1.member.message`, `metricData.3.member.dimensions.1.member.value`).
 */
export function validationPath(path: PathNode): string {
  return steps(path)
    .map((s) => (s.member !== undefined ? lowerFirst(s.member) : s.index !== undefined ? `${s.index}.member` : s.key!))
    .join(".");
}

/** The path as awsQuery parameters name it: `MetricData.member.1.Dimensions.member.1.Value`. */
export function queryPath(path: PathNode): string {
  return steps(path)
    .map((s) => (s.member !== undefined ? s.member : s.index !== undefined ? `member.${s.index}` : s.key!))
    .join(".");
}

/** The top-level member a violation is under (`logGroupName` for `logGroupName`, `MetricData` for `MetricData.member.1.Value`). */
export const topMember = (path: PathNode): string | undefined => steps(path)[0]?.member;

/** `Value 'x' at 'p' failed to satisfy constraint: …` */
export function describe(v: Violation): string {
  if (v.hidden) return `Value at '${validationPath(v.path)}' failed to satisfy constraint: ${v.constraint}`;
  const value = v.shown === undefined ? "null" : `'${v.shown}'`;
  return `Value ${value} at '${validationPath(v.path)}' failed to satisfy constraint: ${v.constraint}`;
}

/** `N validation error(s) detected: …; …` */
export function summarize(violations: Violation[]): string {
  const n = violations.length;
  return `${n} validation error${n === 1 ? "" : "s"} detected: ${violations.map(describe).join("; ")}`;
}

/** Java's Double.toString: `60.0`, `1.5E-4`, `1.0E7`. */
export function javaDouble(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (!Number.isFinite(n)) return n > 0 ? "Infinity" : "-Infinity";
  if (n === 0) return Object.is(n, -0) ? "-0.0" : "0.0";
  const abs = Math.abs(n);
  if (abs >= 1e-3 && abs < 1e7) return Number.isInteger(n) ? `${n}.0` : String(n);
  const [mantissa, exponent] = n.toExponential().split("e");
  return `${mantissa.includes(".") ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

/** Java's String.valueOf of a decoded value: lists `[a, b]`, maps and structures `{k=v}`. */
export function javaString(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return value;
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : javaDouble(value);
  if (Array.isArray(value)) return `[${value.map(javaString).join(", ")}]`;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return `java.nio.HeapByteBuffer[pos=0 lim=${value.length} cap=${value.length}]`;
  if (typeof value === "object") {
    return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}=${javaString(v)}`).join(", ")}}`;
  }
  return String(value);
}
