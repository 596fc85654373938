/**
 * Lookup table bodies (lib/logs/lookup-tables/csv.ts) and the lookup join
 * (lib/logs/insights/lookup-stage.ts). AWS's rule for a body: "a header row
 * with column names, UTF-8, not exceed 10 MB" (CreateLookupTable API
 * reference); what it answers for a bad one is not written down, so each is
 * an InvalidParameterException (the model lists it for CreateLookupTable)
 * whose message says what is wrong.
 */
import { describe, expect, it } from "vitest";
import { ServiceError } from "../../lib/errors.js";
import type { LookupCommand } from "../../lib/logs/insights/ast.js";
import { Row } from "../../lib/logs/insights/evaluator.js";
import { applyLookup, indexTable } from "../../lib/logs/insights/lookup-stage.js";
import { parseQuery } from "../../lib/logs/insights/parser.js";
import { formatCsv, MAX_TABLE_BYTES, parseTableBody } from "../../lib/logs/lookup-tables/csv.js";

describe("a lookup table body", () => {
  it.each([
    ["a header row and rows, LF", "id,name\n1,one\n2,two\n", ["id", "name"], [["1", "one"], ["2", "two"]]],
    ["CRLF line ends and no final line end", "id,name\r\n1,one\r\n2,two", ["id", "name"], [["1", "one"], ["2", "two"]]],
    ["quoted fields with commas, quotes and line breaks", 'id,note\n1,"a, b"\n2,"say ""hi"""\n3,"two\nlines"\n', ["id", "note"], [["1", "a, b"], ["2", 'say "hi"'], ["3", "two\nlines"]]],
    ["empty fields", "a,b,c\n,,\nx,,z\n", ["a", "b", "c"], [["", "", ""], ["x", "", "z"]]],
    ["blank lines, which hold no row", "id\n\n1\n\n", ["id"], [["1"]]],
    ["a byte order mark before the header", "\uFEFFid,name\n1,one\n", ["id", "name"], [["1", "one"]]],
    ["a header row alone", "id,name\n", ["id", "name"], []],
    ["unicode values", "id,name\n1,Zoë 日本\n", ["id", "name"], [["1", "Zoë 日本"]]],
  ])("parses %s", (_, body, columns, rows) => {
    expect(parseTableBody(body)).toEqual({ columns, rows });
  });

  it.each([
    ["no header row (blank)", "\n\n", /header row/],
    ["an empty column name", "id,,name\n1,2,3\n", /empty column name/],
    ["a column named twice", "id,name,id\n1,2,3\n", /names column 'id' more than once/],
    ["a row with fewer fields than the header", "id,name\n1\n", /row 2 has 1 fields; the header row has 2/],
    ["a row with more fields than the header", "id,name\n1,2\n3,4,5\n", /row 3 has 3 fields; the header row has 2/],
    ["a quote never closed", 'id,name\n1,"open\n', /never closed/],
    ["text that was not UTF-8 (a replacement character)", "id\n\uFFFD\n", /UTF-8/],
    ["more than 10 MB", "id\n" + "x".repeat(MAX_TABLE_BYTES), /at most 10485760 bytes/],
  ])("refuses %s: InvalidParameterException", (_, body, message) => {
    let err: unknown;
    try {
      parseTableBody(body);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ServiceError);
    expect((err as ServiceError).code).toBe("InvalidParameterException");
    expect((err as Error).message).toMatch(message);
  });

  it("round-trips what formatCsv writes", () => {
    const columns = ["@timestamp", "msg, text", "q"];
    const rows = [["1", 'a "quoted", value', "x\ny"], ["2", "", "plain"]];
    expect(parseTableBody(formatCsv(columns, rows))).toEqual({ columns, rows });
  });

  it("either parses or answers InvalidParameterException for 3,000 mutated bodies (fuzz)", () => {
    const seeds = ['id,name\n1,"a, b"\n2,two\n', "a,b\r\n1,2\r\n", 'x\n"q""q"\n'];
    const ALPHABET = ',"\r\n ab1\uFEFF\uFFFD';
    let state = 1206;
    const rand = (n: number) => ((state = (state * 1103515245 + 12345) & 0x7fffffff), state % n);
    for (let i = 0; i < 3000; i++) {
      const chars = [...seeds[rand(seeds.length)]];
      for (let m = rand(4) + 1; m > 0; m--) {
        const at = rand(chars.length + 1);
        if (rand(2)) chars.splice(at, 1);
        else chars.splice(at, 0, ALPHABET[rand(ALPHABET.length)]);
      }
      try {
        const t = parseTableBody(chars.join(""));
        for (const r of t.rows) expect(r.length).toBe(t.columns.length);
      } catch (e) {
        expect((e as ServiceError).code, String(e)).toBe("InvalidParameterException");
      }
    }
  });
});

describe("the lookup join", () => {
  const TABLE = parseTableBody("id,region,name\nalice,eu,Alice\nalice,us,Alice US\nbob,eu,Bob\nbob,eu,Second Bob\n");
  const cmd = (q: string) => parseQuery(q).commands[0] as LookupCommand;
  const row = (fields: Record<string, string>) => {
    const r = new Row();
    for (const [k, v] of Object.entries(fields)) r.set(k, v);
    return r;
  };

  it("matches on every key field, exactly and case-sensitively, and sets the OUTPUT fields", () => {
    const c = cmd("lookup people id as user, region OUTPUT name");
    indexTable(c, TABLE.columns, TABLE.rows);
    const hit = row({ user: "alice", region: "us" });
    expect(applyLookup(c, hit)).toBe(true);
    expect(hit.get("name")).toBe("Alice US");
    for (const miss of [row({ user: "Alice", region: "us" }), row({ user: "alice", region: "US" }), row({ user: "alice" })]) {
      expect(applyLookup(c, miss)).toBe(true); // a row without a match stays, with no new field
      expect(miss.get("name")).toBeNull();
    }
  });

  it("overwrites a field the row already has, and takes the first table row of a repeated key", () => {
    const c = cmd("lookup people id, region OUTPUT name");
    indexTable(c, TABLE.columns, TABLE.rows);
    const r = row({ id: "bob", region: "eu", name: "from the log" });
    applyLookup(c, r);
    expect(r.get("name")).toBe("Bob");
  });

  it("keeps a field of an unmatched row as it was", () => {
    const c = cmd("lookup people id OUTPUT name");
    indexTable(c, TABLE.columns, TABLE.rows);
    const r = row({ id: "carol", name: "kept" });
    applyLookup(c, r);
    expect(r.get("name")).toBe("kept");
  });

  it("refuses a field the table does not have: InvalidParameterException naming it", () => {
    expect(() => indexTable(cmd("lookup people id OUTPUT email"), TABLE.columns, TABLE.rows)).toThrow(/Lookup table people has no field email/);
  });
});
