/**
 * Requests generated from the vendored AWS models, independently of the
 * validation stage's own tables: for every operation a valid baseline (its
 * required members, each with a value its constraints allow), and for every
 * constraint reachable from the input one request that breaks it and nothing
 * else, with the violations AWS's request validation would list for it.
 * Only the Java-pattern translation is shared with the stage (it has its own
 * tests): a generator of values matching arbitrary regexes would be a project
 * of its own.
 */
import { RECORDED_ENUM_ORDER, RECORDED_MEMBER_ORDER } from "../../lib/validation/exceptions.js";
import { wholeValueRegex } from "../../lib/validation/java-regex.js";
import type { BotocoreModel, Shape } from "../../lib/validation/service-models.js";

type Step = { member: string } | { index: number } | { key: string };

export interface ExpectedViolation {
  /** `logEvents.1.member.message`: member names lower-cased in the first letter. */
  path: string;
  /** `LogEvents.member.1.Message`: as an awsQuery parameter. */
  queryPath: string;
  /** Undefined for a missing member (`Value null`). */
  shown: string | undefined;
  words: string;
  kind: "required" | "length" | "range" | "pattern" | "enum" | "members" | "keys" | "values";
}

export interface ModelCase {
  operation: string;
  /** What is broken, for test titles and reports. */
  title: string;
  input: Record<string, unknown>;
  violations: ExpectedViolation[];
  /**
   * The broken value is a structure left with no member at all: awsQuery has
   * no way to send one (nothing of it reaches the form), so such a case only
   * exists in JSON and CBOR.
   */
  emptyStructure?: boolean;
}

const MAX_DEPTH = 7;
/** Lists longer than this are not built to break their maximum (none of the models' bounds is larger). */
const MAX_BUILT_ENTRIES = 10_000;
const NOW = Date.UTC(2026, 0, 1);

const CANDIDATES = [
  "abc", "a", "test", "A1", "123456789012", "default", "x-1", "x_1", "1.0", "Sum", "p99", "/", "abc.com",
  "arn:aws:logs:us-east-1:123456789012:log-group:abc",
  "arn:aws:kms:us-east-1:123456789012:key/abc-123",
  "arn:aws:cloudwatch:us-east-1:123456789012:dataset/default",
  "s3://my-bucket/x", "https://abc.com", "vpce-0abc", "abc|def",
];
const BREAKERS = [":", "*", "a b", "!", "é", " ", "a:b*", "\t"];

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
const characters = (s: string) => [...s].length;

function javaDouble(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e7) return `${n}.0`;
  return String(n);
}

/** Java's String.valueOf of a request value. */
function show(value: unknown, shape?: Shape): string {
  if (typeof value === "string") return value;
  if (typeof value === "number") return shape && (shape.type === "double" || shape.type === "float") ? javaDouble(value) : String(value);
  if (Array.isArray(value)) return `[${value.map((v) => show(v)).join(", ")}]`;
  if (value && typeof value === "object") return `{${Object.entries(value).map(([k, v]) => `${k}=${show(v)}`).join(", ")}}`;
  return String(value);
}

function paths(steps: Step[]): { path: string; queryPath: string } {
  return {
    path: steps.map((s) => ("member" in s ? lowerFirst(s.member) : "index" in s ? `${s.index}.member` : s.key)).join("."),
    queryPath: steps.map((s) => ("member" in s ? s.member : "index" in s ? `member.${s.index}` : s.key)).join("."),
  };
}

const isScalar = (s: Shape) => s.type !== "structure" && s.type !== "list" && s.type !== "map";

/** The order AWS was seen to print an enum set in, where recorded (the same set as the model's); else the model's. */
function awsEnumOrder(values: string[]): string[] {
  const key = [...values].sort().join(",");
  return Object.values(RECORDED_ENUM_ORDER).find((r) => [...r].sort().join(",") === key) ?? values;
}

export class ModelCases {
  /** lombokStructures: AWS echoes structures as `Shape(a=1, b=null)`, every member listed (CloudWatch Logs). */
  constructor(
    private readonly model: BotocoreModel,
    private readonly opts: { lombokStructures?: boolean } = {},
  ) {}

  /** A list's echo: its structures Lombok-style where the service prints them so. */
  private showList(memberName: string, list: unknown[]): string {
    const one = (name: string, v: unknown): string => {
      const shape = this.shape(name);
      if (v === undefined || v === null) return "null";
      if (shape.type === "structure" && this.opts.lombokStructures) {
        const order = RECORDED_MEMBER_ORDER[name] ?? Object.keys(shape.members ?? {});
        return `${name}(${order.map((m) => `${m}=${one(shape.members![m].shape, (v as Record<string, unknown>)[m])}`).join(", ")})`;
      }
      if (shape.type === "list" && Array.isArray(v)) return `[${v.map((x) => one(shape.member!.shape, x)).join(", ")}]`;
      return show(v, shape);
    };
    return `[${list.map((v) => one(memberName, v)).join(", ")}]`;
  }

