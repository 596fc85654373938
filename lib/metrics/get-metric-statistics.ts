/**
 * GetMetricStatistics: one metric, one period, basic and extended statistics,
 * datapoints per unit as AWS returns them.
 */
import type { Datapoint, GetMetricStatisticsInput, GetMetricStatisticsOutput, StandardUnit } from "@aws-sdk/client-cloudwatch";
import { invalidParameterCombination, invalidParameterValue } from "../errors.js";
import { sortDimensions } from "./store/identity.js";
import { alignStart, checkPeriod, periodAvailable, wholeSecond } from "./read/period-rules.js";
import { aggregatesOf, readSeries } from "./read/read-series.js";
import { computeStatistic, isExtendedStatistic, parseStatistic, type Statistic } from "./read/statistics.js";

const MAX_DATAPOINTS = 1440;

export async function getMetricStatistics(
  account: string,
  input: GetMetricStatisticsInput,
  now = Date.now(),
): Promise<GetMetricStatisticsOutput> {
  const start = wholeSecond(input.StartTime!);
  const end = wholeSecond(input.EndTime!);
  const period = input.Period!;
  const statistics = input.Statistics ?? [];
  const extended = input.ExtendedStatistics ?? [];

  if (statistics.length && extended.length) {
    throw invalidParameterCombination("The parameters Statistics and ExtendedStatistics are mutually exclusive and you have specified both.");
  }
  if (!statistics.length && !extended.length) {
    throw invalidParameterCombination("Must specify either Statistics or ExtendedStatistics.");
  }
  const parsedExtended: Array<[string, Statistic]> = extended.map((s) => {
    if (!isExtendedStatistic(s)) throw invalidParameterValue(`The value ${s} for parameter ExtendedStatistics is not supported.`);
    return [s, parseStatistic(s, "ExtendedStatistics")];
  });
  checkPeriod(period);
  if (start >= end) throw invalidParameterValue("The parameter StartTime must be less than the parameter EndTime.");
  // AWS counts (EndTime - StartTime) / Period, before rounding the start, and prints plain numbers
  // (localstack's test_invalid_amount_of_datapoints, recorded against AWS: one day at Period 60 from an
  // unaligned start is accepted; at Period 1 "You have requested up to 86400 datapoints").
  const requested = Math.floor((end - start) / (period * 1000));
  if (requested > MAX_DATAPOINTS) {
    throw invalidParameterCombination(
      `You have requested up to ${requested} datapoints, which exceeds the limit of ${MAX_DATAPOINTS}. You may reduce the datapoints requested by increasing Period, or decreasing the time range.`,
    );
  }
  const alignedStart = alignStart(start, period, now);

  if (!periodAvailable(period, start, now)) return { Label: input.MetricName, Datapoints: [] };

  const metric = {
    namespace: input.Namespace!,
    metricName: input.MetricName!,
    dimensions: sortDimensions((input.Dimensions ?? []).map((d) => ({ name: d.Name!, value: d.Value! }))),
  };
  const data = await readSeries(account, metric, {
    start: alignedStart,
    end,
    periodMs: period * 1000,
    unit: input.Unit,
    now,
    basic: parsedExtended.length === 0,
  });

  const datapoints: Datapoint[] = [];
  for (const [unit, periods] of data) {
    for (const [t, agg] of [...aggregatesOf(periods).entries()].sort((a, b) => a[0] - b[0])) {
      const dp: Datapoint = { Timestamp: new Date(t), Unit: unit as StandardUnit };
      for (const s of statistics) (dp as any)[s] = computeStatistic(agg, { kind: s as any });
      if (parsedExtended.length) {
        const ext: Record<string, number> = {};
        for (const [name, stat] of parsedExtended) {
          const v = computeStatistic(agg, stat);
          if (v !== undefined) ext[name] = v;
        }
        dp.ExtendedStatistics = ext;
      }
      datapoints.push(dp);
    }
  }
  return { Label: input.MetricName, Datapoints: datapoints };
}
