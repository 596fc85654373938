/**
 * Compiles a filter pattern once into a matcher shared by FilterLogEvents,
 * TestMetricFilter, metric filters and subscription filters. Semantics follow
 * AWS's "Filter pattern syntax" pages (README, "Filter patterns", lists the
 * choices where they are silent):
 * - terms are case-sensitive substrings; every plain term must occur, no
 *   `-term` may; `?term`s match when any occurs, and only count when the
 *   pattern has no other kind of term;
 * - JSON conditions apply to scalar nodes only (an object, an array or a
 *   missing property satisfies no comparison);
 * - space-delimited fields split at spaces, with `[…]` and `"…"` each one
 *   field; without `...` the field count must be exact.
 */
import { logsError, type ServiceError } from "../../errors.js";
import { PatternSyntax } from "./lexer.js";
import type { Term } from "./lexer.js";
import { parsePattern, parseSelector, type Cond, type PatternAst, type Slot, type Step, type Value } from "./parser.js";
import { AwsRegex } from "./regex.js";

export type FieldValue = string | number | boolean | null;

export interface PatternMatch {
  /** Fields the match extracted: `$name` and `$N` for space-delimited patterns, selectors for JSON. */
  fields: Record<string, FieldValue>;
  /** Looks up `$.a.b` (JSON) or `$name` / `$N` (space-delimited) in the matched event; undefined when absent. */
  lookup(ref: string): FieldValue | undefined;
}

export interface FilterPattern {
  readonly kind: "all" | "terms" | "json" | "delimited";
  /** How many `%regex%` the pattern holds (AWS limits regex filters per log group). */
  readonly regexCount: number;
  matches(message: string): boolean;
  /** Named fields a match extracted ($.a.b for JSON, names for space-delimited), for metric values/dimensions. */
  match(message: string): PatternMatch | undefined;
  /** Tokens (maximal [A-Za-z0-9_] runs) every matching message contains whole: safe for scan pushdown. */
  requiredTokens: string[];
  /** Substrings every matching message contains (case kept): a scan tests them on the raw bytes before decoding. */
  requiredSubstrings: string[];
  /** Groups of substrings: every matching message contains one of each group at least (tested as requiredSubstrings are). */
  requiredAnyOf?: string[][];
  /** A test of the message's UTF-8 bytes a scan can run before making it a string (JSON patterns). */
  bytesCheck?: BytesCheck;
  /**
   * Tokens every matching message holds whole unless it holds a `\u` escape
   * (JSON patterns: the word runs of the names and values it requires, as
   * JSON spells them): a scan may skip a block whose token filter lacks one
   * when its index says no message of it holds `\u`.
   */
  plainTokens?: string[];
}

/**
 * A test of a message held as UTF-8 bytes, text[start, end), false only when
 * matches() is false for it. `find(k, from)` answers the first place at or
 * after `from` of needles[k] in text (-1: none): a scan finds each needle
 * once over a whole block of messages, not once per message. Given a span
 * holding several messages it is false only when matches() is false for
 * each (it looks for a name and value that pass anywhere in the span, and a
 * matching message holds its own whole), so a scan tests a block first.
 */
export interface BytesCheck {
  readonly needles: readonly string[];
  test(text: Buffer, start: number, end: number, find: (k: number, from: number) => number): boolean;
  /**
   * Places in text[start, end), ascending, such that every message of the
   * span that matches() holds one: the places of the escapes and those of
   * each condition's `"name"` whose value may pass (read as far as `end`, as
   * test reads a span). A scan then runs test only on the messages holding
   * one. Absent when the check has no such places to give.
   */
  candidates?(text: Buffer, start: number, end: number, find: (k: number, from: number) => number): number[];
}

type Candidates = NonNullable<BytesCheck["candidates"]>;

/** AWS: "2 regex per filter pattern" for JSON and space-delimited patterns. */
const MAX_REGEX_PER_PATTERN = 2;

/**
 * Compiles a pattern or throws InvalidParameterException. `what` names it in
 * the message as AWS does: "Invalid filter pattern" for FilterLogEvents,
 * "Invalid metric filter pattern" for metric filters and TestMetricFilter;
 * FilterLogEvents words an unclosed `{` pattern apart.
 */
