/**
 * Parses a Logs Insights query into its syntax tree, or throws
 * MalformedQueryException with the offending token's location, as AWS does
 * (AWS's own messages: "unexpected symbol found sort" for a command it does not
 * expect, "mismatched input '|' expecting K_STATS" from its grammar).
 */
import { AGGREGATES, type Command, type Expr, type LogGroupSelector, type NamedExpr, type Query, type SortKey } from "./ast.js";
import { malformedQuery } from "./errors.js";
import { colOf, lineOf, tokenize, type Token } from "./lexer.js";
import { functionArity, isFunctionName } from "./functions.js";
import { DIFF_PERIODS } from "./comparison.js";

/** Commands AWS documents that this engine does not run; they answer an error naming them. */
const UNSUPPORTED_COMMANDS = new Set(["anomaly", "join", "search"]);
/** Commands that run on each event as it comes; `diff` compares what the first pattern after them makes. */
const ROW_COMMANDS = new Set(["filter", "fields", "display", "parse", "unmask", "lookup"]);

const DURATION_MS: Record<string, number> = {
  ms: 1, msec: 1,
  s: 1000, sec: 1000, secs: 1000, second: 1000, seconds: 1000,
  m: 60_000, min: 60_000, mins: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hr: 3_600_000, hrs: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  d: 86_400_000, day: 86_400_000, days: 86_400_000,
  w: 604_800_000, week: 604_800_000, weeks: 604_800_000,
  mo: 2_592_000_000, month: 2_592_000_000, months: 2_592_000_000,
  q: 7_776_000_000, qtr: 7_776_000_000, qtrs: 7_776_000_000, quarter: 7_776_000_000, quarters: 7_776_000_000,
  y: 31_536_000_000, yr: 31_536_000_000, yrs: 31_536_000_000, year: 31_536_000_000, years: 31_536_000_000,
};

export function durationMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([a-z]+)$/.exec(text)!;
  return Number(m[1]) * DURATION_MS[m[2]];
}

export function parseQuery(query: string): Query {
  return new Parser(query).parse();
}

class Parser {
  private readonly tokens: Token[];
  private i = 0;

  constructor(private readonly query: string) {
    this.tokens = tokenize(query);
  }

  parse(): Query {
    const q: Query = { commands: [] };
    if (this.peekWord("source")) {
      q.source = this.source();
      if (this.peek().kind === "eof") return q;
      this.expectOp("|");
    }
    if (this.peek().kind === "eof") throw this.error(this.peek(), `mismatched input '<EOF>' expecting a command`);
    for (;;) {
      const at = this.peek();
      const c = this.command();
      // AWS refuses a sort once dedup has run ("unexpected symbol found sort", seen in us-east-1).
      if (c.kind === "sort" && q.commands.some((x) => x.kind === "dedup")) throw this.unexpected(at);
      if (c.kind === "diff") {
        // diff compares the patterns of the events the row commands keep: after them, or after the pattern that follows them.
        const before = q.commands.filter((x) => !ROW_COMMANDS.has(x.kind));
        if (before.length === 0) q.commands.push({ kind: "pattern", field: { kind: "field", name: "@message" } });
        else if (before.length > 1 || q.commands[q.commands.length - 1].kind !== "pattern") throw this.unexpected(at);
      }
      q.commands.push(c);
      if (this.peek().kind === "eof") break;
      this.expectOp("|");
    }
    return q;
  }

  // --- commands

