/**
 * AWS/EBS metrics, one series per volume (dimension VolumeId), from the block
 * node the platform names `nbd-{volume-id}` (spinifex/vm/devices.go
 * VolumeNodeName). Sums over the period, as AWS publishes them; the byte
 * metrics carry the operation count as their SampleCount, so Average is the
 * mean request size, as AWS documents for VolumeReadBytes/VolumeWriteBytes.
 * https://docs.aws.amazon.com/ebs/latest/userguide/using_cloudwatch_ebs.html
 * BurstBalance is not published: the platform's volumes have no burst-credit model.
 */
import type { MetricDatum, StandardUnit } from "@aws-sdk/client-cloudwatch";
import type { Deltas } from "./counter-deltas.js";

const VOLUME_NODE = /^nbd-(vol-[0-9A-Za-z]+)$/;

export function ebsMetrics(at: Date, d: Deltas): MetricDatum[] {
  const out: MetricDatum[] = [];
  for (const [node, b] of Object.entries(d.blocks)) {
    const volumeId = VOLUME_NODE.exec(node)?.[1];
    if (!volumeId) continue;
    const datum = (name: string, value: number, unit: StandardUnit): MetricDatum => ({
      MetricName: name,
      Dimensions: [{ Name: "VolumeId", Value: volumeId }],
      Timestamp: at,
      Value: value,
      Unit: unit,
    });
    const bytes = (name: string, sum: number, ops: number): MetricDatum =>
      ops === 0
        ? datum(name, 0, "Bytes")
        : {
            MetricName: name,
            Dimensions: [{ Name: "VolumeId", Value: volumeId }],
            Timestamp: at,
            StatisticValues: { SampleCount: ops, Sum: sum, Minimum: sum / ops, Maximum: sum / ops },
            Unit: "Bytes",
          };
    out.push(
      datum("VolumeReadOps", b.rdOps, "Count"),
      datum("VolumeWriteOps", b.wrOps, "Count"),
      bytes("VolumeReadBytes", b.rdBytes, b.rdOps),
      bytes("VolumeWriteBytes", b.wrBytes, b.wrOps),
      datum("VolumeTotalReadTime", b.rdSeconds, "Seconds"),
      datum("VolumeTotalWriteTime", b.wrSeconds, "Seconds"),
      datum("VolumeIdleTime", b.idleSeconds, "Seconds"),
      datum("VolumeQueueLength", b.queueLength, "Count"),
    );
  }
  return out;
}
