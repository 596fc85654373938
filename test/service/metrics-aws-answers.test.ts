/**
 * GetMetricData, GetMetricStatistics and PutMetricData answer as AWS does
 * where AWS's answer is not the obvious one, in every protocol CloudWatch
 * speaks: the JS SDK over awsJson1_0, smithy-rpc-v2-cbor and awsQuery, and
 * Debian's aws CLI (awsQuery). Each expectation cites where AWS's answer was
 * seen; most are responses localstack recorded against AWS
 * (localstack/localstack tests/aws/services/cloudwatch/test_cloudwatch.py and
 * its .snapshot.json, recorded 2025-09-19).
 */
import { request } from "node:http";
import { gzipSync } from "node:zlib";
import {
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  ListMetricsCommand,
  PutMetricDataCommand,
  type CloudWatchClient,
  type Dimension,
  type GetMetricDataCommandInput,
  type ListMetricsCommandInput,
  type Metric,
  type MetricDataQuery,
  type MetricDatum,
  type StandardUnit,
} from "@aws-sdk/client-cloudwatch";
import { HttpRequest } from "@smithy/core/protocols";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { awsCli, cloudWatchClient, startStack, type Protocol, type Stack } from "../support/stack.js";
import { MIN, minuteGrid } from "../support/minutes.js";
import { awsFailure } from "../support/failure.js";
import { Sha256 } from "../support/sha256.js";

let stack: Stack;
const RUN = `ans${Date.now().toString(36)}`;
/** T0: a whole minute 20 minutes ago (within the 3 hours sub-minute periods reach); data at T0 + 10 s. */
const { T0 } = minuteGrid(20);
const D = T0 + 10_000;
const RANGE = { StartTime: new Date(D - MIN), EndTime: new Date(D + MIN) };

beforeAll(async () => {
  stack = await startStack();
}, 180_000);
afterAll(() => stack?.stop());

const PROTOCOLS: Protocol[] = ["json", "cbor", "query"];

async function put(cw: CloudWatchClient, ns: string, data: MetricDatum[]): Promise<void> {
  await cw.send(new PutMetricDataCommand({ Namespace: ns, MetricData: data.map((d) => ({ Timestamp: new Date(D), ...d })) }));
}

const stat = (id: string, ns: string, name: string, s: string, period: number, unit?: StandardUnit): MetricDataQuery => ({
  Id: id,
  MetricStat: { Metric: { Namespace: ns, MetricName: name }, Period: period, Stat: s, ...(unit ? { Unit: unit } : {}) },
});

