/**
 * Metric alarm evaluation (lib/alarms/evaluate/window.ts) against AWS's own
 * tables: "Configuring how CloudWatch alarms treat missing data", section
 * "How alarm state is evaluated when data is missing" of the CloudWatch User
 * Guide (awsdocs/amazon-cloudwatch-user-guide, doc_source/AlarmThatSendsEmail.md).
 * In a row, 0 is a datapoint within the threshold, X a breaching one, - a
 * missing one, oldest first; CloudWatch reads 5 datapoints for an alarm of 3
 * evaluation periods.
 */
import { describe, expect, it } from "vitest";
import { breaches, evaluateWindow, evaluationRange, lowSampleCount, type Datapoint } from "../../lib/alarms/evaluate/window.js";
import type { StateValue, TreatMissing } from "../../lib/alarms/alarm.js";

const PERIOD = 300_000;
const T0 = Date.UTC(2026, 11, 6, 9, 0, 0);

/** "0 - X - X" → datapoints: 0 is 1.0 (within a threshold of 2), X is 5.0. */
function row(text: string): Datapoint[] {
  return text.split(" ").map((c, i) => {
    const timestamp = T0 + i * PERIOD;
    if (c === "-") return { timestamp };
    return { timestamp, value: c === "X" ? 5 : 1, sampleCount: 1 };
  });
}

type Expected = StateValue | "retain";
const TREATMENTS: TreatMissing[] = ["missing", "ignore", "breaching", "notBreaching"];

function stateFor(points: Datapoint[], n: number, m: number, treat: TreatMissing): Expected {
  const r = evaluateWindow({ points, evaluationPeriods: n, datapointsToAlarm: m, threshold: 2, comparison: "GreaterThanThreshold", treatMissing: treat });
  return r.outcome.kind === "retain" ? "retain" : r.outcome.state;
}

describe("3 out of 3 (Datapoints to Alarm and Evaluation Periods both 3): AWS's first table", () => {
  // Columns: MISSING, IGNORE, BREACHING, NOT BREACHING.
  const TABLE: Array<[string, Expected[]]> = [
    ["0 - X - X", ["OK", "OK", "OK", "OK"]],
    ["0 - - - -", ["OK", "OK", "OK", "OK"]],
    ["- - - - -", ["INSUFFICIENT_DATA", "retain", "ALARM", "OK"]],
    ["0 X X - X", ["ALARM", "ALARM", "ALARM", "ALARM"]],
    ["- - - - X", ["INSUFFICIENT_DATA", "retain", "ALARM", "OK"]],
    // The premature-alarm row: the oldest evaluated datapoint breaches and none is within the threshold.
    ["X - - - -", ["ALARM", "retain", "ALARM", "OK"]],
  ];
  describe.each(TABLE)("%s", (text, expected) => {
    it.each(TREATMENTS.map((t, i) => [t, expected[i]] as const))("treated as %s → %s", (treat, state) => {
      expect(stateFor(row(text), 3, 3, treat)).toBe(state);
    });
  });
});

describe("2 out of 3 (an M out of N alarm): AWS's second table", () => {
  const TABLE: Array<[string, Expected[]]> = [
    ["0 - X - X", ["ALARM", "ALARM", "ALARM", "ALARM"]],
    ["0 0 X 0 X", ["ALARM", "ALARM", "ALARM", "ALARM"]],
    ["0 - X - -", ["OK", "OK", "ALARM", "OK"]],
    ["- - - - 0", ["OK", "OK", "ALARM", "OK"]],
    ["- - - - X", ["INSUFFICIENT_DATA", "retain", "ALARM", "OK"]],
  ];
  describe.each(TABLE)("%s", (text, expected) => {
    it.each(TREATMENTS.map((t, i) => [t, expected[i]] as const))("treated as %s → %s", (treat, state) => {
      expect(stateFor(row(text), 3, 2, treat)).toBe(state);
    });
  });
});

