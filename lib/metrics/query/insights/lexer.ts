/**
 * Lexer of the CloudWatch Metrics Insights SQL dialect.
 *
 * Tokens (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-querylanguage.html):
 * - bare words: letters, digits and `_` (keywords are words, matched case-insensitively);
 * - double-quoted identifiers (namespaces, metric names, label keys), `\"`, `\'`
 *   and `\\` escapes;
 * - single-quoted label values, same escapes;
 * - integers (LIMIT), and the punctuation `( ) , = !=`.
 * Every token carries its 1-based line and column for error messages.
 */
import { ServiceError, validationError } from "../../../errors.js";

export type TokenKind = "word" | "ident" | "string" | "number" | "(" | ")" | "," | "=" | "!=" | "eof";

export interface Token {
  kind: TokenKind;
  /** Unescaped text: the word as written, the identifier or string without quotes. */
  text: string;
  line: number;
  column: number;
  /** Offset in the query text. */
  offset: number;
}

/** A syntax error at a position, phrased like AWS ("Query syntax error at line 1, column 8"). */
export function syntaxError(line: number, column: number, detail?: string): ServiceError {
  const where = `Query syntax error at line ${line}, column ${column}`;
  return validationError(detail ? `${where}: ${detail}` : where);
}

const isWordChar = (c: string) =>
  (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c === "_";
const isDigit = (c: string) => c >= "0" && c <= "9";

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const n = sql.length;

  while (i < n) {
    const c = sql[i];
    if (c === "\n") {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r" || c === "\f" || c === "\v") {
      i++;
      continue;
    }
    const column = i - lineStart + 1;
    const startLine = line;
    const start = i;
    const push = (kind: TokenKind, text: string) => tokens.push({ kind, text, line: startLine, column, offset: start });

    if (c === "(" || c === ")" || c === "," || c === "=") {
      push(c, c);
      i++;
      continue;
    }
    if (c === "!") {
      if (sql[i + 1] === "=") {
        push("!=", "!=");
        i += 2;
        continue;
      }
      throw syntaxError(line, column, `unexpected character '!'`);
    }
    if (c === '"' || c === "'") {
      const quote = c;
      let text = "";
      i++;
      let closed = false;
      while (i < n) {
        const d = sql[i];
        if (d === "\\" && i + 1 < n) {
          text += sql[i + 1];
          i += 2;
          continue;
        }
        if (d === quote) {
          closed = true;
          i++;
          break;
        }
        if (d === "\n") {
          line++;
          lineStart = i + 1;
        }
        text += d;
        i++;
      }
      if (!closed) {
        throw syntaxError(startLine, column, `unterminated ${quote === '"' ? "quoted identifier" : "string"}`);
      }
      push(quote === '"' ? "ident" : "string", text);
      continue;
    }
    if (isWordChar(c)) {
      while (i < n && isWordChar(sql[i])) i++;
      const text = sql.slice(start, i);
      push(/^[0-9]+$/.test(text) ? "number" : "word", text);
      continue;
    }
    if (c === "-" && isDigit(sql[i + 1] ?? "")) {
      i++;
      while (i < n && isDigit(sql[i])) i++;
      push("number", sql.slice(start, i));
      continue;
    }
    throw syntaxError(line, column, `unexpected character '${c}'`);
  }
  tokens.push({ kind: "eof", text: "", line, column: i - lineStart + 1, offset: n });
  return tokens;
}