describe.each(PROTOCOLS)("over %s", (protocol) => {
  let cw: CloudWatchClient;
  const ns = `${RUN}/${protocol}`;

  beforeAll(async () => {
    cw = cloudWatchClient(stack, { protocol });
    await put(cw, ns, [0, 2, 7, 100].map((v) => ({ MetricName: "metric1", Value: v, Unit: "Seconds" })));
    await put(cw, ns, [
      { MetricName: "units2", Value: 60000, Unit: "Milliseconds" },
      { MetricName: "units2", Value: 60, Unit: "Seconds" },
      { MetricName: "units3", Value: 60000, Unit: "Milliseconds" },
      { MetricName: "units3", Value: 60, Unit: "Seconds" },
      { MetricName: "units3", Value: 5, Unit: "Count" },
      { MetricName: "mixed", Value: 1, Unit: "Seconds" },
      { MetricName: "mixed", Value: 5, Unit: "Count" },
      { MetricName: "mixed", Value: 10 },
    ]);
  }, 60_000);
  afterAll(() => cw?.destroy());

  // localstack test_label_generation: AWS's labels and values for two queries on one metric
  // (data 0, 2, 7, 100 in Seconds; Period 30 over 60-second data answers the minute's value).
  it.each([
    [[["Sum", 60, "Seconds"], ["Minimum", 30, "Seconds"]], ["metric1 Sum 60", "metric1 Minimum 30"], [[109], [0]]],
    [[["Sum", 60, "Seconds"], ["Minimum", 60, "Seconds"]], ["metric1 Sum", "metric1 Minimum"], [[109], [0]]],
    [[["Sum", 60, "Seconds"], ["Sum", 30, "Seconds"]], ["metric1 60", "metric1 30"], [[109], [109]]],
    [[["Sum", 60, "Seconds"], ["Minimum", 30, "Milliseconds"]], ["metric1 Sum 60", "metric1 Minimum 30"], [[109], []]],
    [[["Sum", 60, "Seconds"], ["Minimum", 60, "Milliseconds"]], ["metric1 Sum", "metric1 Minimum"], [[109], []]],
    [[["Sum", 60, "Seconds"], ["Sum", 30, "Milliseconds"]], ["metric1 60", "metric1 30"], [[109], []]],
    [[["Sum", 60, "Seconds"], ["Sum", 60, "Milliseconds"]], ["metric1", "metric1"], [[109], []]],
  ] as Array<[Array<[string, number, StandardUnit]>, string[], number[][]]>)(
    "labels queries on one metric by what tells them apart: %j",
    async (pairs, labels, values) => {
      const out = await cw.send(
        new GetMetricDataCommand({ ...RANGE, MetricDataQueries: pairs.map(([s, p, u], i) => stat(`q${i}`, ns, "metric1", s, p, u)) }),
      );
      expect(out.MetricDataResults!.map((r) => r.Label)).toEqual(labels);
      expect(out.MetricDataResults!.map((r) => r.Values)).toEqual(values);
      // The minute's value sits at the minute's start, whatever the period.
      for (const r of out.MetricDataResults!) if (r.Values!.length) expect(r.Timestamps!.map((t) => t.getTime())).toEqual([T0]);
      // AWS leaves an empty Messages out of each result and keeps the top-level one.
      for (const r of out.MetricDataResults!) expect(r.Messages).toBeUndefined();
      expect(out.Messages).toEqual([]);
    },
  );

  // localstack test_get_metric_data_for_multiple_metrics: one query on a metric is labelled with its name.
  it("keeps a label the caller gave, and the plain name for one query on a metric", async () => {
    const out = await cw.send(
      new GetMetricDataCommand({
        ...RANGE,
        MetricDataQueries: [{ ...stat("a", ns, "metric1", "Sum", 60), Label: "mine" }, stat("c", ns, "units2", "Sum", 60, "Seconds")],
      }),
    );
    expect(out.MetricDataResults!.map((r) => r.Label)).toEqual(["mine", "units2"]);
  });

  // localstack test_get_metric_data_different_units_no_unit_in_query: one unit's datapoints, never a sum
  // of several, and a MultipleUnits message (Count over Milliseconds over Seconds).
  it.each([
    ["units2", [60000], "Multiple units returned: '[Milliseconds, Seconds]'"],
    ["units3", [5], "Multiple units returned: '[Count, Milliseconds, Seconds]'"],
  ])("answers one unit of %s with a MultipleUnits message", async (name, values, message) => {
    const out = await cw.send(new GetMetricDataCommand({ ...RANGE, MetricDataQueries: [stat("m1", ns, name, "Sum", 60)] }));
    const [r] = out.MetricDataResults!;
    expect(r).toMatchObject({ Id: "m1", Label: name, StatusCode: "Complete", Values: values });
    expect(r.Messages).toEqual([{ Code: "MultipleUnits", Value: message }]);
    expect(out.Messages).toEqual([]);
  });

  // localstack test_handle_different_units: GetMetricStatistics answers one datapoint per unit.
  it("answers GetMetricStatistics with one datapoint per unit", async () => {
    const out = await cw.send(new GetMetricStatisticsCommand({ Namespace: ns, MetricName: "mixed", ...RANGE, Period: 60, Statistics: ["Average"] }));
    const points = out.Datapoints!.map((d) => [d.Unit, d.Average, d.Timestamp!.getTime()]).sort((a, b) => (b[1] as number) - (a[1] as number));
    expect(points).toEqual([
      ["None", 10, T0],
      ["Count", 5, T0],
      ["Seconds", 1, T0],
    ]);
    expect(out.Label).toBe("mixed");
  });

  // localstack test_put_metric_data_validation: Values with StatisticValues is accepted; Value with either is not.
  it("accepts Values with StatisticValues in one datum and counts both", async () => {
    await put(cw, ns, [{ MetricName: "both", Values: [1, 10], StatisticValues: { SampleCount: 10, Sum: 55, Minimum: 1, Maximum: 10 }, Unit: "Count" }]);
    const out = await cw.send(
      new GetMetricStatisticsCommand({ Namespace: ns, MetricName: "both", ...RANGE, Period: 60, Statistics: ["SampleCount", "Sum", "Minimum", "Maximum"] }),
    );
    expect(out.Datapoints).toEqual([{ Timestamp: new Date(T0), SampleCount: 12, Sum: 66, Minimum: 1, Maximum: 10, Unit: "Count" }]);
  });

  it.each([
    ["Values", { Value: 1.5, Values: [1, 10] }],
    ["StatisticValues", { Value: 1.5, StatisticValues: { SampleCount: 10, Sum: 55, Minimum: 1, Maximum: 10 } }],
  ])("refuses Value with %s", async (other, datum) => {
    const f = await awsFailure(cw.send(new PutMetricDataCommand({ Namespace: ns, MetricData: [{ MetricName: "bad", Unit: "Count", ...datum }] })));
    expect(f).toMatchObject({ code: "InvalidParameterCombination", status: 400 });
    expect(f.message).toBe(`The parameters MetricData.member.1.Value and MetricData.member.1.${other} are mutually exclusive and you have specified both.`);
  });

  // localstack test_invalid_amount_of_datapoints: (EndTime - StartTime) / Period, plain numbers.
  it("counts GetMetricStatistics's datapoints as (EndTime - StartTime) / Period", async () => {
    const unaligned = new Date(Date.now() - 86_400_000 - 17_250);
    const day = { StartTime: unaligned, EndTime: new Date(unaligned.getTime() + 86_400_000) };
    const ok = await cw.send(new GetMetricStatisticsCommand({ Namespace: `${ns}/none`, MetricName: "metric_name", ...day, Period: 60, Statistics: ["SampleCount"] }));
    expect(ok).toMatchObject({ Datapoints: [], Label: "metric_name" });
    const f = await awsFailure(cw.send(new GetMetricStatisticsCommand({ Namespace: ns, MetricName: "metric_name", ...day, Period: 1, Statistics: ["SampleCount"] })));
    expect(f).toMatchObject({ code: "InvalidParameterCombination", status: 400 });
    expect(f.message).toBe(
      "You have requested up to 86400 datapoints, which exceeds the limit of 1440. You may reduce the datapoints requested by increasing Period, or decreasing the time range.",
    );
  });

  // StartTime and EndTime are compared in whole seconds (getmoto/moto#6380, from AWS's answers); the messages:
  // GetMetricData's from raw AWS answers in prometheus-community/yet-another-cloudwatch-exporter#729
  // (`<Message>The parameter StartTime must not equal parameter EndTime.\n</Message>`, newline and all) and
  // elastic/beats#32687, GetMetricStatistics's from localstack's test_invalid_amount_of_datapoints.
  it("compares StartTime and EndTime in whole seconds", async () => {
    const second = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    const within = { StartTime: new Date(second + 20), EndTime: new Date(second + 987) };
    const gmd = await awsFailure(cw.send(new GetMetricDataCommand({ ...within, MetricDataQueries: [stat("m1", ns, "metric1", "Sum", 60)] })));
    expect(gmd).toMatchObject({ code: "ValidationError", status: 400, message: "The parameter StartTime must not equal parameter EndTime.\n" });
    const gms = await awsFailure(cw.send(new GetMetricStatisticsCommand({ Namespace: ns, MetricName: "metric1", ...within, Period: 60, Statistics: ["Sum"] })));
    expect(gms).toMatchObject({ code: "InvalidParameterValue", status: 400, message: "The parameter StartTime must be less than the parameter EndTime." });
    const reversed = await awsFailure(
      cw.send(new GetMetricDataCommand({ StartTime: new Date(second + 1000), EndTime: new Date(second), MetricDataQueries: [stat("m1", ns, "metric1", "Sum", 60)] })),
    );
    expect(reversed).toMatchObject({ code: "ValidationError", message: "The parameter EndTime must be greater than StartTime.\n" });
    // A start late in its second still finds a datapoint of that second (its milliseconds are ignored).
    const out = await cw.send(
      new GetMetricDataCommand({ StartTime: new Date(T0 + 999), EndTime: new Date(D + MIN), MetricDataQueries: [stat("m1", ns, "metric1", "Sum", 60)] }),
    );
    expect(out.MetricDataResults![0].Values).toEqual([109]);
  });
});

