/**
 * Overload at the API path is answered, not queued: PutMetricData and
 * PutLogEvents run at most `[cloudwatch] max_concurrent_writes` calls at once
 * per process (their ReservedConcurrentExecutions in template.yaml, honoured
 * as Lambda honours it), and a call past it gets the service's throttling
 * answer at once, having stored nothing; every acknowledged datum and event
 * is stored. Reads have no such limit.
 *
 * AWS's answers: CloudWatch's common error `Throttling`, HTTP 400
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CommonErrors.html),
 * recorded over awsQuery as `<Error><Type>Sender</Type><Code>Throttling</Code>
 * <Message>Rate exceeded</Message></Error>` with status 400
 * (camitz/aws-cloudwatch-statsd-backend#10); Logs' `ThrottlingException`,
 * 400, "Rate exceeded" (aws-robotics/cloudwatchlogs-ros1#21, and the raw body
 * `{"__type":"ThrottlingException","message":"Rate exceeded"}` in maxbanton/cwh#120).
 */
import { GetMetricStatisticsCommand, ListMetricsCommand, PutMetricDataCommand, type CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeLogGroupsCommand,
  PutLogEventsCommand,
  type CloudWatchLogsClient,
} from "@aws-sdk/client-cloudwatch-logs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsFailure, type AwsFailure } from "../support/failure.js";
import { retrying } from "../support/retrying.js";
import { awsCli, cloudWatchClient, logsClient, startStack, type Protocol, type Stack } from "../support/stack.js";
import { readStreamMessages } from "../support/log-stream-read.js";

let stack: Stack;

beforeAll(async () => {
  // One write in flight at a time: calls sent together overlap, and all but the first get throttled.
  stack = await startStack({ env: { HIVE_CLOUDWATCH_MAX_CONCURRENT_WRITES: "1" } });
}, 120_000);
afterAll(() => stack?.stop());

const AT = new Date(Math.floor((Date.now() - 5 * 60_000) / 60_000) * 60_000);
const CALLS = 48;
const ROUNDS = 10;

/**
 * Rounds of `CALLS` calls sent at once (clients retry nothing: maxAttempts 1),
 * until some were throttled and some acknowledged.
 */
async function flood<T>(call: (round: number, i: number) => Promise<T>): Promise<{ acknowledged: [number, number][]; throttled: AwsFailure[] }> {
  const acknowledged: [number, number][] = [];
  const throttled: AwsFailure[] = [];
  for (let round = 0; round < ROUNDS && (acknowledged.length === 0 || throttled.length === 0); round++) {
    await Promise.all(
      Array.from({ length: CALLS }, (_, i) =>
        awsFailure(call(round, i)).then(
          (f) => throttled.push(f),
          () => acknowledged.push([round, i]), // awsFailure throws when the call succeeded
        ),
      ),
    );
  }
  return { acknowledged, throttled };
}

async function sampleCount(cw: CloudWatchClient, namespace: string): Promise<number> {
  const out = await cw.send(
    new GetMetricStatisticsCommand({
      Namespace: namespace,
      MetricName: "M",
      StartTime: new Date(AT.getTime() - 60_000),
      EndTime: new Date(AT.getTime() + 120_000),
      Period: 60,
      Statistics: ["SampleCount"],
    }),
  );
  return (out.Datapoints ?? []).reduce((n, d) => n + (d.SampleCount ?? 0), 0);
}

