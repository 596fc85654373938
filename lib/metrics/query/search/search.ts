/**
 * CloudWatch search expressions: the string inside `SEARCH('...', 'Stat', Period)`.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/search-expression-syntax.html
 *
 *   [ {Namespace, DimName1, ...} [,] ] [ SearchTerm ]
 *
 * - The metric schema (optional) scopes the search to one namespace and to the
 *   metrics whose dimension names are exactly the ones listed (`{AWS/EC2}`
 *   alone = the metrics of AWS/EC2 without dimensions). Names with spaces or
 *   non-alphanumeric characters are double-quoted.
 * - Search terms match namespaces, metric names, dimension names and values:
 *   - partial (bare word): token match. Names are tokenized at non-alphanumeric
 *     characters, camel-case humps and digit runs ("CustomCount1" → custom,
 *     count, 1, plus the whole "customcount1"). A single token matches
 *     case-insensitively; a composite (several camel/digit tokens in one word,
 *     "CustomCount", "Count1") must match consecutive tokens case-sensitively;
 *     words joined by punctuation ("network-errors") match consecutive tokens.
 *   - exact ("double quoted", `\` escapes `" \ ( )`): equals the whole name.
 *   - property designators: `MetricName=`, `Namespace=`, `<DimensionName>=`
 *     restrict a partial or exact term to that property;
 *     `:aws.AccountId = 'LOCAL' | <id>` selects the account.
 *   - `AND`, `OR`, `NOT` (upper-case only), parentheses; adjacent terms are ANDed.
 * - At most 1024 characters; at most 500 time series are returned.
 */
import { ServiceError, validationError } from "../../../errors.js";
import { metricKey } from "../../store/identity.js";
import type { MetricIdentity, MetricSource, Series } from "../../types.js";

export const MAX_SEARCH_LENGTH = 1024;
export const MAX_SEARCH_RESULTS = 500;

export type SearchNode =
  | { kind: "and" | "or"; left: SearchNode; right: SearchNode }
  | { kind: "not"; operand: SearchNode }
  /** A bare word; `key` when written `Key=word`. */
  | { kind: "partial"; text: string; key?: string }
  /** A double-quoted phrase; `key` when written `Key="phrase"`. */
  | { kind: "exact"; text: string; key?: string }
  /** `:aws.AccountId = ...` */
  | { kind: "account"; value: string };

export interface SearchQuery {
  schema?: { namespace: string; dimensionNames: string[] };
  term?: SearchNode;
}

export interface SearchMessage {
  Code: string;
  Value: string;
}

export interface SearchRunOptions {
  start: Date;
  end: Date;
  /** Receives non-fatal limit messages (MaxMetricsExceeded when more than 500 metrics match). */
  messages?: SearchMessage[];
  /** The caller's account, for `:aws.AccountId = '<id>'` terms. */
  accountId?: string;
}

export const SEARCH_MESSAGES = {
  maxMetrics: {
    Code: "MaxMetricsExceeded",
    Value: `The search matched more than ${MAX_SEARCH_RESULTS} metrics; only ${MAX_SEARCH_RESULTS} time series were returned.`,
  },
} as const satisfies Record<string, SearchMessage>;

const ACCOUNT_KEY = ":aws.AccountId";

const invalid = (detail: string, pos?: number) =>
  validationError(`Invalid search expression${pos === undefined ? "" : ` at position ${pos + 1}`}: ${detail}`);

// ---------------------------------------------------------------------------
// Parsing

type Tok =
  | { kind: "word"; text: string; pos: number }
  | { kind: "quoted"; text: string; pos: number }
  | { kind: "(" | ")" | "=" | "eof"; text: string; pos: number };

const isSpace = (c: string) => c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" || c === "\v";

