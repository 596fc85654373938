/**
 * Log groups: CreateLogGroup, DeleteLogGroup, DescribeLogGroups,
 * PutRetentionPolicy, DeleteRetentionPolicy. One KV record per group in
 * BUCKETS.logGroups under `{account}.{name token}`; tags live on the record.
 */
import { randomUUID } from "node:crypto";
import type {
  CreateLogGroupRequest,
  DeleteLogGroupRequest,
  DeleteRetentionPolicyRequest,
  DescribeLogGroupsRequest,
  DescribeLogGroupsResponse,
  LogGroup,
  LogGroupClass,
  PutRetentionPolicyRequest,
} from "@aws-sdk/client-cloudwatch-logs";
import type { KV } from "nats";
import { getConfig } from "../config/config.js";
import { createRecord, fromKeyToken, getRecord, isWrongLastSequence, modifyRecord, type Versioned } from "../storage/kv.js";
import { BUCKETS, getBucket } from "../storage/nats.js";
import { invalidParameter, logGroupExists, logGroupNotFound, validationException } from "./errors.js";
import {
  checkCreateNameLengths,
  checkLogGroupName,
  checkNotReserved,
  DESCRIBE_LIMIT,
  isHashedToken,
  KMS_KEY_ID,
  LOG_GROUP_CLASSES,
  LOG_GROUP_IDENTIFIER,
  LOG_GROUP_NAME,
  LOG_GROUP_NAME_PATTERN,
  logGroupArn,
  logGroupKey,
  logGroupsFilter,
  logGroupWildcardArn,
  NEXT_TOKEN,
  resolveLogGroupIdentifier,
  RETENTION_DAYS,
  TAGS,
} from "./names.js";
import { paginate } from "./pagination.js";
import { deleteStreamsOfGroup } from "./streams.js";
import { violations } from "./validate.js";

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

// --- CreateLogGroup -----------------------------------------------------------
export async function createLogGroup(accountId: string, _region: string, input: CreateLogGroupRequest): Promise<{}> {
  checkCreateNameLengths(input.logGroupName);
  const v = violations();
  checkLogGroupName(v, input.logGroupName);
  v.string("kmsKeyId", input.kmsKeyId, KMS_KEY_ID);
  v.map("tags", input.tags, TAGS);
  v.enumValue("logGroupClass", input.logGroupClass, LOG_GROUP_CLASSES);
  v.throwIfAny();
  const name = input.logGroupName!;
  checkNotReserved(name);

  const record: LogGroupRecord = {
    logGroupName: name,
    id: randomUUID(),
    creationTime: Date.now(),
    logGroupClass: input.logGroupClass ?? "STANDARD",
    tags: { ...(input.tags ?? {}) },
  };
  if (input.kmsKeyId !== undefined) record.kmsKeyId = input.kmsKeyId;
  if (input.deletionProtectionEnabled) record.deletionProtectionEnabled = true;
  // kv.create is atomic across processes: of concurrent creators exactly one wins.
  if (!(await createRecord(await logGroupsBucket(), logGroupKey(accountId, name), record))) throw logGroupExists();
  return {};
}

// --- DeleteLogGroup -----------------------------------------------------------
export async function deleteLogGroup(accountId: string, _region: string, input: DeleteLogGroupRequest): Promise<{}> {
  const v = violations();
  checkLogGroupName(v, input.logGroupName);
  v.throwIfAny();
  const name = input.logGroupName!;
  const kv = await logGroupsBucket();
  const key = logGroupKey(accountId, name);
  for (let attempt = 0; ; attempt++) {
    const cur = await getRecord<LogGroupRecord>(kv, key);
    if (!cur) throw logGroupNotFound();
    if (cur.value.deletionProtectionEnabled) {
      throw validationException("Cannot delete log group with deletion protection enabled. Disable deletion protection first.");
    }
    try {
      // Only the incarnation read above: a group re-created meanwhile stays.
      await kv.purge(key, { previousSeq: cur.revision });
    } catch (e) {
      if (attempt < 10 && isWrongLastSequence(e)) continue;
      throw e;
    }
    await deleteStreamsOfGroup(accountId, name, cur.value.id);
    return {};
  }
}


// --- DescribeLogGroups --------------------------------------------------------
/**
 * AWS answers a logGroupNamePattern search from a search index with fewer
 * fields: arn, creationTime, logGroupName (the API reference), and, as AWS
 * answers today, logGroupArn, logGroupClass and metricFilterCount too.
 */
export function toLogGroup(rec: LogGroupRecord, accountId: string, region: string, brief = false): LogGroup {
  const name = rec.logGroupName;
  if (brief) {
    return {
      logGroupName: name,
      creationTime: rec.creationTime,
      metricFilterCount: rec.metricFilterCount ?? 0,
      arn: logGroupWildcardArn(region, accountId, name),
      logGroupClass: rec.logGroupClass,
      logGroupArn: logGroupArn(region, accountId, name),
    };
  }
  const out: LogGroup = {
    logGroupName: name,
    creationTime: rec.creationTime,
  };
  if (rec.retentionInDays !== undefined) out.retentionInDays = rec.retentionInDays;
  out.metricFilterCount = rec.metricFilterCount ?? 0;
  out.arn = logGroupWildcardArn(region, accountId, name);
  out.storedBytes = rec.storedBytes ?? 0;
  if (rec.kmsKeyId !== undefined) out.kmsKeyId = rec.kmsKeyId;
  out.logGroupClass = rec.logGroupClass;
  out.logGroupArn = logGroupArn(region, accountId, name);
  out.deletionProtectionEnabled = rec.deletionProtectionEnabled ?? false;
  return out;
}

