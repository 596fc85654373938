/**
 * Recursive-descent parser of the Metrics Insights SQL dialect.
 *
 * Keywords are case-insensitive; identifiers (namespace, metric name, label
 * keys) are case-sensitive, bare (letters, digits, `_`) or double-quoted.
 * Clause keywords are reserved: a label key named `LIMIT` must be written
 * `"LIMIT"`, as AWS requires. Label values are single-quoted strings.
 *
 * WHERE supports AWS's documented `=`, `!=` and `AND`, plus `OR`, parentheses
 * (the grammar the Amazon Managed Grafana guide gives), `[NOT] IN (...)`,
 * `[NOT] LIKE '...%'` and a `NOT` prefix.
 */
import { validationError } from "../../../errors.js";
import { INSIGHTS_FUNCTIONS, type Condition, type InsightsFunction, type InsightsQuery } from "./ast.js";
import { syntaxError, tokenize, type Token, type TokenKind } from "./lexer.js";

/** AWS: "The maximum value that you can specify is 500". */
export const MAX_LIMIT = 500;

/** Words that cannot be bare identifiers (they must be double-quoted). */
const RESERVED = new Set([
  "SELECT", "FROM", "WHERE", "GROUP", "BY", "ORDER", "ASC", "DESC", "LIMIT",
  "AND", "OR", "NOT", "IN", "LIKE", "SCHEMA",
]);