/** Reads a double-quoted string at `i` (which holds the quote); `\x` stands for x. */
function readQuoted(s: string, i: number): { text: string; next: number } {
  let text = "";
  let k = i + 1;
  while (k < s.length) {
    const c = s[k];
    if (c === "\\" && k + 1 < s.length) {
      text += s[k + 1];
      k += 2;
      continue;
    }
    if (c === '"') return { text, next: k + 1 };
    text += c;
    k++;
  }
  throw invalid("unterminated double-quoted string", i);
}

function parseSchema(s: string, i: number): { schema: { namespace: string; dimensionNames: string[] }; next: number } {
  // s[i] === "{"
  const items: string[] = [];
  let k = i + 1;
  for (;;) {
    while (k < s.length && isSpace(s[k])) k++;
    if (k >= s.length) throw invalid("unterminated metric schema: missing '}'", i);
    let item: string;
    if (s[k] === '"') {
      const q = readQuoted(s, k);
      item = q.text;
      k = q.next;
      while (k < s.length && isSpace(s[k])) k++;
    } else {
      const from = k;
      while (k < s.length && s[k] !== "," && s[k] !== "}") k++;
      item = s.slice(from, k).trim();
    }
    if (item === "") throw invalid(items.length ? "empty dimension name in the metric schema" : "the metric schema must start with a namespace", k);
    items.push(item);
    if (s[k] === ",") {
      k++;
      continue;
    }
    if (s[k] === "}") {
      k++;
      break;
    }
    throw invalid("expected ',' or '}' in the metric schema", k);
  }
  const [namespace, ...dimensionNames] = items;
  return { schema: { namespace, dimensionNames }, next: k };
}

function lex(s: string, from: number): Tok[] {
  const toks: Tok[] = [];
  let i = from;
  while (i < s.length) {
    const c = s[i];
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === "(" || c === ")" || c === "=") {
      toks.push({ kind: c, text: c, pos: i });
      i++;
      continue;
    }
    if (c === '"') {
      const q = readQuoted(s, i);
      toks.push({ kind: "quoted", text: q.text, pos: i });
      i = q.next;
      continue;
    }
    const start = i;
    while (i < s.length && !isSpace(s[i]) && s[i] !== "(" && s[i] !== ")" && s[i] !== "=" && s[i] !== '"') i++;
    toks.push({ kind: "word", text: s.slice(start, i), pos: start });
  }
  toks.push({ kind: "eof", text: "", pos: s.length });
  return toks;
}

class TermParser {
  private i = 0;
  constructor(private readonly toks: Tok[]) {}

  /** A method, not a getter: TypeScript must not narrow it across calls. */
  private peek(): Tok {
    return this.toks[this.i];
  }

  private isOp(word: "AND" | "OR" | "NOT", t: Tok = this.peek()): boolean {
    return t.kind === "word" && t.text === word;
  }

  parse(): SearchNode | undefined {
    if (this.peek().kind === "eof") return undefined;
    const node = this.or();
    if (this.peek().kind !== "eof") {
      throw invalid(this.peek().kind === ")" ? "unbalanced ')'" : `unexpected '${this.peek().text}'`, this.peek().pos);
    }
    return node;
  }

  private or(): SearchNode {
    let left = this.and();
    while (this.isOp("OR")) {
      this.i++;
      left = { kind: "or", left, right: this.and() };
    }
    return left;
  }

  private startsOperand(t: Tok): boolean {
    if (t.kind === "quoted" || t.kind === "(") return true;
    return t.kind === "word" && !this.isOp("AND", t) && !this.isOp("OR", t);
  }

  private and(): SearchNode {
    let left = this.not();
    for (;;) {
      if (this.isOp("AND")) {
        this.i++;
        left = { kind: "and", left, right: this.not() };
      } else if (this.startsOperand(this.peek())) {
        left = { kind: "and", left, right: this.not() };
      } else {
        return left;
      }
    }
  }

  private not(): SearchNode {
    if (this.isOp("NOT")) {
      this.i++;
      return { kind: "not", operand: this.not() };
    }
    return this.primary();
  }

