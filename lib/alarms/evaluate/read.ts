/**
 * The datapoints of every due alarm, read in one pass through the metric
 * engine: single-metric alarms of an account are grouped by period, unit and
 * kind of statistic, and each group is one batched read of all its series
 * (lib/metrics/read: chunks by direct gets, plus the unaggregated tail), not
 * one read per alarm. Math alarms go through GetMetricData's own machinery.
 */
import { getMetricData } from "../../metrics/get-metric-data.js";
import { inPool } from "../../storage/in-pool.js";
import { aggregatesOf, readMany } from "../../metrics/read/read-series.js";
import { byPreference } from "../../metrics/read/unit-choice.js";
import { computeStatistic, isBasicStatistic, parseStatistic, type Statistic } from "../../metrics/read/statistics.js";
import { TailCache } from "../../metrics/read/tail-cache.js";
import { listSeries, type IndexedSeries } from "../../metrics/store/series-index.js";
import { sortDimensions } from "../../metrics/store/identity.js";
import type { MetricIdentity } from "../../metrics/types.js";
import { alarmPeriod, isWatchedQuery, type AlarmRecord } from "../alarm.js";
import { evaluationRange, type Datapoint } from "./window.js";

const MATH_CONCURRENCY = 16;

export interface DueAlarm {
  account: string;
  alarm: AlarmRecord;
  /** The record's revision when it was read: a state change is a compare-and-set against it. */
  revision: number;
}

/** The periods an alarm evaluates at `now`: the newest complete one and those before it, oldest first. */
export function periodsAt(alarm: AlarmRecord, now: number): number[] {
  const p = alarmPeriod(alarm.metric!) * 1000;
  const newest = Math.floor(now / p) * p - p;
  const n = evaluationRange(alarm.metric!.evaluationPeriods);
  return Array.from({ length: n }, (_, i) => newest - (n - 1 - i) * p);
}

const identityOf = (a: AlarmRecord): MetricIdentity => ({
  namespace: a.metric!.namespace!,
  metricName: a.metric!.metricName!,
  dimensions: sortDimensions(a.metric!.dimensions.map((d) => ({ name: d.Name!, value: d.Value! }))),
});

/** What one tick's reads share: each account's series index, listed once. */
export type ReadContext = Map<string, Promise<IndexedSeries[]>>;

/** Reads the evaluation range of each alarm; the result is in the order of `due`. */
export async function readAlarmData(due: DueAlarm[], now: number, ctx: ReadContext = new Map()): Promise<Datapoint[][]> {
  const out: Datapoint[][] = new Array(due.length);
  const byAccount = new Map<string, number[]>();
  due.forEach((d, i) => {
    let list = byAccount.get(d.account);
    if (!list) byAccount.set(d.account, (list = []));
    list.push(i);
  });
  await Promise.all(
    [...byAccount].map(async ([account, indexes]) => {
      const single = indexes.filter((i) => !due[i].alarm.metric!.metrics);
      const math = indexes.filter((i) => due[i].alarm.metric!.metrics);
      const index = (): Promise<IndexedSeries[]> => {
        let listed = ctx.get(account);
        if (!listed) ctx.set(account, (listed = listSeries(account)));
        return listed;
      };
      // Single-metric reads and math alarms' GetMetricData calls overlap: both mostly wait on KV.
      await Promise.all([
        single.length ? index().then((ix) => readSingle(account, ix, single.map((i) => due[i].alarm), now, (k, points) => (out[single[k]] = points))) : undefined,
        readMathAlarms(account, math.map((i) => due[i].alarm), now, (k, points) => (out[math[k]] = points)),
      ]);
    }),
  );
  return out;
}