describe("Debian's aws CLI (awsQuery)", () => {
  const ns = `${RUN}/cli`;
  const iso = (t: number) => new Date(t).toISOString();

  beforeAll(async () => {
    const cw = cloudWatchClient(stack, { protocol: "query" });
    await put(cw, ns, [
      ...[0, 2, 7, 100].map((v) => ({ MetricName: "metric1", Value: v, Unit: "Seconds" as const })),
      { MetricName: "units3", Value: 60000, Unit: "Milliseconds" },
      { MetricName: "units3", Value: 60, Unit: "Seconds" },
      { MetricName: "units3", Value: 5, Unit: "Count" },
    ]);
    cw.destroy();
  }, 60_000);

  it("gets AWS's labels, values, messages and no empty per-result Messages", async () => {
    const queries = [stat("s", ns, "metric1", "Sum", 60), stat("m", ns, "metric1", "Minimum", 30), stat("u", ns, "units3", "Sum", 60)];
    const out = await awsCli(stack, [
      "cloudwatch",
      "get-metric-data",
      "--metric-data-queries",
      JSON.stringify(queries),
      "--start-time",
      iso(D - MIN),
      "--end-time",
      iso(D + MIN),
    ]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.json.Messages).toEqual([]);
    expect(out.json.MetricDataResults).toEqual([
      { Id: "s", Label: "metric1 Sum 60", Timestamps: [iso(T0).replace(".000Z", "+00:00")], Values: [109], StatusCode: "Complete" },
      { Id: "m", Label: "metric1 Minimum 30", Timestamps: [iso(T0).replace(".000Z", "+00:00")], Values: [0], StatusCode: "Complete" },
      {
        Id: "u",
        Label: "units3",
        Timestamps: [iso(T0).replace(".000Z", "+00:00")],
        Values: [5],
        StatusCode: "Complete",
        Messages: [{ Code: "MultipleUnits", Value: "Multiple units returned: '[Count, Milliseconds, Seconds]'" }],
      },
    ]);
  });

  // influxdata/telegraf#5420 and yet-another-cloudwatch-exporter#385: one line a fault.
  it("is refused bad Ids and statistics a line each", async () => {
    const bad = [
      { Id: "5xx_sum", MetricStat: { Metric: { Namespace: ns, MetricName: "metric1" }, Period: 60, Stat: "Sum" } },
      { Id: "ok", MetricStat: { Metric: { Namespace: ns, MetricName: "metric1" }, Period: 60, Stat: "Min" } },
    ];
    const out = await awsCli(stack, ["cloudwatch", "get-metric-data", "--metric-data-queries", JSON.stringify(bad), "--start-time", iso(D - MIN), "--end-time", iso(D + MIN)]);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toMatch(/\(ValidationError\) when calling the GetMetricData operation.*: The value 5xx_sum/);
    expect(out.stderr).toContain(
      "The value 5xx_sum for parameter MetricDataQueries.member.1.Id is not matching the expected pattern ^[a-z][a-zA-Z0-9_]*$.\n" +
        "The value Min for parameter MetricDataQueries.member.2.MetricStat.Stat is not a valid statistic.\n",
    );
  });

  it("is refused StartTime and EndTime in one second, and a day at Period 1, as AWS refuses them", async () => {
    const second = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    const same = await awsCli(stack, [
      "cloudwatch",
      "get-metric-statistics",
      "--namespace",
      ns,
      "--metric-name",
      "metric1",
      "--start-time",
      iso(second + 20),
      "--end-time",
      iso(second + 987),
      "--period",
      "60",
      "--statistics",
      "Sum",
    ]);
    expect(same.code).not.toBe(0);
    expect(same.stderr).toMatch(/\(InvalidParameterValue\) when calling the GetMetricStatistics operation.*: The parameter StartTime must be less than the parameter EndTime\./);
    const day = await awsCli(stack, [
      "cloudwatch",
      "get-metric-statistics",
      "--namespace",
      ns,
      "--metric-name",
      "metric1",
      "--start-time",
      iso(second - 86_400_000),
      "--end-time",
      iso(second),
      "--period",
      "1",
      "--statistics",
      "Sum",
    ]);
    expect(day.code).not.toBe(0);
    expect(day.stderr).toContain("You have requested up to 86400 datapoints, which exceeds the limit of 1440.");
  });
});

// ---------------------------------------------------------------------------
// localstack's other recorded GetMetricData and GetMetricStatistics answers
// (test_cloudwatch.py and its .snapshot.json, each validated against AWS in
// September 2025), one series per test, all written at D.

const HTTP_DIMS: Dimension[] = [
  { Name: "error", Value: "none" },
  { Name: "exception", Value: "none" },
  { Name: "method", Value: "GET" },
  { Name: "outcome", Value: "SUCCESS" },
  { Name: "uri", Value: "/greetings" },
  { Name: "status", Value: "200" },
];
const SET = { SampleCount: 10, Sum: 55, Minimum: 1, Maximum: 10 };

/** A result as AWS recorded it: no Messages, and datapoints at the period's start. */
const complete = (Id: string, Label: string, Values: number[], at: number[] = [T0]) => ({
  Id,
  Label,
  StatusCode: "Complete",
  Timestamps: Values.length ? at.map((t) => new Date(t)) : [],
  Values,
});

