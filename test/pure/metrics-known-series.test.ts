/**
 * The names and series the aggregator's decoder has met (known-series.ts):
 * a series is resolved from its names' bytes to the same entry and the same
 * series id however a message spells its string table, and the tables stay
 * within their bounds.
 */
import { describe, expect, it } from "vitest";
import { decodeIngestColumns, IngestColumns, type IngestDatum } from "../../lib/metrics/encoding/ingest-codec.js";
import { encodeIngestMessage } from "../../lib/metrics/encoding/datum-columns.js";
import { KNOWN_NAMES_MAX, knownName, knownSizes } from "../../lib/metrics/encoding/known-series.js";
import { cachedSeriesId, identityFromPairs, seriesId } from "../../lib/metrics/store/identity.js";

const T0 = Date.UTC(2026, 10, 25, 6, 30, 17);
const datum = (m: string, d: Array<[string, string]>, v = 1): IngestDatum => ({ m, d, t: T0, u: "Count", v });
const decode = (account: string, namespace: string, data: IngestDatum[]) =>
  decodeIngestColumns(encodeIngestMessage({ account, namespace, data }), new IngestColumns());

describe("series resolved from the names' bytes, once", () => {
  it("gives a series met in another message, whose string table is in another order, the same entry and id", () => {
    const a = decode("111111111111", "App", [datum("Latency", [["Host", "web-1"]]), datum("Errors", [["Host", "web-2"]])]);
    const b = decode("111111111111", "App", [datum("Errors", [["Host", "web-2"]]), datum("Other", []), datum("Latency", [["Host", "web-1"]])]);
    const latencyA = a.series[a.seriesOf[0]];
    const latencyB = b.series[b.seriesOf[2]];
    expect(latencyB).toBe(latencyA);
    expect(latencyA.id).toBe(seriesId(identityFromPairs("App", "Latency", [["Host", "web-1"]])));
    expect(b.series[b.seriesOf[0]]).toBe(a.series[a.seriesOf[1]]);
  });

  it("keeps apart series that differ only in namespace, a dimension value, or where a name ends", () => {
    const cases: Array<[string, IngestDatum]> = [
      ["App", datum("Latency", [["Host", "ab"]])],
      ["App2", datum("Latency", [["Host", "ab"]])],
      ["App", datum("Latency", [["Host", "abc"]])],
      ["App", datum("Latency", [["Hos", "tab"]])],
      ["App", datum("Latenc", [["yHost", "ab"]])],
      ["App", datum("Latency", [])],
      ["App", datum("é 🌏", [["Host", "ab"]])],
    ];
    const ids = cases.map(([ns, d]) => {
      const cols = decode("111111111111", ns, [d]);
      const s = cols.series[cols.seriesOf[0]];
      expect(s.id).toBe(cachedSeriesId(ns, d.m, d.d));
      expect([s.m, s.d]).toEqual([d.m, d.d]);
      return s.id;
    });
    expect(new Set(ids).size).toBe(cases.length);
  });

  it("shares a series between accounts (the id does not hold the account) and says each message's account", () => {
    const a = decode("111111111111", "App", [datum("Latency", [])]);
    const b = decode("222222222222", "App", [datum("Latency", [])]);
    expect(a.account).toBe("111111111111");
    expect(b.account).toBe("222222222222");
    expect(b.series[0]).toBe(a.series[0]);
  });

  it("starts over past its bound of names, and still resolves what it met before", () => {
    const before = decode("111111111111", "App", [datum("Latency", [["Host", "kept"]])]).series[0];
    const bytes = new TextEncoder().encode("name-0000000");
    for (let i = 0; i <= KNOWN_NAMES_MAX; i++) {
      bytes.set(new TextEncoder().encode(String(i).padStart(7, "0")), 5);
      knownName(bytes, 0, bytes.length);
    }
    expect(knownSizes().names).toBeLessThanOrEqual(KNOWN_NAMES_MAX);
    const after = decode("111111111111", "App", [datum("Latency", [["Host", "kept"]])]).series[0];
    expect(after.id).toBe(before.id);
    expect(after.d).toEqual([["Host", "kept"]]);
  });
});
