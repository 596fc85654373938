/**
 * A log group's metric filters and subscription filters: one JSON record per
 * group in KV bucket `cw-log-filters`, key `{account}.{group token}`, so the
 * ingest-side processor reads everything a batch needs with one get, and a
 * change is one compare-and-set. The record names the group incarnation it
 * belongs to: filters of a deleted group never apply to a new group of the
 * same name.
 */
import type { MetricTransformation, Distribution } from "@aws-sdk/client-cloudwatch-logs";
import type { KV } from "nats";
import { createRecord, getRecord, scanRecords, updateRecord } from "../../storage/kv.js";
import { BUCKETS, getBucket } from "../../storage/nats.js";
import { getLogGroup } from "../groups.js";
import { logGroupNotFound, standardClassOnly } from "../errors.js";
import { logGroupKey, logGroupsFilter } from "../names.js";

export interface MetricFilterRecord {
  filterName: string;
  filterPattern: string;
  metricTransformations: MetricTransformation[];
  creationTime: number;
  applyOnTransformedLogs?: boolean;
}

export interface SubscriptionFilterRecord {
  filterName: string;
  filterPattern: string;
  destinationArn: string;
  roleArn?: string;
  distribution: Distribution;
  creationTime: number;
  applyOnTransformedLogs?: boolean;
  /** Where deliveries go, resolved when the filter was put (lib/logs/subscriptions/delivery.ts). */
  target: { account: string; subject: string };
}

export interface GroupFilters {
  logGroupName: string;
  /** The group incarnation (LogGroupRecord.id) these filters belong to. */
  groupId: string;
  metricFilters: MetricFilterRecord[];
  subscriptionFilters: SubscriptionFilterRecord[];
}

export const filtersBucket = (): Promise<KV> => getBucket(BUCKETS.logFilters);

const empty = (logGroupName: string, groupId: string): GroupFilters => ({ logGroupName, groupId, metricFilters: [], subscriptionFilters: [] });

/** The filters of a group's current incarnation (none when the group is gone or was re-created since). */
export async function readGroupFilters(accountId: string, logGroupName: string, groupId?: string): Promise<GroupFilters | undefined> {
  const id = groupId ?? (await getLogGroup(accountId, logGroupName))?.value.id;
  if (id === undefined) return undefined;
  const rec = await getRecord<GroupFilters>(await filtersBucket(), logGroupKey(accountId, logGroupName));
  if (!rec || rec.value.groupId !== id) return empty(logGroupName, id);
  return rec.value;
}

/**
 * The filters of a group that may have them: ResourceNotFoundException if it does not
 * exist, ValidationException unless it is of the Standard class (the only class with
 * metric and subscription filters: AWS's "Log classes" page).
 */
export async function readFilterableGroup(accountId: string, logGroupName: string): Promise<GroupFilters> {
  const group = await getLogGroup(accountId, logGroupName);
  if (!group) throw logGroupNotFound();
  if ((group.value.logGroupClass ?? "STANDARD") !== "STANDARD") throw standardClassOnly();
  return (await readGroupFilters(accountId, logGroupName, group.value.id))!;
}

/**
 * Changes a group's filters atomically: `change` returns the new filters, or
 * undefined to leave them. ResourceNotFoundException if the group does not exist.
 */
export async function changeGroupFilters(
  accountId: string,
  logGroupName: string,
  change: (current: GroupFilters) => GroupFilters | undefined,
): Promise<GroupFilters> {
  const kv = await filtersBucket();
  const key = logGroupKey(accountId, logGroupName);
  for (let attempt = 0; attempt < 20; attempt++) {
    const group = await getLogGroup(accountId, logGroupName);
    if (!group) throw logGroupNotFound();
    const rec = await getRecord<GroupFilters>(kv, key);
    const current = rec && rec.value.groupId === group.value.id ? rec.value : empty(logGroupName, group.value.id);
    const next = change(current);
    if (next === undefined) return current;
    const ok = rec ? await updateRecord(kv, key, next, rec.revision) : await createRecord(kv, key, next);
    if (ok) return next;
  }
  throw new Error(`too much contention updating the filters of ${logGroupName}`);
}

/** Every group's filters in an account (stale incarnations included: callers check groupId when it matters). */
export async function scanAccountFilters(accountId: string): Promise<GroupFilters[]> {
  return (await scanRecords<GroupFilters>(await filtersBucket(), logGroupsFilter(accountId))).map((r) => r.value);
}