  private primary(): SearchNode {
    const t = this.peek();
    if (t.kind === "(") {
      this.i++;
      const inner = this.or();
      if (this.peek().kind !== ")") throw invalid("missing ')'", t.pos);
      this.i++;
      return inner;
    }
    if (t.kind === "word" || t.kind === "quoted") {
      this.i++;
      if (this.peek().kind === "=") {
        const eq = this.peek();
        this.i++;
        const v = this.peek();
        if (v.kind !== "word" && v.kind !== "quoted") throw invalid(`expected a value after '${t.text}='`, eq.pos);
        this.i++;
        if (t.text === ACCOUNT_KEY) return { kind: "account", value: v.text.replace(/^'(.*)'$/s, "$1") };
        return v.kind === "quoted" ? { kind: "exact", text: v.text, key: t.text } : { kind: "partial", text: v.text, key: t.text };
      }
      return t.kind === "quoted" ? { kind: "exact", text: t.text } : { kind: "partial", text: t.text };
    }
    if (t.kind === "eof") throw invalid("the search term ends where an operand was expected", t.pos);
    if (t.kind === ")") throw invalid("unbalanced ')'", t.pos);
    if (t.kind === "=") throw invalid("'=' must follow a property name", t.pos);
    throw invalid(`'${t.text}' must be followed by an operand`, t.pos);
  }
}

export function parseSearch(expression: string): SearchQuery {
  if (typeof expression !== "string") throw invalid("the search expression must be a string");
  if (expression.length > MAX_SEARCH_LENGTH) {
    throw invalid(`the search expression is longer than ${MAX_SEARCH_LENGTH} characters`);
  }
  let i = 0;
  while (i < expression.length && isSpace(expression[i])) i++;
  const q: SearchQuery = {};
  if (expression[i] === "{") {
    const { schema, next } = parseSchema(expression, i);
    q.schema = schema;
    i = next;
    while (i < expression.length && isSpace(expression[i])) i++;
    if (expression[i] === ",") i++;
  }
  const term = new TermParser(lex(expression, i)).parse();
  if (term) q.term = term;
  if (!q.schema && !q.term) throw invalid("a search must contain a metric schema, a search term, or both");
  return q;
}

// ---------------------------------------------------------------------------
// Tokenization and matching

const isDigitChar = (c: string) => c >= "0" && c <= "9";
const isUpperChar = (c: string) => c !== c.toLowerCase() && c === c.toUpperCase();
const isLowerChar = (c: string) => c !== c.toUpperCase() && c === c.toLowerCase();

/** Alphanumeric runs of a string (non-alphanumeric characters delimit). */
export function words(s: string): string[] {
  return s.split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 0);
}

/** Camel-case humps and digit runs of one alphanumeric word: "SDBFailure1" → SDB, Failure, 1. */
export function camelSplit(w: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 1; i < w.length; i++) {
    const a = w[i - 1];
    const b = w[i];
    const boundary =
      isDigitChar(b) !== isDigitChar(a) ||
      (isUpperChar(b) && isLowerChar(a)) ||
      (isUpperChar(b) && isUpperChar(a) && i + 1 < w.length && isLowerChar(w[i + 1]));
    if (boundary) {
      out.push(w.slice(start, i));
      start = i;
    }
  }
  if (w.length) out.push(w.slice(start));
  return out;
}

interface NameTokens {
  /** Atomic tokens in original case, in order across the whole name. */
  atoms: string[];
  lower: string[];
  /** The whole name's alphanumerics, lower-cased ("project2trial333"). */
  full: string;
}

/** The tokens CloudWatch generates from a name. */
export function nameTokens(s: string): NameTokens {
  const atoms: string[] = [];
  for (const w of words(s)) for (const a of camelSplit(w)) atoms.push(a);
  return { atoms, lower: atoms.map((a) => a.toLowerCase()), full: atoms.join("").toLowerCase() };
}

interface Pattern {
  parts: { text: string; ci: boolean }[];
  full: string;
}

