/**
 * Parser of CloudWatch metric math expressions: a hand-written recursive
 * descent over the tokens of lexer.ts, producing an AST whose every node knows
 * its 0-based [start, end) offsets and its source text.
 *
 * Grammar, loosest binding first (AWS documents the operators, not their
 * precedence; this is the usual one, as in SQL and most languages):
 *
 *   expr    := or
 *   or      := and   (("OR" | "||") and)*
 *   and     := not   (("AND" | "&&") not)*
 *   not     := "NOT" not | cmp
 *   cmp     := add   (("==" | "!=" | "<" | "<=" | ">" | ">=") add)*
 *   add     := mul   (("+" | "-") mul)*
 *   mul     := unary (("*" | "/") unary)*
 *   unary   := "-" unary | power
 *   power   := primary ("^" unary)?            right-associative: 2^3^2 = 2^9, -2^2 = -4
 *   primary := number | string | id | NAME "(" args? ")" | NAME | "(" expr ")" | "[" items? "]"
 *
 * Function names, argument counts and keyword arguments (REPEAT, LINEAR, ASC,
 * DESC, and AVG/SUM/... as SORT's statistic) are checked here, so a bad
 * expression fails before any data is read. Errors are ValidationErrors whose
 * message gives the position: "Syntax error at position 5: ...".
 */
import { FUNCTIONS, type FunctionSpec } from "./functions.js";
import { tokenize, type Token } from "./lexer.js";
import { mathError, syntaxError } from "./values.js";
import type { BinaryOp, Expr } from "./ast.js";

type NodeInit = Expr extends infer T ? (T extends Expr ? Omit<T, "text"> : never) : never;

const COMPARISONS = new Set(["==", "!=", "<", "<=", ">", ">="]);

class Parser {
  private i = 0;
  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  private get tok(): Token {
    return this.tokens[this.i]!;
  }

  private next(): Token {
    return this.tokens[this.i++]!;
  }

  private isOp(...ops: string[]): boolean {
    return this.tok.type === "op" && ops.includes(this.tok.text);
  }

  private node(n: NodeInit): Expr {
    return { ...n, text: this.text.slice(n.start, n.end) } as Expr;
  }

  private unexpected(): never {
    const t = this.tok;
    if (t.type === "eof") throw syntaxError(t.start, "unexpected end of expression");
    throw syntaxError(t.start, `unexpected '${this.text.slice(t.start, t.end)}'`);
  }

  /** The current token's type (a method, so TypeScript does not narrow it across calls). */
  private at(type: Token["type"]): boolean {
    return this.tok.type === type;
  }

  parse(): Expr {
    if (this.at("eof")) throw syntaxError(0, "the expression is empty");
    const e = this.or();
    if (!this.at("eof")) this.unexpected();
    return e;
  }

  private binary(left: Expr, opTok: Token, right: Expr): Expr {
    return this.node({ kind: "binary", op: opTok.text as BinaryOp, left, right, opStart: opTok.start, start: left.start, end: right.end });
  }

  private or(): Expr {
    let e = this.and();
    while (this.isOp("OR")) {
      const op = this.next();
      e = this.binary(e, op, this.and());
    }
    return e;
  }

  private and(): Expr {
    let e = this.not();
    while (this.isOp("AND")) {
      const op = this.next();
      e = this.binary(e, op, this.not());
    }
    return e;
  }

  private not(): Expr {
    if (this.isOp("NOT")) {
      const op = this.next();
      const operand = this.not();
      return this.node({ kind: "unary", op: "NOT", operand, start: op.start, end: operand.end });
    }
    return this.cmp();
  }

  private cmp(): Expr {
    let e = this.add();
    while (this.tok.type === "op" && COMPARISONS.has(this.tok.text)) {
      const op = this.next();
      e = this.binary(e, op, this.add());
    }
    return e;
  }

  private add(): Expr {
    let e = this.mul();
    while (this.isOp("+", "-")) {
      const op = this.next();
      e = this.binary(e, op, this.mul());
    }
    return e;
  }

  private mul(): Expr {
    let e = this.unary();
    while (this.isOp("*", "/")) {
      const op = this.next();
      e = this.binary(e, op, this.unary());
    }
    return e;
  }

  private unary(): Expr {
    if (this.isOp("-")) {
      const op = this.next();
      const operand = this.unary();
      return this.node({ kind: "unary", op: "-", operand, start: op.start, end: operand.end });
    }
    return this.power();
  }

  private power(): Expr {
    const base = this.primary();
    if (this.isOp("^")) {
      const op = this.next();
      return this.binary(base, op, this.unary());
    }
    return base;
  }

