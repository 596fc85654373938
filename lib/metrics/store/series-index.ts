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
 * By account, then series id: a lookup hashes the id string the fold already
 * holds (V8 keeps a string's hash), where a joined key was a new string to
 * build and hash four times a series a batch.
 * Bounded: an entry older than TOUCH_INTERVAL_MS saves nothing (its series is
 * rewritten anyway), so churned series leave it within minutes, and past
 * MEMO_MAX entries (about 100 bytes each) it starts over.
 */
interface MemoEntry {
  /** The record's units, sorted. */
  units: string[];
  lastWrite: number;
  first: number;
  /** This process created the record (it did not exist): compaction need not look for the series' chunks first. */
  created: boolean;
}
const MEMO = Symbol.for("hive.cloudwatch.series-memo");
const memo = ((globalThis as any)[MEMO] ??= new Map<string, Map<string, MemoEntry>>()) as Map<string, Map<string, MemoEntry>>;

const memoOf = (account: string): Map<string, MemoEntry> => {
  let m = memo.get(account);
  if (!m) memo.set(account, (m = new Map()));
  return m;
};

export interface SeriesTouch {
  account: string;
  id: string;
  identity: { namespace: string; metricName: string; dimensions: Array<[string, string]> };
  /** The units the series was written with, each once. */
  units: Iterable<string>;
  lastTimestamp: number;
  firstTimestamp: number;
}

/** Records that these series were written to; creates new ones. */
export async function touchSeries(touches: SeriesTouch[], now = Date.now()): Promise<void> {
  sweepMemo(now);
  // Series this process has not indexed lately are tried as new: created in
  // one window of writes that expect no record (a few µs each, where a get
  // and a create are two round trips). Those that have one are merged with it.
  const fresh: SeriesTouch[] = [];
  const merge: SeriesTouch[] = [];
  let account: string | undefined;
  let entries: Map<string, MemoEntry> | undefined;
  for (const t of touches) {
    if (t.account !== account || !entries) entries = memoOf((account = t.account));
    const m = entries.get(t.id);
    if (!m) fresh.push(t);
    else if (now - m.lastWrite > TOUCH_INTERVAL_MS || t.firstTimestamp < m.first || newUnit(t.units, m.units)) merge.push(t);
  }
  if (!fresh.length && !merge.length) return;
  const kv = await seriesBucket();
  const records = fresh.map((t) => newRecord(t, now));
  const revisions = await kvWrites(
    BUCKETS.metricSeries,
    fresh.map((t, i) => ({ key: seriesKey(t.account, t.id), value: Buffer.from(JSON.stringify(records[i])), revision: 0 })),
    // A failed create (the record exists, or a marker) goes through touchOne, which reads it first.
    { overMarkers: false },
  );
  fresh.forEach((t, i) => (revisions[i] ? remember(t.account, t.id, records[i], true) : merge.push(t)));
  const CONCURRENCY = 64;
  for (let i = 0; i < merge.length; i += CONCURRENCY) {
    await Promise.all(merge.slice(i, i + CONCURRENCY).map((t) => touchOne(kv, t, now)));
  }
}

function newUnit(units: Iterable<string>, known: string[]): boolean {
  for (const u of units) if (!known.includes(u)) return true;
  return false;
}

/**
 * Whether this process created the series' index record lately (it found
 * none): its chunks are then presumed absent, so compaction creates them
 * without reading first. Only a hint: a chunk there after all fails its
 * create-if-absent write, and compaction reads it then.
 */
export const createdHere = (account: string, id: string): boolean => memo.get(account)?.get(id)?.created === true;

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

const remember = (account: string, id: string, rec: SeriesRecord, created: boolean) =>
  memoOf(account).set(id, { units: rec.units, lastWrite: rec.lastWrite, first: rec.firstTimestamp ?? -Infinity, created });

export const MEMO_MAX = 200_000;
let lastSweep = 0;

function sweepMemo(now: number): void {
  if (now - lastSweep < TOUCH_INTERVAL_MS && seriesMemoSize() < MEMO_MAX) return;
  lastSweep = now;
  for (const [account, entries] of memo) {
    for (const [id, m] of entries) if (now - m.lastWrite > TOUCH_INTERVAL_MS) entries.delete(id);
    if (entries.size === 0) memo.delete(account);
  }
  if (seriesMemoSize() >= MEMO_MAX) memo.clear();
}

/** Entries the memo holds now (tests and the memory docs). */
export function seriesMemoSize(): number {
  let n = 0;
  for (const entries of memo.values()) n += entries.size;
  return n;
}

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
      remember(t.account, t.id, rec, !cur);
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