export function compileFilterPattern(pattern: string, what = "filter pattern"): FilterPattern {
  // AWS's message is the bare "Invalid metric filter pattern" (aws-cdk #16278 quotes it); the detail is not told.
  const fail = (_detail: string): ServiceError => logsError("InvalidParameterException", `Invalid ${what}`);
  // FilterLogEvents' own answer for an unclosed JSON pattern, as botocore reported it (jorgebastida/awslogs #210).
  if (what === "filter pattern" && /^\s*\{/.test(pattern) && !/\}\s*$/.test(pattern)) {
    throw logsError("InvalidParameterException", "If a filter pattern starts with '{' it must end with '}'");
  }
  let ast: PatternAst;
  try {
    ast = parsePattern(pattern);
  } catch (e) {
    if (e instanceof PatternSyntax) throw fail(e.message);
    throw e;
  }
  const regexes: AwsRegex[] = [];
  const regex = (source: string) => {
    const r = AwsRegex.compile(source, fail);
    regexes.push(r);
    return r;
  };
  switch (ast.kind) {
    case "all":
      return allPattern();
    case "terms":
      return termsPattern(ast.terms, regex);
    case "json": {
      const p = jsonPattern(ast.expr, regex);
      if (regexes.length > MAX_REGEX_PER_PATTERN) throw fail(`at most ${MAX_REGEX_PER_PATTERN} regular expressions in a pattern`);
      return p;
    }
    case "delimited": {
      const p = delimitedPattern(ast.slots, regex);
      if (regexes.length > MAX_REGEX_PER_PATTERN) throw fail(`at most ${MAX_REGEX_PER_PATTERN} regular expressions in a pattern`);
      return p;
    }
  }
}

const NO_FIELDS: PatternMatch = { fields: {}, lookup: () => undefined };

function allPattern(): FilterPattern {
  return { kind: "all", regexCount: 0, matches: () => true, match: () => NO_FIELDS, requiredTokens: [], requiredSubstrings: [] };
}

// ---- terms ----------------------------------------------------------------

function termsPattern(terms: Term[], regex: (s: string) => AwsRegex): FilterPattern {
  const test = terms.map((t) => {
    if (t.kind === "regex") {
      const r = regex(t.value);
      return (m: string) => r.test(m);
    }
    const v = t.value;
    return (m: string) => m.includes(v);
  });
  const include = terms.flatMap((t, i) => (t.mode === "include" ? [test[i]!] : []));
  const exclude = terms.flatMap((t, i) => (t.mode === "exclude" ? [test[i]!] : []));
  const optional = terms.flatMap((t, i) => (t.mode === "optional" ? [test[i]!] : []));
  const onlyOptional = include.length === 0 && exclude.length === 0;
  const matches = onlyOptional
    ? (m: string) => optional.some((f) => f(m))
    : (m: string) => include.every((f) => f(m)) && !exclude.some((f) => f(m));
  const requiredTokens = onlyOptional ? [] : terms.flatMap((t) => (t.mode === "include" && t.kind === "text" ? interiorTokens(t.value) : []));
  return {
    kind: "terms",
    regexCount: terms.filter((t) => t.kind === "regex").length,
    matches,
    match: (m) => (matches(m) ? NO_FIELDS : undefined),
    requiredTokens: [...new Set(requiredTokens)],
    requiredSubstrings: onlyOptional ? [] : [...new Set(terms.flatMap((t) => (t.mode === "include" && t.kind === "text" ? [t.value] : [])))],
  };
}

const isWordCode = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

/**
 * Word runs of a substring that are bounded by non-word characters inside it:
 * any message containing the substring contains them as whole tokens. Runs
 * touching either end may continue in the message, so they are left out.
 */
