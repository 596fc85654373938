/**
 * ANOMALY_DETECTION_BAND for GetMetricData (and so for alarms on a band): the
 * model is trained from the argument's own stored history, the two weeks
 * before the query's end at the query's period, as AWS trains on "up to two
 * weeks" of a metric's data. AWS answers a band whether or not a detector was
 * put first (it creates the model on first use: go-to-k/cdkd#1304); a
 * detector, when there is one, adds its ExcludedTimeRanges and MetricTimezone.
 * A trained model is kept (model-cache.ts) and serves the bands of the next
 * hour, so the alarm evaluator does not read two weeks of history a minute.
 */
import type { AnomalyBandRequest } from "../metrics/query/math/context.js";
import type { Series } from "../metrics/types.js";
import { bandAt, modelState, restoreModel, trainModel, type Model } from "./model.js";
import { configToken, isFresh, modelKey, readModel, storeModel, MODEL_RECORD_VERSION, type ModelRecord } from "./model-cache.js";
import { getDetector, type SingleMetricIdentity } from "./store.js";

export const TRAINING_SPAN_MS = 14 * 86_400_000;

export interface BandEnvironment {
  account: string;
  periodSeconds: number;
  /** The query's end, epoch ms: training reads the two weeks before it. */
  endTime: number;
  /** The metric and statistic, when the argument is one MetricStat query: its detector's configuration applies. */
  metric?: SingleMetricIdentity;
  /** What the argument is, as JSON (its metric and statistic, or its expression and queries): the model's cache key. */
  identity: unknown;
  /** The argument's values at the query's period from `start` to the query's end. */
  history(start: number): Promise<Series | undefined>;
}

/** Two series, the lower then the upper edge of the band, at the argument's timestamps. */
export async function anomalyDetectionBand(request: AnomalyBandRequest, env: BandEnvironment): Promise<Series[]> {
  const { series, stdDevs } = request;
  const model = await modelFor(env);
  const timestamps = model ? series.timestamps : [];
  const { lower, upper } = model ? bandAt(model, timestamps, stdDevs) : { lower: [], upper: [] };
  const base = { periodSeconds: series.periodSeconds ?? env.periodSeconds };
  return [
    { ...base, label: `${series.label} Lower`, timestamps, values: lower },
    { ...base, label: `${series.label} Upper`, timestamps, values: upper },
  ];
}

/** The cached model when it is fresh for this configuration and query end; else one trained now (and kept). */
async function modelFor(env: BandEnvironment): Promise<Model | undefined> {
  const key = modelKey(env.account, env.identity, env.periodSeconds);
  const [detector, cached] = await Promise.all([env.metric ? getDetector(env.account, { single: env.metric }) : undefined, readModel(key)]);
  const config = configToken(detector);
  if (cached && isFresh(cached.value, config, env.endTime)) return restoreModel(cached.value.model);
  const history = await env.history(env.endTime - TRAINING_SPAN_MS);
  const model = history
    ? trainModel(history.timestamps, history.values, {
        periodSeconds: env.periodSeconds,
        excluded: detector?.excludedTimeRanges,
        timezone: detector?.metricTimezone,
      })
    : undefined;
  // Nothing to learn from is not kept: data put a moment later trains at once.
  if (model) {
    const record: ModelRecord = {
      v: MODEL_RECORD_VERSION,
      config,
      windowEnd: env.endTime,
      lastTimestamp: history!.timestamps[history!.timestamps.length - 1]!,
      trainedAt: Date.now(),
      model: modelState(model),
    };
    await storeModel(key, record, cached);
  }
  return model;
}