async function readSingle(account: string, index: IndexedSeries[], alarms: AlarmRecord[], now: number, emit: (k: number, points: Datapoint[]) => void): Promise<void> {
  const units = new Map(index.map((r) => [r.id, r.units]));
  const firsts = new Map(index.map((r) => [r.id, r.firstTimestamp]));
  const tail = new TailCache(account);
  const groups = new Map<string, number[]>();
  const stats: Statistic[] = alarms.map((a) => parseStatistic(a.metric!.statistic ?? a.metric!.extendedStatistic!, "Statistic"));
  alarms.forEach((a, k) => {
    const key = `${a.metric!.period}|${a.metric!.unit ?? ""}|${isBasicStatistic(stats[k].kind)}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(k);
  });
  await Promise.all(
    [...groups.values()].map(async (members) => {
      const first = alarms[members[0]];
      const periodMs = first.metric!.period! * 1000;
      const ranges = members.map((k) => periodsAt(alarms[k], now));
      const start = Math.min(...ranges.map((r) => r[0]));
      const end = Math.max(...ranges.map((r) => r[r.length - 1])) + periodMs;
      const metrics = members.map((k) => identityOf(alarms[k]));
      const data = await readMany(account, metrics, {
        start,
        end,
        periodMs,
        unit: first.metric!.unit,
        now,
        tail,
        basic: isBasicStatistic(stats[members[0]].kind),
        units: (id) => units.get(id),
        first: (id) => firsts.get(id),
      });
      members.forEach((k, j) => {
        // Values of different units are never added (as GetMetricData answers): an alarm without a Unit sees AWS's preferred one.
        const periods = data[j].size ? aggregatesOf(data[j].get(byPreference(data[j].keys())[0])!) : undefined;
        emit(
          k,
          ranges[j].map((t) => {
            const agg = periods?.get(t);
            const value = agg ? computeStatistic(agg, stats[k]) : undefined;
            return value === undefined || Number.isNaN(value) ? { timestamp: t } : { timestamp: t, value, sampleCount: agg!.count };
          }),
        );
      });
    }),
  );
}

/**
 * Math alarms of one account, many per GetMetricData call: alarms with the
 * same period are packed together (up to GetMetricData's 500 queries), each
 * alarm's query ids prefixed so they stay apart. Expressions that see every
 * query of the call (METRICS()) or are Metrics Insights queries run alone; a
 * packed call that fails is retried alarm by alarm, so one bad alarm cannot
 * blind the others.
 */
async function readMathAlarms(account: string, alarms: AlarmRecord[], now: number, emit: (k: number, points: Datapoint[]) => void): Promise<void> {
  const alone: number[] = [];
  const byPeriod = new Map<number, number[]>();
  alarms.forEach((a, k) => {
    const queries = a.metric!.metrics!;
    if (queries.some((q) => q.Expression !== undefined && (/\bMETRICS\s*\(/i.test(q.Expression) || /^\s*SELECT\s/i.test(q.Expression)))) alone.push(k);
    else {
      const p = alarmPeriod(a.metric!);
      let list = byPeriod.get(p);
      if (!list) byPeriod.set(p, (list = []));
      list.push(k);
    }
  });
  const batches: number[][] = alone.map((k) => [k]);
  for (const members of byPeriod.values()) {
    let batch: number[] = [];
    let size = 0;
    for (const k of members) {
      const n = alarms[k].metric!.metrics!.length;
      if (size + n > MAX_QUERIES_PER_CALL && batch.length) {
        batches.push(batch);
        batch = [];
        size = 0;
      }
      batch.push(k);
      size += n;
    }
    if (batch.length) batches.push(batch);
  }
  await inPool(batches, async (batch) => {
    try {
      const results = await readMathBatch(account, batch.map((k) => alarms[k]), now);
      batch.forEach((k, j) => emit(k, results[j]));
    } catch {
      for (const k of batch) {
        try {
          emit(k, (await readMathBatch(account, [alarms[k]], now))[0]);
        } catch {
          emit(k, []); // a query that fails now (a Metrics Insights error, say) leaves the alarm as it is
        }
      }
    }
  }, MATH_CONCURRENCY);
}

/** GetMetricData's limit on queries per call. */
const MAX_QUERIES_PER_CALL = 500;

/** An expression with the ids of `ids` renamed by `rename`; text inside quotes is left alone. */
export function renameIds(expression: string, ids: Set<string>, rename: (id: string) => string): string {
  return expression.replace(/("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|\b([a-z][a-zA-Z0-9_]*)\b/g, (whole, quoted, id) =>
    quoted !== undefined ? quoted : ids.has(id) ? rename(id) : whole,
  );
}

async function readMathBatch(account: string, alarms: AlarmRecord[], now: number): Promise<Datapoint[][]> {
  const periods = alarms.map((a) => periodsAt(a, now));
  const periodMs = alarmPeriod(alarms[0].metric!) * 1000;
  const single = alarms.length === 1;
  const prefix = (k: number, id: string) => (single ? id : `a${k}_${id}`);
  const queries = alarms.flatMap((a, k) => {
    const ids = new Set(a.metric!.metrics!.map((q) => q.Id!));
    return a.metric!.metrics!.map((q) => ({
      ...q,
      // The band is read even when the alarm's Metrics leave its ReturnData false.
      ...(q.Id === a.metric!.thresholdMetricId ? { ReturnData: true } : {}),
      Id: prefix(k, q.Id!),
      ...(q.Expression !== undefined && !single ? { Expression: renameIds(q.Expression, ids, (id) => prefix(k, id)) } : {}),
    }));
  });
  const result = await getMetricData(
    account,
    alarms[0].region,
    {
      MetricDataQueries: queries,
      StartTime: new Date(Math.min(...periods.map((p) => p[0]))),
      EndTime: new Date(Math.max(...periods.map((p) => p[p.length - 1])) + periodMs),
      ScanBy: "TimestampAscending",
    },
    now,
  );
  // By id, in answer order: ANOMALY_DETECTION_BAND answers two series under the band's id, the lower edge then the upper.
  const byId = new Map<string, Map<number, number>[]>();
  for (const r of result.MetricDataResults ?? []) {
    const values = new Map<number, number>();
    r.Timestamps?.forEach((t, i) => values.set(t.getTime(), r.Values![i]));
    const list = byId.get(r.Id!);
    if (list) list.push(values);
    else byId.set(r.Id!, [values]);
  }
  return alarms.map((a, k) => {
    const band = a.metric!.thresholdMetricId;
    const returned = a.metric!.metrics!.find((q) => isWatchedQuery(q, band))!;
    const values = byId.get(prefix(k, returned.Id!))?.[0] ?? new Map<number, number>();
    const [lower, upper] = band ? (byId.get(prefix(k, band)) ?? []) : [];
    return periods[k].map((t) => {
      if (!values.has(t) || !Number.isFinite(values.get(t)!)) return { timestamp: t };
      const point: Datapoint = { timestamp: t, value: values.get(t)! };
      if (lower?.has(t)) point.lower = lower.get(t);
      if (upper?.has(t)) point.upper = upper.get(t);
      return point;
    });
  });
}
