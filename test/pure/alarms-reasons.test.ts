/**
 * StateReason and StateReasonData as AWS writes them. Each expected text is
 * in the form of a recorded AWS alarm:
 * - "Threshold Crossed: 1 datapoint [21.5 (MM/DD/YY HH:MM:SS)] was greater than the threshold (21.0)." and
 *   "Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [Breaching]."
 *   with their StateReasonData: LocalStack's AWS-recorded snapshot tests/aws/services/cloudwatch/test_cloudwatch.snapshot.json
 *   (test_breaching_alarm_actions, describe-alarm-history);
 * - "Threshold Crossed: 2 out of the last 2 datapoints [5.535714886726143 (27/09/21 01:36:00), 1.7514244573552422 (27/09/21 01:35:00)]
 *   were greater than the threshold (1.0) (minimum 2 datapoints for OK -> ALARM transition)." (an SNS message quoted in a public test suite);
 * - "... were not greater than the threshold (40.0) (minimum 1 datapoint for ALARM -> OK transition)." (an EventBridge alarm event);
 * - "Insufficient Data: 5 datapoints were unknown." with evaluatedDatapoints of timestamps only, newest first (an EventBridge alarm event).
 * Dates in reasons are dd/MM/yy, UTC; numbers are Java doubles ("1.0").
 */
import { describe, expect, it } from "vitest";
import type { MetricConfig } from "../../lib/alarms/alarm.js";
import { stateReason, stateReasonData } from "../../lib/alarms/evaluate/reasons.js";
import { evaluateWindow, type Datapoint } from "../../lib/alarms/evaluate/window.js";
import { awsJsonDate, javaDouble, longDate, reasonDate } from "../../lib/alarms/format.js";

const MIN = 60_000;
const T = Date.UTC(2021, 8, 27, 1, 33, 0);

function evaluate(alarm: MetricConfig, values: Array<number | undefined>) {
  const points: Datapoint[] = values.map((v, i) => (v === undefined ? { timestamp: T + i * MIN } : { timestamp: T + i * MIN, value: v, sampleCount: 2 }));
  const result = evaluateWindow({
    points,
    evaluationPeriods: alarm.evaluationPeriods,
    datapointsToAlarm: alarm.datapointsToAlarm ?? alarm.evaluationPeriods,
    threshold: alarm.threshold!,
    comparison: alarm.comparisonOperator,
    treatMissing: alarm.treatMissingData ?? "missing",
  });
  return { result, reason: stateReason(alarm, result), data: JSON.parse(stateReasonData(alarm, result, T + values.length * MIN + 2500, 60)) };
}

const base = (over: Partial<MetricConfig>): MetricConfig => ({
  namespace: "N",
  metricName: "M",
  dimensions: [],
  statistic: "Average",
  period: 60,
  evaluationPeriods: 1,
  threshold: 1,
  comparisonOperator: "GreaterThanThreshold",
  ...over,
});

describe("numbers and dates as CloudWatch prints them", () => {
  it.each([
    [1, "1.0"],
    [21.5, "21.5"],
    [0, "0.0"],
    [-3, "-3.0"],
    [0.01909246309246309, "0.01909246309246309"],
    [1e7, "1.0E7"],
    [12345678.9, "1.23456789E7"],
    [0.0001, "1.0E-4"],
    [0.001, "0.001"],
    [9999999, "9999999.0"],
  ])("Java's Double.toString(%d) is %s", (x, s) => {
    expect(javaDouble(x)).toBe(s);
  });

  it("reason dates are dd/MM/yy HH:mm:ss in UTC, JSON dates ISO with +0000, composite reasons spelled out", () => {
    expect(reasonDate(Date.UTC(2026, 11, 6, 9, 0, 0))).toBe("06/12/26 09:00:00");
    expect(awsJsonDate(Date.UTC(2023, 3, 7, 9, 8, 0, 5))).toBe("2023-04-07T09:08:00.005+0000");
    expect(longDate(Date.UTC(2024, 2, 15, 10, 0, 0))).toBe("Friday 15 March, 2024 10:00:00 UTC");
  });
});

