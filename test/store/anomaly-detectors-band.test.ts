/**
 * ANOMALY_DETECTION_BAND's trained model, kept in KV (cw-anomaly-models) over
 * a real nats-server: the history is read once, bands of the next hour are
 * answered from the stored model without reading it again, and a changed
 * detector configuration or an hour on trains anew. The history function
 * counts its calls: each call is a two-week read of the metric.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anomalyDetectionBand, type BandEnvironment } from "../../lib/anomaly-detectors/band.js";
import { putAnomalyDetector } from "../../lib/anomaly-detectors/detectors.js";
import { singleIdentity } from "../../lib/anomaly-detectors/store.js";
import { modelKey, readModel, RETRAIN_AFTER_MS } from "../../lib/anomaly-detectors/model-cache.js";
import { putMetricData } from "../../lib/metrics/put-metric-data.js";
import { putMetricAlarm } from "../../lib/alarms/put-metric-alarm.js";
import { evaluateTick } from "../../lib/alarms/evaluate/evaluator.js";
import type { Series } from "../../lib/metrics/types.js";
import { startTestServers, type TestServers } from "../support/servers.js";

const A = "000000000000";
const B = "111111111111";
const MIN = 60_000;

let servers: TestServers;
beforeAll(async () => {
  servers = await startTestServers("anomaly-band"); // S3: two weeks of history reach the cold tier
}, 60_000);
afterAll(() => servers?.stop());

let n = 0;
/** A metric of its own per test, with a history of 120 minutes around 10 and a counter of reads. */
function fixture(account = A, values = (i: number) => 10 + (i % 2 === 0 ? 1 : -1)) {
  const name = `Lat${++n}`;
  const metric = singleIdentity("Band/Test", name, [{ Name: "Host", Value: "web-1" }], "Average");
  const end = Math.floor(Date.now() / MIN) * MIN;
  const reads: number[] = [];
  const history = async (from: number): Promise<Series> => {
    reads.push(from);
    const timestamps = Array.from({ length: 120 }, (_, i) => end - (120 - i) * MIN);
    return { label: name, timestamps, values: timestamps.map((_, i) => values(i)) };
  };
  const env = (endTime = end): BandEnvironment => ({ account, periodSeconds: 60, endTime, metric, identity: ["single", metric], history });
  const series: Series = { label: name, timestamps: [end - MIN], values: [10] };
  const band = async (endTime = end) => {
    const [lower, upper] = await anomalyDetectionBand({ id: "m1", expression: "m1", series, stdDevs: 2 }, env(endTime));
    return [lower.values[0], upper.values[0]];
  };
  return { metric, end, reads, band, name };
}

