/**
 * Export tasks driven by Debian's aws CLI 2.9 (with the SDK where the CLI has
 * nothing to add): a task run to COMPLETED with its objects in AWS's layout, a
 * task cancelled while it runs, and AWS's rules around them. The service's S3
 * store is reached through a proxy that can hold the export's object writes:
 * that is how a task is caught RUNNING, with no sleep.
 */
import { gunzipSync } from "node:zlib";
import {
  CreateExportTaskCommand,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeExportTasksCommand,
  PutLogEventsCommand,
  type CloudWatchLogsClient,
  type ExportTask,
} from "@aws-sdk/client-cloudwatch-logs";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsFailure as failure } from "../support/failure.js";
import { startHoldingProxy, type HoldingProxy } from "../support/holding-proxy.js";
import { runNames, startLogsStack, stopLogsStack } from "../support/logs-stack.js";
import { awsCli, type CliResult, type Stack } from "../support/stack.js";

let stack: Stack;
let logs: CloudWatchLogsClient;
let other: CloudWatchLogsClient;
let proxy: HoldingProxy;
let s3: S3Client;
const REGION = "us-east-1";
const unique = runNames("export");
let buckets = 0;

beforeAll(async () => {
  ({ stack, logs, other } = await startLogsStack());
  // The service again, its S3 store behind the proxy (same nats-server, same S3 server).
  proxy = await startHoldingProxy(stack.s3Endpoint);
  await stack.stopService();
  await stack.startService({ HIVE_CLOUDWATCH_STORAGE_ENDPOINT: proxy.url });
  s3 = new S3Client({ endpoint: stack.s3Endpoint, region: REGION, forcePathStyle: true, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } });
}, 180_000);
afterAll(async () => {
  s3?.destroy();
  await stopLogsStack({ stack, logs, other });
  await proxy?.stop();
});

/** A group with streams `a/1` (3 events) and `b` (2 events), timestamps t0.. */
async function groupWithEvents(t0: number): Promise<string> {
  const group = unique("g");
  await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
  for (const [stream, n] of [["a/1", 3], ["b", 2]] as const) {
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
    const logEvents = Array.from({ length: n }, (_, i) => ({ timestamp: t0 + i, message: `${stream} says ${i}` }));
    await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents }));
  }
  return group;
}

