/**
 * Anomaly detectors as stored: one JSON record per detector in the
 * `cw-anomaly-detectors` KV bucket, keyed `{account}.{identity hash}` (record
 * and key: docs/formats/anomaly-detectors.md). A detector has no name in AWS:
 * its metric and statistic (or its math queries) are its identity, so the key
 * is a hash of that identity, and Put on the same identity replaces it.
 */
import { createHash } from "node:crypto";
import type { Dimension, MetricDataQuery, MetricStat } from "@aws-sdk/client-cloudwatch";
import type { KV } from "nats";
import { BUCKETS, getBucket } from "../storage/nats.js";
import { createRecord, getRecord, recordKey } from "../storage/kv.js";
import { sortDimensions } from "../metrics/store/identity.js";

export const RECORD_VERSION = 1;

export interface SingleMetricIdentity {
  namespace: string;
  metricName: string;
  /** Sorted by name. */
  dimensions: Array<{ name: string; value: string }>;
  stat: string;
}

export interface AnomalyDetectorRecord {
  v: typeof RECORD_VERSION;
  single?: SingleMetricIdentity;
  /** The MetricMathAnomalyDetector's queries, as put. */
  math?: MetricDataQuery[];
  /** Epoch ms pairs: [start, end). */
  excludedTimeRanges?: Array<[number, number]>;
  metricTimezone?: string;
  periodicSpikes?: boolean;
  /** Epoch ms of the first Put of this identity. */
  created: number;
}

export const bucket = (): Promise<KV> => getBucket(BUCKETS.anomalyDetectors);

const dimensionsOf = (dimensions: Dimension[] | undefined) => sortDimensions((dimensions ?? []).map((d) => ({ name: d.Name!, value: d.Value! })));

export function singleIdentity(namespace: string, metricName: string, dimensions: Dimension[] | undefined, stat: string): SingleMetricIdentity {
  return { namespace, metricName, dimensions: dimensionsOf(dimensions), stat };
}

/** The detector identity of a MetricStat query (a band's argument, an alarm's metric). */
export const statIdentity = (ms: MetricStat): SingleMetricIdentity =>
  singleIdentity(ms.Metric!.Namespace!, ms.Metric!.MetricName!, ms.Metric!.Dimensions, ms.Stat!);

/** The math queries reduced to what identifies them, members in a fixed order. */
function canonicalQueries(queries: MetricDataQuery[]): unknown[] {
  return queries.map((q) => [
    q.Id,
    q.Expression ?? null,
    q.MetricStat
      ? [
          q.MetricStat.Metric?.Namespace,
          q.MetricStat.Metric?.MetricName,
          dimensionsOf(q.MetricStat.Metric?.Dimensions),
          q.MetricStat.Period,
          q.MetricStat.Stat,
          q.MetricStat.Unit ?? null,
        ]
      : null,
    q.Period ?? null,
    q.ReturnData ?? null,
    q.AccountId ?? null,
  ]);
}

/** The key token naming a detector: a hash of its identity (40 hex digits). */
export function identityToken(record: Pick<AnomalyDetectorRecord, "single" | "math">): string {
  const s = record.single;
  const identity = s ? ["single", s.namespace, s.metricName, s.dimensions, s.stat] : ["math", canonicalQueries(record.math!)];
  return createHash("sha256").update(JSON.stringify(identity)).digest("hex").slice(0, 40);
}

export const detectorKey = (account: string, record: Pick<AnomalyDetectorRecord, "single" | "math">) =>
  recordKey(account, identityToken(record));

export async function getDetector(account: string, identity: Pick<AnomalyDetectorRecord, "single" | "math">): Promise<AnomalyDetectorRecord | undefined> {
  return (await getRecord<AnomalyDetectorRecord>(await bucket(), detectorKey(account, identity)))?.value;
}

/**
 * Creates a detector with no configuration unless one exists: what AWS does
 * when an alarm or a graph uses ANOMALY_DETECTION_BAND on a metric that has no
 * model (go-to-k/cdkd#1304, verified live; aws/aws-cdk#19956).
 */
export async function ensureDetector(account: string, single: SingleMetricIdentity, now = Date.now()): Promise<void> {
  await createRecord(await bucket(), detectorKey(account, { single }), { v: RECORD_VERSION, single, created: now } satisfies AnomalyDetectorRecord);
}
