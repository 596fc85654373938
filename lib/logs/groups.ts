/**
 * Log groups: CreateLogGroup, DeleteLogGroup, DescribeLogGroups,
 * PutRetentionPolicy, DeleteRetentionPolicy, Associate/DisassociateKmsKey,
 * PutLogGroupDeletionProtection. One KV record per group in
 * BUCKETS.logGroups under `{account}.{name token}`; tags live on the record.
 */
import { randomUUID } from "node:crypto";
import type {
  AssociateKmsKeyRequest,
  CreateLogGroupRequest,
  DeleteLogGroupRequest,
  DeleteRetentionPolicyRequest,
  DescribeLogGroupsRequest,
  DescribeLogGroupsResponse,
  DisassociateKmsKeyRequest,
  LogGroup,
  PutLogGroupDeletionProtectionRequest,
  PutRetentionPolicyRequest,
} from "@aws-sdk/client-cloudwatch-logs";
import type { KV } from "nats";
import { createRecord, fromKeyToken, getRecord, isWrongLastSequence } from "../storage/kv.js";
import { invalidParameter, logGroupExists, logGroupNotFound, validationException } from "./errors.js";
import {
  checkNotReserved,
  checkRetentionDays,
  isHashedToken,
  logGroupArn,
  logGroupKey,
  logGroupsFilter,
  logGroupWildcardArn,
  parseLogsArn,
  resolveLogGroupIdentifier,
} from "./names.js";
import { logGroupsBucket, modifyLogGroup, type LogGroupRecord } from "./group-records.js";
import { forgetLogGroup } from "./ingest-records.js";
import { paginate } from "./pagination.js";
import { deleteStreamsOfGroup } from "./streams.js";

// Callers that import these from groups.ts (metric filters, ingest) keep working; streams and tags use group-records.ts.
export { effectiveRetentionDays, getLogGroup, logGroupsBucket, modifyLogGroup, requireLogGroup, type LogGroupRecord } from "./group-records.js";

// --- CreateLogGroup -----------------------------------------------------------
export async function createLogGroup(accountId: string, _region: string, input: CreateLogGroupRequest): Promise<{}> {
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
    forgetLogGroup(accountId, name);
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
  if (rec.dataProtectionPolicy !== undefined) out.dataProtectionStatus = "ACTIVATED";
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
  const days = input.retentionInDays!;
  checkRetentionDays(days);
  await modifyLogGroup(accountId, input.logGroupName!, (g) => (g.retentionInDays === days ? undefined : { ...g, retentionInDays: days }));
  forgetLogGroup(accountId, input.logGroupName!);
  return {};
}

export async function deleteRetentionPolicy(accountId: string, _region: string, input: DeleteRetentionPolicyRequest): Promise<{}> {
  await modifyLogGroup(accountId, input.logGroupName!, (g) => {
    if (g.retentionInDays === undefined) return undefined;
    const { retentionInDays: _, ...rest } = g;
    return rest;
  });
  forgetLogGroup(accountId, input.logGroupName!);
  return {};
}

// --- KMS keys -------------------------------------------------------------------
/**
 * The group a KMS call names: logGroupName, or a log group's ARN in
 * resourceIdentifier (the other resource it takes, query results, has no
 * store here). Exactly one of the two.
 */
function kmsTarget(accountId: string, region: string, input: { logGroupName?: string; resourceIdentifier?: string }): string {
  const { logGroupName, resourceIdentifier } = input;
  if ((logGroupName === undefined) === (resourceIdentifier === undefined)) {
    throw invalidParameter("Either logGroupName or resourceIdentifier must be specified, but not both.");
  }
  if (logGroupName !== undefined) return logGroupName;
  const parsed = parseLogsArn(resourceIdentifier!);
  if (parsed?.resourceType !== "log-group") throw invalidParameter(`Invalid resourceIdentifier: ${resourceIdentifier}`);
  return resolveLogGroupIdentifier(resourceIdentifier!.replace(/:\*$/, ""), accountId, region);
}

/** Keys are not checked against a KMS (the platform has none): the ARN is kept and answered as given, as CreateLogGroup does. */
export async function associateKmsKey(accountId: string, region: string, input: AssociateKmsKeyRequest): Promise<{}> {
  const name = kmsTarget(accountId, region, input);
  await modifyLogGroup(accountId, name, (g) => (g.kmsKeyId === input.kmsKeyId ? undefined : { ...g, kmsKeyId: input.kmsKeyId! }));
  return {};
}

export async function disassociateKmsKey(accountId: string, region: string, input: DisassociateKmsKeyRequest): Promise<{}> {
  const name = kmsTarget(accountId, region, input);
  await modifyLogGroup(accountId, name, (g) => {
    if (g.kmsKeyId === undefined) return undefined;
    const { kmsKeyId: _, ...rest } = g;
    return rest;
  });
  return {};
}

// --- Deletion protection --------------------------------------------------------
export async function putLogGroupDeletionProtection(accountId: string, region: string, input: PutLogGroupDeletionProtectionRequest): Promise<{}> {
  const name = resolveLogGroupIdentifier(input.logGroupIdentifier!, accountId, region);
  const on = input.deletionProtectionEnabled === true;
  await modifyLogGroup(accountId, name, (g) => {
    if ((g.deletionProtectionEnabled ?? false) === on) return undefined;
    if (on) return { ...g, deletionProtectionEnabled: true };
    const { deletionProtectionEnabled: _, ...rest } = g;
    return rest;
  });
  return {};
}