export function interiorTokens(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    if (!isWordCode(s.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    while (i < s.length && isWordCode(s.charCodeAt(i))) i++;
    if (start > 0 && i < s.length) out.push(s.slice(start, i));
  }
  return out;
}

// ---- values ---------------------------------------------------------------

type Scalar = string | number | boolean;

/** String equality with AWS's wildcard: `*` alone is any value, a leading or trailing `*` any text. */
function wildcardMatcher(text: string): (s: string) => boolean {
  if (text === "*") return () => true;
  const lead = text.startsWith("*");
  const trail = text.length > 1 && text.endsWith("*");
  const core = text.slice(lead ? 1 : 0, trail ? -1 : undefined);
  if (lead && trail) return (s) => s.includes(core);
  if (lead) return (s) => s.endsWith(core);
  if (trail) return (s) => s.startsWith(core);
  return (s) => s === core;
}

const NUMERIC = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;

function toNumber(v: Scalar): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "string" && NUMERIC.test(v)) return Number(v);
  return undefined;
}

/** A comparison of one scalar with the pattern's value. */
function comparer(op: Cond & { kind: "compare" }, regex: (s: string) => AwsRegex): (v: Scalar) => boolean {
  const value: Value = op.value;
  if (value.kind === "regex") {
    const r = regex(value.source);
    return op.op === "=" ? (v) => r.test(String(v)) : (v) => !r.test(String(v));
  }
  if (value.kind === "number") {
    const n = value.value;
    const numeric = (f: (x: number) => boolean) => (v: Scalar) => {
      const x = toNumber(v);
      return x !== undefined && f(x);
    };
    switch (op.op) {
      case "=": return numeric((x) => x === n);
      case "!=": return (v) => {
        const x = toNumber(v);
        return x === undefined ? String(v) !== value.text : x !== n;
      };
      case "<": return numeric((x) => x < n);
      case "<=": return numeric((x) => x <= n);
      case ">": return numeric((x) => x > n);
      case ">=": return numeric((x) => x >= n);
    }
  }
  const test = value.quoted && !value.text.includes("*") ? (s: string) => s === value.text : wildcardMatcher(value.text);
  return op.op === "=" ? (v) => test(String(v)) : (v) => !test(String(v));
}

// ---- JSON -----------------------------------------------------------------

/** Every node the steps reach (wildcards fan out); missing properties reach nothing. */
function resolve(root: unknown, steps: Step[]): unknown[] {
  let nodes: unknown[] = [root];
  for (const step of steps) {
    const out: unknown[] = [];
    for (const node of nodes) {
      if (node === null || typeof node !== "object") continue;
      if (step.kind === "key") {
        if (!Array.isArray(node) && Object.prototype.hasOwnProperty.call(node, step.key)) out.push((node as Record<string, unknown>)[step.key]);
      } else if (step.kind === "index") {
        if (Array.isArray(node) && step.index < node.length) out.push(node[step.index]);
      } else {
        out.push(...(Array.isArray(node) ? node : Object.values(node)));
      }
    }
    nodes = out;
  }
  return nodes;
}

const isScalar = (v: unknown): v is Scalar => typeof v === "string" || typeof v === "number" || typeof v === "boolean";

/**
 * A JSON condition as a test of the parsed event, and where it can be, a
 * check of the raw text that is false only when no event with this text can
 * satisfy it (see textCheck): most events are then ruled out without JSON.parse.
 */
interface JsonCondition {
  test: (root: unknown) => boolean;
  check?: (message: string) => boolean;
  /** `check` on the message's UTF-8 bytes, with the same answer (BytesCheck.test). */
  checkBytes?: BytesCheck["test"];
  /** Where checkBytes may hold, pushed onto `out` (BytesCheck.candidates); present with checkBytes. */
  candidates?: (text: Buffer, start: number, end: number, find: (k: number, from: number) => number, out: number[]) => void;
}

/** Both sides' candidate places (unsorted): a match of `&&` holds a place of each side's, one of `||` a place of either side's. */
function bothCandidates(l: JsonCondition["candidates"], r: JsonCondition["candidates"]): JsonCondition["candidates"] {
  if (!l || !r) return l ?? r;
  return (t, s, e, f, out) => {
    l(t, s, e, f, out);
    r(t, s, e, f, out);
  };
}