describe("the anomaly model cache", () => {
  it("trains once and answers the bands of the next hour from the stored model, reading no history", async () => {
    const f = fixture();
    const first = await f.band();
    expect(f.reads).toHaveLength(1);
    expect(first[0]).toBeCloseTo(8, 6); // mean 10, sd 1: 10 ± 2·1
    expect(first[1]).toBeCloseTo(12, 6);
    // The alarm evaluator's next minutes: the same model, no two-week read.
    for (const later of [MIN, 10 * MIN, RETRAIN_AFTER_MS - MIN]) expect(await f.band(f.end + later)).toEqual(first);
    expect(f.reads).toHaveLength(1);
    const stored = (await readModel(modelKey(A, ["single", f.metric], 60)))!.value;
    expect(stored).toMatchObject({ v: 1, windowEnd: f.end, lastTimestamp: f.end - MIN, model: { global: { n: 120, mean: 10, sd: 1 } } });
    // An hour past the training window: trained again, and the newer window kept.
    await f.band(f.end + RETRAIN_AFTER_MS);
    expect(f.reads).toHaveLength(2);
    expect((await readModel(modelKey(A, ["single", f.metric], 60)))!.value.windowEnd).toBe(f.end + RETRAIN_AFTER_MS);
    await f.band(f.end + RETRAIN_AFTER_MS + MIN);
    expect(f.reads).toHaveLength(2);
  });

  it("trains again at once when the detector's configuration changes, then caches that model", async () => {
    // The first hour is 100s, the second around 10: excluding the first hour moves the band.
    const f = fixture(A, (i) => (i < 60 ? 100 : 10 + (i % 2 === 0 ? 1 : -1)));
    const before = await f.band();
    expect(f.reads).toHaveLength(1);
    await putAnomalyDetector(A, {
      SingleMetricAnomalyDetector: { Namespace: "Band/Test", MetricName: f.name, Dimensions: [{ Name: "Host", Value: "web-1" }], Stat: "Average" },
      Configuration: { ExcludedTimeRanges: [{ StartTime: new Date(f.end - 121 * MIN), EndTime: new Date(f.end - 60 * MIN) }] },
    });
    const after = await f.band(f.end + MIN);
    expect(f.reads).toHaveLength(2);
    expect(after[0]).toBeCloseTo(8, 6);
    expect(after[1]).toBeCloseTo(12, 6);
    expect(after).not.toEqual(before);
    expect(await f.band(f.end + 2 * MIN)).toEqual(after);
    expect(f.reads).toHaveLength(2);
  });

  it("keeps each account's model apart, and keeps nothing for a metric without history", async () => {
    const a = fixture(A);
    await a.band();
    const b = fixture(B, () => 50);
    // Same metric and statistic in another account: its own history, its own model.
    const other = await anomalyDetectionBand(
      { id: "m1", expression: "m1", series: { label: "x", timestamps: [a.end - MIN], values: [1] }, stdDevs: 2 },
      { account: B, periodSeconds: 60, endTime: a.end, metric: a.metric, identity: ["single", a.metric], history: async (from) => (b.reads.push(from), { label: "x", timestamps: [a.end - 2 * MIN], values: [50] }) },
    );
    expect(b.reads).toHaveLength(1);
    expect([other[0].values[0], other[1].values[0]]).toEqual([50, 50]);
    expect(a.reads).toHaveLength(1);

    let empty = 0;
    const none = () =>
      anomalyDetectionBand(
        { id: "m1", expression: "m1", series: { label: "y", timestamps: [a.end - MIN], values: [1] }, stdDevs: 2 },
        { account: A, periodSeconds: 60, endTime: a.end, identity: ["single", "nothing"], history: async () => (empty++, undefined) },
      );
    expect((await none()).map((s) => s.values)).toEqual([[], []]);
    await none();
    expect(empty).toBe(2);
  });

  it("serves the alarm evaluator's minutes: a band alarm's model is trained on the first tick and not again until an hour on", async () => {
    const t = Math.floor(Date.now() / RETRAIN_AFTER_MS) * RETRAIN_AFTER_MS - 2 * 86_400_000;
    const dims = [{ Name: "Host", Value: "web-1" }];
    await putMetricData(
      { Namespace: "Band/Alarm", MetricData: Array.from({ length: 60 }, (_, i) => ({ MetricName: "Req", Dimensions: dims, Timestamp: new Date(t - (60 - i) * MIN), Value: 20 + (i % 3) })) },
      { accountId: A, now: t },
    );
    await putMetricAlarm(A, "us-east-1", {
      AlarmName: "band-cache",
      ComparisonOperator: "LessThanLowerOrGreaterThanUpperThreshold",
      EvaluationPeriods: 1,
      ThresholdMetricId: "ad1",
      Metrics: [
        { Id: "m1", MetricStat: { Metric: { Namespace: "Band/Alarm", MetricName: "Req", Dimensions: dims }, Period: 60, Stat: "Maximum" }, ReturnData: true },
        { Id: "ad1", Expression: "ANOMALY_DETECTION_BAND(m1, 2)" },
      ],
    }, t);
    const key = modelKey(A, ["single", singleIdentity("Band/Alarm", "Req", dims, "Maximum")], 60);
    await evaluateTick(t + 1000, { owner: "band-test" });
    const first = await readModel(key);
    expect(first?.value).toMatchObject({ windowEnd: t, lastTimestamp: t - MIN, model: { global: { n: 60, mean: 21 } } });
    // Each minute of the hour: the stored model, not rewritten (the record's revision stays).
    for (const m of [1, 2, 30]) {
      await evaluateTick(t + m * MIN + 1000, { owner: "band-test" });
      expect((await readModel(key))!.revision).toBe(first!.revision);
    }
    await evaluateTick(t + RETRAIN_AFTER_MS + 1000, { owner: "band-test" });
    const retrained = (await readModel(key))!;
    expect(retrained.revision).toBeGreaterThan(first!.revision);
    expect(retrained.value.windowEnd).toBe(t + RETRAIN_AFTER_MS);
  });
});
