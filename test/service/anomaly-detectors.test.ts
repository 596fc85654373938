/**
 * Anomaly detectors end to end: PutAnomalyDetector, DescribeAnomalyDetectors
 * and DeleteAnomalyDetector, ANOMALY_DETECTION_BAND in GetMetricData and
 * alarms on the band, over the real endpoint with the JS SDK in CloudWatch's
 * three protocols and Debian's aws CLI (awsQuery).
 *
 * AWS's behaviour pinned here, and where it was seen:
 * - DescribeAnomalyDetectors lists single-metric detectors unless METRIC_MATH
 *   is in AnomalyDetectorTypes, and MaxResults is at most 100 (API reference,
 *   DescribeAnomalyDetectors; aws CLI v2 describe-anomaly-detectors page).
 * - StateValue is one of PENDING_TRAINING, TRAINED_INSUFFICIENT_DATA, TRAINED
 *   (API reference, AnomalyDetector).
 * - DeleteAnomalyDetector of a detector that does not exist is
 *   ResourceNotFoundException (API reference, DeleteAnomalyDetector errors).
 * - GetMetricData's ANOMALY_DETECTION_BAND answers "the upper and lower
 *   values of the model's band" (User Guide, Using CloudWatch anomaly
 *   detection) whether or not a detector was put, and an alarm on a band
 *   creates the metric's detector (go-to-k/cdkd#1304, verified live).
 * - An anomaly detection alarm returns data from both the metric and the band
 *   (API reference, PutMetricAlarm's anomaly detection example;
 *   cdklabs/cdk-monitoring-constructs#426).
 */
import {
  CloudWatchClient,
  DeleteAnomalyDetectorCommand,
  DescribeAlarmsCommand,
  DescribeAnomalyDetectorsCommand,
  GetMetricDataCommand,
  PutAnomalyDetectorCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  type MetricDatum,
  type PutAnomalyDetectorInput,
} from "@aws-sdk/client-cloudwatch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsCli, cloudWatchClient, startStack, type Protocol, type Stack } from "../support/stack.js";
import { awsFailure } from "../support/failure.js";

let stack: Stack;
const RUN = `t${Date.now().toString(36)}`;
const MINUTE = 60_000;
const HOUR = 3_600_000;

beforeAll(async () => {
  stack = await startStack();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

/** Puts datapoints, 500 a request. */
async function putData(cw: CloudWatchClient, namespace: string, data: MetricDatum[]): Promise<void> {
  for (let i = 0; i < data.length; i += 500) await cw.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: data.slice(i, i + 500) }));
}

const single = (namespace: string, metricName: string, stat = "Average", dims = [{ Name: "Host", Value: "web-1" }]) => ({
  SingleMetricAnomalyDetector: { Namespace: namespace, MetricName: metricName, Dimensions: dims, Stat: stat },
});