  private shape(name: string): Shape {
    return this.model.shapes[name];
  }

  /** Whether a string satisfies a string shape's constraints. */
  private stringOk(shape: Shape, s: string): boolean {
    if (shape.enum) return shape.enum.includes(s);
    const n = characters(s);
    if (shape.min !== undefined && n < shape.min) return false;
    if (shape.max !== undefined && n > shape.max) return false;
    return shape.pattern === undefined || wholeValueRegex(shape.pattern).test(s);
  }

  private validString(shape: Shape): string | undefined {
    if (shape.enum) return shape.enum[0];
    const min = Math.max(shape.min ?? 0, 1);
    for (const c of CANDIDATES) {
      const padded = c.length >= min ? c : c + c[c.length - 1].repeat(min - c.length);
      if (this.stringOk(shape, padded)) return padded;
    }
    return undefined;
  }

  /** A minimal valid value of a shape (required members only), or undefined when none can be made. */
  valid(name: string, depth = 0): unknown {
    const shape = this.shape(name);
    if (depth > MAX_DEPTH) return undefined;
    switch (shape.type) {
      case "string":
        return this.validString(shape);
      case "integer":
      case "long":
        return shape.min !== undefined && shape.min > 1 ? shape.min : 1;
      case "double":
      case "float":
        return shape.min !== undefined && shape.min > 1 ? shape.min : 1;
      case "boolean":
        return false;
      case "timestamp":
        return new Date(NOW);
      case "blob":
        return new Uint8Array([97]);
      case "list": {
        // One element at least: an empty list reads as a missing one to some handlers and to awsQuery.
        const n = Math.max(shape.min ?? 0, 1);
        const out: unknown[] = [];
        for (let i = 0; i < n; i++) {
          const v = this.valid(shape.member!.shape, depth + 1);
          if (v === undefined) return undefined;
          out.push(v);
        }
        return out;
      }
      case "map":
        return this.validMap(shape, shape.min ?? 0, depth);
      case "structure": {
        const out: Record<string, unknown> = {};
        const members = shape.union ? Object.keys(shape.members ?? {}).slice(0, 1) : (shape.required ?? []);
        for (const m of members) {
          const v = this.valid(shape.members![m].shape, depth + 1);
          if (v === undefined) return undefined;
          out[m] = v;
        }
        // A structure with nothing in it cannot be sent in awsQuery: it gets its first scalar member.
        if (members.length === 0) {
          for (const [m, ref] of Object.entries(shape.members ?? {})) {
            if (!isScalar(this.shape(ref.shape))) continue;
            const v = this.valid(ref.shape, depth + 1);
            if (v === undefined) continue;
            out[m] = v;
            break;
          }
        }
        return out;
      }
    }
  }

