/**
 * AWS's regular-expression subset for filter patterns (`%…%`), run in linear
 * time. The subset (CloudWatch Logs user guide, "Supported regular expressions
 * (regex) syntax"): letters, digits, the symbols : _ # = @ / ; , - and the
 * operators ^ $ ? [ ] { } | \ * + . — no parentheses, no multi-byte
 * characters. With no groups the language is regular and small, so it is
 * compiled to a Thompson NFA and simulated state-set by state-set: a message
 * costs O(length × states) whatever the pattern, where a backtracking engine
 * could take exponential or high-polynomial time (`%a*a*a*a*b%`).
 */
type Pred = (code: number) => boolean;

/** NFA nodes: consume one code unit, fork, assert a position, or accept. */
type Node =
  | { kind: "char"; pred: Pred; next: number }
  | { kind: "split"; a: number; b: number }
  | { kind: "bol"; next: number }
  | { kind: "eol"; next: number }
  | { kind: "match" };

/** Upper bound on NFA nodes: `{m,n}` repeats expand, and every node costs time per character. */
const MAX_NODES = 2000;
const MAX_REPEAT = 1000;

const SYMBOLS = new Set([..." :_#=@/;,-"]);
const OPERATORS = new Set([..."^$?[]{}|\\*+."]);

const isDigit = (c: number) => c >= 48 && c <= 57;
const isAlpha = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isWord = (c: number) => isDigit(c) || isAlpha(c) || c === 95;
const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);

export class AwsRegex {
  private constructor(
    private readonly nodes: Node[],
    private readonly start: number,
    readonly source: string,
    /** Text every match contains (a literal run of a one-branch expression): tested first, far cheaper than the NFA. */
    private readonly required: string,
  ) {}

  /**
   * Compiles the text between the `%` signs. `fail(detail)` builds the error a
   * caller reports for an invalid expression (the wording depends on where it sits).
   */
  static compile(source: string, fail: (detail: string) => Error): AwsRegex {
    for (const ch of source) {
      const c = ch.codePointAt(0)!;
      if (c > 127) throw fail("multi-byte characters are not supported in a regular expression");
      if (!isDigit(c) && !isAlpha(c) && !SYMBOLS.has(ch) && !OPERATORS.has(ch)) {
        throw fail(`the character '${ch}' is not supported in a regular expression`);
      }
    }
    if (source.length === 0) throw fail("a regular expression cannot be empty");
    const builder = new Builder(source, fail);
    const start = builder.build();
    return new AwsRegex(builder.nodes, start, source, builder.requiredLiteral);
  }

  /** Whether the expression matches anywhere in the text (a search, as `%…%` terms do). */
  test(text: string): boolean {
    if (this.required && !text.includes(this.required)) return false;
    const nodes = this.nodes;
    const n = nodes.length;
    let current = new Int32Array(n);
    let next = new Int32Array(n);
    let curLen = 0;
    let nextLen = 0;
    const mark = new Int32Array(n).fill(-1);
    let gen = 0;
    const len = text.length;
    // Adds a node and everything reachable from it without consuming, at position pos.
    const stack: number[] = [];
    const add = (list: Int32Array, lenRef: number, id: number, pos: number): number | true => {
      stack.push(id);
      while (stack.length) {
        const s = stack.pop()!;
        if (mark[s] === gen) continue;
        mark[s] = gen;
        const node = nodes[s]!;
        switch (node.kind) {
          case "match":
            stack.length = 0;
            return true;
          case "split":
            stack.push(node.b, node.a);
            break;
          case "bol":
            if (pos === 0) stack.push(node.next);
            break;
          case "eol":
            if (pos === len) stack.push(node.next);
            break;
          case "char":
            list[lenRef++] = s;
            break;
        }
      }
      return lenRef;
    };
    for (let pos = 0; pos <= len; pos++) {
      gen++;
      // Re-seeding the start at every position makes this a search, not an anchored match.
      nextLen = 0;
      for (let i = 0; i < curLen; i++) {
        const s = current[i]!;
        const r = add(next, nextLen, s, pos);
        if (r === true) return true;
        nextLen = r;
      }
      const r = add(next, nextLen, this.start, pos);
      if (r === true) return true;
      nextLen = r;
      if (pos === len) break;
      // Step over the character at pos.
      const code = text.charCodeAt(pos);
      curLen = 0;
      const tmp = current;
      current = next;
      next = tmp;
      let kept = 0;
      for (let i = 0; i < nextLen; i++) {
        const node = nodes[current[i]!] as Extract<Node, { kind: "char" }>;
        if (node.pred(code)) current[kept++] = node.next;
      }
      curLen = kept;
    }
    return false;
  }
}

