/**
 * The filter patterns of AWS's pages, each against the events the page gives
 * (test/support/aws-doc-patterns.ts holds the table and cites each row), run
 * through the compiler; test/service/logs-patterns-service.test.ts runs the
 * same table through TestMetricFilter.
 */
import { describe, expect, it } from "vitest";
import { isServiceError } from "../../lib/errors.js";
import { compileFilterPattern } from "../../lib/logs/patterns/index.js";
import { GROUPS, INVALID, RECORDED_ERRORS, patternKey } from "../support/aws-doc-patterns.js";

const ROWS = GROUPS.flatMap((g) => g.rows.map((row) => ({ ...row, group: g })));

describe("AWS's documented filter patterns", () => {
  it("the table holds at least 150 distinct patterns with the events they match, besides those AWS refuses, each citing its source", () => {
    expect(new Set(ROWS.map((r) => patternKey(r.pattern))).size).toBeGreaterThanOrEqual(150);
    expect(new Set(INVALID.map((r) => patternKey(r.pattern))).size).toBe(INVALID.length);
    for (const g of [...GROUPS, ...INVALID]) expect(g.source).toMatch(/https:\/\/|FilterAndPatternSyntax\.md/);
  });

  it("no pattern appears twice with different answers for the same event", () => {
    const seen = new Map<string, boolean>();
    for (const r of ROWS) {
      r.group.messages.forEach((m, i) => {
        const key = `${patternKey(r.pattern)}\u0000${m}`;
        const want = r.matches.includes(i);
        expect(seen.get(key) ?? want, `${r.pattern} on ${m}`).toBe(want);
        seen.set(key, want);
      });
    }
  });

  it.each(ROWS)("$pattern ($group.section)", ({ pattern, matches, extracted, group }) => {
    const compiled = compileFilterPattern(pattern, "metric filter pattern");
    const got = group.messages.flatMap((m, i) => (compiled.matches(m) ? [i] : []));
    expect(got).toEqual(matches);
    expect(group.messages.flatMap((m, i) => (compiled.match(m) ? [i] : []))).toEqual(matches);
    for (const [i, values] of Object.entries(extracted ?? {})) {
      const fields = compiled.match(group.messages[Number(i)]!)!.fields;
      expect(Object.fromEntries(Object.keys(values).map((k) => [k, fields[k] === undefined ? undefined : String(fields[k])]))).toEqual(values);
    }
  });

  it.each(INVALID)("$pattern is InvalidParameterException ($why)", ({ pattern }) => {
    let error: unknown;
    try {
      compileFilterPattern(pattern, "metric filter pattern");
    } catch (e) {
      error = e;
    }
    expect(isServiceError(error), `${pattern} compiled`).toBe(true);
    expect(error).toMatchObject({ code: "InvalidParameterException", status: 400, message: "Invalid metric filter pattern" });
  });

  const WHAT = { FilterLogEvents: "filter pattern", PutSubscriptionFilter: "subscription filter pattern", TestMetricFilter: "metric filter pattern" } as const;

  it.each(RECORDED_ERRORS)("$operation answers $pattern with '$message' ($source)", ({ pattern, operation, message }) => {
    expect(() => compileFilterPattern(pattern, WHAT[operation])).toThrow(expect.objectContaining({ code: "InvalidParameterException", message }));
  });
});
