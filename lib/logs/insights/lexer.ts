/**
 * Tokens of the CloudWatch Logs Insights query language
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax.html).
 * Every token keeps its offsets in the query string, which MalformedQueryException reports.
 */
import { malformedQuery } from "./errors.js";

export type TokenKind =
  | "ident" // names, keywords and fields: @message, a.b.0, `quoted name`
  | "number"
  | "duration" // 5m, 1h, 30s: bin() periods
  | "string"
  | "regex"
  | "op" // | , ( ) [ ] : = != < <= > >= + - * / % ^ =~ !
  | "eof";

export interface Token {
  kind: TokenKind;
  /** The token as written (strings and regexes: their content, unquoted). */
  text: string;
  start: number;
  /** Offset of the last character (inclusive), as AWS's error location counts it. */
  end: number;
  /** Identifier written in backticks: never a keyword. */
  quoted?: boolean;
  /** Regex flags written after the closing slash (only `i` is meaningful). */
  flags?: string;
  number?: number;
}

const OPS = ["=~", "!=", "<=", ">=", "==", "&&", "||", "|", ",", "(", ")", "[", "]", ":", "=", "<", ">", "+", "-", "*", "/", "%", "^", "!"];
const DURATION = /^(\d+(?:\.\d+)?)(ms|msec|s|sec|secs|second|seconds|m|min|mins|minute|minutes|h|hr|hrs|hour|hours|d|day|days|w|week|weeks|mo|month|months|q|qtr|qtrs|quarter|quarters|y|yr|yrs|year|years)(?![A-Za-z0-9_])/;
const NUMBER = /^(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)/;
const IDENT = /^[@A-Za-z_$][A-Za-z0-9_$@.]*/;

/** Words after which a `/` starts a regex even though a name precedes it. */
const REGEX_AFTER_NAME = new Set(["like", "parse", "filter", "and", "or", "not", "in", "by", "pattern"]);

export function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = query.length;
  while (i < n) {
    const c = query[i];
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    if (c === "#") {
      while (i < n && query[i] !== "\n") i++;
      continue;
    }
    const start = i;
    if (c === '"' || c === "'") {
      let text = "";
      i++;
      while (i < n && query[i] !== c) {
        if (query[i] === "\\" && i + 1 < n) {
          const e = query[i + 1];
          text += e === "n" ? "\n" : e === "t" ? "\t" : e === c || e === "\\" ? e : "\\" + e;
          i += 2;
        } else text += query[i++];
      }
      if (i >= n) throw malformedQuery(`unterminated string literal at line ${lineOf(query, start)} and position ${colOf(query, start)}`, start, n - 1);
      i++;
      tokens.push({ kind: "string", text, start, end: i - 1 });
      continue;
    }
    if (c === "`") {
      const close = query.indexOf("`", i + 1);
      if (close < 0) throw malformedQuery(`unterminated quoted field at line ${lineOf(query, start)} and position ${colOf(query, start)}`, start, n - 1);
      tokens.push({ kind: "ident", text: query.slice(i + 1, close), start, end: close, quoted: true });
      i = close + 1;
      continue;
    }
    if (c === "/" && regexAllowed(tokens)) {
      let text = "";
      i++;
      while (i < n && query[i] !== "/") {
        if (query[i] === "\\" && i + 1 < n) {
          // An escaped slash is a slash; every other escape is the regex's own.
          text += query[i + 1] === "/" ? "/" : query.slice(i, i + 2);
          i += 2;
        } else text += query[i++];
      }
      if (i >= n) throw malformedQuery(`unterminated regular expression at line ${lineOf(query, start)} and position ${colOf(query, start)}`, start, n - 1);
      i++;
      let flags = "";
      while (i < n && /[a-z]/.test(query[i]) && !/[A-Za-z0-9_]/.test(query[i + 1] ?? "")) flags += query[i++];
      tokens.push({ kind: "regex", text, flags, start, end: i - 1 });
      continue;
    }
    const rest = query.slice(i, i + 40);
    if (/[0-9.]/.test(c) && (c !== "." || /[0-9]/.test(query[i + 1] ?? ""))) {
      const d = DURATION.exec(query.slice(i, i + 24));
      if (d) {
        tokens.push({ kind: "duration", text: d[0], start, end: i + d[0].length - 1 });
        i += d[0].length;
        continue;
      }
      const m = NUMBER.exec(query.slice(i, i + 64))!;
      tokens.push({ kind: "number", text: m[0], number: Number(m[0]), start, end: i + m[0].length - 1 });
      i += m[0].length;
      continue;
    }
    const id = IDENT.exec(query.slice(i, i + 1024));
    if (id) {
      let text = id[0];
      // A name never ends in a dot (`a.b.` leaves the dot to what follows).
      while (text.endsWith(".")) text = text.slice(0, -1);
      tokens.push({ kind: "ident", text, start, end: i + text.length - 1 });
      i += text.length;
      continue;
    }
    const op = OPS.find((o) => rest.startsWith(o));
    if (op) {
      tokens.push({ kind: "op", text: op, start, end: i + op.length - 1 });
      i += op.length;
      continue;
    }
    throw malformedQuery(`unexpected symbol found ${c} at line ${lineOf(query, start)} and position ${colOf(query, start)}`, start, start);
  }
  tokens.push({ kind: "eof", text: "<EOF>", start: n, end: n });
  return tokens;
}

/** A slash opens a regex where a value may start, or after `parse <field>`. */
function regexAllowed(tokens: Token[]): boolean {
  const prev = tokens[tokens.length - 1];
  if (!prev) return true;
  if (prev.kind === "op") return prev.text !== ")" && prev.text !== "]";
  if (prev.kind === "ident" && !prev.quoted) {
    if (REGEX_AFTER_NAME.has(prev.text.toLowerCase())) return true;
    const before = tokens[tokens.length - 2];
    return before?.kind === "ident" && before.text.toLowerCase() === "parse";
  }
  if (prev.kind === "ident") {
    const before = tokens[tokens.length - 2];
    return before?.kind === "ident" && before.text.toLowerCase() === "parse";
  }
  return false;
}

export function lineOf(query: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < query.length; i++) if (query[i] === "\n") line++;
  return line;
}

export function colOf(query: string, offset: number): number {
  const nl = query.lastIndexOf("\n", offset - 1);
  return offset - (nl + 1);
}
