/**
 * PutLogEvents under overload, through the running service: once the log
 * buffer holds more than `[cloudwatch.logs] max_buffered_bytes` (the
 * LogCompactor lags), the answer is AWS's ThrottlingException, HTTP 400,
 * "Rate exceeded", which SDKs and the CloudWatch Agent retry with backoff;
 * nothing of a throttled call is stored, every acknowledged event is, once;
 * once the compactor has caught up and purged, calls are accepted again.
 *
 * AWS's answer as clients recorded it: aws-robotics/cloudwatchlogs-ros1#21
 * (PutLogEvents: "HTTP response code: 400 / Exception name:
 * ThrottlingException / Error message: Rate exceeded", application/x-amz-json-1.1),
 * dbhowell/pino-cloudwatch#4 (statusCode 400, retryable), and the raw body
 * `{"__type":"ThrottlingException","message":"Rate exceeded"}` in maxbanton/cwh#120.
 */
import { CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand, type CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { awsCli, logsClient, startStack, type Stack } from "../support/stack.js";
import { retrying } from "../support/retrying.js";
import { readStreamMessages } from "../support/log-stream-read.js";

const MAX_BUFFERED = 400_000;
let stack: Stack;
let logs: CloudWatchLogsClient;

beforeAll(async () => {
  stack = await startStack({ env: { HIVE_CLOUDWATCH_LOGS_MAX_BUFFERED_BYTES: String(MAX_BUFFERED) } });
  logs = logsClient(stack); // maxAttempts 1: the throttling answer is seen, not retried
}, 120_000);
afterAll(async () => {
  logs?.destroy();
  await stack?.stop();
});

async function drain(): Promise<void> {
  const res = await fetch(`${stack.endpoint}/_hive/schedule/LogCompactor?event=Drain`, { method: "POST" });
  expect(res.status).toBe(200);
}

it("answers ThrottlingException (400, Rate exceeded) past max_buffered_bytes, stores every acknowledged event once and nothing throttled, and accepts again once compacted", async () => {
  const group = "/backpressure/app";
  await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
  await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: "s" }));
  const t0 = Date.now() - 60_000;
  let n = 0;
  const batch = () => Array.from({ length: 50 }, () => ({ timestamp: t0 + n, message: `event ${n++} ${"x".repeat(1000)}` }));

  const acknowledged: string[] = [];
  const throttled: { name?: string; message?: string; $metadata?: { httpStatusCode?: number } }[] = [];
  // ~50 KB a call: the buffer passes 400 KB after about eight; the size is looked up once a second.
  for (let i = 0; i < 200 && throttled.length < 3; i++) {
    const logEvents = batch();
    try {
      await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: "s", logEvents }));
      acknowledged.push(...logEvents.map((e) => e.message));
    } catch (e) {
      throttled.push(e as (typeof throttled)[number]);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(throttled.length).toBe(3);
  for (const e of throttled) expect([e.name, e.message, e.$metadata?.httpStatusCode]).toEqual(["ThrottlingException", "Rate exceeded", 400]);
  // The acknowledged text alone is past the bound (each message is a little over 1,000 bytes: under load the
  // once-a-second size look-up can come right after the call that passed it).
  expect(acknowledged.reduce((bytes, m) => bytes + m.length, 0)).toBeGreaterThan(MAX_BUFFERED);

  // Debian's aws CLI gets the same answer, and counts it as one to retry (its retries are off here).
  const cli = await awsCli(stack, [
    "logs", "put-log-events", "--log-group-name", group, "--log-stream-name", "s",
    "--log-events", JSON.stringify([{ timestamp: t0 + n, message: "from the CLI, throttled" }]),
  ]);
  expect(cli.code).not.toBe(0);
  expect(cli.stderr.trim()).toBe("An error occurred (ThrottlingException) when calling the PutLogEvents operation (reached max retries: 0): Rate exceeded");

  // Every acknowledged event is readable exactly once, in order; no throttled one is.
  expect(await readStreamMessages(logs, group, "s")).toEqual(acknowledged);

  // Compacted, then purged once the grace period (15 s) has passed: accepted again.
  await drain();
  const more = batch();
  await retrying(
    async () => {
      await drain();
      await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: "s", logEvents: more }));
    },
    { timeoutMs: 90_000, pauseMs: 2000 },
  );
  acknowledged.push(...more.map((e) => e.message));
  expect(await readStreamMessages(logs, group, "s")).toEqual(acknowledged);
}, 300_000);
