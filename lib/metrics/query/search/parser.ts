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
 * - At most 1024 characters.
 */
import { invalidSearch as invalid, MAX_SEARCH_LENGTH, type SearchNode, type SearchQuery } from "./ast.js";
import { isSpace, lex, readQuoted, type Tok } from "./lexer.js";

const ACCOUNT_KEY = ":aws.AccountId";

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
