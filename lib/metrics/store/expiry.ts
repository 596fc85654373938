/**
 * Metrics expire: once past the cold retention, a series' cold objects are
 * deleted and, when nothing newer was written to it, its series record too.
 * AWS: "Metrics cannot be deleted, but they automatically expire after 15
 * months if no new data is published to them" (CloudWatch User Guide,
 * "Metrics retention"); here the cold retention is `[cloudwatch.rolloff]
 * cold_retention_days`. Without it the series index grows by every pod a
 * cluster ever ran.
 *
 * Both walk everything (the cold objects have no date prefix, the series
 * index no time order), so they run once a UTC day, the first roll-off run
 * past the day in `expired.through` (docs/formats/kv-keys.md).
 */
import { createRecord, forEachEntry, getRecord, updateRecord } from "../../storage/kv.js";
import { deleteRevision } from "../../storage/kv-writes.js";
import { BUCKETS } from "../../storage/nats.js";
import { chunkBucket } from "./chunk-store.js";
import { purgeCold } from "./cold-store.js";
import { seriesBucket, type SeriesRecord } from "./series-index.js";

const KEY = "expired.through";
const DAY = 86_400_000;

export interface Expiry {
  purgedCold: number;
  expiredSeries: number;
}

/**
 * Expires cold objects of days ending by `cutoff` (epoch ms) and series with
 * nothing since `seriesCutoff` (no later than `cutoff`, and past the warm
 * tier's age too where the configuration keeps warm data longer), unless a
 * run did so today already.
 */
export async function expireMetrics(cutoff: number, seriesCutoff: number): Promise<Expiry> {
  const through = cutoff - (cutoff % DAY);
  const kv = await chunkBucket();
  const last = await getRecord<{ through: number }>(kv, KEY);
  if (last && last.value.through >= through) return { purgedCold: 0, expiredSeries: 0 };
  const purgedCold = await purgeCold(cutoff);
  const expiredSeries = await expireSeries(Math.min(through, seriesCutoff));
  // Compare-and-set, forward only; a lost race means another run did the same today.
  if (last) await updateRecord(kv, KEY, { through }, last.revision);
  else await createRecord(kv, KEY, { through });
  return { purgedCold, expiredSeries };
}

/**
 * Deletes the records of series whose every datapoint's day is purged and
 * that nothing wrote to since. By revision: a record a writer touches
 * meanwhile has another one and stays, and no purge marker is left behind.
 */
async function expireSeries(before: number): Promise<number> {
  const stale: number[] = [];
  await forEachEntry(await seriesBucket(), "*.*", (e) => {
    const r = JSON.parse(Buffer.from(e.value).toString("utf8")) as SeriesRecord;
    if (r.lastTimestamp + DAY <= before && r.lastWrite + DAY <= before) stale.push(e.revision);
  });
  let expired = 0;
  for (const revision of stale) if (await deleteRevision(BUCKETS.metricSeries, revision)) expired++;
  return expired;
}
