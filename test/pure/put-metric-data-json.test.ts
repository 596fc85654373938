/**
 * PutMetricData's fast JSON reader (lib/metrics/write/put-metric-data-json.ts)
 * against the general path it stands in for: JSON.parse, the SDK-schema
 * reader, the model's validation stage and normalizeDatum. Whatever the fast
 * reader accepts, the general path accepts with the same datums, and its
 * columns become the same ingest messages, byte for byte, as the general
 * path's datums put into columns; whatever it declines goes to the general
 * path, which answers AWS's error.
 */
import { describe, expect, it } from "vitest";
import type { PutMetricDataInput } from "@aws-sdk/client-cloudwatch";
import type { IngestDatum } from "../../lib/metrics/encoding/ingest-codec.js";
import { ingestDatumsOf } from "../../lib/metrics/put-metric-data.js";
import { ingestColumnParts, ingestParts } from "../../lib/metrics/write/ingest-log.js";
import { readPutMetricDataJson, type PutMetricDataRead } from "../../lib/metrics/write/put-metric-data-json.js";
import { CLOUDWATCH } from "../../lib/protocol/index.js";
import { decodeJsonInput } from "../../lib/protocol/json.js";
import { validateInput } from "../../lib/validation/validate-input.js";
import { rng } from "../support/random.js";

process.env.HIVE_CLOUDWATCH_LOCAL = "true"; // the configuration's defaults (max_metrics_per_request)

const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);
const ACCOUNT = "123456789012";
const op = CLOUDWATCH.operations.get("PutMetricData")!;

/** The general path: datums, or the error a client would get. */
async function general(body: Buffer) {
  try {
    const input = (await decodeJsonInput(CLOUDWATCH, op.input, body)) as PutMetricDataInput;
    validateInput("cloudwatch", "PutMetricData", input);
    return { input: { Namespace: input.Namespace }, prepared: ingestDatumsOf(input, { accountId: ACCOUNT, now: NOW }) };
  } catch (e) {
    return { error: `${(e as { code?: string }).code}: ${(e as Error).message}` };
  }
}

/** What the fast reader read, as the general path gives it: its columns as datums, and the messages each way makes of them. */
function sameAsGeneral(fast: PutMetricDataRead, slow: Awaited<ReturnType<typeof general>>, what: string): void {
  expect(slow, what).not.toHaveProperty("error");
  const { input, prepared } = slow as { input: { Namespace: string }; prepared: IngestDatum[] };
  expect({ input: fast.input, prepared: fast.prepared.datums() }, what).toEqual({ input, prepared });
  expect(ingestColumnParts(ACCOUNT, input.Namespace, fast.prepared), what).toEqual(ingestParts({ account: ACCOUNT, namespace: input.Namespace, data: prepared }));
}

/** A number written as given (JSON.stringify would normalise it). */
const raw = (text: string) => `\u0000${text}\u0000`;
const serialize = (x: unknown, indent: number) => JSON.stringify(x, null, indent).replace(/"\\u0000(.*?)\\u0000"/g, "$1");

const pick = <T>(r: () => number, xs: T[]): T => xs[Math.floor(r() * xs.length)];

const NUMBERS = ["0", "-0", "1", "42", "12.34", "0.1", "-7.25", "1e3", "1E-2", "2.5e+10", "0.30000000000000004", "123456789012345678", "1.7976931348623157e308",
  "1e400", "-1e400", "5e-324", "99.99", "0.000001", "1234567.890123", "3.14159265358979323846", "1e-7", "100000000000000000000000"];
const NAMES = ["cpu", "metric_1", "Latency p99", "a".repeat(255), "a".repeat(256), "", "é", 'say "hi"', "tab\there", "x:y"];
const DIMENSION_NAMES = ["Host", "Service", "AZ", "host", "", "n".repeat(256)];
const DIMENSION_VALUES = ["host-1", "checkout", "us-east-1a", "", "v".repeat(1024), "v".repeat(1025), "ü", "back\\slash"];
const UNITS = ["Percent", "None", "Count", "Bytes/Second", "Percents", "percent"];
const NAMESPACES = ["Bench/Ingest", "App", "AWS/EC2", ":colon", "", "ok space", "bad|char", "n".repeat(256)];

/** Odd inputs only in wild bodies; the others are plain (and mostly valid). */
let wild = false;

