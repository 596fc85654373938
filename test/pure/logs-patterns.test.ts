/**
 * Filter patterns against AWS's documented answers.
 *
 * Sources (each group below names its own):
 * - [SYNTAX] "Filter and Pattern Syntax", CloudWatch Logs user guide,
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
 *   (source text: github.com/awsdocs/amazon-cloudwatch-logs-user-guide, doc_source/FilterAndPatternSyntax.md).
 * - [REGEX] "Supported regular expressions (regex) syntax",
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/regex-expressions.html
 * - [LIGHTSAIL] the filterPattern examples of the Lightsail GetContainerLog API
 *   reference (the same CloudWatch Logs syntax).
 * Where a page lists the messages a pattern matches, the other messages of the
 * same example are the documented non-matches; cases built from one pattern
 * and one message of the same example are written as (pattern, [indexes that match]).
 */
import { describe, expect, it } from "vitest";
import { isServiceError } from "../../lib/errors.js";
import { compileFilterPattern } from "../../lib/logs/patterns/index.js";
import { tokenizeForIndex } from "../../lib/logs/events/tokens.js";
import { rng } from "../support/random.js";

interface Example {
  source: string;
  messages: string[];
  /** pattern → 0-based indexes of the messages it matches. */
  patterns: [string, number[]][];
}

const APACHE = [
  '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534',
  '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324',
  '127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] "GET /apache_pb.gif HTTP/1.0" 200 4355',
  // [SYNTAX]'s extraction example event.
  '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534',
];

const TRAIL = JSON.stringify({
  eventType: "UpdateTrail",
  sourceIPAddress: "111.111.111.111",
  arrayKey: ["value", "another value"],
  objectList: [{ name: "a", id: 1 }, { name: "b", id: 2 }],
  SomeObject: null,
  ThisFlag: true,
});
// The same event with each property changed the way [SYNTAX] says makes its filter false.
const TRAIL_CHANGED = JSON.stringify({
  eventType: "CreateTrail",
  sourceIPAddress: "123.123.1.1",
  arrayKey: "value",
  objectList: [{ name: "a", id: 1 }],
  SomeObject: { set: 1 },
  SomeOtherObject: 1,
  ThisFlag: false,
});

const USERS = JSON.stringify({
  user: { id: 1, email: "John.Stiles@example.com" },
  users: [{ id: 2, email: "John.Doe@example.com" }, { id: 3, email: "Jane.Doe@example.com" }],
  actions: ["GET", "PUT", "DELETE"],
  coordinates: [[0, 1, 2], [4, 5, 6], [7, 8, 9]],
});

