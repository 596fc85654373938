/**
 * The syntax tree of a filter pattern, from AWS's "Filter pattern syntax for
 * metric filters, subscription filters, filter log events, and Live Tail":
 * - terms: `ERROR "exact phrase" ?OR -exclude %regex%`;
 * - JSON: `{ SELECTOR OP VALUE }`, `IS TRUE|FALSE|NULL`, `NOT EXISTS`, joined
 *   by && and || with parentheses (precedence () > && > ||);
 * - space-delimited: `[name, name = value && name > 5, ..., name]`.
 */
import { PatternSyntax, splitTerms, tokenize, type Term, type Token } from "./lexer.js";

export type Step = { kind: "key"; key: string } | { kind: "index"; index: number } | { kind: "any" };

export type Value =
  | { kind: "number"; value: number; text: string }
  | { kind: "string"; text: string; quoted: boolean }
  | { kind: "regex"; source: string };

export type CompareOp = "=" | "!=" | "<" | "<=" | ">" | ">=";

export type Cond =
  | { kind: "compare"; field: string; path: Step[]; op: CompareOp; value: Value }
  | { kind: "is"; field: string; path: Step[]; what: "TRUE" | "FALSE" | "NULL" }
  | { kind: "notExists"; field: string; path: Step[] }
  | { kind: "and"; left: Cond; right: Cond }
  | { kind: "or"; left: Cond; right: Cond };

export type Slot = { kind: "ellipsis" } | { kind: "field"; name?: string; cond?: Cond };

export type PatternAst =
  | { kind: "all" }
  | { kind: "terms"; terms: Term[] }
  | { kind: "json"; expr: Cond }
  | { kind: "delimited"; slots: Slot[] };

