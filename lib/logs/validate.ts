/**
 * The service model's constraints (length, pattern, range, enum), checked the
 * way AWS's request validation reports them: every violation is collected and
 * the request fails with one InvalidParameterException whose message reads
 *
 *   1 validation error detected: Value 'x' at 'logGroupName' failed to satisfy
 *   constraint: Member must satisfy regular expression pattern: [\.\-_/#A-Za-z0-9]+
 *
 * or "N validation errors detected: …; …". Values print as Java prints them
 * (maps as `{k=v, k2=v2}`, lists as `[a, b]`). The protocol layer has already
 * checked types and required members.
 */
import { invalidParameter } from "./errors.js";

export interface StringRule {
  min?: number;
  max?: number;
  /** The pattern exactly as the model writes it (and AWS prints it); matched against the whole value. */
  pattern?: string;
}

export interface NumberRule {
  min?: number;
  max?: number;
}

const compiled = new Map<string, RegExp>();
function fullMatch(pattern: string, value: string): boolean {
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(`^(?:${pattern})$`, "u");
    compiled.set(pattern, re);
  }
  return re.test(value);
}

/** Java's `String.valueOf` of a decoded value. */
export function javaString(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return `[${value.map(javaString).join(", ")}]`;
  if (typeof value === "object") {
    return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}=${javaString(v)}`).join(", ")}}`;
  }
  return String(value);
}

/** The constraint texts of a string shape, in the order AWS lists them for map keys, map values and list members. */
function describeStringRule(rule: StringRule): string[] {
  const out: string[] = [];
  if (rule.max !== undefined) out.push(`Member must have length less than or equal to ${rule.max}`);
  if (rule.min !== undefined) out.push(`Member must have length greater than or equal to ${rule.min}`);
  if (rule.pattern !== undefined) out.push(`Member must satisfy regular expression pattern: ${rule.pattern}`);
  return out;
}

function stringOk(rule: StringRule, value: string): boolean {
  return (
    (rule.min === undefined || value.length >= rule.min) &&
    (rule.max === undefined || value.length <= rule.max) &&
    (rule.pattern === undefined || fullMatch(rule.pattern, value))
  );
}

export class Violations {
  private readonly errors: string[] = [];

  private add(value: unknown, path: string, constraint: string): void {
    const shown = value === null || value === undefined ? "null" : `'${javaString(value)}'`;
    this.errors.push(`Value ${shown} at '${path}' failed to satisfy constraint: ${constraint}`);
  }

  get count(): number {
    return this.errors.length;
  }

  required(path: string, value: unknown): this {
    if (value === undefined || value === null) this.add(null, path, "Member must not be null");
    return this;
  }

  string(path: string, value: string | undefined, rule: StringRule): this {
    if (value === undefined || value === null) return this;
    if (rule.pattern !== undefined && !fullMatch(rule.pattern, value)) {
      this.add(value, path, `Member must satisfy regular expression pattern: ${rule.pattern}`);
    }
    if (rule.min !== undefined && value.length < rule.min) {
      this.add(value, path, `Member must have length greater than or equal to ${rule.min}`);
    }
    if (rule.max !== undefined && value.length > rule.max) {
      this.add(value, path, `Member must have length less than or equal to ${rule.max}`);
    }
    return this;
  }

  number(path: string, value: number | undefined, rule: NumberRule): this {
    if (value === undefined || value === null) return this;
    if (rule.min !== undefined && value < rule.min) {
      this.add(value, path, `Member must have value greater than or equal to ${rule.min}`);
    }
    if (rule.max !== undefined && value > rule.max) {
      this.add(value, path, `Member must have value less than or equal to ${rule.max}`);
    }
    return this;
  }

  enumValue(path: string, value: string | number | undefined, allowed: readonly (string | number)[]): this {
    if (value === undefined || value === null) return this;
    if (!allowed.includes(value)) {
      this.add(value, path, `Member must satisfy enum value set: [${allowed.join(", ")}]`);
    }
    return this;
  }

  map(
    path: string,
    value: Record<string, string> | undefined,
    rule: { min?: number; max?: number; key: StringRule; value: StringRule },
  ): this {
    if (value === undefined || value === null) return this;
    const entries = Object.entries(value);
    if (entries.some(([k]) => !stringOk(rule.key, k))) {
      this.add(value, path, `Map key must satisfy constraint: [${describeStringRule(rule.key).join(", ")}]`);
    }
    if (entries.some(([, v]) => typeof v !== "string" || !stringOk(rule.value, v))) {
      this.add(value, path, `Map value must satisfy constraint: [${describeStringRule(rule.value).join(", ")}]`);
    }
    if (rule.min !== undefined && entries.length < rule.min) {
      this.add(value, path, `Member must have length greater than or equal to ${rule.min}`);
    }
    if (rule.max !== undefined && entries.length > rule.max) {
      this.add(value, path, `Member must have length less than or equal to ${rule.max}`);
    }
    return this;
  }

  list(path: string, value: string[] | undefined, rule: { min?: number; max?: number; member: StringRule }): this {
    if (value === undefined || value === null) return this;
    if (value.some((v) => typeof v !== "string" || !stringOk(rule.member, v))) {
      this.add(value, path, `Member must satisfy constraint: [${describeStringRule(rule.member).join(", ")}]`);
    }
    if (rule.min !== undefined && value.length < rule.min) {
      this.add(value, path, `Member must have length greater than or equal to ${rule.min}`);
    }
    if (rule.max !== undefined && value.length > rule.max) {
      this.add(value, path, `Member must have length less than or equal to ${rule.max}`);
    }
    return this;
  }

  /** A list of structures: only its length (members are checked by their own paths). */
  length(path: string, value: unknown[] | undefined, rule: NumberRule): this {
    if (value === undefined || value === null) return this;
    if (rule.min !== undefined && value.length < rule.min) {
      this.add(value, path, `Member must have length greater than or equal to ${rule.min}`);
    }
    if (rule.max !== undefined && value.length > rule.max) {
      this.add(value, path, `Member must have length less than or equal to ${rule.max}`);
    }
    return this;
  }

  /** The InvalidParameterException for what was collected, if anything was. */
  error() {
    const n = this.errors.length;
    if (n === 0) return undefined;
    return invalidParameter(`${n} validation error${n === 1 ? "" : "s"} detected: ${this.errors.join("; ")}`);
  }

  throwIfAny(): void {
    const e = this.error();
    if (e) throw e;
  }
}

export const violations = () => new Violations();
