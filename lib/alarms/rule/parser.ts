/**
 * AlarmRule grammar (AWS PutCompositeAlarm):
 *   rule    := or
 *   or      := and ("OR" and)*
 *   and     := not ("AND" not)*
 *   not     := "NOT" not | primary
 *   primary := "(" rule ")" | "TRUE" | "FALSE" | STATE "(" name ")"
 * NOT binds tightest, then AND, then OR, as AWS documents.
 */
import type { StateValue } from "../alarm.js";
import { lex, ruleError, type Token } from "./lexer.js";

export type Rule =
  | { kind: "const"; value: boolean }
  | { kind: "state"; state: StateValue; alarm: string }
  | { kind: "not"; operand: Rule }
  | { kind: "and" | "or"; operands: Rule[] };

/** Deepest nesting of parentheses and NOT a rule may have (bounds recursion). */
export const MAX_RULE_DEPTH = 100;

export function parseRule(text: string): Rule {
  const tokens = lex(text);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const isKeyword = (t: Token | undefined, v: string) => t?.kind === "keyword" && t.value === v;
  /** AWS's words for a token out of place, or for a rule that stops short; `expected` names the one token that fits. */
  const unsupported = (t: Token | undefined, expected?: string) => {
    const must = expected ? `, must be: '${expected}'` : "";
    if (!t) return ruleError(`Unexpected end of rule${must}`);
    return ruleError(`Unsupported token '${t.kind === "keyword" || t.kind === "name" ? t.value : t.kind}' at char ${t.at}${must}`);
  };

  const parseOr = (depth: number): Rule => {
    const operands = [parseAnd(depth)];
    while (isKeyword(peek(), "OR")) {
      pos++;
      operands.push(parseAnd(depth));
    }
    return operands.length === 1 ? operands[0] : { kind: "or", operands };
  };
  const parseAnd = (depth: number): Rule => {
    const operands = [parseNot(depth)];
    while (isKeyword(peek(), "AND")) {
      pos++;
      operands.push(parseNot(depth));
    }
    return operands.length === 1 ? operands[0] : { kind: "and", operands };
  };
  const parseNot = (depth: number): Rule => {
    if (depth > MAX_RULE_DEPTH) throw ruleError(`The rule is nested more than ${MAX_RULE_DEPTH} levels deep`);
    if (isKeyword(peek(), "NOT")) {
      pos++;
      return { kind: "not", operand: parseNot(depth + 1) };
    }
    return parsePrimary(depth);
  };
  const parsePrimary = (depth: number): Rule => {
    const t = peek();
    if (!t) throw unsupported(t);
    if (t.kind === "(") {
      pos++;
      const inner = parseOr(depth + 1);
      if (peek()?.kind !== ")") throw unsupported(peek(), ")");
      pos++;
      return inner;
    }
    if (t.kind === "keyword" && (t.value === "TRUE" || t.value === "FALSE")) {
      pos++;
      return { kind: "const", value: t.value === "TRUE" };
    }
    if (t.kind === "keyword" && (t.value === "ALARM" || t.value === "OK" || t.value === "INSUFFICIENT_DATA")) {
      pos++;
      if (peek()?.kind !== "(") throw unsupported(peek(), "(");
      pos++;
      const name = peek();
      if (name?.kind !== "name" || name.value === "") throw unsupported(name);
      pos++;
      if (peek()?.kind !== ")") throw unsupported(peek(), ")");
      pos++;
      return { kind: "state", state: t.value, alarm: name.value };
    }
    throw unsupported(t);
  };

  if (tokens.length === 0) throw unsupported(undefined);
  const rule = parseOr(0);
  if (pos < tokens.length) throw unsupported(tokens[pos]);
  return rule;
}

/** Every alarm (name or ARN, as written) the rule refers to. */
export function ruleAlarms(rule: Rule, out = new Set<string>()): Set<string> {
  switch (rule.kind) {
    case "state":
      out.add(rule.alarm);
      break;
    case "not":
      ruleAlarms(rule.operand, out);
      break;
    case "and":
    case "or":
      for (const r of rule.operands) ruleAlarms(r, out);
      break;
  }
  return out;
}