/** Numbers as AWS writes them: optional sign, decimals, an exponent. */
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const KEY = /^[A-Za-z0-9_\-@:]+$/;
const NAME = /^[A-Za-z0-9_]+$/;
/** Characters a JSON pattern's value may hold only inside double quotes ("'Root'" fails too: terraform-provider-aws #2945). */
const UNQUOTABLE = /[@$\\']/;
/** AWS: one wildcard per selector, three per pattern. */
const MAX_WILDCARDS = 3;

export function parsePattern(text: string): PatternAst {
  const trimmed = text.trim();
  if (trimmed === "") return { kind: "all" };
  if (trimmed.startsWith("{")) return { kind: "json", expr: new Parser(tokenize(trimmed, true), true).json() };
  if (trimmed.startsWith("[")) return { kind: "delimited", slots: new Parser(tokenize(trimmed, false), false).delimited() };
  const terms = splitTerms(trimmed);
  // AWS's "match everything" patterns: "" and " " (a quoted blank).
  if (terms.length === 1 && terms[0]!.quoted && terms[0]!.mode === "include" && terms[0]!.value.trim() === "") return { kind: "all" };
  return { kind: "terms", terms };
}

export function parseSelector(text: string): Step[] {
  if (!text.startsWith("$")) throw new PatternSyntax(`a selector must start with '$': ${text}`);
  const steps: Step[] = [];
  let i = 1;
  while (i < text.length) {
    const c = text[i];
    if (c === ".") {
      let j = i + 1;
      while (j < text.length && text[j] !== "." && text[j] !== "[") j++;
      const key = text.slice(i + 1, j);
      if (key === "*") steps.push({ kind: "any" });
      else if (KEY.test(key)) steps.push({ kind: "key", key });
      else throw new PatternSyntax(`invalid selector ${text}`);
      i = j;
    } else if (c === "[") {
      const close = text.indexOf("]", i);
      const body = text.slice(i + 1, close);
      if (body === "*") steps.push({ kind: "any" });
      else if (/^\d+$/.test(body)) steps.push({ kind: "index", index: Number(body) });
      else throw new PatternSyntax(`invalid selector ${text}`);
      i = close + 1;
    } else {
      throw new PatternSyntax(`invalid selector ${text}`);
    }
  }
  if (steps.length === 0) throw new PatternSyntax("a selector needs a property after '$'");
  if (steps.filter((s) => s.kind === "any").length > 1) throw new PatternSyntax("a selector may have one wildcard");
  return steps;
}

class Parser {
  private i = 0;
  private wildcards = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly jsonMode: boolean,
  ) {}

  private peek(): Token {
    return this.tokens[this.i]!;
  }

  private next(): Token {
    return this.tokens[this.i++]!;
  }

  private expect(type: Token["type"]): Token {
    const t = this.next();
    if (t.type !== type) throw new PatternSyntax(`expected '${type}' at ${t.start}, found '${t.text || t.type}'`);
    return t;
  }

  json(): Cond {
    this.expect("{");
    const expr = this.or();
    this.expect("}");
    this.expect("eof");
    if (this.wildcards > MAX_WILDCARDS) throw new PatternSyntax(`at most ${MAX_WILDCARDS} wildcard selectors`);
    return expr;
  }

  delimited(): Slot[] {
    this.expect("[");
    const slots: Slot[] = [];
    for (;;) {
      slots.push(this.slot());
      const t = this.next();
      if (t.type === "]") break;
      if (t.type !== ",") throw new PatternSyntax(`expected ',' or ']' at ${t.start}`);
    }
    this.expect("eof");
    // A condition names a field of the pattern (in any letter case): AWS answers "Invalid filter pattern" for the
    // syntax page's [ip, user, username, timestamp, request, status_code = 4* && bytes > 1000] (awsdocs issue #21).
    const names = new Set(slots.flatMap((s) => (s.kind === "field" && s.name !== undefined ? [s.name.toLowerCase()] : [])));
    for (const s of slots) {
      if (s.kind !== "field" || !s.cond) continue;
      for (const f of fieldsOf(s.cond)) if (!names.has(f.toLowerCase())) throw new PatternSyntax(`no field named ${f}`);
    }
    return slots;
  }

  private slot(): Slot {
    const t = this.peek();
    if (t.type === "," || t.type === "]") return { kind: "field" };
    if (t.type === "...") {
      this.next();
      return { kind: "ellipsis" };
    }
    if (t.type === "word") {
      const after = this.tokens[this.i + 1]!;
      if (after.type === "," || after.type === "]") {
        this.next();
        if (!NAME.test(t.text)) throw new PatternSyntax(`invalid field name ${t.text}`);
        return { kind: "field", name: t.text };
      }
    }
    const cond = this.or();
    return { kind: "field", name: firstField(cond), cond };
  }

  private or(): Cond {
    let left = this.and();
    while (this.peek().type === "||") {
      this.next();
      left = { kind: "or", left, right: this.and() };
    }
    return left;
  }

  private and(): Cond {
    let left = this.unary();
    while (this.peek().type === "&&") {
      this.next();
      left = { kind: "and", left, right: this.unary() };
    }
    return left;
  }

  private unary(): Cond {
    if (this.peek().type === "(") {
      this.next();
      const inner = this.or();
      this.expect(")");
      return inner;
    }
    return this.condition();
  }

  private condition(): Cond {
    const t = this.next();
    let field: string;
    let path: Step[] = [];
    if (this.jsonMode) {
      if (t.type !== "selector") throw new PatternSyntax(`expected a selector at ${t.start}`);
      field = t.text;
      path = parseSelector(t.text);
      this.wildcards += path.filter((s) => s.kind === "any").length;
      const k = this.peek();
      if (k.type === "word") {
        const kw = k.text.toUpperCase();
        if (kw === "IS") {
          this.next();
          const what = this.expect("word").text.toUpperCase();
          if (what !== "TRUE" && what !== "FALSE" && what !== "NULL") throw new PatternSyntax("IS must be followed by TRUE, FALSE or NULL");
          return { kind: "is", field, path, what };
        }
        if (kw === "NOT") {
          this.next();
          if (this.expect("word").text.toUpperCase() !== "EXISTS") throw new PatternSyntax("NOT must be followed by EXISTS");
          return { kind: "notExists", field, path };
        }
        throw new PatternSyntax(`unexpected '${k.text}' at ${k.start}`);
      }
    } else {
      if (t.type !== "word" || !NAME.test(t.text)) throw new PatternSyntax(`expected a field name at ${t.start}`);
      field = t.text;
    }
    const op = this.expect("op").text as CompareOp;
    const value = this.value(op);
    return { kind: "compare", field, path, op, value };
  }

  private value(op: CompareOp): Value {
    const t = this.next();
    let value: Value;
    if (t.type === "string") value = { kind: "string", text: t.text, quoted: true };
    else if (t.type === "regex") value = { kind: "regex", source: t.text };
    else if (t.type === "word") {
      // AWS's syntax page: strings with characters such as '@', '$' or '\' "must be enclosed in double quotes to be valid".
      if (this.jsonMode && UNQUOTABLE.test(t.text)) throw new PatternSyntax(`'${t.text}' must be quoted`);
      value = NUMBER.test(t.text) ? { kind: "number", value: Number(t.text), text: t.text } : { kind: "string", text: t.text, quoted: false };
    } else throw new PatternSyntax(`expected a value at ${t.start}`);
    if (op !== "=" && op !== "!=" && value.kind !== "number") throw new PatternSyntax(`'${op}' needs a number`);
    return value;
  }
}

function fieldsOf(cond: Cond): string[] {
  return cond.kind === "and" || cond.kind === "or" ? [...fieldsOf(cond.left), ...fieldsOf(cond.right)] : [cond.field];
}

function firstField(cond: Cond): string {
  return cond.kind === "and" || cond.kind === "or" ? firstField(cond.left) : cond.field;
}