const EXAMPLES: Example[] = [
  {
    source: "[SYNTAX] Matching Terms in Log Events, examples 1-4 (case-sensitive substrings)",
    messages: [
      "[ERROR] A fatal exception has occurred",
      "Exiting with ERRORCODE: -1",
      "[ERROR] Caught IllegalArgumentException",
      "[ERROR] Unhandled Exception",
      "[WARN] Failed to process the request",
      "[ERROR] Unable to continue: Failed to process the request",
    ],
    patterns: [
      ['""', [0, 1, 2, 3, 4, 5]],
      ["", [0, 1, 2, 3, 4, 5]],
      ['"ERROR"', [0, 1, 2, 3, 5]],
      ["ERROR", [0, 1, 2, 3, 5]],
      ['"ERROR" - "Exiting"', [0, 2, 3, 5]],
      ["ERROR Exception", [2, 3]],
      ["Failed to process the request", [4, 5]],
    ],
  },
  {
    source: "[SYNTAX] OR Pattern Matching, text",
    messages: ["ERROR WARN message", "ERROR message", "WARN message"],
    patterns: [
      ["ERROR", [0, 1]],
      ["?ERROR ?WARN", [0, 1, 2]],
      ["ERROR WARN", [0]],
      ["ERROR -WARN", [1]],
    ],
  },
  {
    source: "[SYNTAX] OR Pattern Matching, space-delimited (w1 is the first word)",
    messages: ["ERROR WARN message", "ERROR message", "WARN message"],
    patterns: [
      ["[w1=ERROR, w2]", [1]],
      ["[w1=ERROR || w1=WARN, w2]", [1, 2]],
    ],
  },
  {
    source: "[SYNTAX] OR Pattern Matching, JSON",
    messages: ['{"foo": "bar"}', '{"foo": "baz"}'],
    patterns: [
      ["{$.foo = bar}", [0]],
      ["{$.foo = baz }", [1]],
      ["{$.foo = bar || $.foo = baz }", [0, 1]],
    ],
  },
  {
    source: "[SYNTAX] JSON Metric Filter Examples (the example event, and one changed as each explanation says fails)",
    messages: [TRAIL, TRAIL_CHANGED],
    patterns: [
      ['{ $.eventType = "UpdateTrail" }', [0]],
      ["{ $.sourceIPAddress != 123.123.* }", [0]],
      ['{ $.arrayKey[0] = "value" }', [0]],
      ["{ $.objectList[1].id = 2 }", [0]],
      ["{ $.SomeObject IS NULL }", [0]],
      ["{ $.SomeOtherObject NOT EXISTS }", [0]],
      ["{ $.ThisFlag IS TRUE }", [0]],
      ["{ $.ThisFlag IS FALSE }", [1]],
    ],
  },
  {
    source: "[SYNTAX] JSON: *Event matches PutEvent and GetEvent, Event* matches EventId and EventName",
    messages: ['{"e":"PutEvent"}', '{"e":"GetEvent"}', '{"e":"EventId"}', '{"e":"EventName"}'],
    patterns: [
      ["{ $.e = *Event }", [0, 1]],
      ["{ $.e = Event* }", [2, 3]],
    ],
  },
  {
    source: "[SYNTAX] JSON Compound Conditions",
    messages: [USERS],
    patterns: [
      ['{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }', [0]],
      ['{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }', []],
      ['{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }', [0]],
      ['{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch }', []],
    ],
  },
  {
    source: "[SYNTAX] JSON Special Considerations: a selector on an array matches neither = nor !=",
    messages: ['{"users": [1, 2, 3]}'],
    patterns: [
      ["{$.users = 1}", []],
      ["{$.users != 1}", []],
    ],
  },
  {
    source: "[SYNTAX] Numeric Comparisons (each example, with a value on each side of it)",
    messages: [
      '{"latency": 500, "numbers": [9999], "processes": [0,0,0,0,{"averageRuntime": 55.5}], "errorCode": 400}',
      '{"latency": 499, "numbers": [10000], "processes": [0,0,0,0,{"averageRuntime": 55.6}], "errorCode": 500}',
      '{"latency": 1001, "numbers": [0.009], "errorCode": 403}',
    ],
    patterns: [
      ["{ $.latency >= 500 }", [0, 2]],
      ["{ $.numbers[0] < 10e3 }", [0, 2]],
      ["{ $.numbers[0] < 10e-3 }", [2]],
      ["{ $.processes[4].averageRuntime <= 55.5 }", [0]],
      ["{ $.errorCode = 400 }", [0]],
      ["{ $.errorCode != 500 }", [0, 2]],
      ["{ $.latency > +1000 }", [2]],
    ],
  },
  {
    source: "[SYNTAX] Using Metric Filters to Extract Values from Space-Delimited Log Events",
    messages: APACHE,
    patterns: [
      ["[ip, user, username, timestamp, request, status_code, bytes]", [0, 1, 2, 3]],
      ["[..., status_code, bytes]", [0, 1, 2, 3]],
      ["[ip, user, ..., status_code, bytes]", [0, 1, 2, 3]],
      ["[ip, user, ...]", [0, 1, 2, 3]],
      ["[ip, user, username, timestamp, request, status_code, bytes > 1000]", [0, 1, 2, 3]],
      ["[ip, user, username, timestamp, request, status_code = 200, bytes]", [0, 2]],
      ["[ip, user, username, timestamp, request, status_code = 4*, bytes]", [3]],
      ["[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]", [3]],
      ["[ip, user, username, timestamp, request, status_code = 403 || status_code = 404, bytes]", [3]],
      ["[ip, user, username, timestamp, request, status_code = 4* && status_code != 403, bytes]", [3]],
      ["[..., request=*.html*, status_code=4*,]", [3]],
      // Seven fields: six named fields (no ...) match no event.
      ["[ip, user, username, timestamp, request, status_code]", []],
    ],
  },
  {
    source: "[REGEX] %AUTHORIZED% returns both example events",
    messages: ["[ERROR 401] UNAUTHORIZED REQUEST", "[SUCCESS 200] AUTHORIZED REQUEST", "[ERROR 400] BAD REQUEST"],
    patterns: [["%AUTHORIZED%", [0, 1]]],
  },
  {
    source: "[REGEX] ^ anchors at the start, $ at the end, ? makes the previous character optional",
    messages: ["hat", "cat", "that", "cat nap", "the hat", "color", "colour", "colr"],
    patterns: [
      ["%^[hc]at%", [0, 1, 3]],
      ["%[hc]at$%", [0, 1, 2, 4]],
      ["%colou?r%", [5, 6]],
    ],
  },
  {
    source: "[REGEX] [] character classes and ranges, {m,n} repeats",
    messages: ["a", "b", "c", "x", "y", "w", "ABC", "aa", "aaa", "aaaa", "aaaaa"],
    patterns: [
      ["%[abc]%", [0, 1, 2, 7, 8, 9, 10]],
      ["%[a-z]%", [0, 1, 2, 3, 4, 5, 7, 8, 9, 10]],
      ["%[abcx-z]%", [0, 1, 2, 3, 4, 7, 8, 9, 10]],
      ["%^a{3,5}$%", [8, 9, 10]],
    ],
  },
  {
    source: "[REGEX] the IP address and Error/Fail examples of the page's introduction",
    messages: ["from 10.0.12.255 port 22", "from host-a port 22", "Error: disk", "error: disk", "Fail over", "fail over", "FAIL"],
    patterns: [
      ["%\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}%", [0]],
      ["%[Ee]rror|[Ff]ail%", [2, 3, 4, 5]],
    ],
  },
  {
    source: "[LIGHTSAIL] filterPattern examples",
    messages: ["ERROR Exception in thread", "ERROR timeout", "Exception caught", "all good"],
    patterns: [
      ['""', [0, 1, 2, 3]],
      ["-ERROR", [2, 3]],
      ["ERROR", [0, 1]],
      ["ERROR Exception", [0]],
      ["?ERROR ?Exception", [0, 1, 2]],
    ],
  },
];