describe.each<Protocol>(["json", "cbor", "query"])("anomaly detectors over %s", (protocol) => {
  const ns = `${RUN}/${protocol}`;
  let cw: CloudWatchClient;
  let other: CloudWatchClient;

  beforeAll(() => {
    cw = cloudWatchClient(stack, { protocol });
    other = cloudWatchClient(stack, { protocol, account: 1 });
  });

  const list = async (input: ConstructorParameters<typeof DescribeAnomalyDetectorsCommand>[0] = {}, client = cw) =>
    (await client.send(new DescribeAnomalyDetectorsCommand({ Namespace: ns, ...input }))).AnomalyDetectors ?? [];

  it("puts a single-metric detector with its configuration, describes it PENDING_TRAINING, replaces it and deletes it", async () => {
    const start = new Date(Date.UTC(2026, 10, 1));
    const end = new Date(Date.UTC(2026, 10, 2));
    await cw.send(new PutAnomalyDetectorCommand({
      ...single(ns, "Latency"),
      Configuration: { ExcludedTimeRanges: [{ StartTime: start, EndTime: end }], MetricTimezone: "Australia/Sydney" },
      MetricCharacteristics: { PeriodicSpikes: true },
    }));
    const [d] = await list({ MetricName: "Latency" });
    expect(d).toMatchObject({
      SingleMetricAnomalyDetector: { Namespace: ns, MetricName: "Latency", Dimensions: [{ Name: "Host", Value: "web-1" }], Stat: "Average" },
      // The deprecated top-level members describe the same metric.
      Namespace: ns,
      MetricName: "Latency",
      Stat: "Average",
      Configuration: { ExcludedTimeRanges: [{ StartTime: start, EndTime: end }], MetricTimezone: "Australia/Sydney" },
      MetricCharacteristics: { PeriodicSpikes: true },
      StateValue: "PENDING_TRAINING", // the metric has no data
    });

    // A Put of the same metric and statistic replaces the configuration, not adds a detector.
    await cw.send(new PutAnomalyDetectorCommand({ ...single(ns, "Latency"), Configuration: { ExcludedTimeRanges: [] } }));
    const again = await list({ MetricName: "Latency" });
    expect(again).toHaveLength(1);
    expect(again[0].Configuration?.ExcludedTimeRanges ?? []).toEqual([]);
    expect(again[0].Configuration?.MetricTimezone).toBeUndefined();

    // Another account sees none of it and cannot delete it.
    expect(await list({}, other)).toEqual([]);
    const foreign = await awsFailure(other.send(new DeleteAnomalyDetectorCommand(single(ns, "Latency"))));
    expect(foreign.code).toBe("ResourceNotFoundException");

    await cw.send(new DeleteAnomalyDetectorCommand(single(ns, "Latency")));
    expect(await list({ MetricName: "Latency" })).toEqual([]);
    const gone = await awsFailure(cw.send(new DeleteAnomalyDetectorCommand(single(ns, "Latency"))));
    expect(gone.code).toBe("ResourceNotFoundException");
    expect(gone.status).toBe(404);
  });

  it("takes the deprecated top-level Namespace/MetricName/Dimensions/Stat as the same detector as SingleMetricAnomalyDetector", async () => {
    await cw.send(new PutAnomalyDetectorCommand({ Namespace: ns, MetricName: "Legacy", Dimensions: [{ Name: "Host", Value: "web-1" }], Stat: "Sum" }));
    const [d] = await list({ MetricName: "Legacy" });
    // Described with the owning account, as AWS describes it (localstack test_anomaly_detector_lifecycle).
    expect(d.SingleMetricAnomalyDetector).toEqual({ AccountId: "000000000000", Namespace: ns, MetricName: "Legacy", Dimensions: [{ Name: "Host", Value: "web-1" }], Stat: "Sum" });
    await cw.send(new DeleteAnomalyDetectorCommand(single(ns, "Legacy", "Sum")));
    expect(await list({ MetricName: "Legacy" })).toEqual([]);
  });

  it("lists metric math detectors only when AnomalyDetectorTypes has METRIC_MATH", async () => {
    const math: PutAnomalyDetectorInput = {
      MetricMathAnomalyDetector: {
        MetricDataQueries: [
          { Id: "m1", MetricStat: { Metric: { Namespace: ns, MetricName: "Errors" }, Period: 300, Stat: "Sum" }, ReturnData: false },
          { Id: "m2", MetricStat: { Metric: { Namespace: ns, MetricName: "Requests" }, Period: 300, Stat: "Sum" }, ReturnData: false },
          { Id: "e1", Expression: `m1/m2*100`, Label: "error rate", ReturnData: true },
        ],
      },
    };
    await cw.send(new PutAnomalyDetectorCommand(math));
    const all = await cw.send(new DescribeAnomalyDetectorsCommand({ AnomalyDetectorTypes: ["METRIC_MATH"] }));
    const mine = all.AnomalyDetectors!.filter((d) => d.MetricMathAnomalyDetector?.MetricDataQueries?.[0]?.MetricStat?.Metric?.Namespace === ns);
    expect(mine).toHaveLength(1);
    expect(mine[0].MetricMathAnomalyDetector!.MetricDataQueries!.map((q) => q.Id)).toEqual(["m1", "m2", "e1"]);
    expect(mine[0].SingleMetricAnomalyDetector).toBeUndefined();
    expect(mine[0].StateValue).toBe("PENDING_TRAINING");
    // Not in the default listing, which is single-metric detectors.
    const defaults = await cw.send(new DescribeAnomalyDetectorsCommand({}));
    expect(defaults.AnomalyDetectors!.some((d) => d.MetricMathAnomalyDetector)).toBe(false);
    await cw.send(new DeleteAnomalyDetectorCommand(math));
    const after = await cw.send(new DescribeAnomalyDetectorsCommand({ AnomalyDetectorTypes: ["METRIC_MATH"] }));
    expect(after.AnomalyDetectors!.some((d) => d.MetricMathAnomalyDetector?.MetricDataQueries?.[0]?.MetricStat?.Metric?.Namespace === ns)).toBe(false);
  });

  it("filters by Namespace, MetricName and Dimensions and pages with MaxResults and NextToken", async () => {
    const fns = `${ns}/filter`;
    for (const [name, host] of [["A", "h1"], ["A", "h2"], ["B", "h1"], ["C", "h3"], ["D", "h1"]]) {
      await cw.send(new PutAnomalyDetectorCommand(single(fns, name, "Maximum", [{ Name: "Host", Value: host }])));
    }
    const names = (ds: Awaited<ReturnType<typeof list>>) => ds.map((d) => `${d.SingleMetricAnomalyDetector!.MetricName}:${d.SingleMetricAnomalyDetector!.Dimensions![0].Value}`);
    expect(names(await list({ Namespace: fns }))).toEqual(["A:h1", "A:h2", "B:h1", "C:h3", "D:h1"]);
    expect(names(await list({ Namespace: fns, MetricName: "A" }))).toEqual(["A:h1", "A:h2"]);
    expect(names(await list({ Namespace: fns, Dimensions: [{ Name: "Host", Value: "h1" }] }))).toEqual(["A:h1", "B:h1", "D:h1"]);

    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const out = await cw.send(new DescribeAnomalyDetectorsCommand({ Namespace: fns, MaxResults: 2, NextToken: token }));
      pages.push(names(out.AnomalyDetectors!));
      token = out.NextToken;
    } while (token);
    expect(pages).toEqual([["A:h1", "A:h2"], ["B:h1", "C:h3"], ["D:h1"]]);

    const bad = await awsFailure(cw.send(new DescribeAnomalyDetectorsCommand({ NextToken: "not-a-token" })));
    expect(bad.code).toBe("InvalidNextToken");
  });

  it("is TRAINED_INSUFFICIENT_DATA with a few hours of history and TRAINED with more than a day", async () => {
    const now = Date.now();
    const hourly = (name: string, hours: number): MetricDatum[] =>
      Array.from({ length: hours }, (_, i) => ({ MetricName: name, Dimensions: [{ Name: "Host", Value: "web-1" }], Timestamp: new Date(now - (i + 1) * HOUR), Value: 10 + (i % 3) }));
    await putData(cw, ns, [...hourly("Short", 3), ...hourly("Long", 30)]);
    await cw.send(new PutAnomalyDetectorCommand(single(ns, "Short")));
    await cw.send(new PutAnomalyDetectorCommand(single(ns, "Long")));
    const state = async (name: string) => (await list({ MetricName: name }))[0]?.StateValue;
    expect(await state("Short")).toBe("TRAINED_INSUFFICIENT_DATA");
    expect(await state("Long")).toBe("TRAINED");
  });

  // The codes are those PutAnomalyDetector's API reference lists (InvalidParameterCombination, MissingParameter,
  // InvalidParameterValue); it also says SingleMetricAnomalyDetector and MetricMathAnomalyDetector are exclusive and
  // replace the deprecated members. The messages are ours (no recorded AWS answer found): only what they name is pinned.
  it.each<[string, PutAnomalyDetectorInput, string, RegExp]>([
    ["both a single-metric and a math detector", { ...single(ns, "X"), MetricMathAnomalyDetector: { MetricDataQueries: [{ Id: "m1", Expression: "1" }] } }, "InvalidParameterCombination", /SingleMetricAnomalyDetector and MetricMathAnomalyDetector/],
    ["the deprecated members with SingleMetricAnomalyDetector", { ...single(ns, "X"), MetricName: "X" }, "InvalidParameterCombination", /MetricName and SingleMetricAnomalyDetector/],
    ["no metric at all", {}, "MissingParameter", /SingleMetricAnomalyDetector or MetricMathAnomalyDetector/],
    ["a deprecated metric without its statistic", { Namespace: ns, MetricName: "X" }, "MissingParameter", /parameter Stat is required/],
    // The model's pattern for AnomalyDetectorMetricStat refuses it first: the validation stage's ValidationError.
    ["a statistic that is not one", { ...single(ns, "X", "p101") }, "ValidationError", /p101/],
    ["an excluded range that ends before it starts", { ...single(ns, "X"), Configuration: { ExcludedTimeRanges: [{ StartTime: new Date(2_000_000_000_000), EndTime: new Date(1_900_000_000_000) }] } }, "InvalidParameterValue", /ExcludedTimeRanges\.member\.1\.EndTime/],
    ["an unknown time zone", { ...single(ns, "X"), Configuration: { MetricTimezone: "Mars/Olympus_Mons" } }, "InvalidParameterValue", /MetricTimezone/],
    ["math queries that return two series", { MetricMathAnomalyDetector: { MetricDataQueries: [{ Id: "a", Expression: "1" }, { Id: "b", Expression: "2" }] } }, "InvalidParameterValue", /Exactly one element/],
    ["a math query id with a capital first letter", { MetricMathAnomalyDetector: { MetricDataQueries: [{ Id: "Bad", Expression: "1" }] } }, "InvalidParameterValue", /Bad.*Id is invalid/],
  ])("rejects %s", async (_what, input, code, message) => {
    const f = await awsFailure(cw.send(new PutAnomalyDetectorCommand(input)));
    expect(f.code).toBe(code);
    expect(f.message).toMatch(message);
  });
});

