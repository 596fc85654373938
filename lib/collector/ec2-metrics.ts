/**
 * AWS/EC2 metrics of one instance and period, at AWS's names, units and
 * dimension (InstanceId): counters as the period's sum, CPUUtilization as
 * its average, status checks as 0/1.
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/viewing_metrics_with_cloudwatch.html
 */
import type { MetricDatum, StandardUnit } from "@aws-sdk/client-cloudwatch";
import type { Deltas } from "./counter-deltas.js";

/** Run states in which the guest itself failed; every other state but running is the host's (system) failure. */
const INSTANCE_FAILURES = new Set(["guest-panicked", "watchdog", "shutdown"]);

const datum = (instanceId: string, at: Date, name: string, value: number, unit: StandardUnit): MetricDatum => ({
  MetricName: name,
  Dimensions: [{ Name: "InstanceId", Value: instanceId }],
  Timestamp: at,
  Value: value,
  Unit: unit,
});

/** StatusCheckFailed_Instance / _System / StatusCheckFailed from QMP's run state (query-status). */
export function statusCheckMetrics(instanceId: string, at: Date, status: string): MetricDatum[] {
  const instance = INSTANCE_FAILURES.has(status) ? 1 : 0;
  const system = status !== "running" && !instance ? 1 : 0;
  return [
    datum(instanceId, at, "StatusCheckFailed_Instance", instance, "Count"),
    datum(instanceId, at, "StatusCheckFailed_System", system, "Count"),
    datum(instanceId, at, "StatusCheckFailed", Math.max(instance, system), "Count"),
  ];
}

/** CPU, disk (all block nodes summed, as the platform's collector sums them) and network (the taps) of one period. */
export function ec2Metrics(instanceId: string, at: Date, d: Deltas): MetricDatum[] {
  const disks = Object.values(d.blocks);
  const sum = (k: "rdOps" | "wrOps" | "rdBytes" | "wrBytes") => disks.reduce((n, b) => n + b[k], 0);
  const out = [
    datum(instanceId, at, "CPUUtilization", d.cpuPercent, "Percent"),
    datum(instanceId, at, "DiskReadOps", sum("rdOps"), "Count"),
    datum(instanceId, at, "DiskWriteOps", sum("wrOps"), "Count"),
    datum(instanceId, at, "DiskReadBytes", sum("rdBytes"), "Bytes"),
    datum(instanceId, at, "DiskWriteBytes", sum("wrBytes"), "Bytes"),
  ];
  if (d.net) {
    // The tap's receive side is what the guest sent (platform: "tap rx = guest egress").
    out.push(
      datum(instanceId, at, "NetworkIn", d.net.txBytes, "Bytes"),
      datum(instanceId, at, "NetworkOut", d.net.rxBytes, "Bytes"),
      datum(instanceId, at, "NetworkPacketsIn", d.net.txPackets, "Count"),
      datum(instanceId, at, "NetworkPacketsOut", d.net.rxPackets, "Count"),
    );
  }
  return out;
}
