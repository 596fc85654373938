/**
 * The log group record in BUCKETS.logGroups, key `{account}.{name token}`
 * (docs/formats/kv-keys.md): read, required and changed by compare-and-set.
 * Streams and tags read groups through here, not through groups.ts.
 */
import type { LogGroupClass } from "@aws-sdk/client-cloudwatch-logs";
import type { KV } from "nats";
import { getConfig } from "../config/config.js";
import { getRecord, modifyRecord, type Versioned } from "../storage/kv.js";
import { BUCKETS, getBucket } from "../storage/nats.js";
import { logGroupNotFound } from "./errors.js";
import { logGroupKey } from "./names.js";

export interface LogGroupRecord {
  logGroupName: string;
  /**
   * This incarnation of the name: a new id each time the name is created, so
   * leftovers of a deleted group (streams, events) never show in a new group
   * of the same name.
   */
  id: string;
  creationTime: number;
  retentionInDays?: number;
  kmsKeyId?: string;
  logGroupClass: LogGroupClass;
  deletionProtectionEnabled?: boolean;
  /** PutDataProtectionPolicy's document, as sent, and when it was put (lib/logs/data-protection.ts). */
  dataProtectionPolicy?: { policyDocument: string; lastUpdatedTime: number };
  tags: Record<string, string>;
  /** Kept by the metric filter operations. */
  metricFilterCount?: number;
  /** Kept by the ingest / compaction path. */
  storedBytes?: number;
}

export const logGroupsBucket = (): Promise<KV> => getBucket(BUCKETS.logGroups);

/** A group's retention, or `[cloudwatch.logs] retention_days` when it has none (the seed's "default log retention"). */
export function effectiveRetentionDays(groupRetention: number | undefined): number {
  return groupRetention ?? getConfig().logs.retentionDays;
}

/** The group's record and its KV revision, if the group exists. */
export async function getLogGroup(accountId: string, name: string): Promise<Versioned<LogGroupRecord> | undefined> {
  return getRecord<LogGroupRecord>(await logGroupsBucket(), logGroupKey(accountId, name));
}

/** The group's record, or AWS's ResourceNotFoundException. */
export async function requireLogGroup(accountId: string, name: string): Promise<LogGroupRecord> {
  const g = await getLogGroup(accountId, name);
  if (!g) throw logGroupNotFound();
  return g.value;
}

/**
 * Changes a group's record atomically (compare-and-set, retried). `change`
 * returns the new record, or undefined to leave it. ResourceNotFoundException
 * if the group does not exist.
 */
export async function modifyLogGroup(
  accountId: string,
  name: string,
  change: (current: LogGroupRecord) => LogGroupRecord | undefined,
): Promise<LogGroupRecord> {
  const out = await modifyRecord<LogGroupRecord>(await logGroupsBucket(), logGroupKey(accountId, name), change);
  if (!out) throw logGroupNotFound();
  return out;
}
