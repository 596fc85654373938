/**
 * Export tasks (API reference, CreateExportTask / DescribeExportTasks /
 * CancelExportTask): a log group's events in [from, to] copied to a bucket of
 * the S3 store in AWS's layout, `{prefix}/{taskId}/{log stream}/000000.gz`
 * (more parts as 000001.gz, …), each line `{ISO-8601 timestamp} {message}`,
 * after AWS's write check object `{prefix}/aws-logs-write-test`.
 *
 * A task is a KV record (bucket cw-log-exports, `{account}.{taskId}`). It is
 * run right after it is created and by the scheduled LogExporter, whichever
 * claims it first (compare-and-set, with a lease so a crashed run is taken
 * over). One active (PENDING or RUNNING) task per account, as AWS allows.
 */
import { randomUUID } from "node:crypto";
import { gzipSync } from "node:zlib";
import { ListObjectsCommand } from "@aws-sdk/client-s3";
import type {
  CancelExportTaskRequest,
  CreateExportTaskRequest,
  CreateExportTaskResponse,
  DescribeExportTasksRequest,
  DescribeExportTasksResponse,
  ExportTask,
  ExportTaskStatusCode,
} from "@aws-sdk/client-cloudwatch-logs";
import type { KV } from "nats";
import { logsError } from "../../errors.js";
import { createRecord, getRecord, scanRecords, updateRecord, type Versioned } from "../../storage/kv.js";
import { BUCKETS, getBucket } from "../../storage/nats.js";
import { getS3, putObject } from "../../storage/s3.js";
import { invalidParameter } from "../errors.js";
import { requireLogGroup } from "../groups.js";
import { paginate } from "../pagination.js";
import { scanLogEvents } from "./scan.js";

const LEASE_MS = 60_000;
/** Raw bytes per exported object before the next part starts. */
const PART_BYTES = 16 * 1024 * 1024;
/** Raw bytes held across all streams before the biggest is written out. */
const HELD_BYTES = 32 * 1024 * 1024;

interface ExportTaskRecord {
  account: string;
  taskId: string;
  taskName?: string;
  logGroupName: string;
  logStreamNamePrefix?: string;
  from: number;
  to: number;
  destination: string;
  destinationPrefix: string;
  code: ExportTaskStatusCode;
  message?: string;
  creationTime: number;
  completionTime?: number;
  owner?: string;
  leaseUntil?: number;
}

const exportsBucket = (): Promise<KV> => getBucket(BUCKETS.logExports);
const taskKey = (account: string, taskId: string) => `${account}.${taskId}`;
const active = (code: ExportTaskStatusCode) => code === "PENDING" || code === "RUNNING" || code === "PENDING_CANCEL";

/** Whether the destination bucket exists: a one-key ListObjects, which Predastore has (HeadBucket it may not). */
async function bucketExists(bucket: string): Promise<boolean> {
  try {
    await getS3().send(new ListObjectsCommand({ Bucket: bucket, MaxKeys: 1 }));
    return true;
  } catch (e) {
    // Any answer of the store (no such bucket, an invalid name) means no bucket to write to; no answer is our failure.
    if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== undefined) return false;
    throw e;
  }
}

