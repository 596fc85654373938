/**
 * The anomaly detection model: expected value and spread of a metric, learnt
 * from its history, and the band expected ± k·spread at given times. Pure.
 *
 * AWS documents that its model accounts for "hourly, daily, and weekly"
 * seasonality and trend, trained on up to two weeks of history. This one is
 * simpler and says so: with at least three days of history at a period of an
 * hour or less, each hour of the day (in the detector's MetricTimezone) has
 * its own mean and standard deviation; otherwise one mean ± standard deviation
 * over the whole history. No trend, no day-of-week term (two weeks give only
 * two samples per weekday hour).
 */

export interface TrainingOptions {
  periodSeconds: number;
  /** [start, end) epoch ms ranges left out of training (AnomalyDetectorConfiguration.ExcludedTimeRanges). */
  excluded?: Array<[number, number]>;
  /** IANA zone whose hours are the seasons (MetricTimezone); UTC by default. */
  timezone?: string;
}

interface Moments {
  n: number;
  mean: number;
  sd: number;
}

/** What a trained model is, as JSON can hold it (the model cache stores it: docs/formats/anomaly-models.md). */
export interface ModelState {
  global: Moments;
  /** Per hour of day (0-23), when the history is long enough for hourly seasons. */
  hourly?: Moments[];
  /** The IANA zone of the hours; UTC when absent. */
  timezone?: string;
}

export interface Model extends ModelState {
  hourOf: (t: number) => number;
}

/** History that trains an hourly-seasonal model: three days, so each hour has three samples. */
const SEASONAL_SPAN_MS = 3 * 86_400_000;
const MIN_SEASON_SAMPLES = 3;

function moments(values: number[]): Moments {
  const n = values.length;
  if (n === 0) return { n, mean: NaN, sd: NaN };
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / n;
  let sq = 0;
  for (const v of values) sq += (v - mean) ** 2;
  return { n, mean, sd: Math.sqrt(sq / n) };
}

function hourFunction(timezone: string | undefined): (t: number) => number {
  if (!timezone || timezone === "UTC") return (t) => new Date(t).getUTCHours();
  const format = new Intl.DateTimeFormat("en-US", { timeZone: timezone, hour: "numeric", hourCycle: "h23" });
  return (t) => Number(format.format(t)) % 24;
}

/** Trains on finite values outside the excluded ranges; undefined when nothing is left to learn from. */
export function trainModel(timestamps: number[], values: number[], options: TrainingOptions): Model | undefined {
  const excluded = options.excluded ?? [];
  const ts: number[] = [];
  const vs: number[] = [];
  timestamps.forEach((t, i) => {
    const v = values[i];
    if (!Number.isFinite(v) || excluded.some(([s, e]) => t >= s && t < e)) return;
    ts.push(t);
    vs.push(v);
  });
  if (vs.length === 0) return undefined;
  const hourOf = hourFunction(options.timezone);
  const model: Model = { global: moments(vs), hourOf, ...(options.timezone ? { timezone: options.timezone } : {}) };
  if (options.periodSeconds <= 3600 && ts[ts.length - 1] - ts[0] >= SEASONAL_SPAN_MS) {
    const buckets: number[][] = Array.from({ length: 24 }, () => []);
    ts.forEach((t, i) => buckets[hourOf(t)].push(vs[i]));
    model.hourly = buckets.map(moments);
  }
  return model;
}

/** The model of a stored state; JSON has no NaN, so an hour without samples comes back with nulls and is read as NaN. */
export function restoreModel(state: ModelState): Model {
  const revive = (m: Moments): Moments => ({ n: m.n, mean: m.mean ?? NaN, sd: m.sd ?? NaN });
  return {
    global: revive(state.global),
    ...(state.hourly ? { hourly: state.hourly.map(revive) } : {}),
    ...(state.timezone ? { timezone: state.timezone } : {}),
    hourOf: hourFunction(state.timezone),
  };
}

/** The model as stored: its state without the hour function. */
export const modelState = ({ global, hourly, timezone }: Model): ModelState => ({ global, ...(hourly ? { hourly } : {}), ...(timezone ? { timezone } : {}) });

/** The band at each time: [lower, upper] = expected ∓ k·sd, k the band's width in standard deviations. */
export function bandAt(model: Model, timestamps: number[], stdDevs: number): { lower: number[]; upper: number[] } {
  const lower = new Array<number>(timestamps.length);
  const upper = new Array<number>(timestamps.length);
  timestamps.forEach((t, i) => {
    const season = model.hourly?.[model.hourOf(t)];
    const m = season && season.n >= MIN_SEASON_SAMPLES ? season : model.global;
    lower[i] = m.mean - stdDevs * m.sd;
    upper[i] = m.mean + stdDevs * m.sd;
  });
  return { lower, upper };
}
