import { describe, expect, it } from "vitest";
import { decodeIngestMessage, type IngestDatum, type IngestMessage } from "../../lib/metrics/encoding/ingest-codec.js";
import { encodeIngestMessage } from "../../lib/metrics/encoding/datum-columns.js";
import { TailIndex, type TailDatum } from "../../lib/metrics/read/tail-cache.js";
import { cachedSeriesId } from "../../lib/metrics/store/identity.js";
import { rng } from "../support/random.js";

const T0 = Date.UTC(2026, 11, 7, 6, 30, 17);

/** What a read folded before the columns: every message decoded to objects, grouped by series id. */
function byObjects(messages: Array<{ seq: number; data: Uint8Array }>): Map<string, TailDatum[]> {
  const map = new Map<string, TailDatum[]>();
  for (const { seq, data } of messages) {
    const message = decodeIngestMessage(data);
    for (const d of message.data) {
      const id = cachedSeriesId(message.namespace, d.m, d.d);
      map.set(id, [...(map.get(id) ?? []), { seq, d }]);
    }
  }
  return map;
}

function randomDatum(next: () => number, series: Array<Pick<IngestDatum, "m" | "d">>): IngestDatum {
  const { m, d } = series[Math.floor(next() * series.length)];
  const t = T0 + Math.floor(next() * 3_600_000) - 1_800_000;
  const u = ["Percent", "Count", "None", "Milliseconds"][Math.floor(next() * 4)];
  const hr = next() < 0.3 ? ({ r: 1 } as const) : {};
  const kind = Math.floor(next() * 4);
  const value = () => Math.round((next() - 0.3) * 1e6) / 100;
  if (kind === 0) return { m, d, t, u, ...hr, v: next() < 0.05 ? -0 : value() };
  if (kind === 1) return { m, d, t, u, ...hr, s: [1 + Math.floor(next() * 9), value(), value(), value()] };
  const vs = Array.from({ length: Math.floor(next() * 5) }, value);
  return kind === 2 ? { m, d, t, u, ...hr, vs } : { m, d, t, u, ...hr, vs, cs: vs.map(() => Math.floor(next() * 4)) };
}

describe("a read's tail, indexed as columns", () => {
  it("gives each series the datums, in stream order and of the same shapes, that decoding every message to objects gave", () => {
    const next = rng(19);
    const series = Array.from({ length: 40 }, (_, i) => ({
      m: `metric_${i % 7}`,
      d: i % 5 === 0 ? [] : ([["Host", `host-${i}`], ["Zone", `zoné-${i % 3} 🌏`]] as Array<[string, string]>),
    }));
    const messages = Array.from({ length: 30 }, (_, k) => {
      const msg: IngestMessage = { account: "123456789012", namespace: k % 4 === 0 ? "App/Other" : "App/Web", data: Array.from({ length: 50 }, () => randomDatum(next, series)) };
      // Messages stored by earlier versions are JSON; both forms are read.
      const data = k % 10 === 3 ? new TextEncoder().encode(JSON.stringify(msg)) : encodeIngestMessage(msg);
      return { seq: 100 + 3 * k, data };
    });
    const expected = byObjects(messages);
    const index = new TailIndex(messages);
    expect(expected.size).toBeGreaterThan(40);
    for (const [id, datums] of expected) {
      const got = index.datums(id);
      expect(got).toEqual(datums);
      // Same keys in the same order: the read's fold sees the same objects.
      got.forEach((x, i) => expect(Object.keys(x.d)).toEqual(Object.keys(datums[i].d)));
      got.forEach((x, i) => expect(Object.is(x.d.v, datums[i].d.v)).toBe(true));
    }
  });

  it("has nothing for a series the tail does not hold", () => {
    const data = encodeIngestMessage({ account: "123456789012", namespace: "App/Web", data: [{ m: "A", d: [], t: T0, u: "None", v: 1 }] });
    const index = new TailIndex([{ seq: 1, data }]);
    expect(index.datums(cachedSeriesId("App/Web", "A", []))).toHaveLength(1);
    expect(index.datums(cachedSeriesId("App/Web", "B", []))).toEqual([]);
    expect(new TailIndex([]).datums(cachedSeriesId("App/Web", "A", []))).toEqual([]);
  });
});