  private primary(): Expr {
    const t = this.tok;
    switch (t.type) {
      case "number": {
        this.next();
        return this.node({ kind: "number", value: Number(t.text), start: t.start, end: t.end });
      }
      case "string":
        this.next();
        return this.node({ kind: "string", value: t.text, start: t.start, end: t.end });
      case "id":
        this.next();
        if (this.tok.type === "(") {
          throw mathError(t.start, `Unknown function ${t.text}: function names are written in uppercase`);
        }
        return this.node({ kind: "id", name: t.text, start: t.start, end: t.end });
      case "name": {
        this.next();
        if (this.tok.type === "(") return this.call(t);
        return this.node({ kind: "keyword", name: t.text, start: t.start, end: t.end });
      }
      case "(": {
        this.next();
        const inner = this.or();
        if (this.tok.type !== ")") {
          throw syntaxError(this.tok.start, `expected ')' to close the '(' at position ${t.start}`);
        }
        const close = this.next();
        // Parentheses only group: the inner node stands for the whole, with its span widened.
        return { ...inner, start: t.start, end: close.end, text: this.text.slice(t.start, close.end) };
      }
      case "[": {
        this.next();
        const items = this.list("]", t);
        return this.node({ kind: "array", items, start: t.start, end: this.tokens[this.i - 1]!.end });
      }
      default:
        return this.unexpected();
    }
  }

  /** Comma-separated expressions up to `close` (consumed); `open` is the opening token. */
  private list(close: ")" | "]", open: Token): Expr[] {
    const items: Expr[] = [];
    if (this.tok.type === close) {
      this.next();
      return items;
    }
    for (;;) {
      items.push(this.or());
      if (this.tok.type === ",") {
        this.next();
        continue;
      }
      if (this.tok.type === close) {
        this.next();
        return items;
      }
      if (this.tok.type === "eof") {
        throw syntaxError(this.tok.start, `expected '${close}' to close the '${open.text}' at position ${open.start}`);
      }
      throw syntaxError(this.tok.start, `expected ',' or '${close}' but found '${this.text.slice(this.tok.start, this.tok.end)}'`);
    }
  }

  private call(name: Token): Expr {
    const spec: FunctionSpec | undefined = FUNCTIONS[name.text];
    if (!spec) throw mathError(name.start, `Unknown function ${name.text}`);
    const open = this.next();
    const args = this.list(")", open);
    const node = this.node({ kind: "call", name: name.text, args, start: name.start, end: this.tokens[this.i - 1]!.end });
    if (args.length < spec.minArgs || args.length > spec.maxArgs) {
      const expected =
        spec.minArgs === spec.maxArgs
          ? `${spec.minArgs}`
          : spec.maxArgs === Infinity
            ? `at least ${spec.minArgs}`
            : `${spec.minArgs} to ${spec.maxArgs}`;
      throw mathError(name.start, `Invalid number of arguments for ${name.text}: expected ${expected}, got ${args.length}`);
    }
    return node;
  }
}

/** Which functions take each keyword, for error messages: REPEAT -> "FILL". */
const KEYWORD_HOMES = new Map<string, string>();
for (const [name, spec] of Object.entries(FUNCTIONS)) {
  for (const words of Object.values(spec.keywords ?? {})) {
    for (const w of words) KEYWORD_HOMES.set(w, KEYWORD_HOMES.has(w) ? `${KEYWORD_HOMES.get(w)}, ${name}` : name);
  }
}

/** Keywords are only meaningful as particular arguments of particular functions. */
function checkKeywords(e: Expr, where?: { fn: string; arg: number }): void {
  switch (e.kind) {
    case "keyword": {
      const allowed = where && FUNCTIONS[where.fn]!.keywords?.[where.arg];
      if (allowed?.includes(e.name)) return;
      if (allowed) throw syntaxError(e.start, `${e.name} is not valid here: argument ${where!.arg + 1} of ${where!.fn} is one of ${allowed.join(", ")}`);
      if (FUNCTIONS[e.name]) throw syntaxError(e.start, `${e.name} is a function and needs parentheses: ${e.name}(...)`);
      const home = KEYWORD_HOMES.get(e.name);
      if (home) throw syntaxError(e.start, `${e.name} can only be an argument of ${home}`);
      throw syntaxError(e.start, `unknown name ${e.name}`);
    }
    case "call":
      e.args.forEach((a, arg) => checkKeywords(a, { fn: e.name, arg }));
      return;
    case "array":
      e.items.forEach((a) => checkKeywords(a));
      return;
    case "unary":
      checkKeywords(e.operand);
      return;
    case "binary":
      checkKeywords(e.left);
      checkKeywords(e.right);
      return;
    default:
      return;
  }
}

export function parseExpression(text: string): Expr {
  const expr = new Parser(text, tokenize(text)).parse();
  checkKeywords(expr);
  return expr;
}

function walk(e: Expr, visit: (e: Expr) => void): void {
  visit(e);
  switch (e.kind) {
    case "call":
      e.args.forEach((a) => walk(a, visit));
      break;
    case "array":
      e.items.forEach((a) => walk(a, visit));
      break;
    case "unary":
      walk(e.operand, visit);
      break;
    case "binary":
      walk(e.left, visit);
      walk(e.right, visit);
      break;
    default:
      break;
  }
}

/**
 * The query ids an expression names (m1, e2 ...), each once, in order of first
 * appearance. METRICS() names none: it stands for every metric in the request.
 */
export function referencedIds(expr: Expr): string[] {
  const seen = new Set<string>();
  walk(expr, (e) => {
    if (e.kind === "id") seen.add(e.name);
  });
  return [...seen];
}

