/**
 * Trained anomaly models kept in the KV bucket `cw-anomaly-models`, one record
 * per account and modelled series (record and key:
 * docs/formats/anomaly-models.md), so a band read every minute by the alarm
 * evaluator trains from its two weeks of history at most once an hour, and
 * again at once when its detector's configuration changes. Several processes
 * may train the same model: writes are compare-and-set, and a newer training
 * window is never replaced by an older one.
 */
import { createHash } from "node:crypto";
import type { KV } from "nats";
import { BUCKETS, getBucket } from "../storage/nats.js";
import { createRecord, getRecord, recordKey, updateRecord, type Versioned } from "../storage/kv.js";
import type { ModelState } from "./model.js";
import type { AnomalyDetectorRecord } from "./store.js";

export const MODEL_RECORD_VERSION = 1;
/** A model serves bands whose query ends within this of the end of the window it was trained on. */
export const RETRAIN_AFTER_MS = 3_600_000;

export interface ModelRecord {
  v: typeof MODEL_RECORD_VERSION;
  /** Token of the detector configuration trained with: another one retrains. */
  config: string;
  /** The training window's end, epoch ms (the query's end). */
  windowEnd: number;
  /** The newest timestamp of the data trained on, epoch ms. */
  lastTimestamp: number;
  /** Wall-clock time of the training, epoch ms. */
  trainedAt: number;
  model: ModelState;
}

const bucket = (): Promise<KV> => getBucket(BUCKETS.anomalyModels);

const sha = (v: unknown) => createHash("sha256").update(JSON.stringify(v)).digest("hex");

/** The key of a modelled series: what it is (a metric and statistic, or an expression and its queries) at a period. */
export const modelKey = (account: string, identity: unknown, periodSeconds: number): string => recordKey(account, sha([identity, periodSeconds]).slice(0, 40));

/** What of a detector's configuration changes its model: the excluded ranges and the timezone. */
export const configToken = (detector: Pick<AnomalyDetectorRecord, "excludedTimeRanges" | "metricTimezone"> | undefined): string =>
  sha([detector?.excludedTimeRanges ?? [], detector?.metricTimezone ?? "UTC"]).slice(0, 16);

export async function readModel(key: string): Promise<Versioned<ModelRecord> | undefined> {
  return getRecord<ModelRecord>(await bucket(), key);
}

/** Whether a stored model serves a band with this configuration whose query ends at `endTime`. */
export const isFresh = (record: ModelRecord, config: string, endTime: number): boolean =>
  record.v === MODEL_RECORD_VERSION && record.config === config && Math.abs(endTime - record.windowEnd) < RETRAIN_AFTER_MS;

/**
 * Stores a newly trained model over `current` (the record read before
 * training, if any), unless another process stored one since or the current
 * one has a later window with the same configuration. The cache is an
 * optimisation: a full bucket or a lost race leaves the band's answer alone.
 */
export async function storeModel(key: string, record: ModelRecord, current: Versioned<ModelRecord> | undefined): Promise<void> {
  const c = current?.value;
  if (c && c.v === MODEL_RECORD_VERSION && c.config === record.config && c.windowEnd >= record.windowEnd) return;
  try {
    const kv = await bucket();
    if (current) await updateRecord(kv, key, record, current.revision);
    else await createRecord(kv, key, record);
  } catch (e) {
    console.warn(`anomaly model cache: not stored (${(e as Error).message})`);
  }
}
