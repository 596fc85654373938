/**
 * Tokens of a metric math expression.
 *
 * - ids (m1, errorRate, e_2) start with a lowercase letter, as AWS requires of
 *   MetricDataQuery ids; names (AVG, REPEAT, ...) start with an uppercase letter
 *   or an underscore: functions "must be written in uppercase letters".
 * - AND, OR and NOT are operators, as are &&, || and the comparisons.
 * - Strings are single- or double-quoted. A backslash before the closing quote
 *   character keeps it in the string; every other character, backslashes
 *   included, is taken as written, so a SEARCH string reaches the search parser
 *   with its own escapes intact.
 *
 * Every token records its 0-based start and end offsets in the text.
 */
import { syntaxError } from "./values.js";

export type TokenType =
  | "number"
  | "string"
  | "id"
  | "name"
  | "op" // + - * / ^ == != < <= > >= AND OR NOT
  | "(" | ")" | "[" | "]" | ","
  | "eof";

export interface Token {
  type: TokenType;
  /** The number's value, the string's content, the id or name, or the operator (&& and || as AND and OR). */
  text: string;
  start: number;
  end: number;
}

const isDigit = (c: string) => c >= "0" && c <= "9";
const isLower = (c: string) => c >= "a" && c <= "z";
const isUpper = (c: string) => c >= "A" && c <= "Z";
const isWordChar = (c: string) => isDigit(c) || isLower(c) || isUpper(c) || c === "_";
const isSpace = (c: string) => c === " " || c === "\t" || c === "\n" || c === "\r";

const WORD_OPERATORS = new Set(["AND", "OR", "NOT"]);

export function tokenize(text: string): Token[] {
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
    if (isDigit(c) || (c === "." && i + 1 < n && isDigit(text[i + 1]!))) {
      while (i < n && isDigit(text[i]!)) i++;
      if (text[i] === ".") {
        i++;
        while (i < n && isDigit(text[i]!)) i++;
      }
      if (text[i] === "e" || text[i] === "E") {
        let j = i + 1;
        if (text[j] === "+" || text[j] === "-") j++;
        if (j < n && isDigit(text[j]!)) {
          while (j < n && isDigit(text[j]!)) j++;
          i = j;
        }
      }
      tokens.push({ type: "number", text: text.slice(start, i), start, end: i });
      continue;
    }
    if (isLower(c) || isUpper(c) || c === "_") {
      while (i < n && isWordChar(text[i]!)) i++;
      const word = text.slice(start, i);
      const type: TokenType = WORD_OPERATORS.has(word) ? "op" : isLower(c) ? "id" : "name";
      tokens.push({ type, text: word, start, end: i });
      continue;
    }
    if (c === "'" || c === '"') {
      i++;
      let value = "";
      let closed = false;
      while (i < n) {
        const d = text[i]!;
        if (d === "\\" && text[i + 1] === c) {
          value += c;
          i += 2;
          continue;
        }
        if (d === c) {
          closed = true;
          i++;
          break;
        }
        value += d;
        i++;
      }
      if (!closed) throw syntaxError(start, "unterminated string");
      tokens.push({ type: "string", text: value, start, end: i });
      continue;
    }
    const two = text.slice(i, i + 2);
    if (two === "==" || two === "!=" || two === "<=" || two === ">=") {
      tokens.push({ type: "op", text: two, start, end: i + 2 });
      i += 2;
      continue;
    }
    if (two === "&&" || two === "||") {
      tokens.push({ type: "op", text: two === "&&" ? "AND" : "OR", start, end: i + 2 });
      i += 2;
      continue;
    }
    if ("+-*/^<>".includes(c)) {
      tokens.push({ type: "op", text: c, start, end: i + 1 });
      i++;
      continue;
    }
    if ("()[],".includes(c)) {
      tokens.push({ type: c as TokenType, text: c, start, end: i + 1 });
      i++;
      continue;
    }
    if (c === "=") throw syntaxError(start, "unexpected '=' (use == to compare)");
    throw syntaxError(start, `unexpected character '${c}'`);
  }
  tokens.push({ type: "eof", text: "", start: n, end: n });
  return tokens;
}
