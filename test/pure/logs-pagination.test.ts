/**
 * nextToken of the Logs Describe operations: opaque, stateless, tied to the
 * operation and query it came from, and stable while resources come and go.
 */
import { describe, expect, it } from "vitest";
import { ServiceError } from "../../lib/errors.js";
import { comparePositions, decodeToken, encodeToken, paginate } from "../../lib/logs/pagination.js";

const names = Array.from({ length: 7 }, (_, i) => `g${i}`);

async function pageOf(opts: { candidates?: string[]; limit: number; nextToken?: string; descending?: boolean; query?: unknown; skip?: Set<string> }) {
  return paginate({
    operation: "DescribeLogGroups",
    query: opts.query ?? { prefix: undefined },
    candidates: opts.candidates ?? names,
    key: (n: string) => [n],
    descending: opts.descending,
    limit: opts.limit,
    nextToken: opts.nextToken,
    load: async (n) => (opts.skip?.has(n) ? undefined : n),
  });
}

async function expectInvalid(p: Promise<unknown>) {
  const e = await p.then(() => undefined, (err) => err);
  expect(e).toBeInstanceOf(ServiceError);
  expect([e.code, e.message, e.status]).toEqual(["InvalidParameterException", "The specified nextToken is invalid.", 400]);
}

describe("paginate", () => {
  it("returns sorted pages and a token only while more remain", async () => {
    const p1 = await pageOf({ candidates: [...names].reverse(), limit: 3 });
    expect(p1.items).toEqual(["g0", "g1", "g2"]);
    expect(p1.nextToken).toMatch(/^[A-Za-z0-9_-]+$/);
    const p2 = await pageOf({ limit: 3, nextToken: p1.nextToken });
    expect(p2.items).toEqual(["g3", "g4", "g5"]);
    const p3 = await pageOf({ limit: 3, nextToken: p2.nextToken });
    expect(p3.items).toEqual(["g6"]);
    expect(p3.nextToken).toBeUndefined();
  });

  it("an exact last page has no token", async () => {
    const p = await pageOf({ limit: 7 });
    expect(p.items).toHaveLength(7);
    expect(p.nextToken).toBeUndefined();
  });

  it("resumes after the last item even when items were added or removed between pages", async () => {
    const p1 = await pageOf({ limit: 3 });
    const changed = ["g0", "g1", "g2a", "g4", "g5", "g6"]; // g2a added before the cursor... after g2; g3 deleted
    const p2 = await pageOf({ candidates: changed, limit: 3, nextToken: p1.nextToken });
    expect(p2.items).toEqual(["g2a", "g4", "g5"]);
  });

  it("skips items that vanished while loading and still fills the page", async () => {
    const p = await pageOf({ limit: 3, skip: new Set(["g1", "g2"]) });
    expect(p.items).toEqual(["g0", "g3", "g4"]);
    const rest = await pageOf({ limit: 3, nextToken: p.nextToken, skip: new Set(["g1", "g2"]) });
    expect(rest.items).toEqual(["g5", "g6"]);
  });

  it("pages in descending order", async () => {
    const p1 = await pageOf({ limit: 4, descending: true });
    expect(p1.items).toEqual(["g6", "g5", "g4", "g3"]);
    const p2 = await pageOf({ limit: 4, descending: true, nextToken: p1.nextToken });
    expect(p2.items).toEqual(["g2", "g1", "g0"]);
  });

  it("orders composite keys numerically, then by name", () => {
    expect(comparePositions([10, "a"], [9, "b"])).toBeGreaterThan(0);
    expect(comparePositions([10, "a"], [10, "b"])).toBeLessThan(0);
    expect(comparePositions(["a"], ["a"])).toBe(0);
  });
});

describe("nextToken", () => {
  it("round-trips a position", () => {
    const t = encodeToken("DescribeLogStreams", { g: 1 }, [1700000000000, "stream"]);
    expect(decodeToken("DescribeLogStreams", { g: 1 }, t)).toEqual([1700000000000, "stream"]);
  });

  it("garbage is InvalidParameterException", async () => {
    for (const bad of ["x", "!!!", "eyJ2IjoxfQ", Buffer.from("[1,2]").toString("base64url")]) {
      await expectInvalid(pageOf({ limit: 3, nextToken: bad }));
    }
  });

  it("belongs to the operation and query that produced it", async () => {
    const t = encodeToken("DescribeLogStreams", { prefix: undefined }, ["g2"]);
    await expectInvalid(pageOf({ limit: 3, nextToken: t }));
    const other = (await pageOf({ limit: 3, query: { prefix: "g" } })).nextToken!;
    await expectInvalid(pageOf({ limit: 3, nextToken: other }));
  });
});
