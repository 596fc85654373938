import { describe, expect, it } from "vitest";
import { cachedSeriesId, identityFromPairs, seriesId } from "../../lib/metrics/store/identity.js";

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
});