/** A parsed item: one atom with its repeat bounds, or an anchor. */
type Item = { kind: "atom"; pred: Pred; min: number; max: number; literal?: string } | { kind: "bol" } | { kind: "eol" };

class Builder {
  readonly nodes: Node[] = [];
  requiredLiteral = "";
  private i = 0;

  constructor(
    private readonly src: string,
    private readonly fail: (detail: string) => Error,
  ) {}

  build(): number {
    const branches: Item[][] = [[]];
    while (this.i < this.src.length) {
      const ch = this.src[this.i]!;
      if (ch === "|") {
        this.i++;
        branches.push([]);
        continue;
      }
      branches[branches.length - 1]!.push(this.item());
    }
    if (branches.length === 1) this.requiredLiteral = longestLiteralRun(branches[0]!);
    const accept = this.push({ kind: "match" });
    const starts = branches.map((items) => this.chain(items, accept));
    let start = starts[starts.length - 1]!;
    for (let k = starts.length - 2; k >= 0; k--) start = this.push({ kind: "split", a: starts[k]!, b: start });
    return start;
  }

  private push(node: Node): number {
    if (this.nodes.length >= MAX_NODES) throw this.fail("the regular expression is too large");
    this.nodes.push(node);
    return this.nodes.length - 1;
  }

  /** Builds the items back to front so each node knows its successor. */
  private chain(items: Item[], end: number): number {
    let next = end;
    for (let k = items.length - 1; k >= 0; k--) {
      const item = items[k]!;
      if (item.kind === "bol") next = this.push({ kind: "bol", next });
      else if (item.kind === "eol") next = this.push({ kind: "eol", next });
      else next = this.repeat(item.pred, item.min, item.max, next);
    }
    return next;
  }

  private repeat(pred: Pred, min: number, max: number, next: number): number {
    if (max === Infinity) {
      // A loop: split → (char → split) | next.
      const split = this.push({ kind: "split", a: -1, b: next });
      const char = this.push({ kind: "char", pred, next: split });
      (this.nodes[split] as Extract<Node, { kind: "split" }>).a = char;
      next = split;
    } else {
      for (let k = 0; k < max - min; k++) {
        const char = this.push({ kind: "char", pred, next });
        next = this.push({ kind: "split", a: char, b: next });
      }
    }
    for (let k = 0; k < min; k++) next = this.push({ kind: "char", pred, next });
    return next;
  }

  private item(): Item {
    const ch = this.src[this.i]!;
    if (ch === "^") {
      this.i++;
      return { kind: "bol" };
    }
    if (ch === "$") {
      this.i++;
      return { kind: "eol" };
    }
    if (ch === "*" || ch === "+" || ch === "?" || ch === "{") throw this.fail(`'${ch}' has nothing to repeat`);
    if (ch === "]" || ch === "}") throw this.fail(`unbalanced '${ch}'`);
    const at = this.i;
    const pred = this.atom();
    // A plain character (or an escaped symbol) is a literal a match must contain, when it is not repeated.
    const raw = this.src.slice(at, this.i);
    const literal = raw.length === 1 && raw !== "." ? raw : raw.length === 2 && raw[0] === "\\" && !/[A-Za-z0-9]/.test(raw[1]!) ? raw[1] : undefined;
    let min = 1;
    let max = 1;
    const q = this.src[this.i];
    if (q === "*") [min, max] = [0, Infinity];
    else if (q === "+") [min, max] = [1, Infinity];
    else if (q === "?") [min, max] = [0, 1];
    if (q === "*" || q === "+" || q === "?") this.i++;
    else if (q === "{") [min, max] = this.bounds();
    // A lazy marker changes which match is found, not whether one is: accepted and ignored.
    if (this.src[this.i] === "?" && !(min === 1 && max === 1)) this.i++;
    const after = this.src[this.i];
    if (after === "*" || after === "+" || after === "{") throw this.fail("a repeat cannot be repeated");
    return min === 1 && max === 1 && literal !== undefined ? { kind: "atom", pred, min, max, literal } : { kind: "atom", pred, min, max };
  }