const CASES = EXAMPLES.flatMap((ex) =>
  ex.patterns.flatMap(([pattern, matching]) =>
    ex.messages.map((message, i) => ({ source: ex.source, pattern, message, expected: matching.includes(i) })),
  ),
);

describe("filter patterns match as AWS documents", () => {
  it("the table holds at least 150 documented cases", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(150);
  });

  it.each(CASES)("$pattern on $message → $expected ($source)", ({ pattern, message, expected }) => {
    const compiled = compileFilterPattern(pattern);
    expect(compiled.matches(message)).toBe(expected);
    expect(compiled.match(message) !== undefined).toBe(expected);
  });
});

describe("space-delimited fields", () => {
  it("extract $name for named fields and $N for the others, as [SYNTAX]'s extraction example shows", () => {
    const m = compileFilterPattern("[..., request=*.html*, status_code=4*,]").match(APACHE[3]!);
    expect(m?.fields).toEqual({
      $status_code: "404",
      $request: "GET /index.html HTTP/1.0",
      $7: "1534",
      $4: "10/Oct/2000:13:25:15 -0700",
      $3: "frank",
      $2: "-",
      $1: "127.0.0.1",
    });
  });

  it("look up a named field by $name for metric values", () => {
    const m = compileFilterPattern("[ip, user, username, timestamp, request, status_code, bytes]").match(APACHE[1]!);
    expect(m?.lookup("$bytes")).toBe("5324");
    expect(m?.lookup("$status_code")).toBe("500");
  });
});

