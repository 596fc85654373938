/**
 * The clustering behind Logs Insights' `pattern` and `diff` (lib/logs/insights/patterns.ts,
 * comparison.ts), and both commands through the evaluator.
 *
 * AWS's pages pin the outputs: "pattern" (CWL_QuerySyntax-Pattern.html: @pattern with `<*>`
 * for what varies, e.g. "[INFO] Request time: <*> ms" for "[INFO] Request time: 327 ms";
 * @ratio, @sampleCount, @severityLabel), "Pattern analysis" (CWL_AnalyzeLogData_Patterns.html:
 * three DynamoDB lines, one pattern, the date and time one token), "diff"
 * (CWL_QuerySyntax-Diff.html: the previous period of equal length, previousDay, previousWeek,
 * previousMonth) and the PatternToken structure of the API reference (API_PatternToken.html:
 * dynamicTokenPosition from 1, isDynamic, tokenString `<*>`, enumerations, inferredTokenName
 * such as IPAddress-3). The clustering rules beyond them are this service's (README).
 */
import { describe, expect, it } from "vitest";
import { comparisonRange } from "../../lib/logs/insights/comparison.js";
import { QueryRun, type ResultField } from "../../lib/logs/insights/evaluator.js";
import { parseQuery } from "../../lib/logs/insights/parser.js";
import { isDynamicToken, MAX_PATTERNS, PatternClusterer, severityOf, tokenize } from "../../lib/logs/insights/patterns.js";

const T0 = Date.UTC(2026, 11, 6, 9, 0, 0);

function patterns(messages: string[]): { pattern: string; count: number }[] {
  const c = new PatternClusterer();
  messages.forEach((m, i) => c.add(m, T0 + i));
  return c.clusters().map((x) => ({ pattern: c.describe(x).pattern, count: x.counts[0] }));
}

describe("tokenize", () => {
  it.each([
    ["[INFO] Request time: 327 ms", ["INFO", "Request", "time", "327", "ms"], ["[", "] ", " ", ": ", " ", ""]],
    ["user=alice,role=admin", ["user", "alice", "role", "admin"], ["", "=", ",", "=", ""]],
    // A timestamp (date and time), a clock time, a UUID and an IPv4 address with its port stay whole.
    ["2023-01-01 19:00:01 x", ["2023-01-01 19:00:01", "x"], ["", " ", ""]],
    ["at 09:07:00.123 ok", ["at", "09:07:00.123", "ok"], ["", " ", " ", ""]],
    ["id 0f8fad5b-d9cb-469f-a165-70867728950e", ["id", "0f8fad5b-d9cb-469f-a165-70867728950e"], ["", " ", ""]],
    ["from 10.0.0.5:443 to", ["from", "10.0.0.5:443", "to"], ["", " ", " ", ""]],
    ['{"a":1}', ["a", "1"], ['{"', '":', "}"]],
    ["", [], [""]],
  ])("%j → %j", (text, tokens, seps) => {
    expect(tokenize(text)).toEqual({ tokens, seps });
  });

  it("joins back into the message", () => {
    for (const m of ["  a  b ", "x=1; y=(2)", "2026-12-06T09:07:00.000Z\tabc\tERROR"]) {
      const { tokens, seps } = tokenize(m);
      expect(tokens.map((t, i) => seps[i] + t).join("") + seps[tokens.length]).toBe(m);
    }
  });
});

describe("dynamic tokens", () => {
  it.each([
    ["327", true],
    ["12342342k124-12345", true],
    ["deadbeefcafe", true],
    ["HTTP/1.1", true],
    ["INFO", false],
    ["DynamoDB", false],
    ["cafe", false],
  ])("%s: %s", (token, dynamic) => expect(isDynamicToken(token)).toBe(dynamic));
});