describe("the evaluation range and which datapoints are evaluated", () => {
  it("reads two more periods than Evaluation Periods, as the tables' 5 datapoints for 3 periods", () => {
    expect(evaluationRange(3)).toBe(5);
    expect(evaluationRange(1)).toBe(3);
  });

  it("with N real datapoints in the range, evaluates the N most recent real ones and ignores the gaps", () => {
    const r = evaluateWindow({
      points: row("X 0 - X X"),
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      threshold: 2,
      comparison: "GreaterThanThreshold",
      treatMissing: "breaching",
    });
    expect(r.evaluated.map((p) => p.value)).toEqual([1, 5, 5]);
    expect(r.outcome).toEqual({ kind: "crossed", state: "OK" });
  });

  it("fills as few missing datapoints as possible, the most recent missing periods, and keeps every real one", () => {
    const r = evaluateWindow({ points: row("X - 0 - -"), evaluationPeriods: 3, datapointsToAlarm: 2, threshold: 2, comparison: "GreaterThanThreshold", treatMissing: "breaching" });
    expect(r.evaluated.map((p) => (p.missing ? "-" : p.value))).toEqual([5, 1, "-"]);
    expect(r.evaluated[2].timestamp).toBe(T0 + 4 * PERIOD);
    expect(r.outcome).toEqual({ kind: "crossed", state: "ALARM" });
  });

  it("names the premature-alarm outcome apart from an ordinary crossing", () => {
    const r = evaluateWindow({ points: row("X - - - -"), evaluationPeriods: 3, datapointsToAlarm: 3, threshold: 2, comparison: "GreaterThanThreshold", treatMissing: "missing" });
    expect(r.outcome).toEqual({ kind: "premature", state: "ALARM" });
  });

  it("a breaching datapoint too recent to be M periods old does not alarm early", () => {
    // 2 of 3: the breach must be at least 2 evaluated periods old.
    expect(stateFor(row("- - - X -"), 3, 2, "missing")).toBe("ALARM");
    expect(stateFor(row("- - - - X"), 3, 2, "missing")).toBe("INSUFFICIENT_DATA");
  });

  it.each([
    ["GreaterThanOrEqualToThreshold", 2, true],
    ["GreaterThanThreshold", 2, false],
    ["LessThanThreshold", 1, true],
    ["LessThanOrEqualToThreshold", 2, true],
    ["LessThanThreshold", 2, false],
  ] as const)("%s against threshold 2 of value %d breaches: %s", (comparison, value, breaching) => {
    const r = evaluateWindow({ points: [{ timestamp: T0, value, sampleCount: 1 }], evaluationPeriods: 1, datapointsToAlarm: 1, threshold: 2, comparison, treatMissing: "missing" });
    expect(r.outcome).toEqual({ kind: "crossed", state: breaching ? "ALARM" : "OK" });
  });
});

describe("percentiles with low samples (AWS: fewer than 10/(1-p) samples for p ≥ 0.5, 10/p below)", () => {
  it.each([
    [99, 999, true],
    [99, 1000, false],
    [90, 99, true],
    [90, 100, false],
    [50, 19, true],
    [50, 20, false],
    [10, 99, true],
    [10, 100, false],
  ])("p%d with %d samples is low: %s", (p, n, low) => {
    expect(lowSampleCount(p, n)).toBe(low);
  });
});

describe("the anomaly detection band operators compare each datapoint with the band at its period", () => {
  const band = { lower: 5, upper: 15 };
  it.each<[string, number, boolean]>([
    ["GreaterThanUpperThreshold", 16, true],
    ["GreaterThanUpperThreshold", 15, false],
    ["GreaterThanUpperThreshold", 1, false],
    ["LessThanLowerThreshold", 4, true],
    ["LessThanLowerThreshold", 5, false],
    ["LessThanLowerThreshold", 99, false],
    ["LessThanLowerOrGreaterThanUpperThreshold", 4, true],
    ["LessThanLowerOrGreaterThanUpperThreshold", 16, true],
    ["LessThanLowerOrGreaterThanUpperThreshold", 10, false],
  ])("%s: %d breaches = %s", (op, value, expected) => {
    expect(breaches(op as any, value, 0, band)).toBe(expected);
  });

  it("without a band at the period (no model yet) nothing breaches", () => {
    expect(breaches("LessThanLowerOrGreaterThanUpperThreshold", 1e9, 0, {})).toBe(false);
  });

  it("an alarm window uses each datapoint's own band", () => {
    const points: Datapoint[] = [
      { timestamp: 0, value: 10, lower: 5, upper: 15 },
      { timestamp: 60_000, value: 10, lower: 0, upper: 8 },
    ];
    const r = evaluateWindow({ points, evaluationPeriods: 2, datapointsToAlarm: 1, threshold: 0, comparison: "GreaterThanUpperThreshold", treatMissing: "missing" });
    expect(r.evaluated.map((p) => p.breaching)).toEqual([false, true]);
    expect(r.outcome).toEqual({ kind: "crossed", state: "ALARM" });
  });
});
