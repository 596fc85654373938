import { describe, expect, it } from "vitest";
import { buildTokenFilter, decodeTokenFilter, encodeTokenFilter, mayContain, mayContainEncoded } from "../../lib/logs/events/token-filter.js";
import { rng } from "../support/random.js";

const word = (random: () => number) => Array.from({ length: 1 + Math.floor(random() * 12) }, () => "abcdefghijklmnopqrstuvwxyz0123456789_ü"[Math.floor(random() * 38)]).join("");

describe("a token filter tested as stored (base64 bits read in place)", () => {
  it("answers as the decoded filter for every token, in filters of every size and fill", () => {
    const random = rng(13);
    let checked = 0;
    let absent = 0;
    for (let round = 0; round < 100; round++) {
      const tokens = new Set(Array.from({ length: Math.floor(random() * 3000) }, () => word(random)));
      // Bit counts whose byte count leaves 0, 1 or 2 bytes in the last base64 group (its padding).
      const stored = encodeTokenFilter(buildTokenFilter(tokens, 1 + Math.floor(random() * 12), 64 * (1 + Math.floor(random() * 1024))));
      const filter = decodeTokenFilter(stored);
      for (const t of tokens) expect(mayContainEncoded(stored, t)).toBe(true);
      for (let i = 0; i < 200; i++) {
        const t = word(random);
        const want = mayContain(filter, t);
        expect(mayContainEncoded(stored, t)).toBe(want);
        checked++;
        if (!want) absent++;
      }
    }
    // The comparison means something: many tokens ruled out, many let through.
    expect(absent).toBeGreaterThan(checked / 10);
    expect(absent).toBeLessThan(checked);
  });

  it("decodes a filter whose text is not the canonical encoding, and answers as decoding does", () => {
    const stored = encodeTokenFilter(buildTokenFilter(new Set(["alpha", "beta"]), 10, 1024));
    const spaced = { ...stored, bits: `${stored.bits.slice(0, 8)}\n${stored.bits.slice(8)}` };
    for (const t of ["alpha", "beta", "gamma", "delta"]) expect(mayContainEncoded(spaced, t)).toBe(mayContain(decodeTokenFilter(spaced), t));
    expect(mayContainEncoded(spaced, "alpha")).toBe(true);
  });
});
