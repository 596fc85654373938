/**
 * The anomaly detection model (lib/anomaly-detectors/model.ts): what it learns
 * from a history and the band it draws from it.
 */
import { describe, expect, it } from "vitest";
import { bandAt, trainModel } from "../../lib/anomaly-detectors/model.js";

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 1);

describe("the anomaly detection model", () => {
  it("is mean ± k standard deviations over a short history", () => {
    const ts = [0, 1, 2, 3].map((i) => T0 + i * 60_000);
    const model = trainModel(ts, [8, 12, 8, 12], { periodSeconds: 60 })!;
    expect(bandAt(model, [T0], 2)).toEqual({ lower: [6], upper: [14] });
    expect(bandAt(model, [T0], 3)).toEqual({ lower: [4], upper: [16] });
  });

  it("learns each hour of the day on its own with three days of hourly history", () => {
    const ts = Array.from({ length: 24 * 4 }, (_, i) => T0 + i * HOUR);
    const values = ts.map((t) => (new Date(t).getUTCHours() === 9 ? 100 : 10));
    const model = trainModel(ts, values, { periodSeconds: 3600 })!;
    const band = bandAt(model, [T0 + 9 * HOUR, T0 + 10 * HOUR], 2);
    expect(band.lower[0]).toBe(100); // hour 9 is always 100
    expect(band.upper[1]).toBe(10); // and the others always 10
  });

  it("counts hours in the detector's MetricTimezone", () => {
    const ts = Array.from({ length: 24 * 4 }, (_, i) => T0 + i * HOUR);
    // Sydney is UTC+11 in November: its 09:00 is 22:00 UTC.
    const values = ts.map((t) => (new Date(t).getUTCHours() === 22 ? 100 : 10));
    const model = trainModel(ts, values, { periodSeconds: 3600, timezone: "Australia/Sydney" })!;
    expect(model.hourOf(T0 + 22 * HOUR)).toBe(9);
    expect(bandAt(model, [T0 + 22 * HOUR], 2).upper[0]).toBe(100);
  });

  it("leaves the ExcludedTimeRanges and non-finite values out of training", () => {
    const ts = [0, 1, 2, 3, 4].map((i) => T0 + i * 60_000);
    const model = trainModel(ts, [10, 10, 1000, NaN, 10], { periodSeconds: 60, excluded: [[T0 + 2 * 60_000, T0 + 3 * 60_000]] })!;
    expect(bandAt(model, [T0], 2)).toEqual({ lower: [10], upper: [10] });
  });

  it("has no model without data to learn from", () => {
    expect(trainModel([], [], { periodSeconds: 60 })).toBeUndefined();
    expect(trainModel([T0], [5], { periodSeconds: 60, excluded: [[T0, T0 + 1]] })).toBeUndefined();
  });
});