describe.each<Protocol>(["json", "cbor", "query"])("PutMetricData over %s, one write in flight at most", (protocol) => {
  it("answers the calls past it with Throttling (400, Rate exceeded) and stores exactly the datums of those acknowledged", async () => {
    const cw = cloudWatchClient(stack, { protocol });
    const namespace = `Overload/${protocol}`;
    const PER_CALL = 200;
    const { acknowledged, throttled } = await flood(() =>
      cw.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: Array.from({ length: PER_CALL }, (_, k) => ({ MetricName: "M", Timestamp: AT, Value: k })) })),
    );
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(throttled.length).toBeGreaterThan(0);
    for (const f of throttled) expect([f.code, f.message, f.status]).toEqual(["Throttling", "Rate exceeded", 400]);
    // Reads fold in what the aggregator has not yet taken: the count is exact at once; polled only for a loaded machine.
    const want = acknowledged.length * PER_CALL;
    await retrying(async () => expect(await sampleCount(cw, namespace)).toBe(want), { timeoutMs: 60_000, pauseMs: 1000 });
  }, 180_000);
});

describe("PutLogEvents, one write in flight at most", () => {
  let logs: CloudWatchLogsClient;
  beforeAll(() => {
    logs = logsClient(stack);
  });
  afterAll(() => logs?.destroy());

  it("answers the calls past it with ThrottlingException (400, Rate exceeded) and stores exactly the events of those acknowledged", async () => {
    const group = "/overload/app";
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: "s" }));
    const message = (round: number, i: number, k: number) => `round ${round} call ${i} event ${k}`;
    const { acknowledged, throttled } = await flood((round, i) =>
      logs.send(
        new PutLogEventsCommand({
          logGroupName: group,
          logStreamName: "s",
          logEvents: Array.from({ length: 20 }, (_, k) => ({ timestamp: AT.getTime() + k, message: message(round, i, k) })),
        }),
      ),
    );
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(throttled.length).toBeGreaterThan(0);
    for (const f of throttled) expect([f.name, f.message, f.status]).toEqual(["ThrottlingException", "Rate exceeded", 400]);
    const want = acknowledged.flatMap(([round, i]) => Array.from({ length: 20 }, (_, k) => message(round, i, k))).sort();
    expect((await readStreamMessages(logs, group, "s")).sort()).toEqual(want);
  }, 180_000);
});

describe("reads", () => {
  it("are not limited: as many at once as the writes above all succeed", async () => {
    const cw = cloudWatchClient(stack);
    const logs = logsClient(stack);
    try {
      const results = await Promise.allSettled(
        Array.from({ length: CALLS }, (_, i) =>
          i % 2 ? cw.send(new ListMetricsCommand({ Namespace: "Overload/json" })) : logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "/overload" })),
        ),
      );
      expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    } finally {
      logs.destroy();
    }
  }, 120_000);
});

describe("max_concurrent_writes = 0", () => {
  // As Lambda's reserved concurrency 0: every write is throttled, which makes the CLI's answer certain.
  beforeAll(async () => {
    await stack.stopService();
    await stack.startService({ HIVE_CLOUDWATCH_MAX_CONCURRENT_WRITES: "0" });
  }, 120_000);

  it("answers Debian's aws CLI (awsQuery) PutMetricData with Throttling and stores nothing of it", async () => {
    const r = await awsCli(stack, ["cloudwatch", "put-metric-data", "--namespace", "Overload/cli", "--metric-name", "M", "--value", "1", "--timestamp", AT.toISOString()]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe("An error occurred (Throttling) when calling the PutMetricData operation (reached max retries: 0): Rate exceeded");
    expect(await sampleCount(cloudWatchClient(stack), "Overload/cli")).toBe(0);
  }, 120_000);

  it("answers the aws CLI's PutLogEvents with ThrottlingException and stores nothing of it", async () => {
    const r = await awsCli(stack, [
      "logs", "put-log-events", "--log-group-name", "/overload/app", "--log-stream-name", "s",
      "--log-events", JSON.stringify([{ timestamp: AT.getTime(), message: "from the CLI, throttled" }]),
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe("An error occurred (ThrottlingException) when calling the PutLogEvents operation (reached max retries: 0): Rate exceeded");
    const logs = logsClient(stack);
    try {
      expect(await readStreamMessages(logs, "/overload/app", "s")).not.toContain("from the CLI, throttled");
    } finally {
      logs.destroy();
    }
  }, 120_000);
});
