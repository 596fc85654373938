/**
 * With `[cloudwatch.collector] source = "nats"`, a TelemetryBatch the
 * platform's qmp-collector publishes on metrics.ec2.{instance-id} (core NATS,
 * JSON as spinifex/types/telemetry.go marshals it) becomes the AWS/EC2
 * metrics the QMP poller publishes, read back with the SDK.
 */
import { GetMetricStatisticsCommand, type StandardUnit } from "@aws-sdk/client-cloudwatch";
import { connect, type NatsConnection } from "nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cloudWatchClient, startStack, type Stack } from "../support/stack.js";

let stack: Stack;
let nc: NatsConnection;
const INSTANCE = "i-0feedface0000001";
const ACCOUNT = "111111111111"; // the stack's second credential

beforeAll(async () => {
  stack = await startStack({ env: { HIVE_CLOUDWATCH_COLLECTOR_SOURCE: "nats" } });
  nc = await connect({ servers: stack.natsUrl });
}, 120_000);

afterAll(async () => {
  await nc?.close();
  await stack?.stop();
});

/** services/qmpcollector/poller.go buildBatch, for a detailed-monitoring (60 s) instance. */
function batch(ts: number, labels: Record<string, string>) {
  const s = (name: string, value: number, unit: string) => ({ name, labels, value, unit });
  return {
    ts,
    period_seconds: 60,
    node: "node1",
    series: [
      s("goanna_ec2_cpu_utilization", 37.5, "Percent"),
      s("goanna_ec2_network_in_bytes", 1500, "Bytes"),
      s("goanna_ec2_network_out_bytes", 900, "Bytes"),
      s("goanna_ec2_disk_read_bytes", 8192, "Bytes"),
      s("goanna_ec2_disk_write_bytes", 262144, "Bytes"),
      s("goanna_ec2_disk_read_ops", 2, "Count"),
      s("goanna_ec2_disk_write_ops", 64, "Count"),
      s("goanna_ec2_memory_actual_bytes", 134217728, "Bytes"),
    ],
  };
}

describe("TelemetryBatch on metrics.ec2.{instance-id}", () => {
  it("is stored as AWS/EC2 metrics with AWS's names, units and InstanceId dimension, in the batch's account", async () => {
    await stack.fireSchedule("QmpPoller"); // declares the stream that keeps the subjects
    const end = Math.floor(Date.now() / 60_000) * 60 - 120; // a collection tick, as Unix seconds
    nc.publish(`metrics.ec2.${INSTANCE}`, JSON.stringify(batch(end + 3, { namespace: "AWS/EC2", instance_id: INSTANCE, account_id: ACCOUNT })));
    // A malformed batch and one claiming another instance are dropped without stopping the stream.
    nc.publish(`metrics.ec2.${INSTANCE}`, "{ not json");
    nc.publish(`metrics.ec2.${INSTANCE}`, JSON.stringify(batch(end, { instance_id: "i-0other", account_id: ACCOUNT })));
    await nc.flush();
    const cw = cloudWatchClient(stack, { account: 1 });
    const get = (name: string, unit: StandardUnit) =>
      cw.send(new GetMetricStatisticsCommand({
        Namespace: "AWS/EC2", MetricName: name, Dimensions: [{ Name: "InstanceId", Value: INSTANCE }],
        StartTime: new Date((end - 600) * 1000), EndTime: new Date((end + 600) * 1000), Period: 60, Statistics: ["Sum", "SampleCount"], Unit: unit,
      }));
    const deadline = Date.now() + 30_000;
    let cpu = await get("CPUUtilization", "Percent");
    while (!cpu.Datapoints?.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      cpu = await get("CPUUtilization", "Percent");
    }
    // The measured minute [end-60, end) is the period it is dated at, as AWS dates EC2 datapoints.
    expect(cpu.Datapoints).toEqual([expect.objectContaining({ Timestamp: new Date((end - 60) * 1000), Sum: 37.5, SampleCount: 1, Unit: "Percent" })]);
    for (const [name, unit, value] of [
      ["NetworkIn", "Bytes", 1500], ["NetworkOut", "Bytes", 900], ["DiskReadBytes", "Bytes", 8192],
      ["DiskWriteBytes", "Bytes", 262144], ["DiskReadOps", "Count", 2], ["DiskWriteOps", "Count", 64],
    ] as const) {
      const r = await get(name, unit);
      expect(r.Datapoints?.map((d) => d.Sum), name).toEqual([value]);
    }
    // The test/test account (000000000000) sees none of account 111111111111's instance.
    const other = await cloudWatchClient(stack).send(new GetMetricStatisticsCommand({
      Namespace: "AWS/EC2", MetricName: "CPUUtilization", Dimensions: [{ Name: "InstanceId", Value: INSTANCE }],
      StartTime: new Date((end - 600) * 1000), EndTime: new Date((end + 600) * 1000), Period: 60, Statistics: ["Sum"],
    }));
    expect(other.Datapoints).toEqual([]);
    expect(stack.logs()).toMatch(/TelemetryBatch on metrics\.ec2\.i-0feedface0000001: .*dropped/);
  }, 90_000);
});