  private bounds(): [number, number] {
    const close = this.src.indexOf("}", this.i);
    if (close < 0) throw this.fail("unbalanced '{'");
    const body = this.src.slice(this.i + 1, close);
    const m = /^(\d+)(,(\d*))?$/.exec(body);
    if (!m) throw this.fail(`invalid repeat '{${body}}'`);
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === "" ? Infinity : Number(m[3]);
    if (min > MAX_REPEAT || (max !== Infinity && max > MAX_REPEAT) || max < min) throw this.fail(`invalid repeat '{${body}}'`);
    this.i = close + 1;
    return [min, max];
  }

  private atom(): Pred {
    const ch = this.src[this.i]!;
    this.i++;
    if (ch === ".") return (c) => c !== 10;
    if (ch === "\\") return this.escape(false) as Pred;
    if (ch === "[") return this.charClass();
    const code = ch.charCodeAt(0);
    return (c) => c === code;
  }

  /** After a backslash: a class (\d \w \s and negations), a control character, or a literal. */
  private escape(inClass: boolean): Pred | number {
    const ch = this.src[this.i];
    if (ch === undefined) throw this.fail("a trailing backslash");
    this.i++;
    switch (ch) {
      case "d": return isDigit;
      case "D": return (c) => !isDigit(c);
      case "w": return isWord;
      case "W": return (c) => !isWord(c);
      case "s": return isSpace;
      case "S": return (c) => !isSpace(c);
      case "t": return inClass ? 9 : (c) => c === 9;
      case "n": return inClass ? 10 : (c) => c === 10;
      case "r": return inClass ? 13 : (c) => c === 13;
    }
    const code = ch.charCodeAt(0);
    if (isAlpha(code) || isDigit(code)) throw this.fail(`unsupported escape '\\${ch}'`);
    return inClass ? code : (c) => c === code;
  }

  private charClass(): Pred {
    let negate = false;
    if (this.src[this.i] === "^") {
      negate = true;
      this.i++;
    }
    const ranges: [number, number][] = [];
    const classes: Pred[] = [];
    let first = true;
    for (;;) {
      const ch = this.src[this.i];
      if (ch === undefined) throw this.fail("unbalanced '['");
      if (ch === "]" && !first) {
        this.i++;
        break;
      }
      first = false;
      let lo: number;
      if (ch === "\\") {
        this.i++;
        const e = this.escape(true);
        if (typeof e === "function") {
          classes.push(e);
          continue;
        }
        lo = e;
      } else {
        lo = ch.charCodeAt(0);
        this.i++;
      }
      if (this.src[this.i] === "-" && this.src[this.i + 1] !== undefined && this.src[this.i + 1] !== "]") {
        this.i++;
        const hiCh = this.src[this.i]!;
        let hi: number;
        if (hiCh === "\\") {
          this.i++;
          const e = this.escape(true);
          if (typeof e === "function") throw this.fail("a class cannot end a range");
          hi = e;
        } else {
          hi = hiCh.charCodeAt(0);
          this.i++;
        }
        if (hi < lo) throw this.fail("a range out of order");
        ranges.push([lo, hi]);
      } else {
        ranges.push([lo, lo]);
      }
    }
    const inSet = (c: number) => ranges.some(([lo, hi]) => c >= lo && c <= hi) || classes.some((p) => p(c));
    return negate ? (c) => !inSet(c) : inSet;
  }
}

/** The longest run of consecutive literal items of a branch. */
function longestLiteralRun(items: Item[]): string {
  let best = "";
  let run = "";
  for (const item of items) {
    if (item.kind === "atom" && item.literal !== undefined) run += item.literal;
    else run = "";
    if (run.length > best.length) best = run;
  }
  return best;
}
