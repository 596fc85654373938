/**
 * Metric math parser: syntax, precedence, positions, and the errors a bad
 * expression gets (AWS answers them with a 400 ValidationError).
 */
import { describe, expect, it } from "vitest";
import { ServiceError } from "../../lib/errors.js";
import type { Expr } from "../../lib/metrics/query/math/ast.js";
import type { MathContext } from "../../lib/metrics/query/math/context.js";
import { evaluateExpression } from "../../lib/metrics/query/math/evaluate.js";
import { parseExpression, referencedIds } from "../../lib/metrics/query/math/parser.js";
import { MathError } from "../../lib/metrics/query/math/values.js";

const PERIOD = 60;
const START = Date.UTC(2024, 0, 1);

/** Evaluates an expression with no data and returns the value of its (constant) result. */
async function scalarOf(text: string): Promise<number> {
  const ctx: MathContext = { lookup: () => undefined, periodSeconds: PERIOD, startTime: START, endTime: START + 60_000, allIds: [] };
  const r = await evaluateExpression(text, ctx);
  if (Array.isArray(r)) throw new Error("expected one series");
  expect(r.timestamps).toEqual([START]);
  return r.values[0]!;
}

/** The expression's error, which must be a 400 ValidationError. */
function parseError(text: string): MathError {
  try {
    parseExpression(text);
  } catch (e) {
    expect(e).toBeInstanceOf(ServiceError);
    expect(e).toBeInstanceOf(MathError);
    const err = e as MathError;
    expect(err.code).toBe("ValidationError");
    expect(err.status).toBe(400);
    return err;
  }
  throw new Error(`${text} parsed without error`);
}

/** A compact rendering of a tree: (op left right), F(args), [items]. */
function shape(e: Expr): string {
  switch (e.kind) {
    case "number":
      return String(e.value);
    case "string":
      return JSON.stringify(e.value);
    case "id":
      return e.name;
    case "keyword":
      return `#${e.name}`;
    case "call":
      return `${e.name}(${e.args.map(shape).join(", ")})`;
    case "array":
      return `[${e.items.map(shape).join(", ")}]`;
    case "unary":
      return `(${e.op} ${shape(e.operand)})`;
    case "binary":
      return `(${e.op} ${shape(e.left)} ${shape(e.right)})`;
  }
}

describe("parseExpression: operands", () => {
  it("reads numbers in integer, decimal and exponent forms", () => {
    expect(shape(parseExpression("12"))).toBe("12");
    expect(shape(parseExpression("1.5"))).toBe("1.5");
    expect(shape(parseExpression(".25"))).toBe("0.25");
    expect(shape(parseExpression("2e3"))).toBe("2000");
    expect(shape(parseExpression("1.5E-2"))).toBe("0.015");
  });

  it("reads ids, which start with a lowercase letter and may hold letters, digits and underscores", () => {
    expect(shape(parseExpression("m1"))).toBe("m1");
    expect(shape(parseExpression("errorRate_5xx"))).toBe("errorRate_5xx");
  });

  it("reads single- and double-quoted strings; a backslash keeps the closing quote character", () => {
    expect(shape(parseExpression("METRICS('errors')"))).toBe('METRICS("errors")');
    expect(shape(parseExpression('METRICS("errors")'))).toBe('METRICS("errors")');
    expect((parseExpression("'it\\'s'") as { value: string }).value).toBe("it's");
    // Other backslashes are kept, so a search string reaches the search parser as written.
    expect((parseExpression("'a\\\"b'") as { value: string }).value).toBe('a\\"b');
  });

  it("reads function calls, nested calls and array literals", () => {
    expect(shape(parseExpression("SUM([m1, m2])"))).toBe("SUM([m1, m2])");
    expect(shape(parseExpression("FILL(METRICS(), REPEAT)"))).toBe("FILL(METRICS(), #REPEAT)");
    expect(shape(parseExpression("SORT(METRICS(), AVG, DESC, 10)"))).toBe("SORT(METRICS(), #AVG, #DESC, 10)");
    expect(shape(parseExpression("[]"))).toBe("[]");
  });

  it("ignores whitespace, including newlines", () => {
    expect(shape(parseExpression(" \tm1\n+\r\n m2 "))).toBe("(+ m1 m2)");
  });
});

describe("parseExpression: precedence and associativity", () => {
  it("binds * and / tighter than + and -, left to right", async () => {
    expect(shape(parseExpression("m1 + m2 * m3"))).toBe("(+ m1 (* m2 m3))");
    expect(await scalarOf("1 + 2 * 3")).toBe(7);
    expect(await scalarOf("10 - 4 - 3")).toBe(3);
    expect(await scalarOf("12 / 3 / 2")).toBe(2);
    expect(await scalarOf("(1 + 2) * 3")).toBe(9);
  });

  it("makes ^ bind tightest and associate to the right; unary minus applies after it", async () => {
    expect(await scalarOf("2 ^ 3 ^ 2")).toBe(512);
    expect(await scalarOf("-2 ^ 2")).toBe(-4);
    expect(await scalarOf("2 ^ -1")).toBe(0.5);
    expect(await scalarOf("3 * 2 ^ 2")).toBe(12);
  });

  it("puts comparisons below arithmetic, NOT below comparisons, AND below NOT, OR lowest", async () => {
    expect(shape(parseExpression("m1 + 1 > m2 * 2"))).toBe("(> (+ m1 1) (* m2 2))");
    expect(shape(parseExpression("NOT m1 > 1 AND m2 OR m3"))).toBe("(OR (AND (NOT (> m1 1)) m2) m3)");
    expect(await scalarOf("1 + 1 == 2")).toBe(1);
    expect(await scalarOf("1 OR 0 AND 0")).toBe(1);
    expect(await scalarOf("NOT 1 == 2")).toBe(1);
  });

  it("accepts && and || as AND and OR", () => {
    expect(shape(parseExpression("m1 > 1 && m2 < 2 || m3"))).toBe("(OR (AND (> m1 1) (< m2 2)) m3)");
  });
});

