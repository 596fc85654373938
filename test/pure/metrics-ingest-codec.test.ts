import { describe, expect, it } from "vitest";
import { partitionOf } from "../../lib/metrics/write/ingest-log.js";
import {
  decodeIngestMessage,
  mixSeriesHash,
  NotUnicodeError,
  SERIES_HASH_SEED,
  type IngestDatum,
  type IngestMessage,
} from "../../lib/metrics/encoding/ingest-codec.js";
import { encodeIngestMessage } from "../../lib/metrics/encoding/datum-columns.js";
import { rng } from "../support/random.js";

const T0 = Date.UTC(2026, 10, 25, 6, 30, 17);
const roundTrip = (msg: IngestMessage) => decodeIngestMessage(encodeIngestMessage(msg));

describe("ingest messages: binary with a string table, JSON still read", () => {
  it("carries every form of datum exactly", () => {
    const data: IngestDatum[] = [
      { m: "Latency", d: [["Host", "a"], ["Service", "checkout"]], t: T0, u: "Milliseconds", v: 12.5 },
      { m: "Latency", d: [["Host", "a"], ["Service", "checkout"]], t: T0 + 1000, u: "Milliseconds", r: 1, v: -0 },
      { m: "Bytes", d: [], t: T0 - 3 * 86_400_000, u: "Bytes", s: [3, 1e300, -5e-324, 1.7976931348623157e308] },
      { m: "Hist", d: [["Q", "x"]], t: T0 + 7_200_000, u: "None", vs: [1, 2.25, 3], cs: [5, 0, 1e9] },
      { m: "Hist", d: [["Q", "x"]], t: T0, u: "None", vs: [] },
      { m: "Hist", d: [["Q", "y"]], t: T0, u: "None", vs: [0.1, 0.2] },
    ];
    const back = roundTrip({ account: "123456789012", namespace: "App/Web", data });
    expect(back).toEqual({ account: "123456789012", namespace: "App/Web", data });
    expect(Object.is(back.data[1].v, -0)).toBe(true);
  });

  it("keeps names that need more than one byte: non-ASCII, 255 characters, hundreds of distinct strings", () => {
    const long = "é".repeat(255);
    const data: IngestDatum[] = Array.from({ length: 300 }, (_, i) => ({
      m: `métrique-${i}`,
      d: [[long, `värde ${i} 🌏`]],
      t: T0,
      u: "Count",
      v: i,
    }));
    expect(roundTrip({ account: "000000000001", namespace: "名前空間", data }).data).toEqual(data);
  });

  it("keeps timestamps that are not whole milliseconds or lie far from the first", () => {
    const data: IngestDatum[] = [
      { m: "a", d: [], t: T0 + 0.25, u: "None", v: 1 },
      { m: "a", d: [], t: T0 - 14 * 86_400_000, u: "None", v: 2 },
      { m: "a", d: [], t: 0, u: "None", v: 3 },
      { m: "a", d: [], t: T0 + 1.5, u: "None", v: 4 },
    ];
    expect(roundTrip({ account: "1", namespace: "n", data }).data.map((d) => d.t)).toEqual(data.map((d) => d.t));
  });

  it("gives the datapoints of one series one shared dimension list, so the aggregator hashes each series once", () => {
    const data: IngestDatum[] = [
      { m: "a", d: [["H", "1"]], t: T0, u: "None", v: 1 },
      { m: "b", d: [["H", "1"]], t: T0, u: "None", v: 1 },
      { m: "a", d: [["H", "1"]], t: T0 + 60_000, u: "None", v: 2 },
    ];
    const back = roundTrip({ account: "1", namespace: "n", data }).data;
    expect(back[0].d).toBe(back[2].d);
    expect(back[1].d).not.toBe(back[0].d);
  });

  it("is several times smaller than JSON for a typical request", () => {
    const random = rng(7);
    const data: IngestDatum[] = Array.from({ length: 1000 }, (_, i) => ({
      m: `metric_${i % 10}`,
      d: [["Host", `host-${Math.floor(i / 10)}`], ["Service", "checkout"]],
      t: T0,
      u: "Percent",
      v: Math.round(random() * 10_000) / 100,
    }));
    const msg = { account: "123456789012", namespace: "Bench/Ingest", data };
    const binary = encodeIngestMessage(msg).length;
    expect(binary * 4).toBeLessThan(Buffer.byteLength(JSON.stringify(msg)));
    expect(roundTrip(msg)).toEqual(msg);
  });

  it("refuses a lone UTF-16 surrogate, which UTF-8 would turn into U+FFFD, and keeps surrogate pairs", () => {
    const msg = (m: string): IngestMessage => ({ account: "1", namespace: "n", data: [{ m, d: [["H", "1"]], t: T0, u: "None", v: 1 }] });
    expect(() => encodeIngestMessage(msg("a\ud800b"))).toThrow(NotUnicodeError);
    expect(() => encodeIngestMessage(msg("a\udc00"))).toThrow(NotUnicodeError);
    expect(roundTrip(msg("a\ud83c\udf0f")).data[0].m).toBe("a🌏");
  });

  it("reads messages written as JSON before the binary form existed", () => {
    const msg: IngestMessage = { account: "1", namespace: "n", data: [{ m: "a", d: [["H", "1"]], t: T0, u: "None", v: 1 }] };
    expect(decodeIngestMessage(Buffer.from(JSON.stringify(msg)))).toEqual(msg);
  });

  it("keeps 200,000 series of one message apart", () => {
    const data: IngestDatum[] = Array.from({ length: 200_000 }, (_, i) => ({ m: `m${i % 7}`, d: [["k", String(i)]], t: T0, u: "None", v: i }));
    const back = roundTrip({ account: "1", namespace: "n", data }).data;
    expect(back.length).toBe(data.length);
    back.forEach((d, i) => {
      if (d.m !== data[i].m || d.d[0][1] !== data[i].d[0][1] || d.v !== i) throw new Error(`datum ${i} came back as ${JSON.stringify(d)}`);
    });
  });

  it("writes a message the same bytes whatever was encoded before it (the series table is reused, or not kept past 32,768 series)", () => {
    const many = (n: number, v: number): IngestMessage => ({
      account: "1",
      namespace: "n",
      data: Array.from({ length: n }, (_, i) => ({ m: `m${i % 3}`, d: [["Host", `h${i % (n / 2)}`]], t: T0 + i, u: "None", v: v + i })),
    });
    const small = many(10, 0);
    const first = encodeIngestMessage(small);
    expect(roundTrip(small)).toEqual(small);
    for (const n of [100_000, 5000, 10]) {
      const msg = many(n, n);
      expect(roundTrip(msg).data.length).toBe(n);
      expect(Buffer.from(encodeIngestMessage(small)).equals(Buffer.from(first)), `after ${n} datums`).toBe(true);
    }
  });

  it("keeps apart two series whose identities hash alike", () => {
    // String indexes follow first use: account 0, namespace 1, "f" 2, s0…s399 3…402, "None" 403, "new" 404.
    const N = 400;
    const s = (index: number) => `s${index - 3}`;
    const filler: IngestDatum = { m: "f", d: Array.from({ length: N / 2 }, (_, i) => [s(3 + 2 * i), s(4 + 2 * i)] as [string, string]), t: T0, u: "None", v: 0 };
    const x: IngestDatum = { m: "f", d: [[s(3), s(4)], [s(5), s(6)]], t: T0, u: "None", v: 1 };
    const mix = mixSeriesHash;
    const target = mix(mix(mix(mix(mix(mix(SERIES_HASH_SEED, 2), 2), 3), 4), 5), 6);
    // Meet in the middle: y = (a, b, c, d, new) with the same hash as x.
    let inverse = 0x01000193;
    for (let i = 0; i < 5; i++) inverse = Math.imul(inverse, 2 - Math.imul(0x01000193, inverse));
    const unmix = (h: number, v: number) => Math.imul(h, inverse) ^ v;
    const forward = new Map<number, [number, number]>();
    for (let a = 3; a < 3 + N; a++) for (let b = 3; b < 3 + N; b++) forward.set(mix(mix(mix(SERIES_HASH_SEED, a), 2), b) >>> 0, [a, b]);
    let y: IngestDatum | undefined;
    for (let c = 3; c < 3 + N && !y; c++) {
      for (let d = 3; d < 3 + N && !y; d++) {
        const h2 = unmix(unmix(unmix(target, 404), d), c) >>> 0;
        const ab = forward.get(h2);
        if (ab) y = { m: s(ab[0]), d: [[s(ab[1]), s(c)], [s(d), "new"]], t: T0, u: "None", v: 2 };
      }
    }
    expect(y, "a colliding identity exists among 400⁴ candidates").toBeDefined();
    const data = [filler, x, y!, { ...x, v: 3 }, { ...y!, v: 4 }];
    expect(roundTrip({ account: "a", namespace: "n", data }).data).toEqual(data);
  });

  it("refuses truncated or unknown bytes with an error instead of inventing datapoints", () => {
    const bytes = encodeIngestMessage({ account: "1", namespace: "n", data: [{ m: "a", d: [["H", "1"]], t: T0, u: "None", vs: [1, 2, 3] }] });
    for (let cut = 1; cut < bytes.length; cut++) expect(() => decodeIngestMessage(bytes.subarray(0, cut))).toThrow(/^Stored ingest message could not be decoded: /);
    expect(() => decodeIngestMessage(Uint8Array.of(9, 0))).toThrow("Stored ingest message could not be decoded: unknown version 9.");
  });
});

describe("partitions", () => {
  it("never move a series: 120 identities keep their pinned partitions", () => {
    // A series' chunks are folded in one partition's stream order: moving it would break that.
    let got = "";
    for (let i = 0; i < 120; i++) {
      const d = Array.from({ length: i % 4 }, (_, k) => [`D${k}`, `v${i}-${k}`] as [string, string]);
      got += partitionOf(`${i % 3}00000000000`, i % 2 ? "App" : "é 🌏/x", { m: `m${i % 7}`, d });
    }
    expect(got).toBe("311202300330231121323133022100121322212013113220100030231121311311200301121322212331331002110030231121103030012302331003");
  });
});
