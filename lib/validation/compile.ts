/**
 * Compiles a model's shapes into checking closures, once per shape: required
 * members, lengths (strings in characters, lists and maps in entries, blobs
 * in bytes), ranges, patterns and enums, through nested structures, lists
 * and maps. A shape with nothing to check anywhere below it compiles to
 * nothing, so a request pays only for the constraints its shapes have.
 *
 * A check runs in one of two modes. Without `out` it answers only whether
 * the value is valid and stops at the first violation, building no paths:
 * the price of a valid request. With `out` it collects every violation
 * with its path, which is done only for a request already known to fail.
 * Values of the wrong type are the decoders' business and pass here.
 */
import { RECORDED_ENUM_ORDER, RECORDED_MEMBER_ORDER } from "./exceptions.js";
import { wholeValueRegex } from "./java-regex.js";
import type { BotocoreModel, Shape } from "./service-models.js";
import { javaDouble, javaString, type PathNode, type Violation, type ViolationKind } from "./violation.js";

export type Check = (value: unknown, path: PathNode | undefined, out: Violation[] | undefined) => boolean;

/** A scalar shape's constraints: the test, and the violations with AWS's words. */
interface Scalar {
  ok(value: unknown): boolean;
  violations(value: unknown, path: PathNode, out: Violation[]): void;
  /** AWS's words for each constraint, in the order it lists them for list members and map keys and values. */
  words: string[];
}