/** The names of an account's groups (read from the keys; hashed long names from their records). */
export async function listGroupNames(kv: KV, accountId: string): Promise<string[]> {
  const names: string[] = [];
  const hashed: string[] = [];
  for await (const key of await kv.keys(logGroupsFilter(accountId))) {
    const token = key.slice(accountId.length + 1);
    if (isHashedToken(token)) hashed.push(key);
    else names.push(fromKeyToken(token));
  }
  for (const key of hashed) {
    const rec = await getRecord<LogGroupRecord>(kv, key);
    if (rec) names.push(rec.value.logGroupName);
  }
  return names;
}

export async function describeLogGroups(
  accountId: string,
  region: string,
  input: DescribeLogGroupsRequest,
): Promise<DescribeLogGroupsResponse> {
  const v = violations();
  v.list("accountIdentifiers", input.accountIdentifiers, { min: 0, max: 20, member: { min: 12, max: 12, pattern: "^\\d{12}$" } });
  v.string("logGroupNamePrefix", input.logGroupNamePrefix, LOG_GROUP_NAME);
  v.string("logGroupNamePattern", input.logGroupNamePattern, LOG_GROUP_NAME_PATTERN);
  v.string("nextToken", input.nextToken, NEXT_TOKEN);
  v.number("limit", input.limit, DESCRIBE_LIMIT);
  v.enumValue("logGroupClass", input.logGroupClass, LOG_GROUP_CLASSES);
  v.list("logGroupIdentifiers", input.logGroupIdentifiers, { min: 1, max: 50, member: LOG_GROUP_IDENTIFIER });
  v.throwIfAny();

  const prefix = input.logGroupNamePrefix;
  const pattern = input.logGroupNamePattern;
  if (prefix !== undefined && pattern !== undefined) {
    throw invalidParameter("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.");
  }
  if (input.logGroupIdentifiers !== undefined && (prefix !== undefined || pattern !== undefined)) {
    throw invalidParameter("LogGroup identifiers and LogGroup name prefix or pattern are mutually exclusive parameters.");
  }
  let wanted: Set<string> | undefined;
  if (input.logGroupIdentifiers !== undefined) {
    wanted = new Set();
    for (const id of input.logGroupIdentifiers) {
      try {
        wanted.add(resolveLogGroupIdentifier(id, accountId, region));
      } catch {
        // another account's or region's group: not the caller's to list
      }
    }
  }

  const kv = await logGroupsBucket();
  const names = (await listGroupNames(kv, accountId)).filter(
    (n) =>
      (prefix === undefined || n.startsWith(prefix)) &&
      // The API reference: a case-sensitive substring search.
      (pattern === undefined || n.includes(pattern)) &&
      (wanted === undefined || wanted.has(n)),
  );
  const brief = pattern !== undefined;
  const page = await paginate({
    operation: "DescribeLogGroups",
    query: { prefix, pattern, cls: input.logGroupClass, ids: input.logGroupIdentifiers },
    candidates: names,
    key: (n) => [n],
    limit: input.limit ?? 50,
    nextToken: input.nextToken,
    load: async (n) => {
      const rec = await getRecord<LogGroupRecord>(kv, logGroupKey(accountId, n));
      if (!rec) return undefined;
      if (input.logGroupClass !== undefined && rec.value.logGroupClass !== input.logGroupClass) return undefined;
      return toLogGroup(rec.value, accountId, region, brief);
    },
  });
  const out: DescribeLogGroupsResponse = { logGroups: page.items };
  if (page.nextToken) out.nextToken = page.nextToken;
  return out;
}

// --- Retention ----------------------------------------------------------------
export async function putRetentionPolicy(accountId: string, _region: string, input: PutRetentionPolicyRequest): Promise<{}> {
  const v = violations();
  checkLogGroupName(v, input.logGroupName);
  v.required("retentionInDays", input.retentionInDays);
  v.enumValue("retentionInDays", input.retentionInDays, RETENTION_DAYS);
  v.throwIfAny();
  const days = input.retentionInDays!;
  await modifyLogGroup(accountId, input.logGroupName!, (g) => (g.retentionInDays === days ? undefined : { ...g, retentionInDays: days }));
  return {};
}

export async function deleteRetentionPolicy(accountId: string, _region: string, input: DeleteRetentionPolicyRequest): Promise<{}> {
  const v = violations();
  checkLogGroupName(v, input.logGroupName);
  v.throwIfAny();
  await modifyLogGroup(accountId, input.logGroupName!, (g) => {
    if (g.retentionInDays === undefined) return undefined;
    const { retentionInDays: _, ...rest } = g;
    return rest;
  });
  return {};
}