describe("JSON matches", () => {
  it("extract the selectors the pattern names and look up any other", () => {
    // [SYNTAX], Publishing Numerical Values: { $.latency = * } with metricValue $.latency publishes 50.
    const m = compileFilterPattern("{ $.latency = * }").match('{"latency": 50, "requestType": "GET"}');
    expect(m?.fields).toEqual({ "$.latency": 50 });
    expect(m?.lookup("$.requestType")).toBe("GET");
    expect(m?.lookup("$.missing")).toBeUndefined();
  });

  it("match a property whose name the event writes with \\u escapes (the quick key test must not rule it out)", () => {
    const p = compileFilterPattern("{ $.latency > 5 && $.path = /a }");
    expect(p.matches('{"l\\u0061tency": 9, "path": "/a"}')).toBe(true);
    expect(p.matches('{"latency": 9, "pathway": "/a"}')).toBe(false);
    expect(compileFilterPattern("{ $.a = 1 || $.b = 2 }").matches('{"b": 2}')).toBe(true);
    expect(compileFilterPattern("{ $.a NOT EXISTS }").matches('{"b": 2}')).toBe(true);
  });

  // The text check reads the value after every `"name":` to rule events out before JSON.parse; these are the
  // events where that reading could go wrong, each decided as the parsed event decides it.
  it.each([
    ["{ $.latency > 995 }", '{"latency": 999}', true],
    ["{ $.latency > 995 }", '{"latency" :\n 999}', true],
    ["{ $.latency > 995 }", '{"latency": "999"}', true], // a numeric string compares as a number
    ["{ $.latency > 995 }", '{"latency": 9.99e2}', true],
    ["{ $.latency > 995 }", '{"latency": 5}', false],
    ["{ $.latency > 995 }", '{"latency": 5, "note": "latency: 999", "m": "\\"latency\\": 999"}', false],
    ["{ $.latency > 995 }", '{"a": {"latency": 999}, "latency": 1}', false], // the nested one is not $.latency
    ["{ $.a.latency > 995 }", '{"a": {"latency": 999}, "latency": 1}', true],
    ["{ $.latency > 995 }", '{"latency": 999, "latency": 1}', false], // JSON.parse keeps the last of duplicate keys
    ["{ $.latency > 995 }", '{"latency": 1, "latency": 999}', true],
    ["{ $.latency > 995 }", '{"say \\"latency": 999, "latency": 1}', false],
    ["{ $.latency > 995 }", '{"latency": [999]}', false],
    ["{ $.latency[0] > 995 }", '{"latency": [999]}', true],
    ["{ $.latency > 995 }", '{"latency": 999', false], // not JSON
    ["{ $.user = \"a\\\"b\" }", '{"user": "a\\"b"}', true],
    ["{ $.user = a* }", '{"user": "abc"}', true],
    ["{ $.user = a* }", '{"user": "bc", "x": {"user": "abc"}}', false],
    ["{ $.user = 7 }", '{"user": "7"}', true],
    ["{ $.user = \"true\" }", '{"user": true}', true],
    ["{ $.user IS TRUE }", '{"user": "true"}', false],
    ["{ $.user IS TRUE }", '{"user":true}', true],
    ["{ $.user IS NULL }", '{"user": null}', true],
    ["{ $.user IS NULL }", '{"user": {}}', false],
    ["{ $.user != \"x\" }", '{"user": {"a": 1}}', false],
    ["{ $.user != \"x\" }", '{"user": "y"}', true],
    ["{ $.latency = %^9+$% }", '{"latency": 999}', true],
    ["{ $.latency > 995 || $.level = \"error\" }", '{"latency": 1, "level": "error"}', true],
    ["{ $.latency > 995 && $.level = \"error\" }", '{"latency": 999, "level": "info"}', false],
  ])("%s on %s → %s (the text check agrees with the parsed event)", (pattern, message, want) => {
    const p = compileFilterPattern(pattern);
    expect(p.matches(message)).toBe(want);
    expect(p.match(message) !== undefined).toBe(want);
  });

  it("name every property a JSON match needs as needles a scan may test first, escapes as alternatives", () => {
    const p = compileFilterPattern("{ $.latency > 5 && ($.a = 1 || $.a = 2) }");
    expect(p.requiredAnyOf).toEqual([['"latency"', "\\u"], ['"a"', "\\u"]]);
    const random = rng(5);
    const values = ["1", "2", "6", '"x"', "null", "[6]", '{"a": 1}'];
    for (let i = 0; i < 2000; i++) {
      const pick = () => values[Math.floor(random() * values.length)];
      const m = random() < 0.5 ? `{"latency": ${pick()}, "a": ${pick()}}` : `{"l\\u0061tency": ${pick()}, "b": {"a": ${pick()}}}`;
      if (p.matches(m)) for (const group of p.requiredAnyOf!) expect(group.some((n) => m.includes(n))).toBe(true);
    }
  });

  // A scan runs the bytes check on a message's UTF-8 bytes inside an inflated block, finding each needle once
  // per block; an event it rules out is never decoded, so it must pass every event the pattern matches.
  it("pass every matching event's UTF-8 bytes to the scan's bytes check, among other messages, and rule out most others", () => {
    const patterns = [
      "{ $.latency > 995 }", "{ $.latency <= -2.5 }", "{ $.latency = 999 }", "{ $.latency != 7 }", '{ $.user = "ü-1" }', "{ $.user = ü* }",
      "{ $.user = *-1 }", "{ $.user IS TRUE }", "{ $.user IS NULL }", "{ $.user IS FALSE }", "{ $.a.latency > 5 }", "{ $.latency[0] > 995 }",
      "{ $.latency > 995 && $.user = x }", "{ ($.latency > 995 || $.user = x) && $.level = error }", "{ $.latency > 995 || $.user NOT EXISTS }",
      "{ $.latency = %^9+$% }", '{ $.@k = "v" }', "{ $.a-b = 1 }", "{ $.user = 1234567890123456789 }", "{ $.latency > 1e3 }",
    ].map((text) => compileFilterPattern(text));
    // `|| $.user NOT EXISTS` can match any text: that pattern has no check to run.
    expect(patterns.filter((p) => !p.bytesCheck).length).toBe(1);
    const random = rng(13);
    const pick = <T,>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
    const keys = ['"latency"', '"user"', '"level"', '"a"', '"@k"', '"a-b"', '"a\\u002db"', '"l\\u0061tency"', '"say \\"latency"', '"xlatency"'];
    const values = [
      "999", "996", "995", "7", "-3", "-2.5", "9.99e2", "1e3", "1001.5", "0999", "1234567890123456789", "12345678901234567", "-", "+5", "1.2.3",
      '"999"', '"ü-1"', '"üx"', '"x-1"', '"a\\"b"', '"x"', '"error"', '"v"', "true", "false", "null", "tru", "[999]", '{"latency": 999}', "",
    ];
    const space = () => pick(["", " ", "\n ", "\t"]);
    const message = () => {
      const fields = Array.from({ length: 1 + Math.floor(random() * 4) }, () => `${pick(keys)}${space()}:${space()}${pick(values)}`);
      const body = `{${fields.join(", ")}}`;
      return pick([body, body, body, body.slice(0, -1), `x ${body}`, `${body} "latency": 999`]);
    };
    let matched = 0;
    let ruledOut = 0;
    for (let n = 0; n < 1000; n++) {
      const messages = Array.from({ length: 10 }, message);
      // A block as the scan holds it: a header line before each message, a newline after.
      const parts: Buffer[] = [];
      const at: [number, number][] = [];
      let offset = 0;
      for (const m of messages) {
        const head = Buffer.from(`1 2 3 4 ${Buffer.byteLength(m)}\n`);
        const bytes = Buffer.from(m);
        at.push([offset + head.length, offset + head.length + bytes.length]);
        parts.push(head, bytes, Buffer.from("\n"));
        offset += head.length + bytes.length + 1;
      }
      const text = Buffer.concat(parts);
      for (const p of patterns) {
        if (!p.bytesCheck) continue;
        const needles = p.bytesCheck.needles.map((x) => Buffer.from(x));
        const find = (k: number, from: number) => text.indexOf(needles[k]!, from);
        messages.forEach((m, i) => {
          const passes = p.bytesCheck!.test(text, at[i]![0], at[i]![1], find);
          if (p.matches(m)) {
            matched++;
            expect(passes, `${JSON.stringify(m)} matches, so its bytes must pass the check`).toBe(true);
          } else if (!passes) ruledOut++;
        });
      }
    }
    expect(matched).toBeGreaterThan(1000);
    expect(ruledOut).toBeGreaterThan(50_000);
  });

  it.each([
    ["{ $.latency > 995 }", '{"latency": 5}'],
    ["{ $.latency > 995 }", '{"latency": 5, "note": "latency: 999"}'],
    ["{ $.latency > 995 }", '{"latency": [999]}'],
    ["{ $.user IS TRUE }", '{"user": "true"}'],
    ["{ $.user = a* }", '{"user": "bc", "x": {"user": "bcd"}}'],
    ["{ $.latency > 995 && $.level = \"error\" }", '{"latency": 999, "level": "info"}'],
  ])("rule out %s on %s from its bytes", (pattern, message) => {
    const p = compileFilterPattern(pattern);
    const text = Buffer.from(`x${message}x`);
    const needles = p.bytesCheck!.needles.map((n) => Buffer.from(n));
    expect(p.matches(message)).toBe(false);
    expect(p.bytesCheck!.test(text, 1, text.length - 1, (k, from) => text.indexOf(needles[k]!, from))).toBe(false);
  });

  it("do not match an event that is not JSON", () => {
    expect(compileFilterPattern("{ $.latency = * }").matches("latency=50")).toBe(false);
  });
});