function jsonCondition(cond: Cond, regex: (s: string) => AwsRegex, needles: string[]): JsonCondition {
  switch (cond.kind) {
    case "and": {
      const l = jsonCondition(cond.left, regex, needles);
      const r = jsonCondition(cond.right, regex, needles);
      const [lc, rc, lb, rb] = [l.check, r.check, l.checkBytes, r.checkBytes];
      return {
        test: (root) => l.test(root) && r.test(root),
        check: lc && rc ? (m) => lc(m) && rc(m) : (lc ?? rc),
        checkBytes: lb && rb ? (t, s, e, f) => lb(t, s, e, f) && rb(t, s, e, f) : (lb ?? rb),
        candidates: bothCandidates(l.candidates, r.candidates),
      };
    }
    case "or": {
      const l = jsonCondition(cond.left, regex, needles);
      const r = jsonCondition(cond.right, regex, needles);
      const [lc, rc, lb, rb] = [l.check, r.check, l.checkBytes, r.checkBytes];
      return {
        test: (root) => l.test(root) || r.test(root),
        check: lc && rc ? (m) => lc(m) || rc(m) : undefined,
        checkBytes: lb && rb ? (t, s, e, f) => lb(t, s, e, f) || rb(t, s, e, f) : undefined,
        candidates: lb && rb ? bothCandidates(l.candidates, r.candidates) : undefined,
      };
    }
    case "notExists":
      return { test: (root) => resolve(root, cond.path).length === 0 };
    case "is": {
      const want = cond.what === "NULL" ? null : cond.what === "TRUE";
      const passes = (v: Scalar | null) => v === want;
      return {
        test: (root) => resolve(root, cond.path).some((v) => v === want),
        check: textCheck(cond.path, passes),
        ...bytesTextCheck(cond.path, passes, needles),
      };
    }
    case "compare": {
      const cmp = comparer(cond, regex);
      const passes = (v: Scalar | null) => isScalar(v) && cmp(v);
      return {
        test: (root) => resolve(root, cond.path).some((v) => isScalar(v) && cmp(v)),
        check: textCheck(cond.path, passes),
        ...bytesTextCheck(cond.path, passes, needles),
      };
    }
  }
}

/** The index of `needle` in a bytes check's needles, added when new. */
function needleIndex(needles: string[], needle: string): number {
  const k = needles.indexOf(needle);
  return k >= 0 ? k : needles.push(needle) - 1;
}

/** Not a scalar nor null (an object or an array), and a value the text check does not read (it may be anything). */
const COMPOUND = Symbol("compound");
const UNREAD = Symbol("unread");

const isJsonSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;
const isNumberCode = (c: number) => (c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46 || c === 101 || c === 69;

/** The JSON value at `i` (after whitespace) when it is cheap to read exactly: a string without escapes, a number, true, false, null, or COMPOUND. */
function valueAt(m: string, i: number): Scalar | null | typeof COMPOUND | typeof UNREAD {
  while (i < m.length && isJsonSpace(m.charCodeAt(i))) i++;
  const c = m.charCodeAt(i);
  if (c === 34) {
    const close = m.indexOf('"', i + 1);
    if (close < 0) return UNREAD;
    const s = m.slice(i + 1, close);
    return s.includes("\\") ? UNREAD : s;
  }
  if (c === 45 || (c >= 48 && c <= 57)) {
    let j = i + 1;
    while (j < m.length && isNumberCode(m.charCodeAt(j))) j++;
    // For a valid JSON number Number() gives the double JSON.parse gives.
    const n = Number(m.slice(i, j));
    return Number.isNaN(n) ? UNREAD : n;
  }
  if (c === 123 || c === 91) return COMPOUND;
  if (m.startsWith("true", i)) return true;
  if (m.startsWith("false", i)) return false;
  if (m.startsWith("null", i)) return null;
  return UNREAD;
}

/**
 * A check of the raw text for a condition on the nodes a path reaches, when
 * the path ends in a property name: every such node is the value after some
 * `"name":` in the text (whatever object holds it), so when none of those
 * values passes, no node does. The caller runs it only on text without `\u`
 * (or `\/`) escapes, which could spell the name otherwise. False positives
 * (a name inside a longer key, a nested object, a duplicate key) only send
 * the event on to the full parse.
 */
function textCheck(path: Step[], passes: (v: Scalar | null) => boolean): ((message: string) => boolean) | undefined {
  const last = path[path.length - 1];
  if (last?.kind !== "key") return undefined;
  const needle = JSON.stringify(last.key);
  return (m) => {
    for (let at = m.indexOf(needle); at >= 0; at = m.indexOf(needle, at + 1)) {
      let j = at + needle.length;
      while (j < m.length && isJsonSpace(m.charCodeAt(j))) j++;
      if (m.charCodeAt(j) !== 58) continue;
      const v = valueAt(m, j + 1);
      if (v === UNREAD || (v !== COMPOUND && passes(v))) return true;
    }
    return false;
  };
}

/** valueAt on UTF-8 bytes, text[i, end): the same value for the same message (every byte it reads is ASCII). */
function valueAtBytes(text: Buffer, i: number, end: number): Scalar | null | typeof COMPOUND | typeof UNREAD {
  while (i < end && isJsonSpace(text[i])) i++;
  if (i >= end) return UNREAD;
  const c = text[i];
  if (c === 34) {
    let j = i + 1;
    for (; j < end && text[j] !== 34; j++) if (text[j] === 92) return UNREAD;
    return j < end ? text.toString("utf8", i + 1, j) : UNREAD;
  }
  if (c === 45 || (c >= 48 && c <= 57)) {
    let j = i + 1;
    let n = c - 48;
    let digits = c !== 45;
    for (; j < end && isNumberCode(text[j]); j++) {
      const d = text[j] - 48;
      if (d >= 0 && d <= 9) n = n * 10 + d;
      else digits = false;
    }
    // Up to 15 decimal digits: the exact integer Number() gives; anything else is read as valueAt reads it.
    if (digits && j - i <= 15) return n;
    const x = Number(text.toString("latin1", i, j));
    return Number.isNaN(x) ? UNREAD : x;
  }
  if (c === 123 || c === 91) return COMPOUND;
  if (bytesAt(text, i, end, TRUE)) return true;
  if (bytesAt(text, i, end, FALSE)) return false;
  if (bytesAt(text, i, end, NULL)) return null;
  return UNREAD;
}

const TRUE = Buffer.from("true");
const FALSE = Buffer.from("false");
const NULL = Buffer.from("null");

function bytesAt(text: Buffer, i: number, end: number, word: Buffer): boolean {
  if (i + word.length > end) return false;
  for (let k = 0; k < word.length; k++) if (text[i + k] !== word[k]) return false;
  return true;
}

/**
 * textCheck on UTF-8 bytes: the places of `"name"` in the message are those
 * of its bytes (UTF-8 needles match only whole characters), and each value is
 * read by valueAtBytes; so the answer is textCheck's for the decoded message.
 */
function bytesTextCheck(path: Step[], passes: (v: Scalar | null) => boolean, needles: string[]): Pick<JsonCondition, "checkBytes" | "candidates"> {
  const last = path[path.length - 1];
  if (last?.kind !== "key") return {};
  const needle = JSON.stringify(last.key);
  const k = needleIndex(needles, needle);
  const length = Buffer.byteLength(needle, "utf8");
  /** Whether the value after the `"name"` at `at` may pass: what is not read passes. */
  const mayPass = (text: Buffer, at: number, end: number) => {
    let j = at + length;
    while (j < end && isJsonSpace(text[j])) j++;
    if (j >= end || text[j] !== 58) return false;
    const v = valueAtBytes(text, j + 1, end);
    return v === UNREAD || (v !== COMPOUND && passes(v));
  };
  return {
    checkBytes: (text, start, end, find) => {
      for (let at = find(k, start); at >= 0 && at + length <= end; at = find(k, at + 1)) if (mayPass(text, at, end)) return true;
      return false;
    },
    // A matching message's own `"name": value` is whole inside it, so read as far as the span's end it is read the same.
    candidates: (text, start, end, find, out) => {
      for (let at = find(k, start); at >= 0 && at + length <= end; at = find(k, at + 1)) if (mayPass(text, at, end)) out.push(at);
    },
  };
}

function selectorsOf(cond: Cond, out: Map<string, Step[]>): Map<string, Step[]> {
  if (cond.kind === "and" || cond.kind === "or") {
    selectorsOf(cond.left, out);
    selectorsOf(cond.right, out);
  } else out.set(cond.field, cond.path);
  return out;
}

/** Parses a message that is a JSON object or array; anything else is not a JSON event. */
function parseJsonEvent(message: string): unknown {
  let i = 0;
  while (i < message.length && message.charCodeAt(i) <= 32) i++;
  const c = message[i];
  if (c !== "{" && c !== "[") return undefined;
  try {
    return JSON.parse(message);
  } catch {
    return undefined;
  }
}

function firstScalar(root: unknown, steps: Step[]): FieldValue | undefined {
  for (const v of resolve(root, steps)) if (v === null || isScalar(v)) return v;
  return undefined;
}

/** A leaf condition: a comparison, IS, or NOT EXISTS. */
type LeafCond = Exclude<Cond, { kind: "and" | "or" }>;

/** What every match of `cond` needs, from what each leaf needs: `&&` needs both sides', `||` only what both sides need. */
function neededBy(cond: Cond, leaf: (c: LeafCond) => string[]): string[] {
  switch (cond.kind) {
    case "and":
      return [...new Set([...neededBy(cond.left, leaf), ...neededBy(cond.right, leaf)])];
    case "or": {
      const right = new Set(neededBy(cond.right, leaf));
      return neededBy(cond.left, leaf).filter((k) => right.has(k));
    }
    default:
      return leaf(cond);
  }
}

/**
 * Property names any matching event must hold (every comparison and IS needs
 * its property to exist): `"name"` must then appear in the text, which is far
 * cheaper to test than parsing the event.
 */
const requiredKeys = (cond: Cond): string[] =>
  neededBy(cond, (leaf) => {
    if (leaf.kind === "notExists") return [];
    const keys = leaf.path.filter((s): s is Step & { kind: "key" } => s.kind === "key");
    return keys.length ? [keys[keys.length - 1]!.key] : [];
  });

/** What String() of a JSON number can spell (digits, sign, point, exponent, Infinity): a value like it may match a number however written. */
const NUMBER_SPELLING = /^[-+0-9.eE]*$|Infinity|NaN/;

/**
 * Tokens the values a match needs put in its text: a string equality's
 * value (without wildcards, and unlike any number, which could be written
 * otherwise: `7.0`, `7e0`) as JSON spells it, and IS TRUE/FALSE/NULL's
 * literal. `&&` joins both sides' tokens, `||` keeps those of both.
 */
const valueTokens = (cond: Cond): string[] =>
  neededBy(cond, (leaf) => {
    if (leaf.kind === "is") return [leaf.what.toLowerCase()];
    if (leaf.kind !== "compare") return [];
    const v = leaf.value;
    if (leaf.op !== "=" || v.kind !== "string" || v.text.includes("*") || NUMBER_SPELLING.test(v.text)) return [];
    return interiorTokens(JSON.stringify(v.text));
  });

function jsonPattern(expr: Cond, regex: (s: string) => AwsRegex): FilterPattern {
  const needles: string[] = [];
  const { test, check, checkBytes, candidates } = jsonCondition(expr, regex, needles);
  const selectors = selectorsOf(expr, new Map());
  const keys = requiredKeys(expr);
  const quotedKeys = keys.map((k) => JSON.stringify(k));
  // A key written with \u escapes (or `\/` for a slash) would not show as "key": such events are always parsed.
  const slash = [...selectors.values()].some((steps) => steps.some((s) => s.kind === "key" && s.key.includes("/")));
  const escaped = (message: string) => message.includes("\\u") || (slash && message.includes("\\/"));
  const mayMatch = (message: string) =>
    escaped(message) || (quotedKeys.every((k) => message.includes(k)) && (check === undefined || check(message)));
  const match = (message: string): PatternMatch | undefined => {
    if (!mayMatch(message)) return undefined;
    const root = parseJsonEvent(message);
    if (root === undefined || !test(root)) return undefined;
    const fields: Record<string, FieldValue> = {};
    for (const [name, steps] of selectors) {
      const v = firstScalar(root, steps);
      if (v !== undefined) fields[name] = v;
    }
    return {
      fields,
      lookup(ref) {
        try {
          return firstScalar(root, parseSelector(ref));
        } catch {
          return undefined;
        }
      },
    };
  };
  return {
    kind: "json",
    regexCount: countRegex(expr),
    matches: (m) => {
      if (!mayMatch(m)) return false;
      const root = parseJsonEvent(m);
      return root !== undefined && test(root);
    },
    match,
    requiredTokens: [],
    requiredSubstrings: [],
    // mayMatch's key test as needles: `"key"`, or an escape that could spell it.
    requiredAnyOf: quotedKeys.map((k) => [k, "\\u", ...(slash ? ["\\/"] : [])]),
    bytesCheck: mayMatchBytes(needles, quotedKeys, slash, checkBytes, candidates),
    // Without `\u` a name or value has one spelling, JSON's (`\/` and `"a/b"` split into the same tokens), bounded by quotes.
    plainTokens: [...new Set([...quotedKeys.flatMap(interiorTokens), ...valueTokens(expr)])],
  };
}

/**
 * mayMatch on a message's UTF-8 bytes, as a scan runs it: the same answer
 * (ASCII escapes and quoted names are found at the same places, and the
 * condition's bytes check answers as its text check). None when mayMatch is
 * always true (no name to look for and no check).
 */
function mayMatchBytes(
  needles: string[],
  quotedKeys: string[],
  slash: boolean,
  checkBytes: BytesCheck["test"] | undefined,
  conditionCandidates: JsonCondition["candidates"],
): BytesCheck | undefined {
  if (quotedKeys.length === 0 && checkBytes === undefined) return undefined;
  const has = (k: number, length: number) => (text: Buffer, start: number, end: number, find: (k: number, from: number) => number) => {
    const at = find(k, start);
    return at >= 0 && at + length <= end;
  };
  const index = (n: string) => has(needleIndex(needles, n), Buffer.byteLength(n, "utf8"));
  const escapes = [index("\\u"), ...(slash ? [index("\\/")] : [])];
  const keys = quotedKeys.map(index);
  const escapeNeedles = ["\\u", ...(slash ? ["\\/"] : [])].map((n) => needleIndex(needles, n));
  // A message holding an escape passes test whatever else it holds: every escape's place is a candidate.
  const candidates: Candidates | undefined =
    checkBytes && conditionCandidates
      ? (text, start, end, find) => {
          const out: number[] = [];
          for (let i = 0; i < escapeNeedles.length; i++) for (let at = find(escapeNeedles[i], start); at >= 0 && at < end; at = find(escapeNeedles[i], at + 1)) out.push(at);
          const escapes = out.length;
          conditionCandidates(text, start, end, find, out);
          // One condition's places alone are already in order.
          if (escapes > 0 || escapeNeedles.length > 1 || !ascending(out)) out.sort((a, b) => a - b);
          return out;
        }
      : undefined;
  return {
    needles,
    candidates,
    // Indexed loops: run once per event of a scan.
    test: (text, start, end, find) => {
      for (let i = 0; i < escapes.length; i++) if (escapes[i](text, start, end, find)) return true;
      for (let i = 0; i < keys.length; i++) if (!keys[i](text, start, end, find)) return false;
      return checkBytes === undefined || checkBytes(text, start, end, find);
    },
  };
}

function ascending(xs: readonly number[]): boolean {
  for (let i = 1; i < xs.length; i++) if (xs[i] < xs[i - 1]) return false;
  return true;
}

function countRegex(cond: Cond): number {
  if (cond.kind === "and" || cond.kind === "or") return countRegex(cond.left) + countRegex(cond.right);
  return cond.kind === "compare" && cond.value.kind === "regex" ? 1 : 0;
}

// ---- space-delimited ------------------------------------------------------

/** Splits a message into fields at spaces; `[…]` and `"…"` are each one field, without their brackets or quotes. */
export function splitFields(message: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = message.length;
  while (i < n) {
    const c = message[i]!;
    if (c === " " || c === "\t") {
      i++;
      continue;
    }
    if (c === "[" || c === '"') {
      const close = message.indexOf(c === "[" ? "]" : '"', i + 1);
      if (close >= 0) {
        out.push(message.slice(i + 1, close));
        i = close + 1;
        continue;
      }
    }
    let j = i;
    while (j < n && message[j] !== " " && message[j] !== "\t") j++;
    out.push(message.slice(i, j));
    i = j;
  }
  return out;
}

/** Bound on alignments tried when several `...` make the field layout ambiguous. */
const MAX_ALIGNMENTS = 10_000;

function delimitedCondition(cond: Cond, regex: (s: string) => AwsRegex): (get: (name: string) => string | undefined) => boolean {
  switch (cond.kind) {
    case "and": {
      const l = delimitedCondition(cond.left, regex);
      const r = delimitedCondition(cond.right, regex);
      return (get) => l(get) && r(get);
    }
    case "or": {
      const l = delimitedCondition(cond.left, regex);
      const r = delimitedCondition(cond.right, regex);
      return (get) => l(get) || r(get);
    }
    case "compare": {
      const cmp = comparer(cond, regex);
      return (get) => {
        const v = get(cond.field);
        return v !== undefined && cmp(v);
      };
    }
    default:
      throw new Error("IS and NOT EXISTS are JSON-only");
  }
}

function delimitedPattern(slots: Slot[], regex: (s: string) => AwsRegex): FilterPattern {
  const conds = slots.map((s) => (s.kind === "field" && s.cond ? delimitedCondition(s.cond, regex) : undefined));
  const hasEllipsis = slots.some((s) => s.kind === "ellipsis");
  const fixed = slots.filter((s) => s.kind === "field").length;

  const match = (message: string): PatternMatch | undefined => {
    const fields = splitFields(message);
    if (hasEllipsis ? fields.length < fixed : fields.length !== fixed) return undefined;
    // owner[j] = index of the slot that field j is bound to (ellipsis fields: -1).
    const owner = new Int32Array(fields.length);
    let tries = 0;
    const byName = new Map<string, number>();
    const byLowerName = new Map<string, number>();
    // A condition may name its field in other letter case: AWS's syntax page prints
    // `[w1=ERROR || W1=WARNING, w2]` as matching events whose first word is WARNING.
    const get = (name: string) => {
      const j = byName.get(name) ?? byLowerName.get(name.toLowerCase());
      return j === undefined ? undefined : fields[j];
    };
    const check = (): boolean => {
      byName.clear();
      byLowerName.clear();
      for (let j = 0; j < fields.length; j++) {
        const s = slots[owner[j]!];
        if (s && s.kind === "field" && s.name !== undefined) {
          byName.set(s.name, j);
          if (!byLowerName.has(s.name.toLowerCase())) byLowerName.set(s.name.toLowerCase(), j);
        }
      }
      return conds.every((c) => c === undefined || c(get));
    };
    const align = (si: number, fj: number): boolean => {
      if (++tries > MAX_ALIGNMENTS) return false;
      if (si === slots.length) return fj === fields.length && check();
      const slot = slots[si]!;
      if (slot.kind === "field") {
        if (fj >= fields.length) return false;
        owner[fj] = si;
        return align(si + 1, fj + 1);
      }
      const rest = slots.slice(si + 1).filter((s) => s.kind === "field").length;
      for (let take = 0; fj + take + rest <= fields.length; take++) {
        for (let k = 0; k < take; k++) owner[fj + k] = -1;
        if (align(si + 1, fj + take)) return true;
      }
      return false;
    };
    if (!align(0, 0)) return undefined;
    const out: Record<string, FieldValue> = {};
    for (let j = 0; j < fields.length; j++) {
      const s = slots[owner[j]!];
      const name = s && s.kind === "field" && s.name !== undefined ? s.name : String(j + 1);
      out[`$${name}`] = fields[j]!;
    }
    return { fields: out, lookup: (ref) => out[ref] };
  };
  return {
    kind: "delimited",
    regexCount: slots.reduce((n, s) => n + (s.kind === "field" && s.cond ? countRegex(s.cond) : 0), 0),
    matches: (m) => match(m) !== undefined,
    match,
    requiredTokens: [],
    requiredSubstrings: [],
  };
}