export async function createExportTask(accountId: string, _region: string, input: CreateExportTaskRequest): Promise<CreateExportTaskResponse> {
  if (input.from! > input.to!) throw invalidParameter("The value of parameter 'from' must be less than or equal to the value of parameter 'to'.");
  await requireLogGroup(accountId, input.logGroupName!);
  if (!(await bucketExists(input.destination!))) {
    // AWS's answer for a bucket that is not there (moto answers it the same way).
    throw invalidParameter("The given bucket does not exist. Please make sure the bucket is valid.");
  }
  const kv = await exportsBucket();
  const tasks = await scanRecords<ExportTaskRecord>(kv, `${accountId}.*`);
  if (tasks.some((t) => active(t.value.code))) throw logsError("LimitExceededException", "Resource limit exceeded.");
  // AWS checks it may write before answering: the object is there once CreateExportTask returns, at the bucket's
  // root when no prefix was given (moto's AWS-verified test_create_export_task_happy_path).
  const writeCheck = input.destinationPrefix !== undefined ? `${input.destinationPrefix}/aws-logs-write-test` : "aws-logs-write-test";
  await putObject(input.destination!, writeCheck, "Permission Check Successful", "text/plain");
  const taskId = randomUUID();
  const record: ExportTaskRecord = {
    account: accountId,
    taskId,
    logGroupName: input.logGroupName!,
    from: input.from!,
    to: input.to!,
    destination: input.destination!,
    destinationPrefix: input.destinationPrefix ?? "exportedlogs",
    // A pending task has no status message (localstack's AWS-recorded test_logs_export_tasks.snapshot.json).
    code: "PENDING",
    creationTime: Date.now(),
  };
  if (input.taskName !== undefined) record.taskName = input.taskName;
  if (input.logStreamNamePrefix !== undefined) record.logStreamNamePrefix = input.logStreamNamePrefix;
  await createRecord(kv, taskKey(accountId, taskId), record);
  // Started now; the scheduled LogExporter takes it over if this process goes away.
  void runExportTask(accountId, taskId).catch(() => undefined);
  return { taskId };
}

function toExportTask(r: ExportTaskRecord): ExportTask {
  const out: ExportTask = {
    taskId: r.taskId,
    logGroupName: r.logGroupName,
    from: r.from,
    to: r.to,
    destination: r.destination,
    destinationPrefix: r.destinationPrefix,
    status: { code: r.code, ...(r.message ? { message: r.message } : {}) },
    executionInfo: { creationTime: r.creationTime, ...(r.completionTime !== undefined ? { completionTime: r.completionTime } : {}) },
  };
  if (r.taskName !== undefined) out.taskName = r.taskName;
  return out;
}

export async function describeExportTasks(accountId: string, _region: string, input: DescribeExportTasksRequest): Promise<DescribeExportTasksResponse> {
  const kv = await exportsBucket();
  let tasks = (await scanRecords<ExportTaskRecord>(kv, `${accountId}.*`)).map((r) => r.value);
  if (input.taskId !== undefined) tasks = tasks.filter((t) => t.taskId === input.taskId);
  if (input.statusCode !== undefined) tasks = tasks.filter((t) => t.code === input.statusCode);
  const page = await paginate({
    operation: "DescribeExportTasks",
    query: { id: input.taskId, code: input.statusCode },
    candidates: tasks,
    key: (t) => [t.creationTime, t.taskId],
    descending: true,
    limit: input.limit ?? 50,
    nextToken: input.nextToken,
    load: async (t) => toExportTask(t),
  });
  const out: DescribeExportTasksResponse = { exportTasks: page.items };
  if (page.nextToken) out.nextToken = page.nextToken;
  return out;
}

export async function cancelExportTask(accountId: string, _region: string, input: CancelExportTaskRequest): Promise<{}> {
  const kv = await exportsBucket();
  for (let attempt = 0; attempt < 20; attempt++) {
    const cur = /^[\w-]+$/.test(input.taskId!) ? await getRecord<ExportTaskRecord>(kv, taskKey(accountId, input.taskId!)) : undefined;
    if (!cur) throw logsError("ResourceNotFoundException", "The specified export task does not exist.");
    // AWS's words have no full stop (moto's AWS-verified test_create_export_task_happy_path).
    if (!active(cur.value.code)) throw logsError("InvalidOperationException", "The specified export task has already finished");
    const next: ExportTaskRecord = { ...cur.value, code: "CANCELLED", message: "Cancelled by user", completionTime: Date.now() };
    if (await updateRecord(kv, taskKey(accountId, input.taskId!), next, cur.revision)) return {};
  }
  throw new Error("too much contention cancelling an export task");
}

/** Runs every export task that is pending or whose runner went away (the scheduled LogExporter). */
export async function runPendingExports(): Promise<number> {
  const kv = await exportsBucket();
  let ran = 0;
  for (const { value } of await scanRecords<ExportTaskRecord>(kv, "*.*")) {
    if (value.code === "PENDING" || (value.code === "RUNNING" && (value.leaseUntil ?? 0) < Date.now())) {
      if (await runExportTask(value.account, value.taskId)) ran++;
    }
  }
  return ran;
}

