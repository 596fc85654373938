/**
 * Embedded Metric Format extraction against AWS's "Specification: Embedded
 * metric format" (CloudWatch user guide, CloudWatch_Embedded_Metric_Format_Specification.html).
 */
import { describe, expect, it } from "vitest";
import { extractEmf } from "../../lib/logs/emf/extract.js";

// The specification's example document.
const SPEC_EXAMPLE = {
  _aws: {
    Timestamp: 1574109732004,
    CloudWatchMetrics: [
      {
        Namespace: "lambda-function-metrics",
        Dimensions: [["functionVersion"]],
        Metrics: [{ Name: "time", Unit: "Milliseconds", StorageResolution: 60 }],
      },
    ],
  },
  functionVersion: "$LATEST",
  time: 100,
  requestId: "989ffbf8-9ace-4817-a57c-e4dd734019ee",
};

const doc = (patch: (d: any) => void) => {
  const d = structuredClone(SPEC_EXAMPLE) as any;
  patch(d);
  return JSON.stringify(d);
};

describe("EMF extraction", () => {
  it("turns the specification's example into one datum with its dimension, unit and timestamp", () => {
    expect(extractEmf(JSON.stringify(SPEC_EXAMPLE))).toEqual([
      {
        namespace: "lambda-function-metrics",
        data: [
          {
            MetricName: "time",
            Timestamp: new Date(1574109732004),
            Dimensions: [{ Name: "functionVersion", Value: "$LATEST" }],
            Value: 100,
            Unit: "Milliseconds",
          },
        ],
      },
    ]);
  });

  it("yields one datum per dimension set, none for an empty set", () => {
    const out = extractEmf(doc((d) => {
      d._aws.CloudWatchMetrics[0].Dimensions = [["functionVersion"], [], ["functionVersion", "requestId"]];
    }));
    expect(out![0]!.data.map((x) => x.Dimensions)).toEqual([
      [{ Name: "functionVersion", Value: "$LATEST" }],
      [],
      [{ Name: "functionVersion", Value: "$LATEST" }, { Name: "requestId", Value: "989ffbf8-9ace-4817-a57c-e4dd734019ee" }],
    ]);
  });

  it("keeps an array of values and high resolution", () => {
    const out = extractEmf(doc((d) => {
      d.time = [1, 2, 3];
      d._aws.CloudWatchMetrics[0].Metrics[0].StorageResolution = 1;
    }));
    expect(out![0]!.data[0]).toMatchObject({ Values: [1, 2, 3], StorageResolution: 1 });
  });

  it("accepts 100 values and rejects 101 (the specification's limit)", () => {
    expect(extractEmf(doc((d) => (d.time = Array.from({ length: 100 }, (_, i) => i))))![0]!.data[0]!.Values).toHaveLength(100);
    expect(extractEmf(doc((d) => (d.time = Array.from({ length: 101 }, (_, i) => i))))).toBeUndefined();
  });

  it("groups directives by namespace and skips a declared metric missing from the event", () => {
    const out = extractEmf(doc((d) => {
      d._aws.CloudWatchMetrics.push({ Namespace: "other", Dimensions: [[]], Metrics: [{ Name: "count" }, { Name: "absent" }] });
      d.count = 7;
    }));
    expect(out!.map((o) => [o.namespace, o.data.map((x) => [x.MetricName, x.Value])])).toEqual([
      ["lambda-function-metrics", [["time", 100]]],
      ["other", [["count", 7]]],
    ]);
  });

  it.each([
    ["no Timestamp", (d: any) => delete d._aws.Timestamp],
    ["CloudWatchMetrics not an array", (d: any) => (d._aws.CloudWatchMetrics = {})],
    ["a dimension naming a missing member", (d: any) => (d._aws.CloudWatchMetrics[0].Dimensions = [["nope"]])],
    ["a dimension value that is not a string", (d: any) => (d.functionVersion = 3)],
    ["an unknown unit", (d: any) => (d._aws.CloudWatchMetrics[0].Metrics[0].Unit = "Parsecs")],
    ["a StorageResolution other than 1 or 60", (d: any) => (d._aws.CloudWatchMetrics[0].Metrics[0].StorageResolution = 5)],
    ["a value that is a string", (d: any) => (d.time = "100")],
    ["101 metrics", (d: any) => (d._aws.CloudWatchMetrics[0].Metrics = Array.from({ length: 101 }, (_, i) => ({ Name: `m${i}` })))],
    ["31 dimensions in a set", (d: any) => (d._aws.CloudWatchMetrics[0].Dimensions = [Array.from({ length: 31 }, () => "functionVersion")])],
  ])("an invalid document (%s) yields no metrics", (_what, patch) => {
    expect(extractEmf(doc(patch))).toBeUndefined();
  });

  it("ignores events that are not EMF", () => {
    expect(extractEmf("plain text")).toBeUndefined();
    expect(extractEmf('{"a": 1}')).toBeUndefined();
    expect(extractEmf('{"_aws": "CloudWatchMetrics" ')).toBeUndefined();
  });
});
