/**
 * What a boto3 user's program gets, by Python type, in each protocol
 * CloudWatch speaks: doubles are Python floats (100.0, never 100) and
 * timestamps datetimes, as from AWS (localstack's
 * test_basic_operations_multiple_protocols, recorded against AWS: JSON
 * `41.0` and `1765977780.0`, CBOR tag 1 over a float, XML `41.0`). Driven by
 * boto3/botocore 1.43 from `python3` (test/support/boto-types.py), which
 * speaks smithy-rpc-v2-cbor by default and awsJson1_0 or awsQuery when its
 * model is made to name only that protocol, and by the botocore Debian's aws
 * CLI 2.9 bundles (`/usr/bin/python3`, awsQuery). botocore 1.43 turns a CBOR
 * or XML double into a float whatever the wire held, its JSON parser does
 * not: the bytes themselves are pinned in test/pure/protocol-doubles.test.ts.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cloudWatchClient, ROOT, startStack, type Stack } from "../support/stack.js";
import { MIN, minuteGrid } from "../support/minutes.js";

const run = promisify(execFile);
let stack: Stack;
const NS = `wt${Date.now().toString(36)}`;
const { T0 } = minuteGrid(5);

beforeAll(async () => {
  stack = await startStack();
  const cw = cloudWatchClient(stack);
  await cw.send(new PutMetricDataCommand({ Namespace: NS, MetricData: [{ MetricName: "Whole", Value: 100, Unit: "Count", Timestamp: new Date(T0 + 5_000) }] }));
  cw.destroy();
}, 180_000);
afterAll(() => stack?.stop());

async function botoTypes(protocol: string): Promise<any> {
  const cred = stack.credentials[0];
  const { stdout } = await run(
    protocol === "debian" ? "/usr/bin/python3" : "python3",
    [join(ROOT, "test/support/boto-types.py"), stack.endpoint, protocol, NS, "Whole", String((T0 - MIN) / 1000), String((T0 + 2 * MIN) / 1000)],
    {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        AWS_ACCESS_KEY_ID: cred.accessKeyId,
        AWS_SECRET_ACCESS_KEY: cred.secretAccessKey,
        AWS_DEFAULT_REGION: "us-east-1",
        AWS_CONFIG_FILE: "/dev/null",
        AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
      },
      timeout: 120_000,
    },
  );
  return JSON.parse(stdout);
}

describe.each(["smithy-rpc-v2-cbor", "json", "query", "debian"])("boto3 over %s", (protocol) => {
  it("gets doubles as floats and timestamps as datetimes", async () => {
    const out = await botoTypes(protocol);
    expect(out.protocol).toBe(protocol === "debian" ? "query" : protocol);
    expect(out.stats.Datapoints).toEqual([{ Timestamp: ["datetime", T0 / 1000], Sum: ["float", 100], SampleCount: ["float", 1], Unit: ["str", "Count"] }]);
    const [result] = out.data.MetricDataResults;
    expect(result.Values).toEqual([["float", 100]]);
    expect(result.Timestamps).toEqual([["datetime", T0 / 1000]]);
    expect(result).not.toHaveProperty("Messages");
  }, 120_000);
});
