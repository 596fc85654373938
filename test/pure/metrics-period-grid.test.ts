import { describe, expect, it } from "vitest";
import { GridSlab, PeriodGrid } from "../../lib/metrics/read/period-grid.js";

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 25, 6);

describe("PeriodGrid: basic statistics per period on a dense grid", () => {
  it("folds buckets into their period and answers each statistic for the non-empty periods only", () => {
    const g = PeriodGrid.covering(T0, T0 + 15 * MIN, 5 * MIN);
    g.add(T0, 1, 4, 4, 4);
    g.add(T0 + 4 * MIN, 2, 10, 3, 7);
    g.add(T0 + 12 * MIN, 1, -1, -1, -1);
    expect(g.statistic("SampleCount")).toEqual({ timestamps: [T0, T0 + 10 * MIN], values: [3, 1] });
    expect(g.statistic("Sum").values).toEqual([14, -1]);
    expect(g.statistic("Average").values).toEqual([14 / 3, -1]);
    expect(g.statistic("Minimum").values).toEqual([3, -1]);
    expect(g.statistic("Maximum").values).toEqual([7, -1]);
    expect(g.isEmpty()).toBe(false);
  });

  it("counts a bucket that starts before the grid for the first period and drops one past its end", () => {
    const g = PeriodGrid.covering(T0, T0 + 10 * MIN, 5 * MIN);
    g.add(T0 - MIN, 1, 2, 2, 2);
    g.add(T0 + 10 * MIN, 1, 9, 9, 9);
    expect(g.statistic("Sum")).toEqual({ timestamps: [T0], values: [2] });
  });

  it("addBuckets keeps to the range and skips empty buckets, like add one by one", () => {
    const t = Float64Array.from([T0 - 5 * MIN, T0 - MIN, T0, T0 + MIN, T0 + 9 * MIN, T0 + 10 * MIN]);
    const view = {
      n: 6,
      t,
      count: Float64Array.from([1, 1, 0, 2, 1, 1]),
      sum: Float64Array.from([1, 2, 0, 6, 5, 7]),
      min: Float64Array.from([1, 2, Infinity, 2, 5, 7]),
      max: Float64Array.from([1, 2, -Infinity, 4, 5, 7]),
    };
    const g = PeriodGrid.covering(T0, T0 + 10 * MIN, 5 * MIN);
    // 5-minute buckets: the one at T0-5min ends at T0 (outside); T0-1min reaches into the range.
    g.addBuckets(view, 5 * MIN, T0, T0 + 10 * MIN);
    expect(g.statistic("SampleCount")).toEqual({ timestamps: [T0, T0 + 5 * MIN], values: [3, 1] });
    expect(g.statistic("Minimum").values).toEqual([2, 5]);
    expect(g.statistic("Maximum").values).toEqual([4, 5]);
  });

  it("converts to Aggregates without distributions", () => {
    const a = PeriodGrid.covering(T0, T0 + 10 * MIN, 5 * MIN);
    a.add(T0, 1, 1, 1, 1);
    a.add(T0, 1, 3, 3, 3);
    a.add(T0 + 5 * MIN, 1, 8, 8, 8);
    const aggs = a.toAggregates();
    expect([...aggs.keys()]).toEqual([T0, T0 + 5 * MIN]);
    expect(aggs.get(T0)).toMatchObject({ count: 2, sum: 4, min: 1, max: 3, hasDistribution: false });
    expect(PeriodGrid.covering(T0, T0 + MIN, MIN).isEmpty()).toBe(true);
  });

  it("GridSlab hands out independent grids from shared slabs", () => {
    const slab = new GridSlab(T0, T0 + 10 * MIN, 5 * MIN, 2);
    const grids = Array.from({ length: 5 }, () => slab.next());
    grids.forEach((g, i) => g.add(T0 + 5 * MIN, 1, i, i, i));
    grids.forEach((g, i) => expect(g.statistic("Sum")).toEqual({ timestamps: [T0 + 5 * MIN], values: [i] }));
    expect(grids[0].statistic("Minimum").values).toEqual([0]);
    expect(grids[4].isEmpty()).toBe(false);
  });
});
