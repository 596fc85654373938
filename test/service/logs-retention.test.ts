/**
 * Retention with a test clock: the service is restarted under libfaketime
 * (as test/service/metrics-aging.test.ts does), two days ahead; LogRetention,
 * fired as its schedule would, removes the S3 objects of a group whose
 * retention is one day (checked in the store), storedBytes drops to 0, and
 * a group without a policy keeps its chunks ([cloudwatch.logs]
 * retention_days, 30 by default).
 */
import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeLogGroupsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
  type CloudWatchLogsClient,
} from "@aws-sdk/client-cloudwatch-logs";
import { ListObjectsCommand, S3Client } from "@aws-sdk/client-s3";
import { existsSync, readdirSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { logsClient, startStack, type Stack } from "../support/stack.js";

const LIBFAKETIME =
  readdirSync("/usr/lib")
    .map((dir) => `/usr/lib/${dir}/faketime/libfaketimeMT.so.1`)
    .find((path) => existsSync(path)) ?? "/usr/lib/<multiarch>/faketime/libfaketimeMT.so.1";
const DAY = 86_400_000;
const ACCOUNT = "000000000000";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

/** The chunk objects of a group, listed in the S3 store itself. */
async function objectsOf(group: string): Promise<string[]> {
  const s3 = new S3Client({ endpoint: stack.s3Endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } });
  try {
    const out = await s3.send(new ListObjectsCommand({ Bucket: "cloudwatch-logs", Prefix: `${ACCOUNT}/${encodeURIComponent(group)}/` }));
    return (out.Contents ?? []).map((o) => o.Key!);
  } finally {
    s3.destroy();
  }
}

async function moveClock(offsetMs: number): Promise<CloudWatchLogsClient> {
  await stack.stopService();
  await stack.startService({ LD_PRELOAD: LIBFAKETIME, FAKETIME: `+${offsetMs / 1000}s`, FAKETIME_DONT_FAKE_MONOTONIC: "1", FAKETIME_NO_CACHE: "1" });
  const logs = logsClient(stack);
  logs.config.systemClockOffset = offsetMs;
  return logs;
}

it("LogRetention deletes the S3 objects of chunks past the group's retention, and storedBytes follows", async () => {
  const logs = logsClient(stack);
  const run = `/ret/${Date.now().toString(36)}`;
  const short = `${run}/one-day`;
  const kept = `${run}/default`;
  for (const group of [short, kept]) {
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: "s" }));
    await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: "s", logEvents: [{ timestamp: Date.now() - 1000, message: `in ${group}` }] }));
  }
  await logs.send(new PutRetentionPolicyCommand({ logGroupName: short, retentionInDays: 1 }));
  await stack.fireSchedule("LogCompactor", "Drain");
  expect(await objectsOf(short)).toHaveLength(1);
  expect(await objectsOf(kept)).toHaveLength(1);
  logs.destroy();

  const later = await moveClock(2 * DAY);
  await stack.fireSchedule("LogRetention");
  expect(await objectsOf(short)).toEqual([]);
  expect(await objectsOf(kept)).toHaveLength(1);
  const groups = (await later.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: run }))).logGroups!;
  expect(groups.find((g) => g.logGroupName === short)!.storedBytes).toBe(0);
  expect(groups.find((g) => g.logGroupName === kept)!.storedBytes).toBeGreaterThan(0);
  expect((await later.send(new GetLogEventsCommand({ logGroupName: short, logStreamName: "s" }))).events).toEqual([]);
  expect((await later.send(new GetLogEventsCommand({ logGroupName: kept, logStreamName: "s" }))).events!.map((e) => e.message)).toEqual([`in ${kept}`]);
  later.destroy();
}, 300_000);