describe("requiredTokens (scan pushdown)", () => {
  it.each([
    ['"[ERROR 400] BAD REQUEST"', ["ERROR", "400", "BAD"]],
    ["ERROR", []], // a substring: ERRORCODE matches it, so ERROR is no whole token
    ["?ERROR ?WARN", []],
    ["ERROR -WARN", []],
    ['" code=42 "', ["code", "42"]],
    ["{ $.a = 1 }", []],
  ])("%s → %j", (pattern, tokens) => {
    expect(compileFilterPattern(pattern).requiredTokens).toEqual(tokens);
  });
});

// A scan skips a chunk block whose index says no message holds `\u` when its token filter lacks one of these.
describe("plainTokens of JSON patterns (scan pushdown for blocks without \\u escapes)", () => {
  it.each([
    ["{ $.latency > 995 }", ["latency"]],
    ['{ $.level = "error" && $.latency > 5 }', ["error", "latency", "level"]],
    ["{ $.level = error || $.level = warn }", ["level"]], // either value: neither is needed
    ['{ ($.a = "x" || $.b = "x") && $.c = "y" }', ["c", "x", "y"]],
    ["{ $.a = 7 }", ["a"]], // a number may be written 7.0 or 7e0
    ['{ $.a = "7" }', ["a"]], // matches the number 7 too
    ['{ $.a = "1e5" }', ["a"]],
    ['{ $.a = "Infinity" }', ["a"]], // String() of 1e400
    ["{ $.a = x* }", ["a"]],
    ['{ $.a != "x" }', ["a"]],
    ["{ $.a = %x% }", ["a"]],
    ["{ $.a IS TRUE }", ["a", "true"]],
    ["{ $.a.b IS NULL }", ["b", "null"]],
    ['{ $.a = "user-42" }', ["42", "a", "user"]],
    ['{ $.a-b = "x y" }', ["a", "b", "x", "y"]],
    ['{ $.a = "ü-1" }', ["1", "a"]],
    ["{ $.a NOT EXISTS }", []],
    ["{ $.a = 1 || $.b NOT EXISTS }", []],
  ])("%s → %j", (pattern, tokens) => {
    expect([...compileFilterPattern(pattern).plainTokens!].sort()).toEqual(tokens);
  });

  it("are whole tokens of every message the pattern matches that holds no \\u escape", () => {
    const random = rng(424242);
    const pick = <T,>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
    const keys = ["level", "a", "a-b", "u/v", "user", "x y", "ü", "n_1", "t\tab"];
    const scalars: unknown[] = ["error", "warn", "x", "x y", "user-42", "ü-1", "7", 7, 7.5, 1e21, -0, "a/b", "t\tab", 'q"q', "", true, false, null, "true"];
    const value = (depth: number): unknown =>
      depth < 2 && random() < 0.2
        ? random() < 0.5
          ? [value(depth + 1), value(depth + 1)]
          : Object.fromEntries(Array.from({ length: 1 + Math.floor(random() * 3) }, () => [pick(keys), value(depth + 1)]))
        : pick(scalars);
    const patterns = [
      '{ $.level = "error" }', "{ $.level = error || $.a = x }", '{ $.a = "user-42" && $.level = warn }', "{ $.user IS TRUE }", "{ $.a IS NULL }",
      '{ $.a-b = "x y" }', '{ $.a = "a/b" }', '{ $.a = "ü-1" }', '{ $.n_1 = "t\tab" }', '{ $.a.level = "x" }', '{ $.a[0] = "x" }', "{ $.*.user = x }",
      '{ $.user = "q\\"q" }', "{ $.level = true }",
    ].map((text) => compileFilterPattern(text));
    let checked = 0;
    for (let n = 0; n < 20_000; n++) {
      const root = Object.fromEntries(Array.from({ length: 1 + Math.floor(random() * 4) }, () => [pick(keys), value(0)]));
      let m = JSON.stringify(root, null, pick([undefined, 1, "\t"]));
      // Other spellings JSON allows: an escaped slash, or a \u escape (then the tokens need not hold).
      if (random() < 0.2) m = m.replaceAll("/", "\\/");
      if (random() < 0.1) m = m.replace(/[a-z]/, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
      const tokens = new Set(tokenizeForIndex(m));
      for (const p of patterns) {
        if (m.includes("\\u") || !p.matches(m)) continue;
        checked++;
        for (const t of p.plainTokens!) expect(tokens.has(t), `${t} of ${m}`).toBe(true);
      }
    }
    expect(checked).toBeGreaterThan(1500);
  });
});

describe("invalid patterns are InvalidParameterException", () => {
  it.each([
    ["%something!%", "[REGEX]: '!' is not supported"],
    ["%(abc)%", "[REGEX]: the ( ) operators are not supported"],
    ["%héllo%", "[REGEX]: multi-byte characters are not supported"],
    ['"unterminated', "a quoted term without its closing quote"],
    ["{ $.a = ", "a JSON pattern without a value or closing brace"],
    ["{ $.a = 1", "a JSON pattern without its closing brace"],
    ["{ a = 1 }", "a JSON selector must start with $"],
    ["{ $.a > abc }", "[SYNTAX]: numeric operators take a NUMBER"],
    ["{ $.a IS MAYBE }", "IS takes TRUE, FALSE or NULL"],
    ["{ $.a NOT THERE }", "NOT takes EXISTS"],
    ["{ $.a = 1 & $.b = 2 }", "a single &"],
    ["[a, b", "a space-delimited pattern without its closing bracket"],
    ["[a, b > x]", "numeric operators take a NUMBER"],
    ["{ $.a = %x% || $.b = %y% || $.c = %z% }", "[REGEX]: at most 2 regular expressions in a JSON pattern"],
    ["{ $.*.*.a = 1 }", "one wildcard per selector"],
    ["%a{5,2}%", "a repeat whose maximum is below its minimum"],
    ["%*a%", "a repeat with nothing to repeat"],
  ])("%s (%s)", (pattern) => {
    let error: unknown;
    try {
      compileFilterPattern(pattern, "metric filter pattern");
    } catch (e) {
      error = e;
    }
    expect(isServiceError(error)).toBe(true);
    expect(error).toMatchObject({ code: "InvalidParameterException", status: 400 });
    // AWS's wording for metric filters (aws-cdk issue #16278 quotes "Invalid metric filter pattern").
    expect((error as Error).message).toBe("Invalid metric filter pattern");
  });
});

describe("filter pattern fuzz", () => {
  const PIECES = [
    "ERROR", "?WARN", "-INFO", '"a b"', "%a+b%", "%[0-9]{2,3}%", "{", "}", "[", "]", "(", ")", ",", "...",
    "$.a", "$.a[0]", "$.b.c", "$.*", "=", "!=", "<", ">=", "&&", "||", "IS", "NULL", "TRUE", "NOT", "EXISTS",
    "4*", "*x*", "12", "-3.5e2", "%", '"', "\\", "!", "&", "|", "w1", "status", " ", "é", "%^a*a*a*a*a*b$%",
  ];
  const MESSAGES = [
    '{"a": [1, 2], "b": {"c": "x"}, "status": 404}',
    "ERROR WARN 127.0.0.1 [x y] \"GET /\" 404 1534",
    "a".repeat(20_000),
    "",
    "[unclosed \"quote",
  ];

  it("random patterns either compile or throw a ServiceError, and matching always ends", () => {
    const random = rng(20261206);
    const started = Date.now();
    let compiled = 0;
    for (let n = 0; n < 3000; n++) {
      const len = 1 + Math.floor(random() * 10);
      let text = "";
      for (let k = 0; k < len; k++) text += PIECES[Math.floor(random() * PIECES.length)]! + (random() < 0.5 ? " " : "");
      if (random() < 0.3) text = `{ ${text} }`;
      else if (random() < 0.3) text = `[${text}]`;
      let pattern;
      try {
        pattern = compileFilterPattern(text);
      } catch (e) {
        expect(isServiceError(e), `pattern ${JSON.stringify(text)} threw ${String(e)}`).toBe(true);
        continue;
      }
      compiled++;
      for (const m of MESSAGES) {
        expect(typeof pattern.matches(m)).toBe("boolean");
        pattern.match(m);
      }
    }
    expect(compiled).toBeGreaterThan(100);
    // Linear-time regexes: 3000 patterns over a 20,000-character message stay well inside the test timeout.
    expect(Date.now() - started).toBeLessThan(50_000);
  });

  it("a regex that backtracks catastrophically elsewhere runs in linear time here", () => {
    const pattern = compileFilterPattern("%a*a*a*a*a*a*a*a*b%");
    const started = Date.now();
    expect(pattern.matches("a".repeat(200_000))).toBe(false);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
