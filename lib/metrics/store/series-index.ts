/**
 * The series index ListMetrics, SEARCH and Metrics Insights read: one KV
 * record per series, `{account}.{seriesId}`, with its identity, the units it
 * was published with and when it was last written to (docs/formats/kv-keys.md).
 */
import type { KV } from "nats";
import { getBucket, BUCKETS } from "../../storage/nats.js";
import { getRecord, isWrongLastSequence, scanRecords } from "../../storage/kv.js";
import { kvWrites } from "../../storage/kv-writes.js";
import { identityFromPairs } from "./identity.js";
import type { MetricIdentity } from "../types.js";

export interface SeriesRecord {
  namespace: string;
  metricName: string;
  dimensions: Array<[string, string]>;
  units: string[];
  /** Latest datapoint timestamp and latest write time seen (epoch ms). */
  lastTimestamp: number;
  /**
   * Earliest datapoint timestamp seen (epoch ms): no chunk ends before it, so
   * reads skip those. Absent in records written before it existed.
   */
  firstTimestamp?: number;
  lastWrite: number;
  created: number;
}

export interface IndexedSeries extends SeriesRecord {
  id: string;
}

export const seriesBucket = (): Promise<KV> => getBucket(BUCKETS.metricSeries);
const seriesKey = (account: string, id: string) => `${account}.${id}`;

export const identityOf = (r: SeriesRecord): MetricIdentity => identityFromPairs(r.namespace, r.metricName, r.dimensions);

// How stale lastWrite may get before the aggregator rewrites the record: keeps
// index writes rare while RecentlyActive (3 hours) stays exact enough.
const TOUCH_INTERVAL_MS = 5 * 60_000;

/**
 * Process-local memo of what the index already says, so the aggregator skips
 * writes that would change nothing. Only an optimisation: the record is the truth.
 * Bounded: an entry older than TOUCH_INTERVAL_MS saves nothing (its series is
 * rewritten anyway), so churned series leave it within minutes, and past
 * MEMO_MAX entries (about 150 bytes each) it starts over.
 */
const MEMO = Symbol.for("hive.cloudwatch.series-memo");
const memo = ((globalThis as any)[MEMO] ??= new Map<string, { units: Set<string>; lastWrite: number; first: number }>()) as Map<
  string,
  { units: Set<string>; lastWrite: number; first: number }
>;

export interface SeriesTouch {
  account: string;
  id: string;
  identity: { namespace: string; metricName: string; dimensions: Array<[string, string]> };
  units: Set<string>;
  lastTimestamp: number;
  firstTimestamp: number;
}

/** Records that these series were written to; creates new ones. */
export async function touchSeries(touches: SeriesTouch[], now = Date.now()): Promise<void> {
  sweepMemo(now);
  const kv = await seriesBucket();
  const due = touches.filter((t) => {
    const m = memo.get(`${t.account}.${t.id}`);
    return !m || now - m.lastWrite > TOUCH_INTERVAL_MS || t.firstTimestamp < m.first || [...t.units].some((u) => !m.units.has(u));
  });
  // Series this process has not indexed lately are tried as new: created in
  // one window of writes that expect no record (a few µs each, where a get
  // and a create are two round trips). Those that have one are merged with it.
  const fresh = due.filter((t) => !memo.has(seriesKey(t.account, t.id)));
  const records = fresh.map((t) => newRecord(t, now));
  const revisions = await kvWrites(
    BUCKETS.metricSeries,
    fresh.map((t, i) => ({ key: seriesKey(t.account, t.id), value: Buffer.from(JSON.stringify(records[i])), revision: 0 })),
    // A failed create (the record exists, or a marker) goes through touchOne, which reads it first.
    { overMarkers: false },
  );
  const merge = due.filter((t) => memo.has(seriesKey(t.account, t.id)));
  fresh.forEach((t, i) => (revisions[i] ? remember(seriesKey(t.account, t.id), records[i]) : merge.push(t)));
  const CONCURRENCY = 64;
  for (let i = 0; i < merge.length; i += CONCURRENCY) {
    await Promise.all(merge.slice(i, i + CONCURRENCY).map((t) => touchOne(kv, t, now)));
  }
}

const newRecord = (t: SeriesTouch, now: number): SeriesRecord => ({
  namespace: t.identity.namespace,
  metricName: t.identity.metricName,
  dimensions: t.identity.dimensions,
  units: [...t.units].sort(),
  lastTimestamp: t.lastTimestamp,
  firstTimestamp: t.firstTimestamp,
  lastWrite: now,
  created: now,
});

const remember = (key: string, rec: SeriesRecord) =>
  memo.set(key, { units: new Set(rec.units), lastWrite: rec.lastWrite, first: rec.firstTimestamp ?? -Infinity });

export const MEMO_MAX = 200_000;
let lastSweep = 0;

function sweepMemo(now: number): void {
  if (now - lastSweep < TOUCH_INTERVAL_MS && memo.size < MEMO_MAX) return;
  lastSweep = now;
  for (const [key, m] of memo) if (now - m.lastWrite > TOUCH_INTERVAL_MS) memo.delete(key);
  if (memo.size >= MEMO_MAX) memo.clear();
}

/** Entries the memo holds now (tests and the memory docs). */
export const seriesMemoSize = (): number => memo.size;

async function touchOne(kv: KV, t: SeriesTouch, now: number): Promise<void> {
  const key = seriesKey(t.account, t.id);
  for (let attempt = 0; attempt < 10; attempt++) {
    const cur = await getRecord<SeriesRecord>(kv, key);
    const rec: SeriesRecord = cur
      ? {
          ...cur.value,
          units: [...new Set([...cur.value.units, ...t.units])].sort(),
          lastTimestamp: Math.max(cur.value.lastTimestamp, t.lastTimestamp),
          // A record from before firstTimestamp existed says nothing: keep it unknown.
          firstTimestamp: cur.value.firstTimestamp === undefined ? undefined : Math.min(cur.value.firstTimestamp, t.firstTimestamp),
          lastWrite: Math.max(cur.value.lastWrite, now),
        }
      : newRecord(t, now);
    try {
      const bytes = Buffer.from(JSON.stringify(rec));
      if (cur) await kv.update(key, bytes, cur.revision);
      else await kv.create(key, bytes);
      remember(key, rec);
      return;
    } catch (e) {
      if (!isWrongLastSequence(e)) throw e;
    }
  }
  throw new Error(`series index: too much contention on ${key}`);
}

export async function getSeries(account: string, id: string): Promise<SeriesRecord | undefined> {
  return (await getRecord<SeriesRecord>(await seriesBucket(), seriesKey(account, id)))?.value;
}

/** Every series of the account. */
export async function listSeries(account: string): Promise<IndexedSeries[]> {
  const rows = await scanRecords<SeriesRecord>(await seriesBucket(), `${account}.*`);
  return rows.map(({ key, value }) => ({ ...value, id: key.slice(key.indexOf(".") + 1) }));
}
