/**
 * StateReason and StateReasonData of a metric alarm's evaluation, in AWS's
 * words and JSON layout. Forms seen in recorded AWS alarms (cited in
 * test/pure/alarms-reasons.test.ts):
 *   "Threshold Crossed: 1 datapoint [5.0 (06/12/26 09:00:00)] was greater than the threshold (1.0)."
 *   "Threshold Crossed: 2 out of the last 4 datapoints [..] were greater than the threshold (10.7) (minimum 2 datapoints for OK -> ALARM transition)."
 *   "Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [Breaching]."
 *   "Insufficient Data: 5 datapoints were unknown."
 * StateReasonData: {"version":"1.0","queryDate",["startDate"],["unit"],"statistic","period","recentDatapoints","threshold","evaluatedDatapoints"}.
 */
import { datapointsToAlarm, type ComparisonOperator, type MetricConfig } from "../alarm.js";
import { awsJsonDate, Double, javaDouble, javaJson, reasonDate } from "../format.js";
import type { EvaluatedPoint, WindowResult } from "./window.js";

const WORDS: Partial<Record<ComparisonOperator, string>> = {
  GreaterThanOrEqualToThreshold: "greater than or equal to",
  GreaterThanThreshold: "greater than",
  LessThanThreshold: "less than",
  LessThanOrEqualToThreshold: "less than or equal to",
};

/** The band operators' words, and the band's edges at each datapoint shown. */
const BAND_WORDS: Partial<Record<ComparisonOperator, { words: string; edge: (p: EvaluatedPoint) => string }>> = {
  GreaterThanUpperThreshold: { words: "greater than the upper thresholds", edge: (p) => javaDouble(p.upper ?? NaN) },
  LessThanLowerThreshold: { words: "less than the lower thresholds", edge: (p) => javaDouble(p.lower ?? NaN) },
  LessThanLowerOrGreaterThanUpperThreshold: { words: "outside the bands", edge: (p) => `${javaDouble(p.lower ?? NaN)}..${javaDouble(p.upper ?? NaN)}` },
};

const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);
const listOf = (points: EvaluatedPoint[]) =>
  `[${points.map((p) => `${javaDouble(p.value!)} (${reasonDate(p.timestamp)})`).join(", ")}]`;

export function stateReason(alarm: MetricConfig, result: WindowResult): string {
  const { outcome, evaluated } = result;
  const n = alarm.evaluationPeriods;
  const threshold = javaDouble(alarm.threshold ?? 0);
  const words = WORDS[alarm.comparisonOperator] ?? "outside";
  switch (outcome.kind) {
    case "insufficient": {
      const unknown = evaluated.filter((p) => p.missing).length;
      return `Insufficient Data: ${unknown} ${plural(unknown, "datapoint was", "datapoints were")} unknown.`;
    }
    case "noData": {
      const as = outcome.state === "ALARM" ? "Breaching" : "NonBreaching";
      return `Threshold Crossed: no datapoints were received for ${n} ${plural(n, "period", "periods")} and ${n} missing ${plural(n, "datapoint was", "datapoints were")} treated as [${as}].`;
    }
    case "retain":
      return "";
    default: {
      const alarming = outcome.state === "ALARM";
      // Newest first, as AWS lists them; only datapoints with a value are shown.
      const deciding = evaluated.filter((p) => p.breaching === alarming);
      const shown = deciding.filter((p) => !p.missing).reverse();
      const k = deciding.length;
      const verb = plural(k, "was", "were");
      const not = alarming ? "" : "not ";
      const band = BAND_WORDS[alarm.comparisonOperator];
      if (band) {
        // A band alarm compares each datapoint with the band at its period: the edges are listed as the threshold.
        return `Thresholds Crossed: ${k} ${plural(k, "datapoint", "datapoints")} ${listOf(shown)} ${verb} ${not}${band.words} [${shown.map(band.edge).join(", ")}].`;
      }
      if (alarm.datapointsToAlarm === undefined) {
        return `Threshold Crossed: ${k} ${plural(k, "datapoint", "datapoints")} ${listOf(shown)} ${verb} ${not}${words} the threshold (${threshold}).`;
      }
      const m = datapointsToAlarm(alarm);
      const minimum = alarming ? m : n - m + 1;
      const transition = alarming ? "OK -> ALARM" : "ALARM -> OK";
      return (
        `Threshold Crossed: ${k} out of the last ${n} datapoints ${listOf(shown)} ${verb} ${not}${words} the threshold (${threshold}) ` +
        `(minimum ${minimum} ${plural(minimum, "datapoint", "datapoints")} for ${transition} transition).`
      );
    }
  }
}

export function stateReasonData(alarm: MetricConfig, result: WindowResult, queryDate: number, period: number): string {
  const real = result.evaluated.filter((p) => !p.missing);
  return javaJson({
    version: "1.0",
    queryDate: awsJsonDate(queryDate),
    startDate: real.length ? awsJsonDate(real[0].timestamp) : undefined,
    unit: alarm.unit,
    statistic: alarm.statistic,
    extendedStatistic: alarm.extendedStatistic,
    period,
    recentDatapoints: real.map((p) => new Double(p.value!)),
    threshold: new Double(alarm.threshold ?? 0),
    evaluatedDatapoints: [...result.evaluated].reverse().map((p) => ({
      timestamp: awsJsonDate(p.timestamp),
      sampleCount: p.missing || p.sampleCount === undefined ? undefined : new Double(p.sampleCount),
      value: p.missing ? undefined : new Double(p.value!),
    })),
  });
}