function compilePartial(text: string): Pattern {
  const parts: { text: string; ci: boolean }[] = [];
  for (const w of words(text)) {
    const atoms = camelSplit(w);
    if (atoms.length === 1) parts.push({ text: atoms[0].toLowerCase(), ci: true });
    else for (const a of atoms) parts.push({ text: a, ci: false });
  }
  return { parts, full: parts.map((p) => p.text).join("").toLowerCase() };
}

function partialMatches(t: NameTokens, p: Pattern): boolean {
  const n = p.parts.length;
  if (n === 0) return true;
  if (p.full === t.full) return true;
  const last = t.atoms.length - n;
  outer: for (let i = 0; i <= last; i++) {
    for (let j = 0; j < n; j++) {
      const part = p.parts[j];
      if ((part.ci ? t.lower[i + j] : t.atoms[i + j]) !== part.text) continue outer;
    }
    return true;
  }
  return false;
}

type Compiled = (m: MetricIdentity, tokens: (s: string) => NameTokens) => boolean;

function compileNode(node: SearchNode, accountId: string | undefined): Compiled {
  switch (node.kind) {
    case "and": {
      const l = compileNode(node.left, accountId);
      const r = compileNode(node.right, accountId);
      return (m, tk) => l(m, tk) && r(m, tk);
    }
    case "or": {
      const l = compileNode(node.left, accountId);
      const r = compileNode(node.right, accountId);
      return (m, tk) => l(m, tk) || r(m, tk);
    }
    case "not": {
      const o = compileNode(node.operand, accountId);
      return (m, tk) => !o(m, tk);
    }
    case "account": {
      const ok = node.value === "LOCAL" || accountId === undefined || node.value === accountId;
      return () => ok;
    }
    case "exact": {
      const { text, key } = node;
      if (key !== undefined) return (m) => propertyValue(m, key) === text;
      return (m) => {
        if (m.namespace === text || m.metricName === text) return true;
        for (const d of m.dimensions) if (d.name === text || d.value === text) return true;
        return false;
      };
    }
    case "partial": {
      const pat = compilePartial(node.text);
      const { key } = node;
      if (key !== undefined) {
        return (m, tk) => {
          const v = propertyValue(m, key);
          return v !== undefined && partialMatches(tk(v), pat);
        };
      }
      return (m, tk) => {
        if (partialMatches(tk(m.metricName), pat) || partialMatches(tk(m.namespace), pat)) return true;
        for (const d of m.dimensions) {
          if (partialMatches(tk(d.value), pat) || partialMatches(tk(d.name), pat)) return true;
        }
        return false;
      };
    }
  }
}

/** `MetricName`, `Namespace`, or a dimension's value (undefined when the metric lacks it). */
function propertyValue(m: MetricIdentity, key: string): string | undefined {
  if (key === "MetricName") return m.metricName;
  if (key === "Namespace") return m.namespace;
  for (const d of m.dimensions) if (d.name === key) return d.value;
  return undefined;
}

/** The schema test for one query: namespace and exactly its dimension names (the name set built once, not per metric). */
function schemaMatcher(schema: SearchQuery["schema"]): (m: MetricIdentity) => boolean {
  if (!schema) return () => true;
  const names = new Set(schema.dimensionNames);
  return (m) => {
    if (m.namespace !== schema.namespace || m.dimensions.length !== names.size) return false;
    for (const d of m.dimensions) if (!names.has(d.name)) return false;
    return true;
  };
}

/** A reusable matcher; it caches the tokens of the names it sees. */
export function compileSearch(q: SearchQuery, ctx: { accountId?: string } = {}): (m: MetricIdentity) => boolean {
  const term = q.term ? compileNode(q.term, ctx.accountId) : undefined;
  const cache = new Map<string, NameTokens>();
  const tokens = (s: string): NameTokens => {
    let t = cache.get(s);
    if (!t) {
      t = nameTokens(s);
      if (cache.size > 100_000) cache.clear();
      cache.set(s, t);
    }
    return t;
  };
  const schema = schemaMatcher(q.schema);
  return (m) => schema(m) && (term ? term(m, tokens) : true);
}