describe("parseExpression: positions", () => {
  it("records each node's 0-based span and source text", () => {
    const e = parseExpression("  AVG(m1) * 2");
    expect(e.kind).toBe("binary");
    if (e.kind !== "binary") return;
    expect([e.start, e.end, e.text]).toEqual([2, 13, "AVG(m1) * 2"]);
    expect(e.opStart).toBe(10);
    expect([e.left.start, e.left.end, e.left.text]).toEqual([2, 9, "AVG(m1)"]);
    if (e.left.kind !== "call") throw new Error("call expected");
    expect([e.left.args[0]!.start, e.left.args[0]!.text]).toEqual([6, "m1"]);
  });

  it("widens a parenthesised node to its parentheses", () => {
    const e = parseExpression("(m1 + m2)");
    expect([e.kind, e.start, e.end, e.text]).toEqual(["binary", 0, 9, "(m1 + m2)"]);
  });
});

describe("parseExpression: errors", () => {
  const cases: [string, number, RegExp][] = [
    ["", 0, /Syntax error at position 0: the expression is empty/],
    ["m1 +", 4, /Syntax error at position 4: unexpected end of expression/],
    ["m1 m2", 3, /Syntax error at position 3: unexpected 'm2'/],
    ["(m1 + m2", 8, /Syntax error at position 8: expected '\)' to close the '\(' at position 0/],
    ["SUM([m1, m2)", 11, /Syntax error at position 11: expected ',' or '\]' but found '\)'/],
    ["AVG(m1", 6, /Syntax error at position 6: expected '\)' to close the '\(' at position 3/],
    ["m1 = 2", 3, /Syntax error at position 3: unexpected '=' \(use == to compare\)/],
    ["m1 $ 2", 3, /Syntax error at position 3: unexpected character '\$'/],
    ["METRICS('abc", 8, /Syntax error at position 8: unterminated string/],
    ["+m1", 0, /Syntax error at position 0: unexpected '\+'/],
    ["FOO(m1)", 0, /^Unknown function FOO \(at position 0\)$/],
    ["m1 + avg(m1)", 5, /^Unknown function avg: function names are written in uppercase \(at position 5\)$/],
    ["AVG(m1, m2)", 0, /Invalid number of arguments for AVG: expected 1, got 2/],
    ["IF(m1)", 0, /Invalid number of arguments for IF: expected 2 to 3, got 1/],
    ["SORT(METRICS(), AVG)", 0, /Invalid number of arguments for SORT: expected 3 to 4, got 2/],
    ["m1 + REPEAT", 5, /Syntax error at position 5: REPEAT can only be an argument of FILL/],
    ["FILL(m1, AVG)", 9, /Syntax error at position 9: AVG is not valid here: argument 2 of FILL is one of REPEAT, LINEAR/],
    ["SORT(METRICS(), MEDIAN, ASC)", 16, /MEDIAN is not valid here: argument 2 of SORT is one of AVG, SUM, MIN, MAX, STDDEV/],
    ["SORT(METRICS(), AVG, UP)", 21, /UP is not valid here: argument 3 of SORT is one of ASC, DESC/],
    ["AVG + 1", 0, /Syntax error at position 0: AVG is a function and needs parentheses: AVG\(\.\.\.\)/],
    ["m1 * BOGUS", 5, /Syntax error at position 5: unknown name BOGUS/],
  ];
  for (const [text, position, message] of cases) {
    it(`rejects ${JSON.stringify(text)} at position ${position}`, () => {
      const err = parseError(text);
      expect(err.message).toMatch(message);
      expect(err.position).toBe(position);
    });
  }
});

describe("referencedIds", () => {
  it("lists each id once, in order of first appearance", () => {
    expect(referencedIds(parseExpression("m1 + FILL(m2, m1) / e3 - IF(m2 > 0, [e3, x_1])"))).toEqual(["m1", "m2", "e3", "x_1"]);
    expect(referencedIds(parseExpression("SUM(METRICS()) + 1"))).toEqual([]);
  });

  it("parses the functions AWS cannot run here, so their errors come from evaluation", () => {
    expect(shape(parseExpression("DB_PERF_INSIGHTS('RDS', 'db-1', ['db.load.avg', 'os.cpu.avg'])"))).toBe(
      'DB_PERF_INSIGHTS("RDS", "db-1", ["db.load.avg", "os.cpu.avg"])',
    );
  });
});
