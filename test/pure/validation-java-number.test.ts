/**
 * javaNumberText prints a number as CloudWatch's messages do (Java's
 * NumberFormat for en-US over the double's shortest digits). The expected
 * texts are AWS's own answers where one was recorded: Netflix/servo's
 * CloudWatchValueTest (PutMetricData of special and out-of-range values) and
 * sj26/sidekiq-cloudwatchmetrics#16 (NaN).
 */
import { describe, expect, it } from "vitest";
import { javaNumberText } from "../../lib/validation/java-number.js";

describe("javaNumberText", () => {
  it.each([
    [NaN, "NaN"],
    [Infinity, "∞"],
    [-Infinity, "-∞"],
    [Number.MIN_VALUE, "0"],
    [2 ** -361, "0"],
    [-(2 ** -361), "-0"],
    [
      Number.MAX_VALUE,
      "179,769,313,486,231,570,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000",
    ],
    [2 ** 361, "4,697,085,165,547,666,500,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000"],
    [-(2 ** 361), "-4,697,085,165,547,666,500,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000"],
  ])("prints %d as AWS recorded it: %s", (x, text) => {
    expect(javaNumberText(x)).toBe(text);
  });

  // NumberFormat's pattern #,##0.### with half-even rounding, on the shortest digits.
  it.each([
    [0, "0"],
    [-1, "-1"],
    [30, "30"],
    [1.5, "1.5"],
    [-1.25, "-1.25"],
    [1234567.8915, "1,234,567.892"],
    [0.0625, "0.062"],
    [0.0635, "0.064"],
    [0.1 + 0.2, "0.3"],
    [1e21, "1,000,000,000,000,000,000,000"],
  ])("groups thousands and keeps three decimals, half-even: %d → %s", (x, text) => {
    expect(javaNumberText(x)).toBe(text);
  });
});