const isScalarShape = (s: Shape) => s.type !== "structure" && s.type !== "list" && s.type !== "map";
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** Characters (code points), as the model's length trait counts them; UTF-16 units only differ for surrogate pairs. */
function characters(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

const lengthWords = (bound: "min" | "max", limit: number) =>
  `Member must have length ${bound === "min" ? "greater" : "less"} than or equal to ${limit}`;
const valueWords = (bound: "min" | "max", limit: number) =>
  `Member must have value ${bound === "min" ? "greater" : "less"} than or equal to ${limit}`;

function stringScalar(shape: Shape, name: string): Scalar | undefined {
  const { min, max, pattern } = shape;
  const allowed = shape.enum ? new Set(shape.enum) : undefined;
  const re = pattern !== undefined ? wholeValueRegex(pattern) : undefined;
  const minimum = min ?? 0;
  if (!allowed && !re && minimum === 0 && max === undefined) return undefined;
  const enumWords = allowed ? `Member must satisfy enum value set: [${(RECORDED_ENUM_ORDER[name] ?? shape.enum!).join(", ")}]` : "";
  const patternWords = `Member must satisfy regular expression pattern: ${pattern}`;
  // Short of a surrogate pair, UTF-16 length is the character count: counting is needed only near a bound.
  const tooShort = (s: string) => s.length < minimum || (s.length < 2 * minimum && characters(s) < minimum);
  const tooLong = (s: string) => max !== undefined && s.length > max && characters(s) > max;
  const words: string[] = [];
  if (max !== undefined) words.push(lengthWords("max", max));
  if (min !== undefined) words.push(lengthWords("min", min));
  if (re) words.push(patternWords);
  if (allowed) words.push(enumWords);
  const push = (out: Violation[], path: PathNode, s: string, kind: ViolationKind, constraint: string, bound?: "min" | "max", limit?: number) =>
    out.push({ path, kind, bound, limit, of: "string", shown: s, constraint });
  // The common cases first, as plain comparisons: most values are far from every bound.
  const upper = max ?? Infinity;
  const ok = allowed
    ? (v: unknown) => typeof v !== "string" || allowed.has(v) && !tooShort(v) && !tooLong(v) && !(re && !re.test(v))
    : re
      ? (v: unknown) => typeof v !== "string" || (!tooShort(v) && !tooLong(v) && re.test(v))
      : (v: unknown) => typeof v !== "string" || (v.length >= 2 * minimum && v.length <= upper) || (!tooShort(v) && !tooLong(v));
  return {
    words,
    ok,
    violations: (v, path, out) => {
      if (typeof v !== "string") return;
      if (allowed && !allowed.has(v)) push(out, path, v, "enum", enumWords);
      // Pattern first, then the lengths: the order AWS lists them in (an empty log group name).
      if (re && !re.test(v)) push(out, path, v, "pattern", patternWords);
      if (tooShort(v)) push(out, path, v, "length", lengthWords("min", minimum), "min", minimum);
      if (tooLong(v)) push(out, path, v, "length", lengthWords("max", max!), "max", max);
    },
  };
}

function numberScalar(shape: Shape): Scalar | undefined {
  const { min, max } = shape;
  if (min === undefined && max === undefined) return undefined;
  const integral = shape.type === "integer" || shape.type === "long";
  const show = (n: number) => (integral ? String(n) : javaDouble(n));
  const words: string[] = [];
  if (max !== undefined) words.push(valueWords("max", max));
  if (min !== undefined) words.push(valueWords("min", min));
  return {
    words,
    ok: (v) => typeof v !== "number" || !((min !== undefined && v < min) || (max !== undefined && v > max)),
    violations: (v, path, out) => {
      if (typeof v !== "number") return;
      if (min !== undefined && v < min) out.push({ path, kind: "range", bound: "min", limit: min, of: "number", shown: show(v), constraint: valueWords("min", min) });
      if (max !== undefined && v > max) out.push({ path, kind: "range", bound: "max", limit: max, of: "number", shown: show(v), constraint: valueWords("max", max) });
    },
  };
}

function blobScalar(shape: Shape): Scalar | undefined {
  const { min, max } = shape;
  if (min === undefined && max === undefined) return undefined;
  const size = (v: unknown) => (v instanceof Uint8Array ? v.length : undefined);
  const words: string[] = [];
  if (max !== undefined) words.push(lengthWords("max", max));
  if (min !== undefined) words.push(lengthWords("min", min));
  return {
    words,
    ok: (v) => {
      const n = size(v);
      return n === undefined || !((min !== undefined && n < min) || (max !== undefined && n > max));
    },
    violations: (v, path, out) => {
      const n = size(v);
      if (n === undefined) return;
      if (min !== undefined && n < min) out.push({ path, kind: "length", bound: "min", limit: min, of: "blob", shown: javaString(v), constraint: lengthWords("min", min) });
      if (max !== undefined && n > max) out.push({ path, kind: "length", bound: "max", limit: max, of: "blob", shown: javaString(v), constraint: lengthWords("max", max) });
    },
  };
}

/**
 * Entry counts of a list or map, after its members' violations (the order AWS
 * lists them in). `shown` echoes the value, called only for a broken count.
 */
function countViolations(shape: Shape, n: number, shown: () => string, path: PathNode, out: Violation[]): void {
  const of = shape.type === "map" ? "map" : "list";
  if (shape.min !== undefined && n < shape.min) {
    out.push({ path, kind: "length", bound: "min", limit: shape.min, of, shown: shown(), constraint: lengthWords("min", shape.min) });
  }
  if (shape.max !== undefined && n > shape.max) {
    out.push({ path, kind: "length", bound: "max", limit: shape.max, of, shown: shown(), constraint: lengthWords("max", shape.max) });
  }
}

export interface CompilerOptions {
  /**
   * Echo structures as Lombok's toString does, `Shape(a=1, b=null)` with every
   * member in model order, as CloudWatch Logs does (recorded by localstack:
   * test_logs_metric_filters.snapshot.json error-too-many-transformations).
   */
  lombokStructures?: boolean;
}

export class ModelCompiler {
  private readonly checks = new Map<string, Check | null>();
  private readonly scalars = new Map<string, Scalar | undefined>();

  constructor(
    private readonly model: BotocoreModel,
    private readonly opts: CompilerOptions = {},
  ) {}

  /** A value as AWS echoes it in a message: Java's String.valueOf, structures per CompilerOptions. */
  private shown(shapeName: string, value: unknown): string {
    const shape = this.model.shapes[shapeName];
    if (value === undefined || value === null) return "null";
    if (shape.type === "structure" && this.opts.lombokStructures && isObject(value)) {
      const order = RECORDED_MEMBER_ORDER[shapeName] ?? Object.keys(shape.members ?? {});
      const members = order.map((m) => `${m}=${this.shown(shape.members![m].shape, value[m])}`);
      return `${shapeName}(${members.join(", ")})`;
    }
    if (shape.type === "list" && Array.isArray(value)) return `[${value.map((v) => this.shown(shape.member!.shape, v)).join(", ")}]`;
    if ((shape.type === "double" || shape.type === "float") && typeof value === "number") return javaDouble(value);
    return javaString(value);
  }

  /** The check of a shape, or null when nothing below it is constrained. */
  check(shapeName: string): Check | null {
    if (this.checks.has(shapeName)) return this.checks.get(shapeName)!;
    // Recursive shapes refer to themselves: a forwarder stands in while the shape compiles.
    let built: Check | null = null;
    this.checks.set(shapeName, (v, p, o) => (built ? built(v, p, o) : true));
    built = this.build(shapeName);
    this.checks.set(shapeName, built);
    return built;
  }

  private scalar(shapeName: string): Scalar | undefined {
    if (!this.scalars.has(shapeName)) {
      const shape = this.model.shapes[shapeName];
      const s =
        shape.type === "string"
          ? stringScalar(shape, shapeName)
          : shape.type === "blob"
            ? blobScalar(shape)
            : shape.type === "integer" || shape.type === "long" || shape.type === "double" || shape.type === "float"
              ? numberScalar(shape)
              : undefined;
      this.scalars.set(shapeName, s);
    }
    return this.scalars.get(shapeName);
  }

  private build(shapeName: string): Check | null {
    const shape = this.model.shapes[shapeName];
    switch (shape.type) {
      case "structure":
        return this.structure(shape);
      case "list":
        return this.list(shapeName, shape);
      case "map":
        return this.map(shape);
      default: {
        const scalar = this.scalar(shapeName);
        if (!scalar) return null;
        const { ok, violations } = scalar;
        return (v, path, out) => {
          if (ok(v)) return true;
          if (out) violations(v, path!, out);
          return false;
        };
      }
    }
  }

  private structure(shape: Shape): Check | null {
    const required = new Set(shape.required ?? []);
    const members = Object.entries(shape.members ?? {})
      .map(([name, ref]) => ({ name, required: required.has(name), check: this.check(ref.shape) }))
      .filter((m) => m.required || m.check);
    if (members.length === 0) return null;
    // Parallel arrays: the loop runs once per datum of a thousand-datum request.
    const names = members.map((m) => m.name);
    const requiredAt = members.map((m) => m.required);
    const checks = members.map((m) => m.check);
    // A scalar member's test, called directly on the valid path (one call less per value).
    const scalarOks = Object.entries(shape.members ?? {})
      .filter(([name]) => names.includes(name))
      .map(([, ref]) => (isScalarShape(this.model.shapes[ref.shape]) ? this.scalar(ref.shape)?.ok : undefined));
    const n = members.length;
    return (value, path, out) => {
      if (!isObject(value)) return true;
      let ok = true;
      for (let i = 0; i < n; i++) {
        const v = value[names[i]];
        if (v === undefined || v === null) {
          if (!requiredAt[i]) continue;
          if (!out) return false;
          out.push({ path: { parent: path, member: names[i] }, kind: "required", shown: undefined, constraint: "Member must not be null" });
          ok = false;
        } else {
          const scalarOk = scalarOks[i];
          if (scalarOk !== undefined && scalarOk(v)) continue;
          const check = checks[i];
          if (check !== null && !check(v, out && { parent: path, member: names[i] }, out)) {
            if (!out) return false;
            ok = false;
          }
        }
      }
      return ok;
    };
  }

  private list(shapeName: string, shape: Shape): Check | null {
    const memberName = shape.member!.shape;
    const memberShape = this.model.shapes[memberName];
    const scalarMember = memberShape.type !== "structure" && memberShape.type !== "list" && memberShape.type !== "map";
    const scalar = scalarMember ? this.scalar(memberName) : undefined;
    const element = scalarMember ? null : this.check(memberName);
    const { min, max } = shape;
    if (!scalar && !element && min === undefined && max === undefined) return null;
    const membersWords = scalar ? `Member must satisfy constraint: [${scalar.words.join(", ")}]` : "";
    return (value, path, out) => {
      if (!Array.isArray(value)) return true;
      const n = value.length;
      let ok = !((min !== undefined && n < min) || (max !== undefined && n > max));
      if (!ok && !out) return false;
      if (scalar) {
        // A list of scalars is judged whole, as AWS reports it: one violation at the list.
        let membersOk = true;
        for (let i = 0; i < n && membersOk; i++) membersOk = scalar.ok(value[i]);
        if (!membersOk) {
          if (!out) return false;
          out.push({ path: path!, kind: "members", shown: javaString(value), constraint: membersWords });
          ok = false;
        }
      } else if (element) {
        for (let i = 0; i < n; i++) {
          if (!element(value[i], out && { parent: path, index: i + 1 }, out)) {
            if (!out) return false;
            ok = false;
          }
        }
      }
      if (out) countViolations(shape, n, () => (scalar ? javaString(value) : this.shown(shapeName, value)), path!, out);
      return ok;
    };
  }

  private map(shape: Shape): Check | null {
    const key = this.scalar(shape.key!.shape);
    const valueName = shape.value!.shape;
    const valueShape = this.model.shapes[valueName];
    const scalarValue = valueShape.type !== "structure" && valueShape.type !== "list" && valueShape.type !== "map";
    const scalar = scalarValue ? this.scalar(valueName) : undefined;
    const element = scalarValue ? null : this.check(valueName);
    const { min, max } = shape;
    if (!key && !scalar && !element && min === undefined && max === undefined) return null;
    const keyWords = key ? `Map key must satisfy constraint: [${key.words.join(", ")}]` : "";
    const valueWords = scalar ? `Map value must satisfy constraint: [${scalar.words.join(", ")}]` : "";
    return (value, path, out) => {
      if (!isObject(value)) return true;
      const entries = Object.entries(value);
      const n = entries.length;
      let ok = !((min !== undefined && n < min) || (max !== undefined && n > max));
      if (!ok && !out) return false;
      if (key && !entries.every(([k]) => key.ok(k))) {
        if (!out) return false;
        out.push({ path: path!, kind: "keys", shown: javaString(value), constraint: keyWords });
        ok = false;
      }
      if (scalar && !entries.every(([, v]) => scalar.ok(v))) {
        if (!out) return false;
        out.push({ path: path!, kind: "values", shown: javaString(value), constraint: valueWords });
        ok = false;
      } else if (element) {
        for (const [k, v] of entries) {
          if (!element(v, out && { parent: path, key: k }, out)) {
            if (!out) return false;
            ok = false;
          }
        }
      }
      if (out) countViolations(shape, n, () => javaString(value), path!, out);
      return ok;
    };
  }
}
