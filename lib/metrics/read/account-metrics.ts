/**
 * One account's metrics as queries see them: the series index for finding
 * metrics, chunks + tail for their data. Feeds MetricStat queries, SEARCH and
 * Metrics Insights.
 */
import { cachedSeriesId, identityFromPairs, rememberSeriesId } from "../store/identity.js";
import { PeriodGrid } from "./period-grid.js";
import { readMany, readSeries, type PeriodData, type Periods } from "./read-series.js";
import { byPreference, multipleUnitsMessage } from "./unit-choice.js";
import { listSeries, identityOf } from "../store/series-index.js";
import { LISTED_FOR_MS } from "./series-listing.js";
import { computeStatistic, isBasicStatistic, parseStatistic, type BasicStatisticName, type Statistic } from "./statistics.js";
import { TailCache } from "./tail-cache.js";
import type { MetricIdentity, MetricSource, Series } from "../types.js";

export interface StatQuery {
  metric: MetricIdentity;
  stat: string;
  periodSeconds: number;
  /** Aligned start and end, epoch ms. */
  start: number;
  end: number;
  unit?: string;
  label?: string;
}

export class AccountMetrics implements MetricSource {
  readonly tail: TailCache;
  private metricsList?: Promise<MetricIdentity[]>;
  /** Reads by the metrics array asked for, then by what was read of it. */
  private readonly reads = new WeakMap<MetricIdentity[], Map<string, Promise<PeriodData[]>>>();
  /** Units and first datapoint per series id, from the index. */
  private readonly units = new Map<string, string[]>();
  private readonly firsts = new Map<string, number | undefined>();

  constructor(readonly account: string, readonly now = Date.now()) {
    this.tail = new TailCache(account);
  }

  async listMetrics(filter: { namespace?: string; metricName?: string }): Promise<MetricIdentity[]> {
    // The index, plus series only the unaggregated tail knows yet.
    // The tail before the index: a series that left the tail is already indexed.
    this.metricsList ??= this.tail.all().then(async (tail) => [await listSeries(this.account), tail] as const).then(([rows, tail]) => {
      // By series id: the index gives each row's, and reads then need not hash the metric again.
      const byId = new Map<string, MetricIdentity>();
      for (const r of rows) {
        // "A search expression can only find metrics that have reported data within the past two weeks" (AWS's guide).
        if (r.lastWrite < this.now - LISTED_FOR_MS) continue;
        this.units.set(r.id, r.units);
        this.firsts.set(r.id, r.firstTimestamp);
        byId.set(r.id, rememberSeriesId(identityOf(r), r.id));
      }
      for (const { message } of tail) {
        for (const d of message.data) {
          const id = cachedSeriesId(message.namespace, d.m, d.d);
          if (!byId.has(id)) byId.set(id, rememberSeriesId(identityFromPairs(message.namespace, d.m, d.d), id));
        }
      }
      return [...byId.values()];
    });
    return (await this.metricsList).filter(
      (m) =>
        (filter.namespace === undefined || m.namespace === filter.namespace) &&
        (filter.metricName === undefined || m.metricName === filter.metricName),
    );
  }

  async fetch(metrics: MetricIdentity[], stat: string, periodSeconds: number, start: Date, end: Date): Promise<Series[]> {
    const statistic = parseStatistic(stat, "Stat");
    const basic = isBasic(statistic);
    // Metrics Insights asks for Sum and then SampleCount of the same metrics: read them once.
    const key = `${periodSeconds}|${start.getTime()}|${end.getTime()}|${basic}`;
    let reads = this.reads.get(metrics);
    if (!reads) this.reads.set(metrics, (reads = new Map()));
    let data = reads.get(key);
    if (!data) {
      data = readMany(this.account, metrics, {
        start: start.getTime(),
        end: end.getTime(),
        periodMs: periodSeconds * 1000,
        now: this.now,
        tail: this.tail,
        units: (id) => this.units.get(id),
        first: (id) => this.firsts.get(id),
        basic,
      });
      reads.set(key, data);
    }
    return (await data).map((d, i) => toSeries(d, statistic, metrics[i].metricName, metrics[i]));
  }

  /** One statistic of one metric per period, in time order; empty periods left out. */
  async stat(q: StatQuery): Promise<Series> {
    const statistic = parseStatistic(q.stat, "Stat");
    const data = await readSeries(this.account, q.metric, {
      start: q.start,
      end: q.end,
      periodMs: q.periodSeconds * 1000,
      unit: q.unit,
      now: this.now,
      tail: this.tail,
      basic: isBasic(statistic),
    });
    return toSeries(data, statistic, q.label ?? q.metric.metricName, q.metric);
  }
}

const isBasic = (s: Statistic) => isBasicStatistic(s.kind);

function toSeries(data: PeriodData, statistic: Statistic, label: string, metric: MetricIdentity): Series {
  if (data.size === 0) return { label, timestamps: [], values: [], metric };
  // Values of different units are never added: one unit's are answered, with AWS's message.
  const units = byPreference(data.keys());
  const chosen = data.get(units[0])!;
  const messages = units.length > 1 ? [multipleUnitsMessage(units)] : undefined;
  const series = periodsToSeries(chosen, statistic, label, metric);
  return messages ? { ...series, messages } : series;
}

function periodsToSeries(data: Periods, statistic: Statistic, label: string, metric: MetricIdentity): Series {
  if (data instanceof PeriodGrid) return { label, ...data.statistic(statistic.kind as BasicStatisticName), metric };
  const periods = [...data.entries()].sort((a, b) => a[0] - b[0]);
  const timestamps: number[] = [];
  const values: number[] = [];
  for (const [t, agg] of periods) {
    const v = computeStatistic(agg, statistic);
    if (v === undefined || Number.isNaN(v)) continue;
    timestamps.push(t);
    values.push(v);
  }
  return { label, timestamps, values, metric };
}
