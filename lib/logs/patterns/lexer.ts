/**
 * Tokens of a CloudWatch Logs filter pattern. Two shapes of text exist:
 * - unstructured terms (`ERROR ?WARN -"Exiting now" %ab+c%`), split by
 *   `splitTerms` into terms with their prefix;
 * - bracketed expressions, JSON (`{ $.a = "x" && $.b > 5 }`) or
 *   space-delimited (`[ip, user, ..., status = 4*]`), split by `tokenize`.
 * Errors are PatternSyntax: the compiler turns them into AWS's
 * InvalidParameterException with the wording of the operation.
 */

/** A syntax error in a pattern; the compiler reports it as InvalidParameterException. */
export class PatternSyntax extends Error {}

export type TermMode = "include" | "exclude" | "optional";

export interface Term {
  mode: TermMode;
  kind: "text" | "regex";
  /** The text to look for (quotes and escapes removed), or the regex source between the % signs. */
  value: string;
  quoted: boolean;
}

const isSpace = (c: string | undefined) => c === " " || c === "\t" || c === "\n" || c === "\r";

/** Reads a double-quoted string starting at text[i] === '"'; a backslash keeps the next character. */
function readQuoted(text: string, i: number): { value: string; end: number } {
  let value = "";
  let j = i + 1;
  for (;;) {
    const c = text[j];
    if (c === undefined) throw new PatternSyntax("unterminated quoted string");
    if (c === "\\" && j + 1 < text.length) {
      value += text[j + 1];
      j += 2;
      continue;
    }
    if (c === '"') return { value, end: j + 1 };
    value += c;
    j++;
  }
}

function readRegex(text: string, i: number): { value: string; end: number } {
  // The regex subset has no % of its own: the next % closes it.
  const close = text.indexOf("%", i + 1);
  if (close < 0) throw new PatternSyntax("unterminated regular expression");
  return { value: text.slice(i + 1, close), end: close + 1 };
}

/**
 * Splits an unstructured pattern into terms. A `-` or `?` right before a term
 * is its prefix; a lone `-` (AWS's `"ERROR" - "Exiting"`) applies to the next term;
 * `a-b` is `a -b`.
 */
export function splitTerms(text: string): Term[] {
  const terms: Term[] = [];
  let i = 0;
  let pending: TermMode | undefined;
  while (i < text.length) {
    if (isSpace(text[i])) {
      i++;
      continue;
    }
    let mode: TermMode = pending ?? "include";
    pending = undefined;
    const c = text[i]!;
    if ((c === "-" || c === "?") && mode === "include") {
      const m: TermMode = c === "-" ? "exclude" : "optional";
      if (i + 1 >= text.length || isSpace(text[i + 1])) {
        pending = m;
        i++;
        continue;
      }
      mode = m;
      i++;
    }
    const d = text[i]!;
    if (d === '"') {
      const q = readQuoted(text, i);
      terms.push({ mode, kind: "text", value: q.value, quoted: true });
      i = q.end;
    } else if (d === "%") {
      const r = readRegex(text, i);
      terms.push({ mode, kind: "regex", value: r.value, quoted: false });
      i = r.end;
    } else {
      let j = i;
      while (j < text.length && !isSpace(text[j]) && text[j] !== '"') j++;
      // Unquoted, a '-' inside a word starts an exclusion: AWS finds nothing for an unquoted
      // request-id-123-something or ORDER-ITEM-1 that its events hold (cloudashdev/cloudash #84,
      // jorgebastida/awslogs #381); quoted, the word is one term.
      const [first, ...excluded] = text.slice(i, j).split("-").filter((piece, k) => k === 0 || piece !== "");
      terms.push({ mode, kind: "text", value: first!, quoted: false });
      for (const value of excluded) terms.push({ mode: "exclude", kind: "text", value, quoted: false });
      i = j;
    }
    if (i < text.length && !isSpace(text[i]) ) {
      // "abc"def or %x%y: a term must end at a space.
      throw new PatternSyntax("terms must be separated by spaces");
    }
  }
  if (pending) throw new PatternSyntax("a '-' or '?' must be followed by a term");
  return terms;
}

export type TokenType =
  | "{" | "}" | "[" | "]" | "(" | ")" | ","
  | "&&" | "||"
  | "op" // = != < <= > >=
  | "..."
  | "selector" // $.a.b[0] (JSON only)
  | "string" // "quoted"
  | "regex" // %…%
  | "word" // a bare value or name
  | "eof";

export interface Token {
  type: TokenType;
  text: string;
  start: number;
}

const PUNCT = new Set(["{", "}", "[", "]", "(", ")", ","]);
/** Characters that end a bare word. */
const WORD_END = new Set([...' \t\n\r,(){}[]=!<>&|"%']);

/** Tokens of a bracketed pattern; `json` reads `$` selectors. */
export function tokenize(text: string, json: boolean): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (isSpace(c)) {
      i++;
      continue;
    }
    const start = i;
    if (PUNCT.has(c)) {
      tokens.push({ type: c as TokenType, text: c, start });
      i++;
    } else if (c === "&" || c === "|") {
      if (text[i + 1] !== c) throw new PatternSyntax(`'${c}' must be doubled`);
      tokens.push({ type: c === "&" ? "&&" : "||", text: c + c, start });
      i += 2;
    } else if (c === "=" || c === "!" || c === "<" || c === ">") {
      if (text[i + 1] === "=") {
        if (c === "=") throw new PatternSyntax("'==' is not an operator");
        tokens.push({ type: "op", text: c + "=", start });
        i += 2;
      } else {
        if (c === "!") throw new PatternSyntax("'!' must be followed by '='");
        tokens.push({ type: "op", text: c, start });
        i++;
      }
    } else if (c === '"') {
      const q = readQuoted(text, i);
      tokens.push({ type: "string", text: q.value, start });
      i = q.end;
    } else if (c === "%") {
      const r = readRegex(text, i);
      tokens.push({ type: "regex", text: r.value, start });
      i = r.end;
    } else if (c === "$" && json) {
      let j = i + 1;
      // A selector runs over .name, .*, [n] and [*] steps; the parser checks their form.
      while (j < n) {
        const d = text[j]!;
        if (d === "[") {
          const close = text.indexOf("]", j);
          if (close < 0) throw new PatternSyntax("unterminated '[' in a selector");
          j = close + 1;
        } else if (isSpace(d) || (WORD_END.has(d) && d !== "[")) {
          break;
        } else {
          j++;
        }
      }
      tokens.push({ type: "selector", text: text.slice(i, j), start });
      i = j;
    } else {
      let j = i;
      while (j < n && !WORD_END.has(text[j]!)) j++;
      const word = text.slice(i, j);
      tokens.push({ type: word === "..." ? "..." : "word", text: word, start });
      i = j;
    }
  }
  tokens.push({ type: "eof", text: "", start: n });
  return tokens;
}
