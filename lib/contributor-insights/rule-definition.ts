/**
 * A Contributor Insights rule definition, compiled into what a report needs:
 * which log groups, how to read an event's fields (JSON or CLF), the filters,
 * the keys and the value (CloudWatch User Guide, "Contributor Insights rule
 * syntax"). Put accepts any JSON object, as other emulators of AWS do (moto's
 * tests store rules this reader cannot evaluate); what it cannot read here
 * contributes nothing to a report.
 */
import { invalidParameterValue } from "../errors.js";
import { splitFields } from "../logs/patterns/compiler.js";

export interface CompiledRule {
  logGroupNames: string[];
  keys: string[];
  /** Count: every matched event counts 1; Sum: the number at `valueOf`. */
  aggregateOn: "Count" | "Sum";
  /** The fields of one event, as a getter, or undefined when it cannot be read in the rule's format. */
  fields(message: string): ((path: string) => unknown) | undefined;
  valueOf?: string;
  filters: Array<(get: (path: string) => unknown) => boolean>;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Throws AWS's InvalidParameterValue unless `text` is a JSON object. */
export function parseDefinition(text: string): Json {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidParameterValue("The value for parameter RuleDefinition is not valid JSON.");
  }
  if (!isObject(parsed)) throw invalidParameterValue("The value for parameter RuleDefinition must be a JSON object.");
  return parsed;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : []);

export function compileRule(definition: string): CompiledRule {
  const d = parseDefinition(definition);
  const c = isObject(d.Contribution) ? d.Contribution : {};
  const clf = d.LogFormat === "CLF";
  const aliases = isObject(d.Fields) ? d.Fields : {};
  const position = new Map<string, number>();
  for (const [index, name] of Object.entries(aliases)) if (typeof name === "string" && /^\d+$/.test(index)) position.set(name, Number(index));
  return {
    logGroupNames: strings(d.LogGroupNames),
    keys: strings(c.Keys),
    aggregateOn: d.AggregateOn === "Sum" ? "Sum" : "Count",
    valueOf: typeof c.ValueOf === "string" ? c.ValueOf : undefined,
    filters: (Array.isArray(c.Filters) ? c.Filters : []).filter(isObject).map(compileFilter),
    fields: clf ? (m) => clfFields(m, position) : jsonFields,
  };
}

function jsonFields(message: string): ((path: string) => unknown) | undefined {
  if (!message.trimStart().startsWith("{")) return undefined;
  let root: unknown;
  try {
    root = JSON.parse(message);
  } catch {
    return undefined;
  }
  return (path) => jsonPath(root, path);
}

/** CLF fields are numbered from 1, or named by the rule's `Fields`. */
function clfFields(message: string, position: Map<string, number>): (path: string) => unknown {
  const fields = splitFields(message);
  return (path) => {
    const n = position.get(path) ?? (/^\d+$/.test(path) ? Number(path) : undefined);
    return n !== undefined && n >= 1 ? fields[n - 1] : undefined;
  };
}

/** `$.a.b`, `$.a[0]`, `$.users[1].name` (the guide's "JSON property format notation"). */
export function jsonPath(root: unknown, path: string): unknown {
  if (!path.startsWith("$")) return undefined;
  let v: unknown = root;
  const re = /\.([^.[\]]+)|\[(\d+)\]/gy;
  re.lastIndex = 1;
  let m: RegExpExecArray | null;
  while (re.lastIndex < path.length) {
    m = re.exec(path);
    if (!m) return undefined;
    // Own members only: `$.constructor` names no field of a log event.
    if (m[1] !== undefined) v = isObject(v) && Object.hasOwn(v, m[1]) ? v[m[1]] : undefined;
    else v = Array.isArray(v) ? v[Number(m[2])] : undefined;
    if (v === undefined) return undefined;
  }
  return v;
}

const asNumber = (v: unknown): number | undefined => {
  const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
};
const asText = (v: unknown): string | undefined =>
  typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : undefined;

/** One filter: In, NotIn, StartsWith (OR over up to 10 strings), GreaterThan, LessThan, EqualTo, NotEqualTo, IsPresent. */
function compileFilter(f: Json): (get: (path: string) => unknown) => boolean {
  const match = typeof f.Match === "string" ? f.Match : "";
  const leaf = (get: (path: string) => unknown) => {
    const v = get(match);
    return isObject(v) || Array.isArray(v) ? undefined : v;
  };
  if ("IsPresent" in f) return (get) => (leaf(get) !== undefined) === (f.IsPresent === true);
  if (Array.isArray(f.In)) {
    const set = new Set(strings(f.In));
    return (get) => set.has(asText(leaf(get)) ?? "\u0000none");
  }
  if (Array.isArray(f.NotIn)) {
    const set = new Set(strings(f.NotIn));
    return (get) => {
      const t = asText(leaf(get));
      return t !== undefined && !set.has(t);
    };
  }
  if (Array.isArray(f.StartsWith)) {
    const prefixes = strings(f.StartsWith);
    return (get) => {
      const t = asText(leaf(get));
      return t !== undefined && prefixes.some((p) => t.startsWith(p));
    };
  }
  const numeric = (op: (a: number, b: number) => boolean, bound: unknown) => {
    const b = asNumber(bound);
    return (get: (path: string) => unknown) => {
      const a = asNumber(leaf(get));
      return a !== undefined && b !== undefined && op(a, b);
    };
  };
  if ("GreaterThan" in f) return numeric((a, b) => a > b, f.GreaterThan);
  if ("LessThan" in f) return numeric((a, b) => a < b, f.LessThan);
  if ("EqualTo" in f) return numeric((a, b) => a === b, f.EqualTo);
  if ("NotEqualTo" in f) return numeric((a, b) => a !== b, f.NotEqualTo);
  return () => false;
}

/** The contribution of one event: its key values and value, or undefined when it contributes nothing. */
export function contributionOf(rule: CompiledRule, message: string): { keys: string[]; value: number } | undefined {
  if (rule.keys.length === 0) return undefined;
  const get = rule.fields(message);
  if (!get) return undefined;
  for (const f of rule.filters) if (!f(get)) return undefined;
  const keys: string[] = [];
  for (const k of rule.keys) {
    const t = asText(get(k));
    if (t === undefined) return undefined;
    keys.push(t);
  }
  if (rule.aggregateOn === "Count") return { keys, value: 1 };
  const value = rule.valueOf === undefined ? undefined : asNumber(get(rule.valueOf));
  return value === undefined ? undefined : { keys, value };
}
