/**
 * The composite AlarmRule language (lib/alarms/rule/): ALARM, OK and
 * INSUFFICIENT_DATA of an alarm name or ARN, TRUE, FALSE, AND, OR, NOT and
 * parentheses, with NOT binding tightest and AND before OR (PutCompositeAlarm,
 * AlarmRule, in the CloudWatch API Reference; the examples there write names
 * both quoted and bare).
 */
import { describe, expect, it } from "vitest";
import { evaluateRule } from "../../lib/alarms/rule/evaluate.js";
import { parseRule, ruleAlarms, MAX_RULE_DEPTH } from "../../lib/alarms/rule/parser.js";
import type { StateValue } from "../../lib/alarms/alarm.js";

const STATES: Record<string, StateValue> = { a: "ALARM", o: "OK", i: "INSUFFICIENT_DATA", "my alarm": "ALARM", "arn:aws:cloudwatch:us-east-1:000000000000:alarm:x": "OK" };
const run = (rule: string) => evaluateRule(parseRule(rule), (n) => STATES[n]);

describe("AlarmRule evaluation", () => {
  it.each([
    ["ALARM(a)", true],
    ["ALARM(o)", false],
    ["OK(o)", true],
    ["INSUFFICIENT_DATA(i)", true],
    ["INSUFFICIENT_DATA(a)", false],
    ['ALARM("my alarm")', true],
    ['OK("arn:aws:cloudwatch:us-east-1:000000000000:alarm:x")', true],
    ["TRUE", true],
    ["FALSE", false],
    ["NOT ALARM(a)", false],
    ["NOT NOT ALARM(a)", true],
    ["ALARM(a) AND OK(o)", true],
    ["ALARM(a) AND ALARM(o)", false],
    ["ALARM(o) OR ALARM(a)", true],
    ["ALARM(o) OR ALARM(i)", false],
    // AND binds tighter than OR: TRUE OR (FALSE AND FALSE)
    ["TRUE OR FALSE AND FALSE", true],
    ["(TRUE OR FALSE) AND FALSE", false],
    // NOT binds tighter than AND: (NOT FALSE) AND FALSE
    ["NOT FALSE AND FALSE", false],
    ["NOT (FALSE AND FALSE)", true],
    ["(ALARM(a) OR ALARM(o)) AND NOT (INSUFFICIENT_DATA(o) OR OK(a))", true],
    ["ALARM(missing-alarm)", false],
    ["  ALARM( a )  ", true],
  ])("%s is %s", (rule, expected) => {
    expect(run(rule)).toBe(expected);
  });

  it("lists every alarm a rule refers to", () => {
    expect([...ruleAlarms(parseRule('ALARM(a) OR (OK("my alarm") AND NOT INSUFFICIENT_DATA(a))'))].sort()).toEqual(["a", "my alarm"]);
  });
});

// AWS's ValidationError for a rule it cannot parse, as the Java SDK printed it through CloudFormation:
// "Error in AlarmRule [Unsupported token ')' at char 1]" for "()" (aws/aws-cdk issue #34662) and
// "Error in AlarmRule [Unsupported token 'Oldest' at char 67, must be: ')']" for an unquoted name with
// spaces (aws/aws-cdk issue #13953). The other rows follow that form.
const ARN = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:";
describe("AlarmRule errors are AWS's ValidationError naming the token and where it is", () => {
  it.each([
    ["()", "Unsupported token ')' at char 1"],
    [`(ALARM(${ARN}SampleQueue Oldest Age Alarm) OR ALARM(${ARN}SampleQueue Visible Messages Alarm))`, "Unsupported token 'Oldest' at char 67, must be: ')'"],
    ["", "Unexpected end of rule"],
    ["ALARM a", "Unsupported token 'a' at char 6, must be: '('"],
    ["ALARM()", "Unsupported token ')' at char 6"],
    ["ALARM(a", "Unexpected end of rule, must be: ')'"],
    ["ALARM(a) AND", "Unexpected end of rule"],
    ["ALARM(a) OK(o)", "Unsupported token 'OK' at char 9"],
    ["(ALARM(a)", "Unexpected end of rule, must be: ')'"],
    ['ALARM("a)', "Unterminated quoted alarm name at char 6"],
    ["alarm(a)", "Unsupported token 'alarm' at char 0"],
    ["ALARM(a) XOR ALARM(o)", "Unsupported token 'XOR' at char 9"],
  ])("%j", (rule, detail) => {
    let error: any;
    try {
      parseRule(rule);
    } catch (e) {
      error = e;
    }
    expect(error?.code).toBe("ValidationError");
    expect(error?.status).toBe(400);
    expect(error?.message).toBe(`Error in AlarmRule [${detail}]`);
  });

  it(`refuses nesting deeper than ${MAX_RULE_DEPTH} levels instead of overflowing the stack`, () => {
    const deep = "(".repeat(MAX_RULE_DEPTH + 5) + "TRUE" + ")".repeat(MAX_RULE_DEPTH + 5);
    expect(() => parseRule(deep)).toThrow(/nested more than/);
    const ok = "(".repeat(50) + "TRUE" + ")".repeat(50);
    expect(run(ok)).toBe(true);
  });
});

describe("math alarms packed into one GetMetricData: query ids renamed apart", () => {
  it("renames the alarm's own ids in its expression, and nothing inside quotes or function names", async () => {
    const { renameIds } = await import("../../lib/alarms/evaluate/read.js");
    const ids = new Set(["e", "r", "m1"]);
    const out = renameIds(`100 * e / r + FILL(m1, 0) + SEARCH('{AWS/EC2} e r', "Average", 60) + em`, ids, (id) => `a3_${id}`);
    expect(out).toBe(`100 * a3_e / a3_r + FILL(a3_m1, 0) + SEARCH('{AWS/EC2} e r', "Average", 60) + em`);
  });
});