describe("clustering", () => {
  it("gives AWS's examples their documented patterns", () => {
    expect(patterns(["[INFO] Request time: 327 ms"])).toEqual([{ pattern: "[INFO] Request time: <*> ms", count: 1 }]);
    expect(
      patterns([
        "2023-01-01 19:00:01 [INFO] Calling DynamoDB to store for resource id 12342342k124-12345",
        "2023-01-01 19:00:02 [INFO] Calling DynamoDB to store for resource id 324892398123-12345",
        "2023-01-01 19:00:03 [INFO] Calling DynamoDB to store for resource id 3ff231242342-12345",
      ]),
    ).toEqual([{ pattern: "<*> [INFO] Calling DynamoDB to store for resource id <*>", count: 3 }]);
  });

  it("makes a constant token dynamic when messages of one shape share at least half of the rest", () => {
    expect(patterns(["user alice logged in", "user bob logged in", "user carol logged in"])).toEqual([{ pattern: "user <*> logged in", count: 3 }]);
  });

  it("keeps apart messages that share less than half, differ in token count, separators or first token", () => {
    expect(patterns(["user alice logged in", "user bob signed out"]).map((p) => p.pattern)).toEqual(["user alice logged in", "user bob signed out"]);
    expect(patterns(["disk full", "disk full now"])).toHaveLength(2);
    expect(patterns(["a=b c", "a b c"])).toHaveLength(2);
    expect(patterns(["Starting server", "Stopping server"])).toHaveLength(2);
  });

  it("lists each dynamic token's values, counted, with the constant a token had before it varied", () => {
    const c = new PatternClusterer();
    for (const m of ["GET /a 200 from 10.0.0.1", "GET /b 200 from 10.0.0.2", "GET /a 500 from 10.0.0.1"]) c.add(m, T0);
    const [only] = c.clusters();
    const d = c.describe(only);
    expect(d.pattern).toBe("GET <*> <*> from <*>");
    expect(JSON.parse(d.tokens)).toEqual([
      { isDynamic: false, tokenString: "GET" },
      { dynamicTokenPosition: 1, isDynamic: true, tokenString: "<*>", enumerations: { "/a": 2, "/b": 1 }, inferredTokenName: "Token-1" },
      { dynamicTokenPosition: 2, isDynamic: true, tokenString: "<*>", enumerations: { "200": 2, "500": 1 }, inferredTokenName: "Number-2" },
      { isDynamic: false, tokenString: "from" },
      { dynamicTokenPosition: 3, isDynamic: true, tokenString: "<*>", enumerations: { "10.0.0.1": 2, "10.0.0.2": 1 }, inferredTokenName: "IPAddress-3" },
    ]);
    expect(d.patternId).toMatch(/^[0-9a-f]{32}$/);
    expect(new RegExp(`^${d.regex}$`).test("GET /c 404 from 192.0.2.9")).toBe(true);
    expect(JSON.parse(d.logSamples)).toEqual([
      { timestamp: T0, logEvent: "GET /a 200 from 10.0.0.1" },
      { timestamp: T0, logEvent: "GET /b 200 from 10.0.0.2" },
      { timestamp: T0, logEvent: "GET /a 500 from 10.0.0.1" },
    ]);
  });

  it("keeps at most 20 values a token and 5 samples a pattern", () => {
    const c = new PatternClusterer();
    for (let i = 0; i < 50; i++) c.add(`request ${i} done`, T0);
    const d = c.describe(c.clusters()[0]);
    expect(Object.keys(JSON.parse(d.tokens)[1].enumerations)).toHaveLength(20);
    expect(JSON.parse(d.logSamples)).toHaveLength(5);
    expect(c.truncated).toBe(true);
  });

  it(`keeps at most ${MAX_PATTERNS} patterns, and says so`, () => {
    const c = new PatternClusterer();
    // Distinct one-word messages without digits: i written in letters.
    const word = (i: number): string => (i < 26 ? "" : word(Math.floor(i / 26))) + String.fromCharCode(97 + (i % 26));
    for (let i = 0; i <= MAX_PATTERNS; i++) c.add(`w${word(i)}`, T0);
    expect(c.clusters()).toHaveLength(MAX_PATTERNS);
    expect(c.truncated).toBe(true);
  });

  it("counts a pattern's events per bucket over the query's range, empty buckets as 0", () => {
    const c = new PatternClusterer({ range: { start: T0, end: T0 + 3_600_000 } });
    for (const m of [1, 1, 30, 59]) c.add("tick", T0 + m * 60_000);
    const counts = JSON.parse(c.describe(c.clusters()[0]).visualization).timeWindowCountMapping;
    expect(Object.keys(counts)).toHaveLength(60);
    expect(counts[String(T0 + 60_000)]).toBe(2);
    expect(counts[String(T0 + 30 * 60_000)]).toBe(1);
    expect(Object.values(counts).reduce((a: number, b) => a + (b as number), 0)).toBe(4);
  });
});

describe("severity", () => {
  it.each([
    ["[ERROR] boom", "ERROR"],
    ['{"level":"warn","msg":"slow"}', "WARN"],
    ["2026-12-06 INFO started", "INFO"],
    ["FATAL: out of memory", "FATAL"],
    ["debug: x=1", "DEBUG"],
    ["errorType is not a level word", "UNKNOWN"],
    ["GET /index.html 200", "UNKNOWN"],
  ])("%j is %s", (text, label) => expect(severityOf(text)).toBe(label));
});