  private validMap(shape: Shape, n: number, depth: number): Record<string, unknown> | undefined {
    const keyShape = this.shape(shape.key!.shape);
    const base = this.validString(keyShape);
    if (base === undefined) return undefined;
    const out: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const key = i === 0 ? base : [`${base}${i}`, `${base}${String.fromCharCode(97 + (i % 26))}${i}`].find((k) => this.stringOk(keyShape, k));
      const value = this.valid(shape.value!.shape, depth + 1);
      if (key === undefined || value === undefined || key in out) return undefined;
      out[key] = value;
    }
    return out;
  }

  /** The violations a string value gets under a shape, in the order AWS lists them. */
  private stringViolations(shape: Shape, s: string, steps: Step[]): ExpectedViolation[] {
    const where = paths(steps);
    const out: ExpectedViolation[] = [];
    if (shape.enum) {
      if (!shape.enum.includes(s)) out.push({ ...where, shown: s, kind: "enum", words: `Member must satisfy enum value set: [${awsEnumOrder(shape.enum).join(", ")}]` });
      return out;
    }
    const n = characters(s);
    if (shape.pattern !== undefined && !wholeValueRegex(shape.pattern).test(s)) {
      out.push({ ...where, shown: s, kind: "pattern", words: `Member must satisfy regular expression pattern: ${shape.pattern}` });
    }
    if (shape.min !== undefined && n < shape.min) out.push({ ...where, shown: s, kind: "length", words: `Member must have length greater than or equal to ${shape.min}` });
    if (shape.max !== undefined && n > shape.max) out.push({ ...where, shown: s, kind: "length", words: `Member must have length less than or equal to ${shape.max}` });
    return out;
  }

  /** AWS's words for each constraint of a scalar shape, as listed for list members and map keys and values. */
  private words(shape: Shape): string[] {
    const out: string[] = [];
    const noun = shape.type === "string" || shape.type === "blob" ? "length" : "value";
    if (shape.max !== undefined) out.push(`Member must have ${noun} less than or equal to ${shape.max}`);
    if (shape.min !== undefined) out.push(`Member must have ${noun} greater than or equal to ${shape.min}`);
    if (shape.pattern !== undefined) out.push(`Member must satisfy regular expression pattern: ${shape.pattern}`);
    if (shape.enum) out.push(`Member must satisfy enum value set: [${awsEnumOrder(shape.enum).join(", ")}]`);
    return out;
  }

  /** Values that break a scalar shape, each with what it breaks. */
  private scalarBreaks(name: string): Array<{ what: string; value: unknown }> {
    const shape = this.shape(name);
    const out: Array<{ what: string; value: unknown }> = [];
    if (shape.type === "string") {
      if (shape.enum) return [{ what: "enum", value: "NotInTheEnum" }];
      const ok = this.validString(shape);
      if (ok === undefined) return out;
      if (shape.min !== undefined && shape.min > 0) out.push({ what: `length < ${shape.min}`, value: [...ok].slice(0, shape.min - 1).join("") });
      if (shape.max !== undefined && shape.max < 100_000) {
        const last = [...ok].pop()!;
        out.push({ what: `length > ${shape.max}`, value: ok + last.repeat(shape.max + 1 - characters(ok)) });
      }
      if (shape.pattern !== undefined) {
        const re = wholeValueRegex(shape.pattern);
        const min = shape.min ?? 0;
        for (const b of BREAKERS) {
          const v = b.length >= min ? b : b + b[b.length - 1].repeat(min - b.length);
          if (!re.test(v) && (shape.max === undefined || characters(v) <= shape.max)) {
            out.push({ what: "pattern", value: v });
            break;
          }
        }
      }
    } else if (shape.type === "integer" || shape.type === "long" || shape.type === "double" || shape.type === "float") {
      if (shape.min !== undefined) out.push({ what: `value < ${shape.min}`, value: shape.min - 1 });
      if (shape.max !== undefined) out.push({ what: `value > ${shape.max}`, value: shape.max + 1 });
    }
    return out;
  }

  private scalarViolations(name: string, value: unknown, steps: Step[]): ExpectedViolation[] {
    const shape = this.shape(name);
    if (shape.type === "string") return this.stringViolations(shape, value as string, steps);
    const where = paths(steps);
    const n = value as number;
    const out: ExpectedViolation[] = [];
    if (shape.min !== undefined && n < shape.min) out.push({ ...where, shown: show(n, shape), kind: "range", words: `Member must have value greater than or equal to ${shape.min}` });
    if (shape.max !== undefined && n > shape.max) out.push({ ...where, shown: show(n, shape), kind: "range", words: `Member must have value less than or equal to ${shape.max}` });
    return out;
  }

  /** Every generated case of an operation: the baseline first. Undefined when no valid baseline can be made. */
  cases(operation: string): { baseline: Record<string, unknown>; broken: ModelCase[] } | undefined {
    const inputRef = this.model.operations[operation].input;
    if (!inputRef) return { baseline: {}, broken: [] };
    const baseline = this.valid(inputRef.shape) as Record<string, unknown> | undefined;
    if (baseline === undefined) return undefined;
    const broken: ModelCase[] = [];
    const emit = (title: string, input: unknown, violations: ExpectedViolation[], emptyStructure = false) => {
      if (violations.length) broken.push({ operation, title, input: input as Record<string, unknown>, violations, ...(emptyStructure ? { emptyStructure } : {}) });
    };
    this.walk(inputRef.shape, (v) => v, [], [inputRef.shape], emit);
    return { baseline, broken };
  }

  /** Emits the cases of the value at `steps`, placed into a whole input by `place`. */
  private walk(
    name: string,
    place: (value: unknown) => unknown,
    steps: Step[],
    stack: string[],
    emit: (title: string, input: unknown, violations: ExpectedViolation[], emptyStructure?: boolean) => void,
  ): void {
    const shape = this.shape(name);
    const here = paths(steps).queryPath || "(input)";
    if (isScalar(shape)) {
      for (const b of this.scalarBreaks(name)) emit(`${here}: ${b.what}`, place(b.value), this.scalarViolations(name, b.value, steps));
      return;
    }
    if (stack.length > MAX_DEPTH) return;
    const where = paths(steps);
    if (shape.type === "structure") {
      const container = this.valid(name) as Record<string, unknown> | undefined;
      if (container === undefined) return;
      for (const [member, ref] of Object.entries(shape.members ?? {})) {
        const memberSteps = [...steps, { member }];
        if (shape.required?.includes(member)) {
          const { [member]: _, ...rest } = container;
          const missing: ExpectedViolation = { ...paths(memberSteps), shown: undefined, kind: "required", words: "Member must not be null" };
          emit(`${paths(memberSteps).queryPath}: missing`, place(rest), [missing], steps.length > 0 && Object.keys(rest).length === 0);
        }
        if (stack.includes(ref.shape) || shape.union) continue;
        this.walk(ref.shape, (v) => place({ ...container, [member]: v }), memberSteps, [...stack, ref.shape], emit);
      }
      return;
    }
    if (shape.type === "list") {
      const memberName = shape.member!.shape;
      const memberShape = this.shape(memberName);
      const one = this.valid(memberName);
      if (one === undefined) return;
      const n = Math.max(shape.min ?? 0, 1);
      const list = Array.from({ length: n }, () => one);
      if (shape.min !== undefined && shape.min > 0) {
        const short = list.slice(0, shape.min - 1);
        emit(`${here}: fewer than ${shape.min}`, place(short), [{ ...where, shown: this.showList(memberName, short), kind: "length", words: `Member must have length greater than or equal to ${shape.min}` }]);
      }
      if (shape.max !== undefined && shape.max < MAX_BUILT_ENTRIES) {
        const long = Array.from({ length: shape.max + 1 }, () => one);
        emit(`${here}: more than ${shape.max}`, place(long), [{ ...where, shown: this.showList(memberName, long), kind: "length", words: `Member must have length less than or equal to ${shape.max}` }]);
      }
      if (isScalar(memberShape)) {
        const words = this.words(memberShape);
        for (const b of this.scalarBreaks(memberName)) {
          const bad = [b.value, ...list.slice(1)];
          emit(`${here} member: ${b.what}`, place(bad), [{ ...where, shown: show(bad), kind: "members", words: `Member must satisfy constraint: [${words.join(", ")}]` }]);
        }
      } else if (!stack.includes(memberName)) {
        this.walk(memberName, (v) => place([v, ...list.slice(1)]), [...steps, { index: 1 }], [...stack, memberName], emit);
      }
      return;
    }
    // map
    const keyShape = this.shape(shape.key!.shape);
    const valueName = shape.value!.shape;
    const valueShape = this.shape(valueName);
    const map = this.validMap(shape, Math.max(shape.min ?? 0, 1), 0);
    if (map === undefined) return;
    const [firstKey, firstValue] = Object.entries(map)[0];
    if (shape.min !== undefined && shape.min > 0) {
      const short = this.validMap(shape, shape.min - 1, 0)!;
      emit(`${here}: fewer than ${shape.min} entries`, place(short), [{ ...where, shown: show(short), kind: "length", words: `Member must have length greater than or equal to ${shape.min}` }]);
    }
    if (shape.max !== undefined && shape.max < MAX_BUILT_ENTRIES) {
      const long = this.validMap(shape, shape.max + 1, 0);
      if (long) emit(`${here}: more than ${shape.max} entries`, place(long), [{ ...where, shown: show(long), kind: "length", words: `Member must have length less than or equal to ${shape.max}` }]);
    }
    const rest = Object.fromEntries(Object.entries(map).slice(1));
    for (const b of this.scalarBreaks(shape.key!.shape)) {
      const bad = { [b.value as string]: firstValue, ...rest };
      emit(`${here} key: ${b.what}`, place(bad), [{ ...where, shown: show(bad), kind: "keys", words: `Map key must satisfy constraint: [${this.words(keyShape).join(", ")}]` }]);
    }
    if (isScalar(valueShape)) {
      for (const b of this.scalarBreaks(valueName)) {
        const bad = { [firstKey]: b.value, ...rest };
        emit(`${here} value: ${b.what}`, place(bad), [{ ...where, shown: show(bad), kind: "values", words: `Map value must satisfy constraint: [${this.words(valueShape).join(", ")}]` }]);
      }
    } else if (!stack.includes(valueName)) {
      this.walk(valueName, (v) => place({ ...rest, [firstKey]: v }), [...steps, { key: firstKey }], [...stack, valueName], emit);
    }
  }
}
