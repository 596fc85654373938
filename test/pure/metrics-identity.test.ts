import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { cachedSeriesId, identityFromPairs, seriesId, seriesIdOfPairs } from "../../lib/metrics/store/identity.js";

describe("series ids", () => {
  it("caches the id of an identity however its pairs are built, and never confuses two identities", () => {
    const ids = new Map<string, string>();
    for (let i = 0; i < 5000; i++) {
      const pairs: Array<[string, string]> = [["Host", `host-${i % 100}`], ["Service", `svc-${Math.floor(i / 100)}`]];
      const id = cachedSeriesId("App", "Latency", pairs);
      expect(id).toBe(seriesId(identityFromPairs("App", "Latency", pairs)));
      // A fresh copy of the same pairs: the cached answer.
      expect(cachedSeriesId("App", "Latency", pairs.map(([k, v]) => [k, v]))).toBe(id);
      ids.set(id, JSON.stringify(pairs));
    }
    expect(ids.size).toBe(5000);
    // Boundaries between names matter: "ab"+"c" is not "a"+"bc".
    expect(cachedSeriesId("App", "x", [["ab", "c"]])).not.toBe(cachedSeriesId("App", "x", [["a", "bc"]]));
    expect(cachedSeriesId("Ap", "px", [])).not.toBe(cachedSeriesId("App", "x", []));
  });

  it("is the stored id: 22 characters of the SHA-256 (base64url) of the canonical text, UTF-8, whichever way it is worked out", () => {
    const cases: Array<[string, string, Array<[string, string]>]> = [
      ["AWS/EC2", "CPUUtilization", [["InstanceId", "i-0123456789abcdef0"]]],
      ["App", "Latency", []],
      ["Ünïcode/名前", "métrique 🚀", [["Größe", "groß"], ["名前", "値"]]],
    ];
    for (const [ns, name, pairs] of cases) {
      let text = `${ns}\u0000${name}`;
      for (const [k, v] of pairs) text += `\u0000${k}=${v}`;
      const stored = createHash("sha256").update(text, "utf8").digest("base64url").slice(0, 22);
      expect(seriesIdOfPairs(ns, name, pairs)).toBe(stored);
      expect(seriesId(identityFromPairs(ns, name, pairs))).toBe(stored);
      expect(cachedSeriesId(ns, name, pairs)).toBe(stored);
    }
  });
});