describe("ANOMALY_DETECTION_BAND", () => {
  const ns = `${RUN}/band`;
  const dims = [{ Name: "Host", Value: "web-1" }];

  it("answers the lower and upper edges of the band around the metric's history, k standard deviations wide", async () => {
    const cw = cloudWatchClient(stack);
    const now = Math.floor(Date.now() / MINUTE) * MINUTE;
    const values = Array.from({ length: 40 }, (_, i) => 10 + (i % 2 === 0 ? 1 : -1));
    values.push(500); // the newest minute spikes
    await putData(cw, ns, values.map((v, i) => ({ MetricName: "Lat", Dimensions: dims, Timestamp: new Date(now - (values.length - i) * MINUTE), Value: v })));
    const query = (k: number) => cw.send(new GetMetricDataCommand({
      StartTime: new Date(now - 60 * MINUTE),
      EndTime: new Date(now),
      ScanBy: "TimestampAscending",
      MetricDataQueries: [
        { Id: "m1", MetricStat: { Metric: { Namespace: ns, MetricName: "Lat", Dimensions: dims }, Period: 60, Stat: "Average" } },
        { Id: "ad1", Expression: `ANOMALY_DETECTION_BAND(m1, ${k})` },
      ],
    }));
    const out = await query(2);
    const [metric, lower, upper] = out.MetricDataResults!;
    expect(metric.Id).toBe("m1");
    expect([lower.Id, upper.Id]).toEqual(["ad1", "ad1"]);
    expect([lower.Label, upper.Label]).toEqual(["Lat Lower", "Lat Upper"]);
    expect(lower.Timestamps).toEqual(metric.Timestamps);
    expect(metric.Values).toHaveLength(41);
    metric.Values!.forEach((v, i) => {
      expect(lower.Values![i]).toBeLessThan(upper.Values![i]);
      // The ordinary minutes are inside the band, the spike above it.
      if (v < 100) expect(v >= lower.Values![i] && v <= upper.Values![i]).toBe(true);
      else expect(v).toBeGreaterThan(upper.Values![i]);
    });
    // Twice the standard deviations, twice the width, around the same expected value.
    const wide = (await query(4)).MetricDataResults!;
    const width = (r: NonNullable<typeof out.MetricDataResults>) => r[2].Values![0] - r[1].Values![0];
    expect(width(wide)).toBeCloseTo(2 * width(out.MetricDataResults!), 6);
    expect((wide[1].Values![0] + wide[2].Values![0]) / 2).toBeCloseTo((lower.Values![0] + upper.Values![0]) / 2, 6);
  });

  it("has no band for a metric without data", async () => {
    const cw = cloudWatchClient(stack);
    const out = await cw.send(new GetMetricDataCommand({
      StartTime: new Date(Date.now() - HOUR),
      EndTime: new Date(),
      MetricDataQueries: [
        { Id: "m1", MetricStat: { Metric: { Namespace: ns, MetricName: "Nothing" }, Period: 60, Stat: "Sum" } },
        { Id: "ad1", Expression: "ANOMALY_DETECTION_BAND(m1)" },
      ],
    }));
    expect(out.MetricDataResults!.filter((r) => r.Id === "ad1").map((r) => r.Values)).toEqual([[], []]);
  });

  it("an alarm on the band goes to ALARM when the metric leaves it, and creates the metric's detector", async () => {
    const cw = cloudWatchClient(stack);
    const now = Math.floor(Date.now() / MINUTE) * MINUTE;
    const values = Array.from({ length: 30 }, (_, i) => 20 + (i % 3));
    values.push(1000);
    // The spike is in the newest complete minute, which the evaluator reads first.
    await putData(cw, ns, values.map((v, i) => ({ MetricName: "Req", Dimensions: dims, Timestamp: new Date(now - (values.length - i) * MINUTE), Value: v })));
    const name = `${RUN}-band`;
    await cw.send(new PutMetricAlarmCommand({
      AlarmName: name,
      ComparisonOperator: "GreaterThanUpperThreshold",
      EvaluationPeriods: 1,
      ThresholdMetricId: "ad1",
      TreatMissingData: "ignore",
      Metrics: [
        { Id: "m1", MetricStat: { Metric: { Namespace: ns, MetricName: "Req", Dimensions: dims }, Period: 60, Stat: "Maximum" }, ReturnData: true },
        { Id: "ad1", Expression: "ANOMALY_DETECTION_BAND(m1, 2)", ReturnData: true },
      ],
    }));
    const detectors = (await cw.send(new DescribeAnomalyDetectorsCommand({ Namespace: ns, MetricName: "Req" }))).AnomalyDetectors!;
    expect(detectors.map((d) => d.SingleMetricAnomalyDetector)).toEqual([{ AccountId: "000000000000", Namespace: ns, MetricName: "Req", Dimensions: dims, Stat: "Maximum" }]);

    // The same band with its ReturnData left out, as the API reference's example has it (a band with ReturnData false
    // is refused: cloudwatch-aws-answers2.test.ts).
    await cw.send(new PutMetricAlarmCommand({
      AlarmName: `${name}-both`,
      ComparisonOperator: "LessThanLowerOrGreaterThanUpperThreshold",
      EvaluationPeriods: 1,
      ThresholdMetricId: "ad1",
      TreatMissingData: "ignore",
      Metrics: [
        { Id: "m1", MetricStat: { Metric: { Namespace: ns, MetricName: "Req", Dimensions: dims }, Period: 60, Stat: "Maximum" }, ReturnData: true },
        { Id: "ad1", Expression: "ANOMALY_DETECTION_BAND(m1, 2)" },
      ],
    }));
    const deadline = Date.now() + 90_000;
    let states: string[] = [];
    while (states.some((v) => v !== "ALARM") || states.length < 2) {
      if (Date.now() > deadline) break;
      await stack.fireSchedule("AlarmEvaluator");
      states = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name, `${name}-both`] }))).MetricAlarms!.map((a) => a.StateValue!);
      if (states.some((v) => v !== "ALARM")) await new Promise((r) => setTimeout(r, 1000));
    }
    expect(states).toEqual(["ALARM", "ALARM"]);
    const a = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms![0];
    expect(a.StateReason).toMatch(/^Thresholds Crossed: 1 datapoint \[1000\.0 \(.*\)\] was greater than the upper thresholds \[\d+\.\d+\]\.$/);
  }, 120_000);

  it("an alarm on the band stays OK while the metric is inside it", async () => {
    const cw = cloudWatchClient(stack);
    const now = Math.floor(Date.now() / MINUTE) * MINUTE;
    const values = Array.from({ length: 30 }, (_, i) => 20 + (i % 3));
    await putData(cw, ns, values.map((v, i) => ({ MetricName: "Calm", Dimensions: dims, Timestamp: new Date(now - (values.length - i) * MINUTE), Value: v })));
    const name = `${RUN}-calm`;
    await cw.send(new PutMetricAlarmCommand({
      AlarmName: name,
      ComparisonOperator: "LessThanLowerOrGreaterThanUpperThreshold",
      EvaluationPeriods: 1,
      ThresholdMetricId: "ad1",
      TreatMissingData: "ignore",
      Metrics: [
        { Id: "m1", MetricStat: { Metric: { Namespace: ns, MetricName: "Calm", Dimensions: dims }, Period: 60, Stat: "Maximum" } },
        { Id: "ad1", Expression: "ANOMALY_DETECTION_BAND(m1, 3)" },
      ],
    }));
    const deadline = Date.now() + 90_000;
    let value = "INSUFFICIENT_DATA";
    while (value === "INSUFFICIENT_DATA" && Date.now() < deadline) {
      await stack.fireSchedule("AlarmEvaluator");
      value = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms![0].StateValue!;
      if (value === "INSUFFICIENT_DATA") await new Promise((r) => setTimeout(r, 1000));
    }
    expect(value).toBe("OK");
  }, 120_000);
});

