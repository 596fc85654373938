/**
 * Evaluates a parsed AlarmRule against the states of the alarms it names:
 * STATE(x) is true when alarm x is in that state. TRUE puts the composite in
 * ALARM, FALSE in OK, as AWS documents for testing rules.
 */
import type { StateValue } from "../alarm.js";
import type { Rule } from "./parser.js";

export function evaluateRule(rule: Rule, stateOf: (alarm: string) => StateValue | undefined): boolean {
  switch (rule.kind) {
    case "const":
      return rule.value;
    case "state":
      return stateOf(rule.alarm) === rule.state;
    case "not":
      return !evaluateRule(rule.operand, stateOf);
    case "and":
      return rule.operands.every((r) => evaluateRule(r, stateOf));
    case "or":
      return rule.operands.some((r) => evaluateRule(r, stateOf));
  }
}