export function matchesSearch(q: SearchQuery, m: MetricIdentity, ctx: { accountId?: string } = {}): boolean {
  return compileSearch(q, ctx)(m);
}

/** Exact `Namespace=` / `MetricName=` terms every match must satisfy (to narrow listMetrics). */
function requiredExact(node: SearchNode | undefined, key: "Namespace" | "MetricName"): string | undefined {
  if (!node) return undefined;
  if (node.kind === "exact" && node.key === key) return node.text;
  if (node.kind === "and") return requiredExact(node.left, key) ?? requiredExact(node.right, key);
  return undefined;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function compareMetrics(a: MetricIdentity, b: MetricIdentity): number {
  const c = cmp(a.namespace, b.namespace) || cmp(a.metricName, b.metricName);
  if (c) return c;
  const n = Math.min(a.dimensions.length, b.dimensions.length);
  for (let i = 0; i < n; i++) {
    const d = cmp(a.dimensions[i].name, b.dimensions[i].name) || cmp(a.dimensions[i].value, b.dimensions[i].value);
    if (d) return d;
  }
  return a.dimensions.length - b.dimensions.length;
}

/**
 * Labels of search results: the dimension values (in schema order when a
 * schema names them, else by dimension name), followed by the metric name when
 * the results span several metric names; the metric name alone for a metric
 * without dimensions.
 */
export function searchLabels(metrics: MetricIdentity[], schema?: SearchQuery["schema"]): string[] {
  const names = new Set(metrics.map((m) => m.metricName));
  const withName = names.size > 1;
  return metrics.map((m) => {
    const order = schema && schema.dimensionNames.length ? schema.dimensionNames : m.dimensions.map((d) => d.name);
    const vals: string[] = [];
    for (const k of order) {
      const d = m.dimensions.find((x) => x.name === k);
      if (d) vals.push(d.value);
    }
    if (vals.length === 0) return m.metricName;
    return withName ? `${vals.join(" ")} ${m.metricName}` : vals.join(" ");
  });
}

/** One series per matching metric (at most 500), with `stat` per `periodSeconds` over [start, end). */
export async function runSearch(
  expression: string,
  stat: string,
  periodSeconds: number,
  source: MetricSource,
  opts: SearchRunOptions,
): Promise<Series[]> {
  const q = parseSearch(expression);
  const namespace = q.schema?.namespace ?? requiredExact(q.term, "Namespace");
  const metricName = requiredExact(q.term, "MetricName");
  const filter: { namespace?: string; metricName?: string } = {};
  if (namespace !== undefined) filter.namespace = namespace;
  if (metricName !== undefined) filter.metricName = metricName;

  const matches = compileSearch(q, { accountId: opts.accountId });
  const listed = await source.listMetrics(filter);
  const seen = new Set<string>();
  let found: MetricIdentity[] = [];
  for (const m of listed) {
    if (!matches(m)) continue;
    const key = metricKey(m);
    if (seen.has(key)) continue;
    seen.add(key);
    found.push(m);
  }
  found.sort(compareMetrics);
  if (found.length > MAX_SEARCH_RESULTS) {
    found = found.slice(0, MAX_SEARCH_RESULTS);
    opts.messages?.push({ ...SEARCH_MESSAGES.maxMetrics });
  }
  if (found.length === 0) return [];

  const fetched = await source.fetch(found, stat, periodSeconds, opts.start, opts.end);
  const byKey = new Map<string, Series>();
  fetched.forEach((s, j) => {
    const m = s.metric ?? found[j];
    if (m) byKey.set(metricKey(m), s);
  });
  const labels = searchLabels(found, q.schema);
  return found.map((m, i) => {
    const s = byKey.get(metricKey(m));
    return { label: labels[i], timestamps: s ? s.timestamps : [], values: s ? s.values : [], metric: m };
  });
}