describe("diff's comparison period", () => {
  const start = Date.UTC(2026, 2, 31, 10, 0, 0);
  const end = start + 3_600_000;
  it.each([
    ["previous", { start: start - 3_600_000, end: start }],
    ["previousDay", { start: start - 86_400_000, end: end - 86_400_000 }],
    ["previousWeek", { start: start - 7 * 86_400_000, end: end - 7 * 86_400_000 }],
    // 31 March a month back is the last day of February.
    ["previousMonth", { start: Date.UTC(2026, 1, 28, 10, 0, 0), end: Date.UTC(2026, 1, 28, 11, 0, 0) }],
  ] as const)("%s", (period, range) => expect(comparisonRange(period, start, end)).toEqual(range));

  it("January's previous month is the last year's December", () => {
    expect(comparisonRange("previousMonth", Date.UTC(2026, 0, 15), Date.UTC(2026, 0, 16))).toEqual({ start: Date.UTC(2025, 11, 15), end: Date.UTC(2025, 11, 16) });
  });
});

const event = (message: string, timestamp: number, i: number) => ({ logGroup: "g", logStream: "s", timestamp, ingestionTime: timestamp, message, ptr: `p${i}`, log: "a:g" });
const asObjects = (rows: ResultField[][]) => rows.map((r) => Object.fromEntries(r.map((f) => [f.field, f.value])));

describe("pattern and diff through the evaluator", () => {
  it("reads the comparison period only for diff", () => {
    const range = { start: T0, end: T0 + 600_000 };
    expect(new QueryRun(parseQuery("pattern @message"), { now: T0, range }).ranges(range.start, range.end)).toEqual([{ ...range, previous: false }]);
    expect(new QueryRun(parseQuery("filter x = 1 | diff previousDay"), { now: T0, range }).ranges(range.start, range.end)).toEqual([
      { ...range, previous: false },
      { start: T0 - 86_400_000, end: T0 + 600_000 - 86_400_000, previous: true },
    ]);
  });

  it("counts each pattern in both periods and names the change", () => {
    const run = new QueryRun(parseQuery("filter @message not like /skip/ | pattern @message | diff"), { now: T0, range: { start: T0, end: T0 + 600_000 } });
    let i = 0;
    for (const m of ["Connected to db 2", "Connected to db 3", "Connected to db 2", "Disk full on /dev/sda1", "skip me"]) run.push(event(m, T0 + 60_000, i++));
    for (const m of ["Connected to db 1", "Connected to db 1", "Cache miss for key 7", "Retry 1 of 3", "skip me"]) run.push(event(m, T0 - 60_000, i++), true);
    for (const m of ["Retry 2 of 3"]) run.push(event(m, T0 + 120_000, i++));
    const rows = asObjects(run.results()).map((r) => [r["@pattern"], r["@sampleCount"], r["@ratio"], r["@previousSampleCount"], r["@previousRatio"], r["@changeInSampleCount"], r["@diff"]]);
    expect(rows).toEqual([
      ["Connected to db <*>", "3", "0.6", "2", "0.5", "1", "increased"],
      ["Disk full on <*>", "1", "0.2", "0", "0", "1", "new"],
      ["Retry <*> of <*>", "1", "0.2", "1", "0.25", "0", "unchanged"],
      ["Cache miss for key <*>", "0", "0", "1", "0.25", "-1", "removed"],
    ]);
    expect(run.recordsMatched).toBe(9);
  });

  it("ignores events of a comparison period a query without diff never asked for", () => {
    const run = new QueryRun(parseQuery("pattern @message"), { now: T0 });
    run.push(event("a b", T0, 0));
    expect(run.push(event("a b", T0 - 1, 1), true)).toBe(false);
    expect(asObjects(run.results()).map((r) => r["@sampleCount"])).toEqual(["1"]);
  });

  it("shows AWS's pattern fields by default, and no @ptr", () => {
    const run = new QueryRun(parseQuery("pattern @message"), { now: T0 });
    run.push(event("[INFO] Request time: 327 ms", T0, 0));
    expect(run.results()[0].map((f) => f.field)).toEqual(["@pattern", "@ratio", "@sampleCount", "@severityLabel", "@PatternId", "@regexString", "@tokens", "@visualization", "@logSamples"]);
  });

  it("after a sort clusters every event, not only the 10,000 rows a query shows", () => {
    const run = new QueryRun(parseQuery("sort @timestamp desc | pattern @message | display @sampleCount"), { now: T0 });
    for (let i = 0; i < 12_000; i++) run.push(event(`job ${i} done`, T0 + i, i));
    expect(asObjects(run.results())).toEqual([{ "@sampleCount": "12000" }]);
  });

  it("clusters a field, skipping events without it", () => {
    const run = new QueryRun(parseQuery('parse @message "cause: *" as cause | pattern cause | display @pattern, @sampleCount, @ratio'), { now: T0 });
    ["cause: disk 1 full", "cause: disk 2 full", "no cause here"].forEach((m, i) => run.push(event(m, T0, i)));
    expect(asObjects(run.results())).toEqual([{ "@pattern": "disk <*> full", "@sampleCount": "2", "@ratio": "1" }]);
  });
});