  private command(): Command {
    const t = this.peek();
    if (t.kind !== "ident" || t.quoted) throw this.unexpected(t);
    const word = t.text.toLowerCase();
    if (UNSUPPORTED_COMMANDS.has(word)) throw this.error(t, `the ${t.text} command is not supported by this service`);
    this.i++;
    switch (word) {
      case "fields":
        return { kind: "fields", items: this.namedList() };
      case "display":
        return { kind: "display", items: this.namedList() };
      case "filter":
      // filterIndex tells AWS to read only events its field indexes hold; the events it keeps are filter's.
      case "filterindex":
        return { kind: "filter", expr: this.expr() };
      case "stats":
        return this.stats();
      case "sort":
      case "order":
        return { kind: "sort", keys: this.sortKeys() };
      case "limit":
      case "head": {
        const n = this.next();
        if (n.kind !== "number" || !Number.isInteger(n.number) || n.number! < 1)
          throw this.error(n, `mismatched input '${n.text}' expecting a positive integer`);
        return { kind: "limit", n: n.number! };
      }
      case "parse":
        return this.parseCommand();
      case "dedup": {
        const fields = [this.expr()];
        while (this.acceptOp(",")) fields.push(this.expr());
        return { kind: "dedup", fields };
      }
      case "unmask":
        return { kind: "unmask", expr: this.expr() };
      case "pattern":
        return { kind: "pattern", field: this.expr() };
      case "diff": {
        const m = this.peek();
        if (m.kind === "eof" || (m.kind === "op" && m.text === "|")) return { kind: "diff", period: "previous" };
        const period = m.kind === "ident" && !m.quoted ? DIFF_PERIODS[m.text.toLowerCase()] : undefined;
        if (!period) throw this.error(m, `mismatched input '${m.text}' expecting {previousDay, previousWeek, previousMonth}`);
        this.i++;
        return { kind: "diff", period };
      }
      case "lookup":
        return this.lookup();
      case "unnest": {
        const field = this.expr();
        if (!this.acceptWord("into")) throw this.error(this.peek(), `mismatched input '${this.peek().text}' expecting INTO`);
        return { kind: "unnest", field, into: this.name() };
      }
      default:
        throw this.unexpected(t);
    }
  }

  /** `lookup table tableField [as logField] [, ...] OUTPUT outField [, ...]` (AWS's CWL_QuerySyntax-Lookup page). */
  private lookup(): Command {
    const t = this.next();
    if (t.kind !== "ident" || !/^[a-zA-Z0-9_]{1,256}$/.test(t.text)) throw this.error(t, `mismatched input '${t.text}' expecting a lookup table name`);
    const keys: { tableField: string; logField: string }[] = [];
    do {
      if (this.peekWord("output")) throw this.error(this.peek(), `mismatched input '${this.peek().text}' expecting a field name`);
      const tableField = this.name();
      keys.push({ tableField, logField: this.alias() ?? tableField });
    } while (this.acceptOp(","));
    if (!this.acceptWord("output")) throw this.error(this.peek(), `mismatched input '${this.peek().text}' expecting OUTPUT`);
    const outputs = [this.name()];
    while (this.acceptOp(",")) outputs.push(this.name());
    return { kind: "lookup", table: t.text, keys, outputs };
  }

  private stats(): Command {
    const aggs: NamedExpr[] = [];
    const first = this.peek();
    do {
      const start = this.peek();
      const expr = this.expr();
      aggs.push({ expr, name: this.alias() ?? this.textOf(start, this.prev()) });
    } while (this.acceptOp(","));
    // An item may compute over earlier items' aliases (AWS's Lambda memory sample), but one must aggregate.
    if (!aggs.some((a) => containsAggregate(a.expr)))
      throw this.error(first, `stats requires an aggregate function, found ${this.textOf(first, this.prev())}`);
    const by: NamedExpr[] = [];
    if (this.acceptWord("by")) by.push(...this.namedList());
    return { kind: "stats", aggs, by };
  }

  private sortKeys(): SortKey[] {
    const keys: SortKey[] = [];
    do {
      const expr = this.expr();
      let desc = false;
      if (this.acceptWord("desc")) desc = true;
      else this.acceptWord("asc");
      keys.push({ expr, desc });
    } while (this.acceptOp(","));
    return keys;
  }