describe("StateReason", () => {
  it("one datapoint over the threshold", () => {
    const { reason } = evaluate(base({ threshold: 21 }), [undefined, undefined, 21.5]);
    expect(reason).toBe("Threshold Crossed: 1 datapoint [21.5 (27/09/21 01:35:00)] was greater than the threshold (21.0).");
  });

  it("one datapoint within the threshold", () => {
    const { reason } = evaluate(base({ threshold: 5, comparisonOperator: "GreaterThanOrEqualToThreshold" }), [undefined, undefined, 0]);
    expect(reason).toBe("Threshold Crossed: 1 datapoint [0.0 (27/09/21 01:35:00)] was not greater than or equal to the threshold (5.0).");
  });

  it("M out of N going to ALARM lists the breaching datapoints newest first with the minimum for the transition", () => {
    const alarm = base({ evaluationPeriods: 2, datapointsToAlarm: 2 });
    const { reason } = evaluate(alarm, [undefined, 1.7514244573552422, 5.535714886726143]);
    expect(reason).toBe(
      "Threshold Crossed: 2 out of the last 2 datapoints [5.535714886726143 (27/09/21 01:35:00), 1.7514244573552422 (27/09/21 01:34:00)] were greater than the threshold (1.0) (minimum 2 datapoints for OK -> ALARM transition).",
    );
  });

  it("M out of N going to OK counts the datapoints within the threshold, with N - M + 1 as the minimum", () => {
    const alarm = base({ evaluationPeriods: 3, datapointsToAlarm: 2, threshold: 40 });
    const { reason } = evaluate(alarm, [undefined, 0.5, 0.25, 50]);
    expect(reason).toBe(
      "Threshold Crossed: 2 out of the last 3 datapoints [0.25 (27/09/21 01:35:00), 0.5 (27/09/21 01:34:00)] were not greater than the threshold (40.0) (minimum 2 datapoints for ALARM -> OK transition).",
    );
  });

  it("no datapoints, treated as breaching", () => {
    const { reason } = evaluate(base({ evaluationPeriods: 2, threshold: 2, treatMissingData: "breaching" }), [undefined, undefined, undefined, undefined]);
    expect(reason).toBe("Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [Breaching].");
  });

  it("no datapoint, treated as not breaching", () => {
    const { reason } = evaluate(base({ treatMissingData: "notBreaching" }), [undefined, undefined, undefined]);
    expect(reason).toBe("Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching].");
  });

  it("insufficient data", () => {
    expect(evaluate(base({ evaluationPeriods: 5 }), Array(7).fill(undefined)).reason).toBe("Insufficient Data: 5 datapoints were unknown.");
    expect(evaluate(base({}), [undefined, undefined, undefined]).reason).toBe("Insufficient Data: 1 datapoint was unknown.");
  });
});

describe("StateReasonData", () => {
  it("has AWS's members in AWS's order, Java doubles, the evaluated datapoints newest first", () => {
    const alarm = base({ evaluationPeriods: 2, threshold: 21, unit: "Seconds" });
    const { result } = evaluate(alarm, [undefined, 20, 21.5]);
    const text = stateReasonData(alarm, result, Date.UTC(2021, 8, 27, 1, 36, 2, 500), 60);
    expect(text).toBe(
      '{"version":"1.0","queryDate":"2021-09-27T01:36:02.500+0000","startDate":"2021-09-27T01:34:00.000+0000","unit":"Seconds","statistic":"Average","period":60,' +
        '"recentDatapoints":[20.0,21.5],"threshold":21.0,"evaluatedDatapoints":[{"timestamp":"2021-09-27T01:35:00.000+0000","sampleCount":2.0,"value":21.5},' +
        '{"timestamp":"2021-09-27T01:34:00.000+0000","sampleCount":2.0,"value":20.0}]}',
    );
  });

  it("without datapoints: no startDate, no recentDatapoints, evaluated periods with timestamps only", () => {
    const { data } = evaluate(base({ evaluationPeriods: 2, treatMissingData: "breaching" }), [undefined, undefined, undefined, undefined]);
    expect(data.startDate).toBeUndefined();
    expect(data.recentDatapoints).toEqual([]);
    expect(data.evaluatedDatapoints).toEqual([{ timestamp: "2021-09-27T01:36:00.000+0000" }, { timestamp: "2021-09-27T01:35:00.000+0000" }]);
  });
});