const runner = `${process.pid}:${randomUUID().slice(0, 8)}`;

async function claim(kv: KV, account: string, taskId: string): Promise<Versioned<ExportTaskRecord> | undefined> {
  const cur = await getRecord<ExportTaskRecord>(kv, taskKey(account, taskId));
  if (!cur) return undefined;
  const free = cur.value.code === "PENDING" || (cur.value.code === "RUNNING" && ((cur.value.leaseUntil ?? 0) < Date.now() || cur.value.owner === runner));
  if (!free) return undefined;
  const next: ExportTaskRecord = { ...cur.value, code: "RUNNING", message: "Started successfully", owner: runner, leaseUntil: Date.now() + LEASE_MS };
  if (!(await updateRecord(kv, taskKey(account, taskId), next, cur.revision))) return undefined;
  return getRecord<ExportTaskRecord>(kv, taskKey(account, taskId));
}

/** Runs one task if it can claim it; false when someone else has it or it is over. */
export async function runExportTask(account: string, taskId: string): Promise<boolean> {
  const kv = await exportsBucket();
  let held = await claim(kv, account, taskId);
  if (!held) return false;
  const t = held.value;
  const base = `${t.destinationPrefix}/${t.taskId}`;
  // Keeps the lease, and tells the runner to stop when the task was cancelled meanwhile.
  const renew = async (): Promise<boolean> => {
    const next = { ...held!.value, leaseUntil: Date.now() + LEASE_MS };
    if (!(await updateRecord(kv, taskKey(account, taskId), next, held!.revision))) return false;
    held = (await getRecord<ExportTaskRecord>(kv, taskKey(account, taskId)))!;
    return true;
  };
  try {
    const parts = new Map<string, { lines: string[]; bytes: number; part: number }>();
    let heldBytes = 0;
    const write = async (stream: string) => {
      const p = parts.get(stream)!;
      if (!p.lines.length) return;
      const key = `${base}/${stream}/${String(p.part).padStart(6, "0")}.gz`;
      await putObject(t.destination, key, gzipSync(Buffer.from(p.lines.join(""), "utf8")), "application/gzip");
      heldBytes -= p.bytes;
      p.lines = [];
      p.bytes = 0;
      p.part++;
      if (!(await renew())) throw new Error("cancelled");
    };
    for await (const page of scanLogEvents(account, t.logGroupName, {
      logStreamNamePrefix: t.logStreamNamePrefix,
      startTime: t.from,
      endTime: t.to + 1, // `to` is inclusive: events later than it are not exported
    })) {
      for (const e of page) {
        let p = parts.get(e.logStream);
        if (!p) parts.set(e.logStream, (p = { lines: [], bytes: 0, part: 0 }));
        const line = `${new Date(e.timestamp).toISOString()} ${e.message}\n`;
        p.lines.push(line);
        p.bytes += line.length;
        heldBytes += line.length;
        if (p.bytes >= PART_BYTES) await write(e.logStream);
      }
      if (heldBytes >= HELD_BYTES) {
        const biggest = [...parts.entries()].sort((a, b) => b[1].bytes - a[1].bytes)[0][0];
        await write(biggest);
      }
    }
    for (const stream of parts.keys()) await write(stream);
    const done: ExportTaskRecord = { ...held.value, code: "COMPLETED", message: "Completed successfully", completionTime: Date.now() };
    delete done.owner;
    delete done.leaseUntil;
    await updateRecord(kv, taskKey(account, taskId), done, held.revision);
    return true;
  } catch (e) {
    const cur = await getRecord<ExportTaskRecord>(kv, taskKey(account, taskId));
    if (cur && cur.value.code === "RUNNING" && cur.value.owner === runner) {
      await updateRecord(kv, taskKey(account, taskId), { ...cur.value, code: "FAILED", message: String((e as Error).message ?? e), completionTime: Date.now() }, cur.revision);
    }
    return true;
  }
}