function datum(r: () => number, now: number): Record<string, unknown> {
  const odd = (p: number) => wild && r() < p;
  const d: Record<string, unknown> = {};
  if (!odd(0.03)) d.MetricName = pick(r, !odd(0.2) ? NAMES.slice(0, 3) : NAMES);
  if (r() < 0.8) {
    const n = odd(0.02) ? 31 : Math.floor(r() * 4);
    d.Dimensions = Array.from({ length: n }, (_, k) => {
      const dim: Record<string, unknown> = {};
      if (!odd(0.02)) dim.Name = !odd(0.15) ? (n > 3 ? `D${k}` : pick(r, DIMENSION_NAMES.slice(0, 3))) : pick(r, DIMENSION_NAMES);
      if (!odd(0.02)) dim.Value = pick(r, !odd(0.15) ? DIMENSION_VALUES.slice(0, 3) : DIMENSION_VALUES);
      return dim;
    });
  }
  if (r() < 0.8) {
    const seconds = now / 1000 + pick(r, wild ? [0, -60, -0.5, 3600, -15 * 86400, 3 * 3600, 0.0004, 0.0006] : [0, -60, -0.5, 0.0004, 0.0006]);
    d.Timestamp = !odd(0.05) ? raw(String(seconds)) : new Date(seconds * 1000).toISOString();
  }
  const kind = r();
  const num = () => raw(pick(r, NUMBERS));
  if (kind < 0.6 || kind > 0.97) d.Value = !odd(0.03) ? num() : "NaN";
  if (kind >= 0.6 && kind < 0.8 || kind > 0.99) d.Values = Array.from({ length: odd(0.03) ? 151 : Math.floor(r() * 4) }, num);
  if (d.Values && r() < 0.5) d.Counts = Array.from({ length: (d.Values as unknown[]).length + (odd(0.1) ? 1 : 0) }, () => raw(pick(r, ["1", "2", "0", "-1", "0.5"])));
  if (kind >= 0.8 && kind < 0.95 || kind > 0.985) {
    const set: Record<string, unknown> = { SampleCount: raw(pick(r, ["3", "0", "1"])), Sum: num(), Minimum: raw(pick(r, ["1", "5"])), Maximum: raw(pick(r, ["4", "2"])) };
    if (odd(0.05)) delete set.Sum;
    d.StatisticValues = set;
  }
  if (r() < 0.6) d.Unit = pick(r, !odd(0.2) ? UNITS.slice(0, 4) : UNITS);
  if (r() < 0.2) d.StorageResolution = raw(pick(r, ["1", "60", "5", "1.0"]));
  if (odd(0.02)) d.Extra = 1;
  if (odd(0.02)) d.Value = null;
  return d;
}

function body(r: () => number): Buffer {
  wild = r() < 0.5;
  const odd = (p: number) => wild && r() < p;
  const input: Record<string, unknown> = {};
  if (!odd(0.02)) input.Namespace = pick(r, !odd(0.3) ? NAMESPACES.slice(0, 2) : NAMESPACES);
  if (!odd(0.03)) input.MetricData = Array.from({ length: odd(0.05) ? 0 : 1 + Math.floor(r() * 5) }, () => datum(r, NOW));
  if (odd(0.03)) input.StrictEntityValidation = true;
  let text = serialize(input, r() < 0.3 ? 2 : 0);
  if (odd(0.03)) text = text.slice(0, Math.floor(r() * text.length)); // cut short
  if (odd(0.02)) text += " x";
  return Buffer.from(text);
}

