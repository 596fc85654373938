/**
 * Numbers and times on the wire as AWS writes them (localstack's
 * test_basic_operations_multiple_protocols, recorded against AWS): a double
 * member always as a double (JSON and XML `41.0`, a CBOR float), every other
 * number as an integer when whole, timestamps as float epoch seconds (JSON)
 * or tag 1 over a float (CBOR, bytes `c1 fb …`).
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { cbor } from "@smithy/core/cbor";
import { describe, expect, it } from "vitest";
import { DOUBLE_MEMBERS, doubleText } from "../../lib/protocol/doubles.js";
import { CLOUDWATCH, LOGS, encodeOutput, type ServiceModel } from "../../lib/protocol/index.js";
import { ROOT } from "../support/stack.js";

const T = new Date(1765977780_000);

function encode(service: ServiceModel, protocol: "json" | "cbor" | "query", operation: string, output: unknown): Buffer {
  const body = encodeOutput({ service, protocol, operation }, service.operations.get(operation)!, output, "r").body;
  return typeof body === "string" ? Buffer.from(body) : body;
}

const STATS = {
  Label: "m",
  Datapoints: [{ Timestamp: T, Sum: 100, SampleCount: 1, Average: 2.5, Unit: "Count", ExtendedStatistics: { p99: 7 } }],
};
const DATA = { MetricDataResults: [{ Id: "m1", Label: "m", Timestamps: [T], Values: [41, 0.5], StatusCode: "Complete" }], Messages: [] };

describe("the double members", () => {
  it("are those botocore's models type as double or float (scripts/double-members.py)", () => {
    const fromModels = JSON.parse(execFileSync("python3", [join(ROOT, "scripts/double-members.py")], { encoding: "utf8" }));
    expect([...DOUBLE_MEMBERS].sort()).toEqual(fromModels);
  });

  it.each([
    [41, "41.0"],
    [0, "0.0"],
    [-0, "-0.0"],
    [-3, "-3.0"],
    [0.5, "0.5"],
    [1765977780, "1765977780.0"],
    [1765977780.123, "1765977780.123"],
    [1e21, "1e+21"],
  ])("%s is written %s", (v, text) => expect(doubleText(v)).toBe(text));
});

describe("awsJson", () => {
  it("writes doubles with a fraction and timestamps as float epoch seconds", () => {
    expect(encode(CLOUDWATCH, "json", "GetMetricStatistics", STATS).toString()).toBe(
      '{"Label":"m","Datapoints":[{"Timestamp":1765977780.0,"SampleCount":1.0,"Average":2.5,"Sum":100.0,"Unit":"Count","ExtendedStatistics":{"p99":7.0}}]}',
    );
    expect(encode(CLOUDWATCH, "json", "GetMetricData", DATA).toString()).toBe(
      '{"MetricDataResults":[{"Id":"m1","Label":"m","Timestamps":[1765977780.0],"Values":[41.0,0.5],"StatusCode":"Complete"}],"Messages":[]}',
    );
  });

  it("keeps integers integers (Logs' epoch-millisecond longs)", () => {
    const out = encode(LOGS, "json", "DescribeLogGroups", { logGroups: [{ logGroupName: "g", creationTime: 1765977780123, storedBytes: 0, metricFilterCount: 0 }] });
    expect(out.toString()).toBe('{"logGroups":[{"logGroupName":"g","creationTime":1765977780123,"metricFilterCount":0,"storedBytes":0}]}');
  });
});

describe("awsQuery", () => {
  it("writes doubles with a fraction", () => {
    const xml = encode(CLOUDWATCH, "query", "GetMetricData", DATA).toString();
    expect(xml).toContain("<Values><member>41.0</member><member>0.5</member></Values>");
    expect(xml).toContain("<Timestamps><member>2025-12-17T13:23:00Z</member></Timestamps>");
    const stats = encode(CLOUDWATCH, "query", "GetMetricStatistics", STATS).toString();
    expect(stats).toContain("<SampleCount>1.0</SampleCount>");
    expect(stats).toContain("<Sum>100.0</Sum>");
    expect(stats).toMatch(/<entry><key>p99<\/key><value>7\.0<\/value><\/entry>/);
  });
});

describe("smithy-rpc-v2-cbor", () => {
  it("writes doubles as floats, timestamps as tag 1 over a float, lists and maps of indefinite length, and reads back as the SDK reads it", () => {
    const bytes = encode(CLOUDWATCH, "cbor", "GetMetricData", DATA);
    // "Timestamps", an indefinite array, tag 1, float64: AWS's own bytes (localstack's
    // test_basic_operations_multiple_protocols, recorded against AWS, finds `Timestamps\x9f\xc1\xfbA`).
    expect(bytes.includes(Buffer.concat([Buffer.from("Timestamps"), Buffer.from([0x9f, 0xc1, 0xfb, 0x41])]))).toBe(true);
    // "Values": an indefinite array of two float64s, 41.0 and 0.5, then the break.
    expect(bytes.includes(Buffer.concat([Buffer.from("Values"), Buffer.from([0x9f]), f64of(41), f64of(0.5), Buffer.from([0xff])]))).toBe(true);
    // The answer itself is an indefinite map, ended by a break.
    expect([bytes[0], bytes[bytes.length - 1]]).toEqual([0xbf, 0xff]);
    const back = cbor.deserialize(new Uint8Array(bytes)) as any;
    expect(back.MetricDataResults[0]).toMatchObject({ Id: "m1", Values: [41, 0.5], StatusCode: "Complete" });
    expect(back.MetricDataResults[0].Timestamps[0]).toMatchObject({ tag: 1, value: 1765977780 });
    expect(back.Messages).toEqual([]);
  });

  it("keeps other numbers integers", () => {
    const bytes = encode(CLOUDWATCH, "cbor", "DescribeAlarms", { MetricAlarms: [{ AlarmName: "a", Period: 60, EvaluationPeriods: 3, Threshold: 5 }] });
    expect(bytes.includes(Buffer.concat([Buffer.from("Period"), Buffer.from([0x18, 60])]))).toBe(true);
    expect(bytes.includes(Buffer.concat([Buffer.from("EvaluationPeriods"), Buffer.from([0x03])]))).toBe(true);
    expect(bytes.includes(Buffer.concat([Buffer.from("Threshold"), f64of(5)]))).toBe(true);
  });
});

function f64of(v: number): Buffer {
  const b = Buffer.alloc(9);
  b[0] = 0xfb;
  b.writeDoubleBE(v, 1);
  return b;
}