describe("Debian's aws CLI (awsQuery)", () => {
  const ns = `${RUN}/cli`;
  const cli = (args: string[]) => awsCli(stack, ["cloudwatch", ...args]);

  it("puts, describes and deletes a detector, and a second delete is ResourceNotFoundException", async () => {
    const detector = ["--single-metric-anomaly-detector", JSON.stringify({ Namespace: ns, MetricName: "Cpu", Dimensions: [{ Name: "Host", Value: "a" }], Stat: "p90" })];
    const put = await cli(["put-anomaly-detector", ...detector, "--configuration", JSON.stringify({ MetricTimezone: "UTC" })]);
    expect(put.code, put.stderr).toBe(0);
    const described = await cli(["describe-anomaly-detectors", "--namespace", ns]);
    expect(described.code, described.stderr).toBe(0);
    expect(described.json.AnomalyDetectors).toHaveLength(1);
    expect(described.json.AnomalyDetectors[0]).toMatchObject({
      SingleMetricAnomalyDetector: { Namespace: ns, MetricName: "Cpu", Stat: "p90" },
      Configuration: { MetricTimezone: "UTC" },
      StateValue: "PENDING_TRAINING",
    });
    expect((await cli(["delete-anomaly-detector", ...detector])).code).toBe(0);
    const again = await cli(["delete-anomaly-detector", ...detector]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/ResourceNotFoundException/);
  }, 60_000);
});