export function parseInsightsQuery(sql: string): InsightsQuery {
  if (typeof sql !== "string" || sql.trim() === "") {
    throw validationError("The Metrics Insights query must not be empty.");
  }
  return new Parser(tokenize(sql)).query();
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  private get tok(): Token {
    return this.tokens[this.pos];
  }

  private fail(detail: string, at: Token = this.tok): never {
    throw syntaxError(at.line, at.column, detail);
  }

  private describe(t: Token): string {
    switch (t.kind) {
      case "eof":
        return "end of query";
      case "string":
        return `'${t.text}'`;
      case "ident":
        return `"${t.text}"`;
      default:
        return `'${t.text}'`;
    }
  }

  private isKeyword(word: string, t: Token = this.tok): boolean {
    return t.kind === "word" && t.text.toUpperCase() === word;
  }

  private acceptKeyword(word: string): boolean {
    if (this.isKeyword(word)) {
      this.pos++;
      return true;
    }
    return false;
  }

  private expectKeyword(word: string): void {
    if (!this.acceptKeyword(word)) this.fail(`expected ${word} but found ${this.describe(this.tok)}`);
  }

  private accept(kind: TokenKind): Token | undefined {
    if (this.tok.kind === kind) return this.tokens[this.pos++];
    return undefined;
  }

  private expect(kind: TokenKind, what: string = `'${kind}'`): Token {
    const t = this.accept(kind);
    if (!t) this.fail(`expected ${what} but found ${this.describe(this.tok)}`);
    return t;
  }

  /** A namespace, metric name or label key: a bare non-reserved word or a double-quoted identifier. */
  private identifier(what: string): string {
    const t = this.tok;
    if (t.kind === "ident") {
      this.pos++;
      if (t.text === "") this.fail(`${what} must not be empty`, t);
      return t.text;
    }
    if ((t.kind === "word" || t.kind === "number") && !RESERVED.has(t.text.toUpperCase())) {
      this.pos++;
      return t.text;
    }
    if (t.kind === "word") {
      this.fail(`expected ${what} but found reserved keyword '${t.text}' (enclose it in double quotes)`);
    }
    if (t.kind === "string") {
      this.fail(`expected ${what} but found the string ${this.describe(t)} (identifiers take double quotes)`);
    }
    this.fail(`expected ${what} but found ${this.describe(t)}`);
  }

  private func(): InsightsFunction {
    const t = this.tok;
    const name = t.kind === "word" ? t.text.toUpperCase() : "";
    if (!(INSIGHTS_FUNCTIONS as readonly string[]).includes(name)) {
      this.fail(`expected one of AVG, COUNT, MAX, MIN, SUM but found ${this.describe(t)}`);
    }
    this.pos++;
    return name as InsightsFunction;
  }

  private string(what: string): string {
    const t = this.tok;
    if (t.kind !== "string") {
      this.fail(`expected ${what} in single quotes but found ${this.describe(t)}`);
    }
    this.pos++;
    return t.text;
  }

  query(): InsightsQuery {
    this.expectKeyword("SELECT");
    const func = this.func();
    this.expect("(");
    const metricName = this.identifier("a metric name");
    this.expect(")");

    this.expectKeyword("FROM");
    let namespace: string;
    let schemaKeys: string[] | undefined;
    if (this.isKeyword("SCHEMA") && this.tokens[this.pos + 1]?.kind === "(") {
      this.pos += 2;
      namespace = this.identifier("a namespace");
      schemaKeys = [];
      while (this.accept(",")) schemaKeys.push(this.identifier("a label key"));
      this.expect(")");
    } else {
      namespace = this.identifier("a namespace or SCHEMA(...)");
    }

    const q: InsightsQuery = { func, metricName, namespace, groupBy: [] };
    if (schemaKeys) q.schemaKeys = schemaKeys;

    if (this.acceptKeyword("WHERE")) q.where = this.or();

    if (this.acceptKeyword("GROUP")) {
      this.expectKeyword("BY");
      q.groupBy.push(this.identifier("a label key"));
      while (this.accept(",")) q.groupBy.push(this.identifier("a label key"));
    }

    if (this.acceptKeyword("ORDER")) {
      this.expectKeyword("BY");
      const f = this.func();
      this.expect("(");
      this.expect(")", "')' (ORDER BY functions take no argument)");
      let direction: "ASC" | "DESC" = "ASC";
      if (this.acceptKeyword("DESC")) direction = "DESC";
      else this.acceptKeyword("ASC");
      q.orderBy = { func: f, direction };
    }

    if (this.acceptKeyword("LIMIT")) {
      const t = this.tok;
      if (t.kind !== "number") this.fail(`expected a number but found ${this.describe(t)}`);
      this.pos++;
      const n = Number(t.text);
      if (!Number.isSafeInteger(n) || n < 1 || n > MAX_LIMIT) this.fail(`LIMIT must be between 1 and ${MAX_LIMIT}`, t);
      q.limit = n;
    }

    if (this.tok.kind !== "eof") this.fail(`unexpected ${this.describe(this.tok)}`);
    return q;
  }

  private or(): Condition {
    let left = this.and();
    while (this.acceptKeyword("OR")) left = { kind: "or", left, right: this.and() };
    return left;
  }

  private and(): Condition {
    let left = this.unary();
    while (this.acceptKeyword("AND")) left = { kind: "and", left, right: this.unary() };
    return left;
  }

  private unary(): Condition {
    if (this.acceptKeyword("NOT")) return { kind: "not", operand: this.unary() };
    if (this.accept("(")) {
      const inner = this.or();
      this.expect(")");
      return inner;
    }
    return this.predicate();
  }

  private predicate(): Condition {
    const key = this.identifier("a label key");
    const t = this.tok;
    if (this.accept("=")) return { kind: "compare", key, op: "=", value: this.string("a label value") };
    if (this.accept("!=")) return { kind: "compare", key, op: "!=", value: this.string("a label value") };
    const negated = this.acceptKeyword("NOT");
    if (this.acceptKeyword("IN")) {
      this.expect("(");
      const values = [this.string("a label value")];
      while (this.accept(",")) values.push(this.string("a label value"));
      this.expect(")");
      return { kind: "in", key, values, negated };
    }
    if (this.acceptKeyword("LIKE")) return { kind: "like", key, pattern: this.string("a pattern"), negated };
    this.fail(`expected an operator (=, !=, IN, NOT IN, LIKE, NOT LIKE) but found ${this.describe(negated ? this.tok : t)}`);
  }
}
