/**
 * ANOMALY_DETECTION_BAND for GetMetricData (and so for alarms on a band): the
 * model is trained from the argument's own stored history, the two weeks
 * before the query's end at the query's period, as AWS trains on "up to two
 * weeks" of a metric's data. AWS answers a band whether or not a detector was
 * put first (it creates the model on first use: go-to-k/cdkd#1304); a
 * detector, when there is one, adds its ExcludedTimeRanges and MetricTimezone.
 */
import type { AnomalyBandRequest } from "../metrics/query/math/context.js";
import type { Series } from "../metrics/types.js";
import { bandAt, trainModel } from "./model.js";
import { getDetector, type SingleMetricIdentity } from "./store.js";

export const TRAINING_SPAN_MS = 14 * 86_400_000;

export interface BandEnvironment {
  account: string;
  periodSeconds: number;
  /** The query's end, epoch ms: training reads the two weeks before it. */
  endTime: number;
  /** The metric and statistic, when the argument is one MetricStat query: its detector's configuration applies. */
  metric?: SingleMetricIdentity;
  /** The argument's values at the query's period from `start` to the query's end. */
  history(start: number): Promise<Series | undefined>;
}

/** Two series, the lower then the upper edge of the band, at the argument's timestamps. */
export async function anomalyDetectionBand(request: AnomalyBandRequest, env: BandEnvironment): Promise<Series[]> {
  const [detector, history] = await Promise.all([
    env.metric ? getDetector(env.account, { single: env.metric }) : undefined,
    env.history(env.endTime - TRAINING_SPAN_MS),
  ]);
  const { series, stdDevs } = request;
  const model = history
    ? trainModel(history.timestamps, history.values, {
        periodSeconds: env.periodSeconds,
        excluded: detector?.excludedTimeRanges,
        timezone: detector?.metricTimezone,
      })
    : undefined;
  const timestamps = model ? series.timestamps : [];
  const { lower, upper } = model ? bandAt(model, timestamps, stdDevs) : { lower: [], upper: [] };
  const base = { periodSeconds: series.periodSeconds ?? env.periodSeconds };
  return [
    { ...base, label: `${series.label} Lower`, timestamps, values: lower },
    { ...base, label: `${series.label} Upper`, timestamps, values: upper },
  ];
}
