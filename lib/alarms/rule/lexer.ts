/**
 * Tokens of a composite alarm's AlarmRule: the state functions ALARM, OK and
 * INSUFFICIENT_DATA, TRUE, FALSE, AND, OR, NOT, parentheses, and alarm names
 * or ARNs, quoted ("my alarm") or bare (my-alarm), as AWS's examples write them.
 */
import { validationError } from "../../errors.js";

export type Token =
  | { kind: "keyword"; value: "ALARM" | "OK" | "INSUFFICIENT_DATA" | "TRUE" | "FALSE" | "AND" | "OR" | "NOT"; at: number }
  | { kind: "name"; value: string; at: number }
  | { kind: "("; at: number }
  | { kind: ")"; at: number };

const KEYWORDS = new Set(["ALARM", "OK", "INSUFFICIENT_DATA", "TRUE", "FALSE", "AND", "OR", "NOT"]);

/**
 * AWS's ValidationError for a rule it cannot parse, e.g. "Error in AlarmRule [Unsupported token ')' at char 1]"
 * and "Error in AlarmRule [Unsupported token 'Oldest' at char 67, must be: ')']" (aws/aws-cdk issues #34662
 * and #13953 quote both); chars count from 0.
 */
export const ruleError = (detail: string) => validationError(`Error in AlarmRule [${detail}]`);

export function lex(rule: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < rule.length) {
    const c = rule[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "(" || c === ")") {
      out.push({ kind: c, at: i });
      i++;
    } else if (c === '"') {
      const end = rule.indexOf('"', i + 1);
      if (end < 0) throw ruleError(`Unterminated quoted alarm name at char ${i}`);
      out.push({ kind: "name", value: rule.slice(i + 1, end), at: i });
      i = end + 1;
    } else {
      let j = i;
      while (j < rule.length && !/[\s()"]/.test(rule[j])) j++;
      const word = rule.slice(i, j);
      if (KEYWORDS.has(word)) out.push({ kind: "keyword", value: word as any, at: i });
      else out.push({ kind: "name", value: word, at: i });
      i = j;
    }
  }
  return out;
}
