/**
 * The models' patterns are Java regexes matched against the whole value
 * (java.util.regex, Matcher.matches); their JavaScript translation must
 * accept and refuse exactly what Java does.
 */
import { describe, expect, it } from "vitest";
import { UntranslatablePattern, translateJavaRegex, wholeValueRegex } from "../../lib/validation/java-regex.js";

const matches = (java: string, value: string) => wholeValueRegex(java).test(value);

describe("Java patterns in JavaScript", () => {
  it.each([
    // [pattern, value, Java's Pattern.matches(pattern, value)]
    ["[\\.\\-_/#A-Za-z0-9]+", "x", true],
    ["[\\.\\-_/#A-Za-z0-9]+", "x:latest", false], // the whole value, not a part of it
    ["[\\.\\-_/#A-Za-z0-9]+", "", false],
    ["[^:].*", "ns", true],
    ["[^:].*", ":ns", false],
    ["[^:].*", "a\nb", false], // `.` stops at line terminators
    ["[^:].*", "a\u0085b", false], // …including NEL, which JavaScript's `.` takes
    ["[^:].*", "a😀", true], // a supplementary character is one character
    ["\\S{36,128}", "x".repeat(36), true],
    ["\\S{36,128}", `${"x".repeat(35)}\u00a0`, true], // NBSP is not whitespace to Java's \s
    ["\\S{36,128}", `${"x".repeat(35)} `, false],
    ["[\\w-_]*", "a-b_c", true], // `-` after a class escape is a literal
    ["[\\w-_]*", "a.b", false],
    ["[\\w]*", "é", false], // \w is ASCII
    ["[\\w+=/:,.@-]*", "arn:aws:iam::123:role/x", true],
    ["^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+)$", "ключ 1", true], // \p{L} is Unicode letters
    ["^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+)$", "a*b", false],
    ["[0-9A-Za-z][\\-\\.\\_0-9A-Za-z]{0,126}[0-9A-Za-z]", "my_index.1", true], // `\_` is an identity escape in Java
    ["[\\x00-\\x7F]+", "abc", true],
    ["[\\x00-\\x7F]+", "é", false],
    ["^\\d{12}$", "123456789012", true],
    ["^\\d{12}$", "12345678901", false],
    ["(\\^?[\\.\\-_\\/#A-Za-z0-9]{3,24})(\\|\\^?[\\.\\-_\\/#A-Za-z0-9]{3,24}){0,4}", "^abc|def", true],
    ["\\Qa.b\\E", "a.b", true],
    ["\\Qa.b\\E", "axb", false],
  ] as const)("%s on %j: %s", (java, value, expected) => {
    expect(matches(java, value)).toBe(expected);
  });

  it.each(["[a&&[b]]", "[a[b]]", "a++", "(?i)a", "\\p{Alpha}", "\\x{1F600}", "[\\S]"])(
    "refuses to guess at %s (no faithful translation)",
    (java) => {
      expect(() => translateJavaRegex(java)).toThrow(UntranslatablePattern);
    },
  );
});
