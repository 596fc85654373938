/**
 * The state a metric alarm's datapoints call for, exactly as AWS documents it
 * ("Configuring how CloudWatch alarms treat missing data": the evaluation
 * range, M out of N, the treatment of missing data and the premature-alarm
 * rule). Pure: the caller reads the datapoints and applies the result.
 *
 * - With at least N real datapoints in the range, the N most recent real ones
 *   are evaluated and missing data is not considered.
 * - With fewer, every real one is evaluated together with as few missing
 *   datapoints as possible (the most recent missing periods), filled as the
 *   alarm's TreatMissingData says.
 * - `missing`: an alarm goes to ALARM early when its oldest evaluated
 *   breaching datapoint is at least M periods old and nothing evaluated is
 *   within the threshold (the premature-alarm rule); with no datapoint at all,
 *   INSUFFICIENT_DATA. `ignore` keeps the current state instead, and has no
 *   premature alarm.
 */
import type { ComparisonOperator, StateValue, TreatMissing } from "../alarm.js";

export interface Datapoint {
  /** Start of the period, epoch ms. */
  timestamp: number;
  /** The statistic's value; undefined when the period has no data. */
  value?: number;
  sampleCount?: number;
  /** The anomaly detection band at this period, for the band operators (ThresholdMetricId). */
  lower?: number;
  upper?: number;
}

export interface WindowInput {
  /** The evaluation range, oldest first, one entry per period. */
  points: Datapoint[];
  evaluationPeriods: number;
  /** M; N when the alarm does not set DatapointsToAlarm. */
  datapointsToAlarm: number;
  threshold: number;
  comparison: ComparisonOperator;
  treatMissing: TreatMissing;
}

export type Outcome =
  /** Enough data to decide: breaching (and filled) datapoints counted against M. */
  | { kind: "crossed"; state: "ALARM" | "OK" }
  /** ALARM by the premature-alarm rule (TreatMissingData missing). */
  | { kind: "premature"; state: "ALARM" }
  /** No datapoint in the range, filled as breaching or not breaching. */
  | { kind: "noData"; state: "ALARM" | "OK" }
  /** Not enough data (missing): INSUFFICIENT_DATA. */
  | { kind: "insufficient"; state: "INSUFFICIENT_DATA" }
  /** ignore: the alarm keeps its state. */
  | { kind: "retain" };

export interface EvaluatedPoint extends Datapoint {
  /** Missing in the data (filled by TreatMissingData when it counts). */
  missing: boolean;
  breaching: boolean;
}

export interface WindowResult {
  outcome: Outcome;
  /** The N datapoints evaluated, oldest first (real ones and the missing periods filled in). */
  evaluated: EvaluatedPoint[];
  /** How many evaluated datapoints breach, filled ones included. */
  breaching: number;
}

export function breaches(comparison: ComparisonOperator, value: number, threshold: number, band?: { lower?: number; upper?: number }): boolean {
  switch (comparison) {
    case "GreaterThanOrEqualToThreshold":
      return value >= threshold;
    case "GreaterThanThreshold":
      return value > threshold;
    case "LessThanThreshold":
      return value < threshold;
    case "LessThanOrEqualToThreshold":
      return value <= threshold;
    // The band operators compare against the band at the same period; without a band there (no model yet) nothing breaches.
    case "LessThanLowerOrGreaterThanUpperThreshold":
      return (band?.lower !== undefined && value < band.lower) || (band?.upper !== undefined && value > band.upper);
    case "GreaterThanUpperThreshold":
      return band?.upper !== undefined && value > band.upper;
    case "LessThanLowerThreshold":
      return band?.lower !== undefined && value < band.lower;
    default:
      return false;
  }
}

export function evaluateWindow(input: WindowInput): WindowResult {
  const { points, evaluationPeriods: n, datapointsToAlarm: m, treatMissing } = input;
  const real = points.filter((p) => p.value !== undefined);
  const mark = (p: Datapoint): EvaluatedPoint => {
    const missing = p.value === undefined;
    const breaching = missing ? treatMissing === "breaching" : breaches(input.comparison, p.value!, input.threshold, p);
    return { ...p, missing, breaching };
  };

  if (real.length >= n) {
    const evaluated = real.slice(-n).map(mark);
    const count = evaluated.filter((p) => p.breaching).length;
    return { outcome: { kind: "crossed", state: count >= m ? "ALARM" : "OK" }, evaluated, breaching: count };
  }

  // Every real datapoint, plus the most recent missing periods to make N.
  const fills = points.filter((p) => p.value === undefined).slice(-(n - real.length));
  const evaluated = [...real, ...fills].sort((a, b) => a.timestamp - b.timestamp).map(mark);
  const count = evaluated.filter((p) => p.breaching).length;

  if (real.length === 0) {
    if (treatMissing === "breaching") return { outcome: { kind: "noData", state: "ALARM" }, evaluated, breaching: count };
    if (treatMissing === "notBreaching") return { outcome: { kind: "noData", state: "OK" }, evaluated, breaching: count };
    if (treatMissing === "ignore") return { outcome: { kind: "retain" }, evaluated, breaching: count };
    return { outcome: { kind: "insufficient", state: "INSUFFICIENT_DATA" }, evaluated, breaching: count };
  }

  if (treatMissing === "breaching" || treatMissing === "notBreaching") {
    return { outcome: { kind: "crossed", state: count >= m ? "ALARM" : "OK" }, evaluated, breaching: count };
  }
  if (count >= m) return { outcome: { kind: "crossed", state: "ALARM" }, evaluated, breaching: count };
  const anyWithin = evaluated.some((p) => !p.missing && !p.breaching);
  if (treatMissing === "missing" && !anyWithin) {
    const oldest = evaluated.findIndex((p) => !p.missing && p.breaching);
    if (oldest >= 0 && evaluated.length - oldest >= m) {
      return { outcome: { kind: "premature", state: "ALARM" }, evaluated, breaching: count };
    }
  }
  if (anyWithin) return { outcome: { kind: "crossed", state: "OK" }, evaluated, breaching: count };
  if (treatMissing === "ignore") return { outcome: { kind: "retain" }, evaluated, breaching: count };
  return { outcome: { kind: "insufficient", state: "INSUFFICIENT_DATA" }, evaluated, breaching: count };
}

/**
 * How many periods the evaluator reads: AWS "retrieves a higher number of
 * data points than specified by Evaluation Periods" (5 for an alarm of 3, in
 * the documentation's tables). Two more than N, as those tables show.
 */
export const evaluationRange = (evaluationPeriods: number) => evaluationPeriods + 2;

/**
 * For percentile alarms: whether a period has too few samples for the
 * percentile to mean much (AWS: fewer than 10/(1-p) samples for p in [0.5, 1),
 * 10/p for p below 0.5).
 */
export function lowSampleCount(percentile: number, sampleCount: number): boolean {
  if (percentile <= 0 || percentile >= 100) return false;
  // In percent, so that p90 needs exactly 100 samples (10 / 0.1 is 100.00000000000001 in doubles).
  const needed = percentile >= 50 ? 1000 / (100 - percentile) : 1000 / percentile;
  return sampleCount < needed;
}

export type { StateValue };
