/**
 * A metric stream as stored: one JSON record per stream in the KV bucket
 * `cw-metric-streams`, keyed `{account}.{region}.{name}` (metric streams are
 * regional, as their ARN says), and the delivery checkpoint of each in
 * `cw-metric-stream-checkpoints` under the same key. Layout:
 * docs/formats/metric-streams.md.
 */
import type { MetricStreamFilter, MetricStreamStatisticsConfiguration, Tag } from "@aws-sdk/client-cloudwatch";
import type { KV } from "nats";
import { arn } from "../arn.js";
import { BUCKETS, getBucket } from "../storage/nats.js";
import { getRecord, modifyRecord, recordKey, scanRecords, type Versioned } from "../storage/kv.js";

export type StreamState = "running" | "stopped";

export interface MetricStreamRecord {
  v: 1;
  name: string;
  region: string;
  firehoseArn: string;
  roleArn: string;
  outputFormat: string;
  includeFilters?: MetricStreamFilter[];
  excludeFilters?: MetricStreamFilter[];
  statisticsConfigurations?: MetricStreamStatisticsConfiguration[];
  includeLinkedAccountsMetrics: boolean;
  state: StreamState;
  /** Epoch ms: creation, last PutMetricStream, and when the stream last went to running. */
  createdAt: number;
  updatedAt: number;
  runningSince: number;
  tags: Tag[];
}

/** How far delivery has come: every minute before `next` (epoch ms) was published. */
export interface StreamCheckpoint {
  v: 1;
  /** The createdAt of the stream it belongs to: a stream deleted and created again starts over. */
  createdAt: number;
  next: number;
}

export const streamsBucket = (): Promise<KV> => getBucket(BUCKETS.metricStreams);
export const checkpointsBucket = (): Promise<KV> => getBucket(BUCKETS.metricStreamCheckpoints);

export const streamKey = (account: string, region: string, name: string) => recordKey(account, region, name);

export const metricStreamArn = (account: string, region: string, name: string) =>
  arn({ service: "cloudwatch", region, accountId: account, resource: `metric-stream/${name}` });

export const NAME_MAX = 255;
export const NAME = /^[A-Za-z0-9_-]+$/;

/** A name PutMetricStream could have stored; others are answered without a KV lookup. */
export const storable = (name: string) => name.length <= NAME_MAX && NAME.test(name);

export async function getStream(account: string, region: string, name: string): Promise<Versioned<MetricStreamRecord> | undefined> {
  if (!storable(name)) return undefined;
  return getRecord<MetricStreamRecord>(await streamsBucket(), streamKey(account, region, name));
}

/** Read-modify-write of one stream (lib/storage/kv.ts modifyRecord); undefined when there is none. */
export async function modifyStream(
  account: string,
  region: string,
  name: string,
  change: (s: MetricStreamRecord) => MetricStreamRecord | undefined,
): Promise<MetricStreamRecord | undefined> {
  return modifyRecord<MetricStreamRecord>(await streamsBucket(), streamKey(account, region, name), change);
}

/** Every stream of one account and region (`account` and `region` given) or of all (neither). */
export async function listStreams(account?: string, region?: string): Promise<Array<{ account: string; key: string; value: MetricStreamRecord; revision: number }>> {
  const filter = account ? `${recordKey(account, region!)}.*` : ">";
  const rows = await scanRecords<MetricStreamRecord>(await streamsBucket(), filter);
  return rows.map((r) => ({ ...r, account: r.key.slice(0, r.key.indexOf(".")) }));
}