describe.each(PROTOCOLS)("localstack's recorded reads over %s", (protocol) => {
  let cw: CloudWatchClient;
  const ns = `${RUN}/rec/${protocol}`;
  const q = (Id: string, MetricName: string, Stat: string, extra: { Dimensions?: Dimension[]; Period?: number; Unit?: StandardUnit } = {}): MetricDataQuery => ({
    Id,
    MetricStat: {
      Metric: { Namespace: ns, MetricName, ...(extra.Dimensions ? { Dimensions: extra.Dimensions } : {}) },
      Period: extra.Period ?? 60,
      Stat,
      ...(extra.Unit ? { Unit: extra.Unit } : {}),
    },
  });
  const gmd = (queries: MetricDataQuery[], range = RANGE) => cw.send(new GetMetricDataCommand({ ...range, MetricDataQueries: queries }));

  beforeAll(async () => {
    cw = cloudWatchClient(stack, { protocol });
    // Separate requests where localstack's tests made separate calls.
    const writes: MetricDatum[][] = [
      [{ MetricName: "test-metric", Values: [1, 10], Counts: [2, 4], Unit: "Count" }],
      [{ MetricName: "stats", Value: 11, Unit: "Seconds" }],
      [{ MetricName: "stats", StatisticValues: SET, Unit: "Seconds" }],
      [{ MetricName: "dimmed", Value: 11, Unit: "Seconds", Dimensions: [{ Name: "InstanceId", Value: "one" }] }],
      [{ MetricName: "dimmed", Value: 11, Unit: "Seconds", Dimensions: [{ Name: "InstanceId", Value: "two" }] }],
      [{ MetricName: "dimmed", StatisticValues: SET, Unit: "Seconds" }],
      [0, 2, 4, 3.5, 7, 100].map((Value) => ({ MetricName: "zero", Value, Unit: "Seconds" as const })),
      ...Array.from({ length: 10 }, (_, i) => [{ MetricName: "metric", Value: i }]),
      [
        { MetricName: "m-test", Value: 1, Unit: "Seconds" },
        { MetricName: "m-test", Value: 1, Unit: "Count" },
      ],
      [{ MetricName: "dims-only", Value: 1, Unit: "Seconds", Dimensions: [{ Name: "foo", Value: "bar" }] }],
      [{ MetricName: "no-dims", Value: 1 }],
      [{ MetricName: "http.server.requests.count", Value: 0, Unit: "Count", StorageResolution: 1, Dimensions: HTTP_DIMS }],
      [{ MetricName: "http.server.requests.count", Value: 5, Unit: "Count", StorageResolution: 1, Dimensions: HTTP_DIMS }],
      [{ MetricName: "metric1", Value: 50, Unit: "Seconds" }],
      [{ MetricName: "metric2", Value: 25, Unit: "Seconds" }],
      [{ MetricName: "metric3", StatisticValues: SET, Unit: "Seconds" }],
      [{ MetricName: "someMetric", Value: 23 }],
      [{ MetricName: "someMetric", Value: 18 }],
      [{ MetricName: "ug", Value: 23 }],
    ];
    for (const data of writes) await put(cw, ns, data);
  }, 120_000);
  afterAll(() => cw?.destroy());

  // test_put_metric_data_values_list: Counts weigh Values.
  it("counts Values by their Counts", async () => {
    const out = await cw.send(
      new GetMetricStatisticsCommand({ Namespace: ns, MetricName: "test-metric", ...RANGE, Period: 60, Statistics: ["SampleCount", "Sum", "Maximum"] }),
    );
    expect(out.Label).toBe("test-metric");
    expect(out.Datapoints).toEqual([{ Timestamp: new Date(T0), SampleCount: 6, Sum: 42, Maximum: 10, Unit: "Count" }]);
  });

  // test_get_metric_data_stats: a Value of 11 and a set {10, 55, 1, 10}, read by each statistic.
  it.each([
    ["Sum", 66],
    ["SampleCount", 11],
    ["Minimum", 1],
    ["Maximum", 11],
    ["Average", 6],
  ])("answers %s of a Value and a statistic set as %d", async (stat, value) => {
    const out = await gmd([q("result1", "stats", stat)]);
    expect(out.MetricDataResults).toEqual([complete("result1", "stats", [value])]);
    expect(out.Messages).toEqual([]);
    expect(out.NextToken).toBeUndefined();
  });

  // test_get_metric_data_with_dimensions: only the series with exactly those dimensions.
  it("reads only the series with the dimensions asked for", async () => {
    const out = await gmd([q("result1", "dimmed", "Sum", { Dimensions: [{ Name: "InstanceId", Value: "one" }] })]);
    expect(out.MetricDataResults).toEqual([complete("result1", "dimmed", [11])]);
  });

  // test_get_metric_data_with_zero_and_labels: four statistics of one metric, labelled by statistic.
  it("labels four statistics of one metric by statistic and keeps a zero minimum", async () => {
    const stats = ["Average", "Sum", "Minimum", "Maximum"];
    const out = await gmd(stats.map((s) => q(`result_${s}`, "zero", s)));
    expect(out.MetricDataResults).toEqual([
      complete("result_Average", "zero Average", [19.416666666666668]),
      complete("result_Sum", "zero Sum", [116.5]),
      complete("result_Minimum", "zero Minimum", [0]),
      complete("result_Maximum", "zero Maximum", [100]),
    ]);
    expect(out.Messages).toEqual([]);
  });

  // test_get_metric_statistics: ten values without a unit are one datapoint of Unit None.
  it("answers GetMetricStatistics of values sent without a unit with Unit None", async () => {
    const out = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: ns,
        MetricName: "metric",
        ...RANGE,
        Period: 60,
        Statistics: ["Average", "Sum", "Minimum", "Maximum", "SampleCount"],
      }),
    );
    expect(out.Label).toBe("metric");
    expect(out.Datapoints).toEqual([{ Timestamp: new Date(T0), Average: 4.5, Sum: 45, Minimum: 0, Maximum: 9, SampleCount: 10, Unit: "None" }]);
  });

  // test_get_metric_data_with_different_units: a Unit picks its datapoints, and no MultipleUnits message.
  it("answers only the unit asked for, without a message", async () => {
    const out = await cw.send(
      new GetMetricDataCommand({ StartTime: new Date(D), EndTime: new Date(D + MIN), MaxDatapoints: 10, MetricDataQueries: [q("m1", "m-test", "Sum", { Unit: "Seconds" })] }),
    );
    expect(out.MetricDataResults).toEqual([complete("m1", "m-test", [1])]);
    expect(out.Messages).toEqual([]);
  });

  // test_get_metric_with_null_dimensions and test_get_metric_with_no_results: dimensions are matched
  // exactly, and a query that matches nothing is Complete with empty lists.
  it.each([
    ["Dimensions: [] does not match a series with dimensions", "dims-only", []],
    ["a dimension the series lacks matches nothing", "no-dims", [{ Name: "foo", Value: "bar" }]],
  ] as Array<[string, string, Dimension[]]>)("%s", async (_what, name, Dimensions) => {
    const out = await gmd([q("result", name, "Sum", { Dimensions })]);
    expect(out.MetricDataResults).toEqual([{ Id: "result", Label: name, StatusCode: "Complete", Timestamps: [], Values: [] }]);
    expect(out.Messages).toEqual([]);
  });

  // test_multiple_dimensions_statistics: six dimensions, high resolution, Period 10.
  it("reads a six-dimension high-resolution series at Period 10", async () => {
    const out = await gmd([q("result1", "http.server.requests.count", "Maximum", { Dimensions: HTTP_DIMS, Period: 10, Unit: "Count" })]);
    expect(out.MetricDataResults).toEqual([complete("result1", "http.server.requests.count", [5], [D - (D % 10_000)])]);
  });

  // test_get_metric_data_for_multiple_metrics: one query a metric, each labelled with its name.
  it("labels one query a metric with the metric's name", async () => {
    const out = await gmd([q("result1", "metric1", "Sum"), q("result2", "metric2", "Sum"), q("result3", "metric3", "Sum")]);
    expect(out.MetricDataResults).toEqual([complete("result1", "metric1", [50]), complete("result2", "metric2", [25]), complete("result3", "metric3", [55])]);
  });

  // test_get_metric_data: two puts in one minute add up; a range in the future has no datapoints;
  // test_put_metric_uses_utc: a range five hours off (a local time read as UTC) finds nothing.
  it.each([
    ["the data's minute", RANGE, [[41], [23]]],
    ["an hour ahead", { StartTime: new Date(Date.now() + 3_600_000), EndTime: new Date(Date.now() + 7_200_000) }, [[], []]],
    ["five hours before", { StartTime: new Date(D - 5 * 3_600_000 - MIN), EndTime: new Date(D - 5 * 3_600_000 + MIN) }, [[], []]],
  ] as Array<[string, { StartTime: Date; EndTime: Date }, number[][]]>)("over %s answers %j", async (_what, range, values) => {
    const out = await gmd([q("some", "someMetric", "Sum"), q("part", "ug", "Sum")], range);
    expect(out.MetricDataResults).toEqual([complete("some", "someMetric", values[0]), complete("part", "ug", values[1])]);
  });
});

