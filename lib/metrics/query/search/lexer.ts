/**
 * Tokens of a search term: words, double-quoted phrases (`\` escapes the next
 * character), parentheses and `=`. Operators (AND, OR, NOT) are words the parser recognises.
 */
import { invalidSearch as invalid } from "./ast.js";

export type Tok =
  | { kind: "word"; text: string; pos: number }
  | { kind: "quoted"; text: string; pos: number }
  | { kind: "(" | ")" | "=" | "eof"; text: string; pos: number };

export const isSpace = (c: string) => c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" || c === "\v";

/** Reads a double-quoted string at `i` (which holds the quote); `\x` stands for x. */
export function readQuoted(s: string, i: number): { text: string; next: number } {
  let text = "";
  let k = i + 1;
  while (k < s.length) {
    const c = s[k];
    if (c === "\\" && k + 1 < s.length) {
      text += s[k + 1];
      k += 2;
      continue;
    }
    if (c === '"') return { text, next: k + 1 };
    text += c;
    k++;
  }
  throw invalid("unterminated double-quoted string", i);
}

export function lex(s: string, from: number): Tok[] {
  const toks: Tok[] = [];
  let i = from;
  while (i < s.length) {
    const c = s[i];
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === "(" || c === ")" || c === "=") {
      toks.push({ kind: c, text: c, pos: i });
      i++;
      continue;
    }
    if (c === '"') {
      const q = readQuoted(s, i);
      toks.push({ kind: "quoted", text: q.text, pos: i });
      i = q.next;
      continue;
    }
    const start = i;
    while (i < s.length && !isSpace(s[i]) && s[i] !== "(" && s[i] !== ")" && s[i] !== "=" && s[i] !== '"') i++;
    toks.push({ kind: "word", text: s.slice(start, i), pos: start });
  }
  toks.push({ kind: "eof", text: "", pos: s.length });
  return toks;
}