async function newBucket(): Promise<string> {
  const bucket = `export-${Date.now().toString(36)}-${++buckets}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

const describeTask = async (taskId: string): Promise<ExportTask> => (await logs.send(new DescribeExportTasksCommand({ taskId }))).exportTasks![0];

/** Waits until the task has left PENDING and RUNNING (each check is a DescribeExportTasks). */
async function finished(taskId: string, timeoutMs = 60_000): Promise<ExportTask> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const task = await describeTask(taskId);
    if (!["PENDING", "RUNNING"].includes(task.status!.code!) || Date.now() > deadline) return task;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const cliOk = (out: CliResult) => {
  expect(out.code, out.stderr).toBe(0);
  return out.json;
};
const cliError = (operation: string, code: string, message: string) =>
  new RegExp(`An error occurred \\(${code}\\) when calling the ${operation} operation( \\(reached max retries: \\d+\\))?: ${message.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*$`);

describe("CreateExportTask through Debian's aws CLI", () => {
  // The user guide (S3ExportTasks, "Export log data to Amazon S3 using the AWS CLI") shows the objects as
  // `{destinationPrefix}/{taskId}/{log stream}/000000.gz`, gzip of lines `{ISO-8601 timestamp} {message}`;
  // the API reference (ExportTask) has `to` as the last time exported and the COMPLETED status code.
  it("runs a task to COMPLETED, with one object per stream at {prefix}/{taskId}/{stream}/000000.gz", async () => {
    const t0 = Date.now() - 60_000;
    const group = await groupWithEvents(t0);
    const bucket = await newBucket();
    const created = cliOk(await awsCli(stack, [
      "logs", "create-export-task", "--task-name", "cli-export", "--log-group-name", group,
      "--from", String(t0), "--to", String(t0 + 1), "--destination", bucket, "--destination-prefix", "exported",
    ]));
    const taskId: string = created.taskId;
    expect(taskId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect((await finished(taskId)).status!.code).toBe("COMPLETED");

    const described = cliOk(await awsCli(stack, ["logs", "describe-export-tasks", "--task-id", taskId]));
    expect(described.exportTasks).toEqual([
      {
        taskId, taskName: "cli-export", logGroupName: group, from: t0, to: t0 + 1, destination: bucket, destinationPrefix: "exported",
        status: { code: "COMPLETED", message: expect.any(String) },
        executionInfo: { creationTime: expect.any(Number), completionTime: expect.any(Number) },
      },
    ]);
    const byStatus = cliOk(await awsCli(stack, ["logs", "describe-export-tasks", "--status-code", "COMPLETED"]));
    expect(byStatus.exportTasks.map((t: ExportTask) => t.taskId)).toContain(taskId);

    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "exported/" }));
    expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual([
      "exported/aws-logs-write-test",
      `exported/${taskId}/a/1/000000.gz`,
      `exported/${taskId}/b/000000.gz`,
    ].sort());
    const body = async (key: string) =>
      gunzipSync(Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray())).toString();
    // [from, to] with `to` inclusive: events t0 and t0 + 1 of each stream, not a/1's third.
    expect(await body(`exported/${taskId}/a/1/000000.gz`)).toBe(`${new Date(t0).toISOString()} a/1 says 0\n${new Date(t0 + 1).toISOString()} a/1 says 1\n`);
    expect(await body(`exported/${taskId}/b/000000.gz`)).toBe(`${new Date(t0).toISOString()} b says 0\n${new Date(t0 + 1).toISOString()} b says 1\n`);

    // moto's AWS-verified test_create_export_task_happy_path: a finished task cannot be cancelled, and AWS's words
    // have no full stop.
    const cancel = await awsCli(stack, ["logs", "cancel-export-task", "--task-id", taskId]);
    expect(cancel.code).toBe(254);
    expect(cancel.stderr).toMatch(cliError("CancelExportTask", "InvalidOperationException", "The specified export task has already finished"));
    // Another account sees none of it.
    expect((await other.send(new DescribeExportTasksCommand({ taskId }))).exportTasks).toEqual([]);
  }, 180_000);
});

describe("a running export task", () => {
  // The API reference (CreateExportTask): "Each account can only have one active (RUNNING or PENDING) export task at
  // a time", refused as LimitExceededException (determined-ai/determined#1048 retries on that code) with the words
  // "Resource limit exceeded" (awslabs/fhir-works-on-aws-deployment#423); CancelExportTask of an active task answers
  // 200 and the task is CANCELLED (the API reference's ExportTaskStatusCode).
  it("is caught RUNNING, blocks a second task, is cancelled by the CLI and stays CANCELLED", async () => {
    const t0 = Date.now() - 60_000;
    const group = await groupWithEvents(t0);
    const bucket = await newBucket();
    // The export's first object write waits in the proxy: the task has claimed itself (RUNNING) before it writes.
    const hold = proxy.hold((method, path) => method === "PUT" && path.startsWith(`/${bucket}/held/`) && path.endsWith(".gz"));
    let released = false;
    try {
      const { taskId } = cliOk(await awsCli(stack, [
        "logs", "create-export-task", "--log-group-name", group, "--from", String(t0), "--to", String(t0 + 10),
        "--destination", bucket, "--destination-prefix", "held",
      ]));
      expect(await hold.arrived).toMatch(new RegExp(`^PUT /${bucket}/held/${taskId}/(a/1|b)/000000\\.gz$`));
      const running = cliOk(await awsCli(stack, ["logs", "describe-export-tasks", "--task-id", taskId]));
      expect(running.exportTasks[0].status.code).toBe("RUNNING");
      expect(running.exportTasks[0].executionInfo).not.toHaveProperty("completionTime");

      // One active task per account: a second one is refused, over the CLI and the SDK.
      const second = await awsCli(stack, ["logs", "create-export-task", "--log-group-name", group, "--from", String(t0), "--to", String(t0 + 10), "--destination", bucket]);
      expect(second.code).toBe(254);
      expect(second.stderr).toMatch(cliError("CreateExportTask", "LimitExceededException", "Resource limit exceeded."));
      expect(await failure(logs.send(new CreateExportTaskCommand({ logGroupName: group, from: t0, to: t0 + 10, destination: bucket })))).toMatchObject({
        name: "LimitExceededException",
        status: 400,
        message: "Resource limit exceeded.",
      });
      // The rule is per account: the other account may export its own group meanwhile.
      const otherGroup = unique("other");
      await other.send(new CreateLogGroupCommand({ logGroupName: otherGroup }));
      const otherTask = await other.send(new CreateExportTaskCommand({ logGroupName: otherGroup, from: t0, to: t0 + 10, destination: bucket, destinationPrefix: "other" }));
      expect((await other.send(new DescribeExportTasksCommand({ taskId: otherTask.taskId }))).exportTasks![0].status!.code).toMatch(/^(PENDING|RUNNING|COMPLETED)$/);

      const cancel = await awsCli(stack, ["logs", "cancel-export-task", "--task-id", taskId]);
      expect(cancel.code, cancel.stderr).toBe(0);
      expect(cancel.stdout.trim()).toBe("");
      const cancelled = cliOk(await awsCli(stack, ["logs", "describe-export-tasks", "--task-id", taskId]));
      expect(cancelled.exportTasks[0]).toMatchObject({ taskId, status: { code: "CANCELLED" }, executionInfo: { completionTime: expect.any(Number) } });
      // Cancelled is finished: cancelling again is AWS's InvalidOperationException (moto's AWS-verified test, as above).
      const again = await awsCli(stack, ["logs", "cancel-export-task", "--task-id", taskId]);
      expect(again.stderr).toMatch(cliError("CancelExportTask", "InvalidOperationException", "The specified export task has already finished"));

      // The held write goes on; the runner then finds its task cancelled and stops, leaving it CANCELLED.
      released = true;
      await hold.release();
      // The account may export again, and that task completes; the cancelled one is still CANCELLED after it.
      const next = cliOk(await awsCli(stack, ["logs", "create-export-task", "--log-group-name", group, "--from", String(t0), "--to", String(t0 + 10), "--destination", bucket, "--destination-prefix", "next"]));
      expect((await finished(next.taskId)).status!.code).toBe("COMPLETED");
      expect((await describeTask(taskId)).status!.code).toBe("CANCELLED");
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `next/${next.taskId}/` }));
      expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual([`next/${next.taskId}/a/1/000000.gz`, `next/${next.taskId}/b/000000.gz`]);
    } finally {
      if (!released) await hold.release();
    }
  }, 180_000);
});
