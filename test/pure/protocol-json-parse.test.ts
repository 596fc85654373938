import { describe, expect, it } from "vitest";
import { parseInPieces, parseJsonBody } from "../../lib/protocol/json-parse.js";
import { rng } from "../support/random.js";

/** What parseJsonBody must match: JSON.parse of the whole text, value or error. */
function outcome(parse: () => unknown): { value?: unknown; error?: string } {
  try {
    return { value: parse() };
  } catch (e) {
    return { error: (e as Error).constructor.name };
  }
}
/** Same value as JSON.parse, and for a valid body got by cutting it up, not by falling back to JSON.parse. */
function expectSameAsJsonParse(text: string) {
  const expected = outcome(() => JSON.parse(text));
  expect(outcome(() => parseJsonBody(Buffer.from(text)))).toEqual(expected);
  if (!expected.error) expect(parseInPieces(Buffer.from(text))).toEqual(expected.value);
}

function randomValue(random: () => number, depth: number): unknown {
  const r = random();
  if (depth > 3 || r < 0.3) return Math.round(random() * 1e6) / 100;
  if (r < 0.45) return ["plain", 'quote " inside', "back\\slash\\", "\\", "ünïcödé 🌏", "[{,:}]", "esc\\\"aped"][Math.floor(random() * 7)];
  if (r < 0.5) return [true, false, null][Math.floor(random() * 3)];
  if (r < 0.75) return Array.from({ length: Math.floor(random() * 6) }, () => randomValue(random, depth + 1));
  return Object.fromEntries(Array.from({ length: Math.floor(random() * 6) }, (_, i) => [`k${i}${random() < 0.1 ? '"\\' : ""}`, randomValue(random, depth + 1)]));
}

/** A large request-like document: a few members, one of them a long array. */
function largeDocument(random: () => number, elements: number): unknown {
  return {
    Namespace: "App/Web",
    MetricData: Array.from({ length: elements }, () => randomValue(random, 1)),
    Tail: { nested: Array.from({ length: 3 }, () => randomValue(random, 1)) },
  };
}

function withRandomSpace(text: string, random: () => number): string {
  // Whitespace only between tokens: after each separator outside strings.
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    out += c;
    if (c === '"' && text[i - 1] !== "\\") inString = !inString;
    else if (inString && c === "\\") out += text[++i];
    else if (!inString && ",:[]{}".includes(c) && random() < 0.3) out += [" ", "\n", "\t", "\r\n  "][Math.floor(random() * 4)];
  }
  return out;
}

describe("parseJsonBody: JSON.parse without one string the size of a large body", () => {
  it("gives JSON.parse's value for small and large documents, compact or spaced", () => {
    const random = rng(11);
    for (let n = 0; n < 12; n++) {
      const text = JSON.stringify(largeDocument(random, n < 2 ? 10 : 3000 + Math.floor(random() * 3000)));
      expectSameAsJsonParse(text);
      expectSameAsJsonParse(withRandomSpace(text, random));
    }
  });

  it("splits arrays inside large members and keeps a single huge string whole", () => {
    const huge = "x".repeat(300_000);
    const doc = { a: [[...Array(20_000).keys()], huge, { b: Array(20_000).fill("yz") }], c: huge };
    expect(parseInPieces(Buffer.from(JSON.stringify(doc)))).toEqual(doc);
    expectSameAsJsonParse(JSON.stringify(Array(40_000).fill({ x: [1, "]"] })));
  });

  it("keeps JSON.parse's rules for keys: duplicates keep the last value, __proto__ stays an own member", () => {
    const filler = JSON.stringify(Array(30_000).fill(1));
    const text = `{"a":1,"__proto__":{"polluted":true},"big":${filler},"a":2,"__proto__":{"x":1}}`;
    const parsed = parseInPieces(Buffer.from(text)) as Record<string, unknown>;
    expect(parsed).toEqual(JSON.parse(text));
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(Object.keys(JSON.parse(text)));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("accepts empty containers with much space and refuses empty elements", () => {
    const space = " ".repeat(200_000);
    expectSameAsJsonParse(`{"a":[${space}],"b":{${space}}}`);
    expectSameAsJsonParse(`[${space}]`);
    const many = Array(30_000).fill("1").join(",");
    expectSameAsJsonParse(`[${many},]`);
    expectSameAsJsonParse(`[${many},,1]`);
    expectSameAsJsonParse(`{"a":[${many}],}`);
  });

  it("refuses whatever JSON.parse refuses: fuzzed corruptions of a large document", () => {
    const random = rng(5);
    const text = JSON.stringify(largeDocument(random, 4000));
    const bad = ["", "]", "}", "[", "{", '"', ",", ":", "\\", "x", "1"];
    for (let n = 0; n < 150; n++) {
      const at = Math.floor(random() * text.length);
      const mutated = random() < 0.5 ? text.slice(0, at) + bad[n % bad.length] + text.slice(at + 1) : text.slice(0, at) + bad[n % bad.length] + text.slice(at);
      expectSameAsJsonParse(mutated);
    }
    for (const truncated of [text.slice(0, -1), text.slice(1), text + "]", text + "x", `${text},${text}`]) expectSameAsJsonParse(truncated);
  });
});