// getmoto/moto's aws_verified test_get_metric_data_with_expressive_expression: a Metrics Insights
// query with GROUP BY answers one series a group, labelled with the group's value.
describe.each(PROTOCOLS)("moto's AWS-verified Metrics Insights query over %s", (protocol) => {
  it("answers SUM of a statistic set grouped by a dimension", async () => {
    const cw = cloudWatchClient(stack, { protocol });
    const ns = `${RUN}/insights/${protocol}`;
    await put(cw, ns, [
      {
        MetricName: "ApiResponse",
        Dimensions: [
          { Name: "Path", Value: "/my/path" },
          { Name: "Audience", Value: "my audience" },
        ],
        StatisticValues: { Maximum: 10, Minimum: 0, Sum: 10, SampleCount: 10 },
      },
    ]);
    const out = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(D - 3_600_000),
        EndTime: new Date(D + 3_600_000),
        MetricDataQueries: [{ Id: "query", Period: 60, Expression: `SELECT SUM(ApiResponse) FROM "${ns}" WHERE Path = '/my/path' GROUP BY Audience` }],
      }),
    );
    cw.destroy();
    expect(out.MetricDataResults).toEqual([complete("query", "my audience", [10])]);
  });
});

// test_default_ordering and test_get_metric_data_pagination: MaxDatapoints pages the datapoints,
// newest first unless ScanBy says otherwise; a page that leaves some out is PartialData with a NextToken
// (the API reference's StatusCode).
describe.each(PROTOCOLS)("localstack's recorded paging over %s", (protocol) => {
  let cw: CloudWatchClient;
  const ns = `${RUN}/pages/${protocol}`;
  const minutes = Array.from({ length: 20 }, (_, i) => T0 + i * MIN);
  const ask = (extra: Partial<GetMetricDataCommandInput>) =>
    cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(T0),
        EndTime: new Date(T0 + 20 * MIN),
        MaxDatapoints: 10,
        MetricDataQueries: [{ Id: "m1", MetricStat: { Metric: { Namespace: ns, MetricName: "paged" }, Period: 60, Stat: "Sum" } }],
        ...extra,
      }),
    );

  beforeAll(async () => {
    cw = cloudWatchClient(stack, { protocol });
    await cw.send(
      new PutMetricDataCommand({
        Namespace: ns,
        MetricData: minutes.map((t, i) => ({ MetricName: "paged", Timestamp: new Date(t + 10_000), Value: i, Unit: "Seconds" })),
      }),
    );
  }, 60_000);
  afterAll(() => cw?.destroy());

  it("pages newest first by default, as TimestampDescending, and oldest first with TimestampAscending", async () => {
    const byDefault = await ask({});
    const descending = await ask({ ScanBy: "TimestampDescending" });
    const ascending = await ask({ ScanBy: "TimestampAscending" });
    const newest = { Id: "m1", Label: "paged", StatusCode: "PartialData", Timestamps: minutes.slice(10).reverse().map((t) => new Date(t)), Values: [19, 18, 17, 16, 15, 14, 13, 12, 11, 10] };
    expect(byDefault.MetricDataResults).toEqual([newest]);
    expect(descending.MetricDataResults).toEqual([newest]);
    expect(ascending.MetricDataResults![0].Timestamps).toEqual(minutes.slice(0, 10).map((t) => new Date(t)));
    expect(ascending.MetricDataResults![0]).toMatchObject({ StatusCode: "PartialData", Values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] });
    for (const page of [byDefault, descending, ascending]) expect(typeof page.NextToken).toBe("string");

    const rest = await ask({ NextToken: byDefault.NextToken });
    expect(rest.MetricDataResults).toEqual([complete("m1", "paged", [9, 8, 7, 6, 5, 4, 3, 2, 1, 0], minutes.slice(0, 10).reverse())]);
    expect(rest.NextToken).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------
// localstack's recorded ListMetrics tests: written once, listed over every protocol.

describe("localstack's recorded ListMetrics answers", () => {
  const ns = (what: string) => `${RUN}/list/${what}`;
  const INSTANCE = [{ Name: "InstanceId", Value: "i-46cdcd06a11207ab3" }];
  const ONE_SET = { Maximum: 1, Minimum: 1, SampleCount: 1, Sum: 1 };
  let json: CloudWatchClient;
  const key = (m: Metric) => `${m.MetricName} ${(m.Dimensions ?? []).map((d) => `${d.Name}=${d.Value}`).join(",")}`;

  /** Every page of a listing, by the given client. */
  async function listAll(cw: CloudWatchClient, input: ListMetricsCommandInput): Promise<Metric[]> {
    const out: Metric[] = [];
    let NextToken: string | undefined;
    do {
      const page = await cw.send(new ListMetricsCommand({ ...input, NextToken }));
      out.push(...page.Metrics!);
      NextToken = page.NextToken;
    } while (NextToken);
    return out;
  }
  /** The listing once the aggregator has indexed `count` metrics (AWS allows up to 15 minutes). */
  const listed = (input: ListMetricsCommandInput, count: number) =>
    vi.waitFor(
      async () => {
        const metrics = await listAll(json, input);
        expect(metrics).toHaveLength(count);
        return metrics;
      },
      { timeout: 60_000, interval: 300 },
    );

  beforeAll(async () => {
    json = cloudWatchClient(stack, { protocol: "json" });
    const writes: Array<[string, MetricDatum[]]> = [
      [ns("unique"), [{ MetricName: "CPUUtilization", Dimensions: INSTANCE, Value: 15 }]],
      [ns("unique"), [{ MetricName: "MemoryUtilization", Dimensions: INSTANCE, Value: 30 }]],
      [ns("unique"), [{ MetricName: "MemoryUtilization", Dimensions: INSTANCE, Value: 15 }]],
      [ns("filters"), [{ MetricName: "CPUUtilization", Value: 15 }]],
      [ns("filters"), [{ MetricName: "MemoryUtilization", Dimensions: [{ Name: "InstanceId", Value: "one" }], Value: 30 }]],
      [ns("filters"), [{ MetricName: "DiskReadOps", Dimensions: [{ Name: "InstanceId", Value: "two" }], Value: 15 }]],
      [ns("filters"), [{ MetricName: "DiskWriteOps", Dimensions: [{ Name: "InstanceId", Value: "two" }], StatisticValues: ONE_SET }]],
      [ns("pages"), Array.from({ length: 501 }, (_, i) => ({ MetricName: `m-${i}`, Value: 21, Unit: "Seconds" as const }))],
      [ns("six"), [{ MetricName: "http.server.requests.count", Value: 5, Unit: "Count", StorageResolution: 1, Dimensions: HTTP_DIMS }]],
      ...[1, 2, 3].flatMap((n) => [0, 1, 2].map((i): [string, MetricDatum[]] => [ns(`multi${n}`), [{ MetricName: "someMetric", Value: 123, Dimensions: [{ Name: "foo", Value: `bar-${i % 2}` }] }]])),
    ];
    for (const [Namespace, MetricData] of writes) await json.send(new PutMetricDataCommand({ Namespace, MetricData }));
  }, 120_000);
  afterAll(() => json?.destroy());

  // test_list_metrics_uniqueness: a series written twice is listed once; a statistic set makes a series too.
  it("lists each series once, however often it was written", async () => {
    expect((await listed({ Namespace: ns("unique") }, 2)).map(key)).toEqual([
      "CPUUtilization InstanceId=i-46cdcd06a11207ab3",
      "MemoryUtilization InstanceId=i-46cdcd06a11207ab3",
    ]);
    await json.send(new PutMetricDataCommand({ Namespace: ns("unique"), MetricData: [{ MetricName: "DiskReadOps", StatisticValues: ONE_SET, Dimensions: INSTANCE }] }));
    expect((await listed({ Namespace: ns("unique") }, 3)).map((m) => m.MetricName)).toEqual(["CPUUtilization", "DiskReadOps", "MemoryUtilization"]);
  });

  // test_list_metrics_with_filters and test_multiple_dimensions_statistics, in every protocol.
  describe.each(PROTOCOLS)("over %s", (protocol) => {
    let cw: CloudWatchClient;
    beforeAll(async () => {
      cw = cloudWatchClient(stack, { protocol });
      await listed({ Namespace: ns("filters") }, 4);
    }, 90_000);
    afterAll(() => cw?.destroy());

    it.each([
      ["a namespace", {}, ["CPUUtilization ", "DiskReadOps InstanceId=two", "DiskWriteOps InstanceId=two", "MemoryUtilization InstanceId=one"]],
      ["a metric name", { MetricName: "CPUUtilization" }, ["CPUUtilization "]],
      ["a dimension name", { Dimensions: [{ Name: "InstanceId" }] }, ["DiskReadOps InstanceId=two", "DiskWriteOps InstanceId=two", "MemoryUtilization InstanceId=one"]],
      ["a dimension value", { Dimensions: [{ Name: "InstanceId", Value: "two" }] }, ["DiskReadOps InstanceId=two", "DiskWriteOps InstanceId=two"]],
    ] as Array<[string, Partial<ListMetricsCommandInput>, string[]]>)("filters by %s", async (_what, filter, keys) => {
      expect((await listAll(cw, { Namespace: ns("filters"), ...filter })).map(key)).toEqual(keys);
    });

    it("lists a six-dimension series with its dimensions by name", async () => {
      const [metric] = await vi.waitFor(
        async () => {
          const page = await cw.send(new ListMetricsCommand({ Namespace: ns("six"), MetricName: "http.server.requests.count", Dimensions: HTTP_DIMS }));
          expect(page.Metrics).toHaveLength(1);
          return page.Metrics!;
        },
        { timeout: 60_000, interval: 300 },
      );
      expect(metric).toEqual({
        Namespace: ns("six"),
        MetricName: "http.server.requests.count",
        Dimensions: [...HTTP_DIMS].sort((a, b) => (a.Name! < b.Name! ? -1 : 1)),
      });
    });
  });

  // test_list_metrics_pagination: 500 a page, and a NextToken for the rest.
  it("answers 500 metrics a page with a NextToken, then the rest", async () => {
    await listed({ Namespace: ns("pages") }, 501);
    const first = await json.send(new ListMetricsCommand({ Namespace: ns("pages") }));
    expect(first.Metrics).toHaveLength(500);
    expect(typeof first.NextToken).toBe("string");
    const second = await json.send(new ListMetricsCommand({ Namespace: ns("pages"), NextToken: first.NextToken }));
    expect(second.Metrics).toHaveLength(1);
    expect(second.NextToken).toBeUndefined();
  });

  // test_multiple_dimensions: the whole account paged through, two series in each of three namespaces.
  it("lists two series a namespace when the whole account is paged through", async () => {
    const mine = [1, 2, 3].map((n) => ns(`multi${n}`));
    await vi.waitFor(
      async () => {
        const all = await listAll(json, {});
        expect(all.filter((m) => mine.includes(m.Namespace!)).map((m) => `${m.Namespace} ${key(m)}`)).toEqual(
          mine.flatMap((n) => [`${n} someMetric foo=bar-0`, `${n} someMetric foo=bar-1`]),
        );
      },
      { timeout: 60_000, interval: 500 },
    );
  });
});

// ---------------------------------------------------------------------------
// Refusals in AWS's own words, each quoted from a raw AWS answer.

const BIG = "4,697,085,165,547,666,500,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000,000";

describe.each(PROTOCOLS)("AWS's refusals over %s", (protocol) => {
  let cw: CloudWatchClient;
  beforeAll(() => {
    cw = cloudWatchClient(stack, { protocol });
  });
  afterAll(() => cw?.destroy());

  it.each([
    // localstack's test_put_metric_data_validation
    ["Values and Counts of different sizes", { Values: [1, 10], Counts: [2, 4, 5] }, "InvalidParameterValue", "The parameters MetricData.member.1.Values and MetricData.member.1.Counts must be of the same size."],
    // AdRoll/goamz#301
    ["no value at all", {}, "InvalidParameterCombination", "At least one of the parameters MetricData.member.1.Value and MetricData.member.1.StatisticValues must be specified."],
    // boto/botocore#1671
    ["StorageResolution 300", { Value: 1, StorageResolution: 300 }, "InvalidParameterValue", "The parameter MetricData.member.1.StorageResolution must be a value in the set [ 1, 60 ]."],
    // sj26/sidekiq-cloudwatchmetrics#16, and Netflix/servo's CloudWatchValueTest for the rest
    ["NaN", { Value: NaN }, "InvalidParameterValue", "The value NaN for parameter MetricData.member.1.Value is invalid."],
    ["Infinity", { Value: Infinity }, "InvalidParameterValue", "The value ∞ for parameter MetricData.member.1.Value is invalid."],
    ["-Infinity", { Value: -Infinity }, "InvalidParameterValue", "The value -∞ for parameter MetricData.member.1.Value is invalid."],
    ["2^361", { Value: 2 ** 361 }, "InvalidParameterValue", `The value ${BIG} for parameter MetricData.member.1.Value is invalid.`],
    ["-2^361", { Value: -(2 ** 361) }, "InvalidParameterValue", `The value -${BIG} for parameter MetricData.member.1.Value is invalid.`],
  ] as Array<[string, Partial<MetricDatum>, string, string]>)("refuses a datum with %s", async (_what, datum, code, message) => {
    const f = await awsFailure(cw.send(new PutMetricDataCommand({ Namespace: `${RUN}/refused`, MetricData: [{ MetricName: "m", Unit: "Count", ...datum }] })));
    expect(f).toMatchObject({ code, status: 400, message });
  });

  const good = (Id: string, Stat = "Sum"): MetricDataQuery => ({ Id, MetricStat: { Metric: { Namespace: `${RUN}/refused`, MetricName: "m" }, Period: 60, Stat } });
  it.each([
    // prometheus-community/yet-another-cloudwatch-exporter#385: every bad statistic, a line each.
    [
      "statistics that are none",
      [good("a", "None"), good("b"), good("c", "Foo")],
      "The value None for parameter MetricDataQueries.member.1.MetricStat.Stat is not a valid statistic.\nThe value Foo for parameter MetricDataQueries.member.3.MetricStat.Stat is not a valid statistic.\n",
    ],
    // influxdata/telegraf#5420: every Id off the pattern, a line each.
    [
      "Ids that start with a digit",
      [good("5xx_error_average"), good("5xx_error_sum")],
      "The value 5xx_error_average for parameter MetricDataQueries.member.1.Id is not matching the expected pattern ^[a-z][a-zA-Z0-9_]*$.\nThe value 5xx_error_sum for parameter MetricDataQueries.member.2.Id is not matching the expected pattern ^[a-z][a-zA-Z0-9_]*$.\n",
    ],
    // aws-solutions/quota-monitor-for-aws#171
    ["an Id used twice", [good("m1"), good("m1")], "The values for parameter id in MetricDataQueries are not unique.\n"],
    // getmoto/moto's test_get_metric_data__no_metric_data_or_expression
    ["a query with neither MetricStat nor Expression", [{ Id: "result1", Label: "e1" }], "The parameter MetricDataQueries.member.1.MetricStat is required.\n"],
  ] as Array<[string, MetricDataQuery[], string]>)("refuses GetMetricData with %s", async (_what, queries, message) => {
    const f = await awsFailure(cw.send(new GetMetricDataCommand({ ...RANGE, MetricDataQueries: queries })));
    expect(f).toMatchObject({ code: "ValidationError", status: 400, message });
  });
});

// ---------------------------------------------------------------------------
// The bytes AWS sends (localstack's test_basic_operations_multiple_protocols, recorded against AWS).

/** Keeps the raw body of each answer the client receives, before the SDK parses it. */
function keepRawBodies(cw: CloudWatchClient): Buffer[] {
  const bodies: Buffer[] = [];
  cw.middlewareStack.add(
    (next) => async (args) => {
      const out = await next(args);
      const response = out.response as { body: AsyncIterable<Uint8Array> | Uint8Array };
      const chunks: Buffer[] = [];
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
      const body = Buffer.concat(chunks);
      bodies.push(body);
      response.body = new Uint8Array(body);
      return out;
    },
    { step: "deserialize", name: "keepRawBodies", priority: "low" },
  );
  return bodies;
}

const TARGET = "GraniteServiceVersion20100801";

/** A request signed and sent by hand, so the answer's header names are seen as sent. */
async function rawCall(protocol: Protocol, op: string, body: Buffer, extra: Record<string, string> = {}) {
  const url = new URL(stack.endpoint);
  const path = protocol === "cbor" ? `/service/${TARGET}/operation/${op}` : "/";
  const kind: Record<Protocol, Record<string, string>> = {
    query: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
    json: { "content-type": "application/x-amz-json-1.0", "x-amz-target": `${TARGET}.${op}`, "x-amzn-query-mode": "true" },
    cbor: { "content-type": "application/cbor", accept: "application/cbor", "smithy-protocol": "rpc-v2-cbor", "x-amzn-query-mode": "true" },
  };
  const [cred] = stack.credentials;
  const signer = new SignatureV4({ credentials: cred, region: "us-east-1", service: "monitoring", sha256: Sha256 });
  const signed = await signer.sign(
    new HttpRequest({ method: "POST", protocol: "http:", hostname: url.hostname, port: Number(url.port), path, headers: { host: url.host, ...kind[protocol], ...extra }, body }),
  );
  return new Promise<{ status: number; rawHeaders: string[]; body: Buffer }>((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path, method: "POST", headers: { ...signed.headers, "content-length": String(body.length) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode!, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("the bytes of AWS's answers", () => {
  const ns = `${RUN}/bytes`;
  const queries = [{ Id: "some", MetricStat: { Metric: { Namespace: ns, MetricName: "someMetric" }, Period: 60, Stat: "Sum" } }];

  beforeAll(async () => {
    const cw = cloudWatchClient(stack, { protocol: "json" });
    await put(cw, ns, [{ MetricName: "someMetric", Value: 23 }]);
    await put(cw, ns, [{ MetricName: "someMetric", Value: 18 }]);
    cw.destroy();
  }, 60_000);

  it.each([
    // JSON: epoch seconds written as a double, 1765977780.0; an empty list is [].
    ["json", /"Timestamps":\[\d{10}\.0\]/, /"Messages":\[\]/],
    // XML: whole seconds with a Z; an empty list is an empty element.
    ["query", /<Timestamps><member>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ<\/member><\/Timestamps>/, /<Messages\/>/],
  ] as Array<[Protocol, RegExp, RegExp]>)("writes GetMetricData's timestamps and empty Messages over %s as AWS does", async (protocol, timestamps, messages) => {
    const cw = cloudWatchClient(stack, { protocol });
    const bodies = keepRawBodies(cw);
    const out = await cw.send(new GetMetricDataCommand({ ...RANGE, MetricDataQueries: queries }));
    cw.destroy();
    expect(out.MetricDataResults![0].Values).toEqual([41]);
    const text = bodies[0].toString("utf8");
    expect(text).toMatch(timestamps);
    expect(text).toMatch(messages);
  });

  it("writes CBOR lists and maps of indefinite length, timestamps as tag 1 over a double", async () => {
    const cw = cloudWatchClient(stack, { protocol: "cbor" });
    const bodies = keepRawBodies(cw);
    const out = await cw.send(new GetMetricDataCommand({ ...RANGE, MetricDataQueries: queries }));
    await awsFailure(cw.send(new GetMetricDataCommand({ ...RANGE, MetricDataQueries: [{ ...queries[0], Id: "Bad" }] })));
    cw.destroy();
    expect(out.MetricDataResults![0].Values).toEqual([41]);
    // AWS's own bytes: "Timestamps", 9f (an indefinite array), c1 (tag 1), fb 41… (a double).
    expect(bodies[0].includes(Buffer.from("Timestamps\x9f\xc1\xfbA", "latin1"))).toBe(true);
    for (const body of bodies) expect([body[0], body[body.length - 1]]).toEqual([0xbf, 0xff]);
  });

  it.each([
    ["json", Buffer.from(JSON.stringify({ Namespace: `${RUN}/headers`, MetricData: [{ MetricName: "m", Value: 1 }] }))],
    ["query", Buffer.from(`Action=PutMetricData&Version=2010-08-01&Namespace=${encodeURIComponent(`${RUN}/headers`)}&MetricData.member.1.MetricName=m&MetricData.member.1.Value=1`)],
  ] as Array<[Protocol, Buffer]>)("names the request id header x-amzn-RequestId over %s", async (protocol, body) => {
    const res = await rawCall(protocol, "PutMetricData", body);
    expect(res.status).toBe(200);
    const names = res.rawHeaders.filter((_, i) => i % 2 === 0);
    expect(names).toContain("x-amzn-RequestId");
  });

  it("answers DescribeAlarms with empty lists present: [] in JSON, empty elements in XML", async () => {
    const jsonClient = cloudWatchClient(stack, { protocol: "json" });
    const jsonBodies = keepRawBodies(jsonClient);
    await jsonClient.send(new DescribeAlarmsCommand({ AlarmNamePrefix: `${RUN}-none` }));
    jsonClient.destroy();
    expect(JSON.parse(jsonBodies[0].toString("utf8"))).toEqual({ CompositeAlarms: [], MetricAlarms: [], LogAlarms: [] });
    const queryClient = cloudWatchClient(stack, { protocol: "query" });
    const xmlBodies = keepRawBodies(queryClient);
    await queryClient.send(new DescribeAlarmsCommand({ AlarmNamePrefix: `${RUN}-none` }));
    queryClient.destroy();
    for (const empty of ["<CompositeAlarms/>", "<MetricAlarms/>", "<LogAlarms/>"]) expect(xmlBodies[0].toString("utf8")).toContain(empty);
  });

  // localstack's test_put_metric_data_gzip_with_query_protocol: the JS SDK v2 says "GZIP".
  it("takes a gzip body whose Content-Encoding is GZIP", async () => {
    const form = `Action=PutMetricData&Version=2010-08-01&Namespace=${encodeURIComponent(`${RUN}/gzip`)}&MetricData.member.1.MetricName=test-metric&MetricData.member.1.Value=1&MetricData.member.1.Timestamp=${new Date(D).toISOString()}`;
    const res = await rawCall("query", "PutMetricData", gzipSync(form), { "content-encoding": "GZIP" });
    expect(res.status, res.body.toString()).toBe(200);
    const cw = cloudWatchClient(stack, { protocol: "query" });
    const out = await cw.send(new GetMetricStatisticsCommand({ Namespace: `${RUN}/gzip`, MetricName: "test-metric", ...RANGE, Period: 60, Statistics: ["Sum"] }));
    cw.destroy();
    expect(out.Datapoints).toEqual([{ Timestamp: new Date(T0), Sum: 1, Unit: "None" }]);
  });
});