describe("PutMetricData's fast JSON reader", () => {
  it("gives the general path's datums for every body it takes, and takes the plain ones", async () => {
    const r = rng(20261206);
    let taken = 0;
    let declinedValid = 0;
    for (let c = 0; c < 6000; c++) {
      const b = body(r);
      const fast = readPutMetricDataJson(b, NOW);
      const slow = await general(b);
      if (fast === undefined) {
        if (!("error" in slow)) declinedValid++; // ISO timestamps, "1.0" resolutions, escapes: read by the general path
        continue;
      }
      taken++;
      sameAsGeneral(fast, slow, b.toString());
    }
    // Most generated bodies break a rule (both paths refuse them); of the valid ones the fast path takes nearly all.
    expect(taken).toBeGreaterThan(600);
    expect(declinedValid).toBeGreaterThan(0);
    expect(taken / (taken + declinedValid)).toBeGreaterThan(0.9);
  }, 120_000);

  it("takes a body as @aws-sdk/client-cloudwatch sends it, numbers read exactly", async () => {
    const b = Buffer.from(
      JSON.stringify({
        Namespace: "Bench/Ingest",
        MetricData: [
          { Dimensions: [{ Name: "Service", Value: "checkout" }, { Name: "Host", Value: "host-1" }], MetricName: "metric_3", Timestamp: NOW / 1000, Unit: "Percent", Value: 0.1 + 0.2 },
          { MetricName: "lat", StatisticValues: { Maximum: 9.5, Minimum: 0.25, SampleCount: 3, Sum: 12 }, Values: [1.5, 2], Counts: [1, 2], StorageResolution: 1 },
        ],
      }),
    );
    const fast = readPutMetricDataJson(b, NOW);
    expect(fast).toBeDefined();
    const datums = fast!.prepared.datums();
    expect(datums[0]).toMatchObject({ m: "metric_3", d: [["Host", "host-1"], ["Service", "checkout"]], t: NOW, u: "Percent", v: 0.30000000000000004 });
    expect(datums).toHaveLength(3); // statistic set and values: two ingest forms
    expect(datums[1]).toEqual({ m: "lat", d: [], t: NOW, u: "None", r: 1, s: [3, 12, 0.25, 9.5] });
    expect(datums[2]).toEqual({ m: "lat", d: [], t: NOW, u: "None", r: 1, vs: [1.5, 2], cs: [1, 2] });
    sameAsGeneral(fast!, await general(b), b.toString());
  });

  it("numbers a text once in each message when it recurs in other roles, is the namespace or the account, or is the unit None sent or not", async () => {
    const b = Buffer.from(
      JSON.stringify({
        Namespace: "App",
        MetricData: [
          { MetricName: "App", Dimensions: [{ Name: "Account", Value: ACCOUNT }, { Name: "App", Value: "None" }], Value: 1 },
          { MetricName: "None", Dimensions: [{ Name: "App", Value: "App" }], Value: 2, Unit: "None" },
          { MetricName: ACCOUNT, Dimensions: [{ Name: "Account", Value: ACCOUNT }, { Name: "App", Value: "None" }], Value: 3, Unit: "None" },
          { MetricName: "App", Dimensions: [{ Name: "Account", Value: ACCOUNT }, { Name: "App", Value: "None" }], Value: 4, Unit: "Count" },
        ],
      }),
    );
    const fast = readPutMetricDataJson(b, NOW);
    expect(fast?.prepared.uniqueTexts, "None is a dimension value and a metric name here").toBe(false);
    sameAsGeneral(fast!, await general(b), b.toString());
    const noNone = Buffer.from(b.toString().replace(/"Value":"None"/g, '"Value":"x"').replace(/"MetricName":"None"/g, '"MetricName":"y"'));
    const unique = readPutMetricDataJson(noNone, NOW);
    expect(unique?.prepared.uniqueTexts).toBe(true);
    sameAsGeneral(unique!, await general(noNone), noNone.toString());
    // As if the reader's table had been emptied mid-read: numbered by text all the same.
    unique!.prepared.uniqueTexts = false;
    sameAsGeneral(unique!, await general(noNone), noNone.toString());
  });

  it.each([
    ["an escaped name", '{"Namespace":"A","MetricData":[{"MetricName":"c\\u0070u","Value":1}]}'],
    ["EntityMetricData", '{"Namespace":"A","EntityMetricData":[]}'],
    ["a reserved namespace", '{"Namespace":"AWS/EC2","MetricData":[{"MetricName":"cpu","Value":1}]}'],
    ["a unit outside the model's enum", '{"Namespace":"A","MetricData":[{"MetricName":"cpu","Value":1,"Unit":"Percents"}]}'],
    ["a repeated dimension name", '{"Namespace":"A","MetricData":[{"MetricName":"cpu","Value":1,"Dimensions":[{"Name":"b","Value":"1"},{"Name":"a","Value":"1"},{"Name":"b","Value":"2"}]}]}'],
    ["a member twice", '{"Namespace":"A","MetricData":[{"MetricName":"cpu","Value":1,"Value":2}]}'],
    ["a missing value", '{"Namespace":"A","MetricData":[{"MetricName":"cpu"}]}'],
  ])("leaves %s to the general path (which answers AWS's error or reads it)", (_what, text) => {
    expect(readPutMetricDataJson(Buffer.from(text), NOW)).toBeUndefined();
  });
});
