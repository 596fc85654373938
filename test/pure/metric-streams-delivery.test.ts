/**
 * What a metric stream sends: which metrics its filters include, which
 * additional statistics each gets, and AWS's JSON line for one minute (user
 * guide, "CloudWatch metric stream output in JSON format", whose example
 * writes values as doubles: `"count": 3.0`).
 */
import { describe, expect, it } from "vitest";
import { jsonDouble, jsonLine } from "../../lib/metric-streams/delivery/json-lines.js";
import { includes, statisticsFor } from "../../lib/metric-streams/delivery/selection.js";
import { Aggregate } from "../../lib/metrics/read/aggregate.js";

const metric = (namespace: string, metricName: string) => ({ namespace, metricName, dimensions: [] });

describe("which metrics a stream includes (PutMetricStream, MetricStreamFilter)", () => {
  it.each([
    ["no filters: every metric", {}, metric("Any", "x"), true],
    ["IncludeFilters, namespace listed", { includeFilters: [{ Namespace: "App" }] }, metric("App", "x"), true],
    ["IncludeFilters, namespace not listed", { includeFilters: [{ Namespace: "App" }] }, metric("Other", "x"), false],
    ["IncludeFilters with MetricNames, name listed", { includeFilters: [{ Namespace: "App", MetricNames: ["a"] }] }, metric("App", "a"), true],
    ["IncludeFilters with MetricNames, name not listed", { includeFilters: [{ Namespace: "App", MetricNames: ["a"] }] }, metric("App", "b"), false],
    ["ExcludeFilters, namespace listed", { excludeFilters: [{ Namespace: "App" }] }, metric("App", "x"), false],
    ["ExcludeFilters, namespace not listed", { excludeFilters: [{ Namespace: "App" }] }, metric("Other", "x"), true],
    ["ExcludeFilters with MetricNames, other name", { excludeFilters: [{ Namespace: "App", MetricNames: ["a"] }] }, metric("App", "b"), true],
  ])("%s", (_what, stream, m, expected) => {
    expect(includes(stream, m)).toBe(expected);
  });

  it("adds the additional statistics of every configuration naming the metric, each once", () => {
    const stream = {
      statisticsConfigurations: [
        { IncludeMetrics: [{ Namespace: "App", MetricName: "a" }], AdditionalStatistics: ["p99", "p50"] },
        { IncludeMetrics: [{ Namespace: "App", MetricName: "a" }, { Namespace: "App", MetricName: "b" }], AdditionalStatistics: ["p99", "TM(10%:90%)"] },
      ],
    };
    expect(statisticsFor(stream, metric("App", "a"))).toEqual(["p99", "p50", "TM(10%:90%)"]);
    expect(statisticsFor(stream, metric("App", "b"))).toEqual(["p99", "TM(10%:90%)"]);
    expect(statisticsFor(stream, metric("App", "c"))).toEqual([]);
  });
});

describe("the JSON line", () => {
  it("writes whole numbers as doubles and others as JavaScript does", () => {
    expect([jsonDouble(3), jsonDouble(0), jsonDouble(-2), jsonDouble(17.56), jsonDouble(1e21)]).toEqual(["3.0", "0.0", "-2.0", "17.56", "1e+21"]);
  });

  it("holds the guide's members in its order, with the additional statistics in value", () => {
    const line = jsonLine(
      { streamName: "MyMetricStream", account: "123456789012", region: "us-east-1" },
      { namespace: "AWS/EC2", metricName: "DiskWriteOps", dimensions: [{ name: "InstanceId", value: "i-123456789012" }] },
      "Seconds",
      1611929640000,
      Aggregate.of(0, 2, 18),
      ["p100"],
    );
    expect(line).toBe(
      '{"metric_stream_name":"MyMetricStream","account_id":"123456789012","region":"us-east-1","namespace":"AWS/EC2","metric_name":"DiskWriteOps",' +
        '"dimensions":{"InstanceId":"i-123456789012"},"timestamp":1611929640000,"value":{"max":18.0,"min":0.0,"sum":20.0,"count":3.0,"p100":18.0},"unit":"Seconds"}',
    );
  });

  it("leaves out a statistic the data cannot give (a statistic set has no distribution)", () => {
    const agg = Aggregate.fromParts({ count: 2, sum: 3, min: 1, max: 2, hasDistribution: false });
    const line = JSON.parse(jsonLine({ streamName: "s", account: "1", region: "r" }, metric("A", "m"), "None", 0, agg, ["p50"]));
    expect(line.value).toEqual({ max: 2, min: 1, sum: 3, count: 2 });
  });
});