  private parseCommand(): Command {
    let field: Expr = { kind: "field", name: "@message" };
    const p = this.peek();
    if (p.kind !== "string" && p.kind !== "regex") field = this.primary();
    const pat = this.next();
    if (pat.kind === "string") {
      if (!this.acceptWord("as")) throw this.error(this.peek(), `mismatched input '${this.peek().text}' expecting AS`);
      const names = [this.name()];
      while (this.acceptOp(",")) names.push(this.name());
      const stars = pat.text.split("*").length - 1;
      if (stars !== names.length)
        throw this.error(pat, `The number of fields in the parse expression (${stars}) does not match the number of names (${names.length})`);
      return { kind: "parse", field, glob: pat.text, names };
    }
    if (pat.kind === "regex") {
      const regex = compileRegex(pat, this.query);
      const names = [...pat.text.matchAll(/\(\?<([A-Za-z_$][A-Za-z0-9_$]*)>/g)].map((m) => m[1]);
      if (!names.length) throw this.error(pat, "The parse regular expression has no named capture group");
      return { kind: "parse", field, regex, names };
    }
    throw this.error(pat, `mismatched input '${pat.text}' expecting a glob string or a regular expression`);
  }

  private source(): LogGroupSelector {
    this.i++; // SOURCE
    const fn = this.next();
    if (fn.kind !== "ident" || fn.text.toLowerCase() !== "loggroups") throw this.error(fn, `mismatched input '${fn.text}' expecting logGroups`);
    this.expectOp("(");
    const sel: LogGroupSelector = { namePrefixes: [], classes: [], accountIdentifiers: [] };
    if (!this.acceptOp(")")) {
      do {
        const key = this.next();
        this.expectOp(":");
        const values = this.stringValues();
        switch (key.text.toLowerCase()) {
          case "nameprefix":
            sel.namePrefixes.push(...values);
            break;
          case "class":
            sel.classes.push(...values);
            break;
          case "accountidentifier":
          case "accountidentifiers":
            sel.accountIdentifiers.push(...values);
            break;
          default:
            throw this.error(key, `unexpected symbol found ${key.text} at line ${lineOf(this.query, key.start)} and position ${colOf(this.query, key.start)}`);
        }
      } while (this.acceptOp(","));
      this.expectOp(")");
    }
    return sel;
  }

  private stringValues(): string[] {
    if (this.acceptOp("[")) {
      const out: string[] = [];
      if (this.acceptOp("]")) return out;
      do out.push(this.stringToken());
      while (this.acceptOp(","));
      this.expectOp("]");
      return out;
    }
    return [this.stringToken()];
  }

  private stringToken(): string {
    const t = this.next();
    if (t.kind === "string" || t.kind === "ident") return t.text;
    throw this.error(t, `mismatched input '${t.text}' expecting a string`);
  }

  /** `expr [as name], ...`; a field keeps its name, an expression shows as written. */
  private namedList(): NamedExpr[] {
    const items: NamedExpr[] = [];
    do {
      const start = this.peek();
      const expr = this.expr();
      const name = this.alias() ?? (expr.kind === "field" ? expr.name : this.textOf(start, this.prev()));
      items.push({ expr, name });
    } while (this.acceptOp(","));
    return items;
  }

  private alias(): string | undefined {
    return this.acceptWord("as") ? this.name() : undefined;
  }

  private name(): string {
    const t = this.next();
    if (t.kind === "ident") return t.text;
    throw this.error(t, `mismatched input '${t.text}' expecting a field name`);
  }

  // --- expressions, loosest first

  expr(): Expr {
    return this.or();
  }

  private or(): Expr {
    let left = this.and();
    while (this.acceptWord("or") || this.acceptOp("||")) left = { kind: "binary", op: "or", left, right: this.and() };
    return left;
  }

  private and(): Expr {
    let left = this.not();
    while (this.acceptWord("and") || this.acceptOp("&&")) left = { kind: "binary", op: "and", left, right: this.not() };
    return left;
  }

  private not(): Expr {
    if (this.acceptWord("not") || this.acceptOp("!")) return { kind: "unary", op: "not", arg: this.not() };
    return this.comparison();
  }

  private comparison(): Expr {
    const subject = this.additive();
    const t = this.peek();
    if (t.kind === "op" && ["=", "==", "!=", "<", "<=", ">", ">="].includes(t.text)) {
      this.i++;
      const op = (t.text === "==" ? "=" : t.text) as "=" | "!=" | "<" | "<=" | ">" | ">=";
      return { kind: "binary", op, left: subject, right: this.additive() };
    }
    if (t.kind === "op" && t.text === "=~") {
      this.i++;
      return { kind: "like", negated: false, subject, pattern: this.additive() };
    }
    let negated = false;
    if (this.peekWord("not") && ["like", "in"].includes(this.tokens[this.i + 1]?.text.toLowerCase())) {
      this.i++;
      negated = true;
    }
    if (this.acceptWord("like")) return { kind: "like", negated, subject, pattern: this.additive() };
    if (this.acceptWord("in")) {
      this.expectOp("[");
      const list: Expr[] = [];
      if (!this.acceptOp("]")) {
        do list.push(this.additive());
        while (this.acceptOp(","));
        this.expectOp("]");
      }
      return { kind: "in", negated, subject, list };
    }
    return subject;
  }

  private additive(): Expr {
    let left = this.multiplicative();
    for (;;) {
      const t = this.peek();
      if (t.kind === "op" && (t.text === "+" || t.text === "-")) {
        this.i++;
        left = { kind: "binary", op: t.text, left, right: this.multiplicative() };
      } else return left;
    }
  }

  private multiplicative(): Expr {
    let left = this.power();
    for (;;) {
      const t = this.peek();
      if (t.kind === "op" && (t.text === "*" || t.text === "/" || t.text === "%")) {
        this.i++;
        left = { kind: "binary", op: t.text, left, right: this.power() };
      } else return left;
    }
  }

  private power(): Expr {
    const base = this.unary();
    if (this.acceptOp("^")) return { kind: "binary", op: "^", left: base, right: this.power() };
    return base;
  }

  private unary(): Expr {
    if (this.acceptOp("-")) {
      const arg = this.unary();
      if (arg.kind === "number") return { kind: "number", value: -arg.value };
      return { kind: "unary", op: "-", arg };
    }
    this.acceptOp("+");
    return this.primary();
  }

  private primary(): Expr {
    const t = this.next();
    switch (t.kind) {
      case "number":
        return { kind: "number", value: t.number! };
      case "duration":
        return { kind: "duration", ms: durationMs(t.text), text: t.text };
      case "string":
        return { kind: "string", value: t.text };
      case "regex":
        compileRegex(t, this.query);
        return { kind: "regex", source: t.text, flags: t.flags ?? "" };
      case "op":
        if (t.text === "(") {
          const e = this.expr();
          this.expectOp(")");
          return e;
        }
        if (t.text === "[") {
          const items: Expr[] = [];
          if (!this.acceptOp("]")) {
            do items.push(this.expr());
            while (this.acceptOp(","));
            this.expectOp("]");
          }
          return { kind: "list", items };
        }
        if (t.text === "*") return { kind: "star" };
        throw this.unexpected(t);
      case "ident": {
        if (!t.quoted && this.peek().kind === "op" && this.peek().text === "(") return this.call(t);
        if (!t.quoted && (t.text.toLowerCase() === "true" || t.text.toLowerCase() === "false"))
          return { kind: "bool", value: t.text.toLowerCase() === "true" };
        if (!t.quoted && KEYWORDS.has(t.text.toLowerCase())) throw this.unexpected(t);
        return { kind: "field", name: t.text };
      }
      default:
        throw this.unexpected(t);
    }
  }

  private call(nameTok: Token): Expr {
    const name = nameTok.text.toLowerCase();
    if (!AGGREGATES.has(name) && !isFunctionName(name)) throw this.error(nameTok, `Unknown function: ${nameTok.text}`);
    this.expectOp("(");
    const args: Expr[] = [];
    if (!this.acceptOp(")")) {
      do args.push(this.expr());
      while (this.acceptOp(","));
      this.expectOp(")");
    }
    const { min, max } = AGGREGATES.has(name) ? aggregateArity(name) : functionArity(name);
    if (args.length < min || args.length > max)
      throw this.error(nameTok, `Function ${nameTok.text} expects ${min === max ? min : `${min} to ${max === Infinity ? "any number of" : max}`} arguments, found ${args.length}`);
    return { kind: "call", name, args, text: this.textOf(nameTok, this.prev()) };
  }

  // --- tokens

  private peek(): Token {
    return this.tokens[this.i];
  }

  private prev(): Token {
    return this.tokens[this.i - 1];
  }

  private next(): Token {
    const t = this.tokens[this.i];
    if (t.kind !== "eof") this.i++;
    return t;
  }

  private peekWord(word: string): boolean {
    const t = this.peek();
    return t.kind === "ident" && !t.quoted && t.text.toLowerCase() === word;
  }

  private acceptWord(word: string): boolean {
    if (!this.peekWord(word)) return false;
    this.i++;
    return true;
  }

  private acceptOp(op: string): boolean {
    const t = this.peek();
    if (t.kind !== "op" || t.text !== op) return false;
    this.i++;
    return true;
  }

  private expectOp(op: string): void {
    const t = this.peek();
    if (!this.acceptOp(op)) throw this.error(t, `mismatched input '${t.text}' expecting '${op}'`);
  }

  private textOf(from: Token, to: Token): string {
    return this.query.slice(from.start, to.end + 1);
  }

  private unexpected(t: Token): Error {
    return this.error(t, `unexpected symbol found ${t.text} at line ${lineOf(this.query, t.start)} and position ${colOf(this.query, t.start)}`);
  }

  private error(t: Token, message: string): Error {
    return malformedQuery(message, t.start, Math.max(t.start, Math.min(t.end, this.query.length - 1)));
  }
}

function aggregateArity(name: string): { min: number; max: number } {
  if (name === "count") return { min: 0, max: 1 };
  if (name === "pct" || name === "percentile") return { min: 2, max: 2 };
  return { min: 1, max: 1 };
}

/** Words AWS's grammar reserves (its K_* tokens): a field of that name needs backticks. */
const KEYWORDS = new Set(["and", "or", "not", "like", "in", "as", "by", "asc", "desc", "fields", "filter", "stats", "sort", "limit", "parse", "display", "dedup", "unnest", "head", "tail"]);

function containsAggregate(e: Expr): boolean {
  switch (e.kind) {
    case "call":
      return AGGREGATES.has(e.name) || e.args.some(containsAggregate);
    case "unary":
      return containsAggregate(e.arg);
    case "binary":
      return containsAggregate(e.left) || containsAggregate(e.right);
    default:
      return false;
  }
}

export function compileRegex(t: Token, query: string): RegExp {
  try {
    return regexOf(t.text, t.flags ?? "");
  } catch {
    throw malformedQuery(`Invalid regular expression at line ${lineOf(query, t.start)} and position ${colOf(query, t.start)}: /${t.text}/`, t.start, t.end);
  }
}

/**
 * AWS's regexes are Java's: `(?i)` turns case folding on (AWS's examples put it
 * first or after `^`), which JavaScript writes as a flag for the whole pattern.
 */
export function regexOf(source: string, flags: string): RegExp {
  const folded = source.includes("(?i)");
  return new RegExp(folded ? source.split("(?i)").join("") : source, folded || flags.includes("i") ? "i" : "");
}
