/**
 * GetMetricData, GetMetricStatistics and PutMetricData answer as AWS does
 * where AWS's answer is not the obvious one, in every protocol CloudWatch
 * speaks: the JS SDK over awsJson1_0, smithy-rpc-v2-cbor and awsQuery, and
 * Debian's aws CLI (awsQuery). Each expectation cites where AWS's answer was
 * seen; most are responses localstack recorded against AWS
 * (localstack/localstack tests/aws/services/cloudwatch/test_cloudwatch.py and
 * its .snapshot.json, recorded 2025-09-19).
 */
import {
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  PutMetricDataCommand,
  type CloudWatchClient,
  type MetricDataQuery,
  type MetricDatum,
  type StandardUnit,
} from "@aws-sdk/client-cloudwatch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsCli, cloudWatchClient, startStack, type Protocol, type Stack } from "../support/stack.js";
import { MIN, minuteGrid } from "../support/minutes.js";
import { awsFailure } from "../support/failure.js";

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
  // GetMetricData's from raw AWS answers in prometheus-community/yet-another-cloudwatch-exporter#729 and
  // elastic/beats#32687, GetMetricStatistics's from localstack's test_invalid_amount_of_datapoints.
  it("compares StartTime and EndTime in whole seconds", async () => {
    const second = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    const within = { StartTime: new Date(second + 20), EndTime: new Date(second + 987) };
    const gmd = await awsFailure(cw.send(new GetMetricDataCommand({ ...within, MetricDataQueries: [stat("m1", ns, "metric1", "Sum", 60)] })));
    expect(gmd).toMatchObject({ code: "ValidationError", status: 400, message: "The parameter StartTime must not equal parameter EndTime." });
    const gms = await awsFailure(cw.send(new GetMetricStatisticsCommand({ Namespace: ns, MetricName: "metric1", ...within, Period: 60, Statistics: ["Sum"] })));
    expect(gms).toMatchObject({ code: "InvalidParameterValue", status: 400, message: "The parameter StartTime must be less than the parameter EndTime." });
    const reversed = await awsFailure(
      cw.send(new GetMetricDataCommand({ StartTime: new Date(second + 1000), EndTime: new Date(second), MetricDataQueries: [stat("m1", ns, "metric1", "Sum", 60)] })),
    );
    expect(reversed).toMatchObject({ code: "ValidationError", message: "The parameter EndTime must be greater than StartTime." });
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
