/**
 * The platform's own collector (spx service qmp-collector) publishes one
 * `TelemetryBatch` JSON per instance and period on `metrics.ec2.{instance-id}`
 * (spinifex/types/telemetry.go, services/qmpcollector/poller.go buildBatch).
 * With `[cloudwatch.collector] source = "nats"`, a JetStream stream keeps
 * those subjects and a stream-triggered function stores each batch as the
 * same AWS/EC2 metrics the QMP poller would publish.
 */
import type { MetricDatum, StandardUnit } from "@aws-sdk/client-cloudwatch";
import { DiscardPolicy, RetentionPolicy, StorageType } from "nats";
import { putMetricData } from "../metrics/put-metric-data.js";
import { ensureStream } from "../storage/nats.js";
import { registerShard } from "../storage/stream-shards.js";
import { ROOT_ACCOUNT } from "./sidecars.js";

export const TELEMETRY_STREAM = "CW_PLATFORM_TELEMETRY";
export const TELEMETRY_SUBJECTS = "metrics.ec2.>";

/** The platform's goanna_ec2_* series → AWS/EC2 names and units. Memory has no AWS/EC2 metric and is left out. */
const SERIES: Record<string, [string, StandardUnit]> = {
  goanna_ec2_cpu_utilization: ["CPUUtilization", "Percent"],
  goanna_ec2_network_in_bytes: ["NetworkIn", "Bytes"],
  goanna_ec2_network_out_bytes: ["NetworkOut", "Bytes"],
  goanna_ec2_disk_read_bytes: ["DiskReadBytes", "Bytes"],
  goanna_ec2_disk_write_bytes: ["DiskWriteBytes", "Bytes"],
  goanna_ec2_disk_read_ops: ["DiskReadOps", "Count"],
  goanna_ec2_disk_write_ops: ["DiskWriteOps", "Count"],
};

const INSTANCE_ID = /^i-[0-9a-zA-Z]{1,40}$/;

export interface TelemetryMetrics {
  accountId: string;
  instanceId: string;
  /** Start of the period the batch measured. */
  timestamp: number;
  data: MetricDatum[];
}

/**
 * A batch → its AWS/EC2 datums, dated at the start of the period (60 s or
 * 300 s, AWS's monitoring tiers) holding the middle of the measured interval,
 * as the QMP poller dates its own. Throws an Error naming what is wrong.
 */
export function telemetryMetrics(subject: string, body: Uint8Array): TelemetryMetrics {
  const instanceFromSubject = subject.slice("metrics.ec2.".length);
  const batch = JSON.parse(Buffer.from(body).toString("utf8")) as { ts?: unknown; period_seconds?: unknown; series?: unknown };
  if (!batch || typeof batch !== "object") throw new Error("not a JSON object");
  const { ts, period_seconds: elapsed, series } = batch;
  if (typeof ts !== "number" || !Number.isInteger(ts) || ts <= 0) throw new Error("ts is not a Unix time");
  if (typeof elapsed !== "number" || !(elapsed > 0 && elapsed <= 3600)) throw new Error("period_seconds is not a period");
  if (!Array.isArray(series)) throw new Error("series is not a list");
  const period = elapsed <= 90 ? 60 : 300;
  const timestamp = Math.floor((ts - elapsed / 2) / period) * period * 1000;
  let accountId: string | undefined;
  const data: MetricDatum[] = [];
  for (const s of series as Array<{ name?: unknown; labels?: Record<string, unknown>; value?: unknown }>) {
    const mapped = typeof s?.name === "string" ? SERIES[s.name] : undefined;
    if (!mapped || typeof s.value !== "number" || !Number.isFinite(s.value) || s.value < 0) continue;
    const labels = s.labels ?? {};
    if (labels.instance_id !== instanceFromSubject) throw new Error("a series' instance_id is not the subject's instance");
    const account = typeof labels.account_id === "string" ? labels.account_id : ROOT_ACCOUNT;
    if (!/^\d{12}$/.test(account) || (accountId !== undefined && account !== accountId)) throw new Error("account_id is not one 12-digit account");
    accountId = account;
    data.push({
      MetricName: mapped[0],
      Dimensions: [{ Name: "InstanceId", Value: instanceFromSubject }],
      Timestamp: new Date(timestamp),
      Value: mapped[0] === "CPUUtilization" ? Math.min(100, s.value) : s.value,
      Unit: mapped[1],
    });
  }
  if (!INSTANCE_ID.test(instanceFromSubject)) throw new Error("the subject does not name an instance");
  return { accountId: accountId ?? ROOT_ACCOUNT, instanceId: instanceFromSubject, timestamp, data };
}

let ensured: Promise<void> | undefined;
/**
 * Keeps `metrics.ec2.>` in a stream (an hour, 64 MiB at most: the platform
 * publishes them on core NATS, so nothing else holds them) and declares its
 * one shard for the stream trigger. Idempotent.
 */
export function ensureTelemetryStream(): Promise<void> {
  ensured ??= (async () => {
    await ensureStream({
      name: TELEMETRY_STREAM,
      subjects: [TELEMETRY_SUBJECTS],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      max_age: 3600 * 1_000_000_000,
      max_bytes: 64 * 1024 * 1024,
      duplicate_window: 120_000_000_000,
    });
    await registerShard(TELEMETRY_STREAM, "0", TELEMETRY_SUBJECTS);
  })().catch((e) => {
    ensured = undefined;
    throw e;
  });
  return ensured;
}

const logged = new Set<string>();

/** Stores a batch of messages; a malformed one is logged (once per instance and problem) and dropped. */
export async function storeTelemetry(messages: Array<{ subject: string; data: Uint8Array; seq: number }>): Promise<number> {
  let stored = 0;
  for (const m of messages) {
    let t: TelemetryMetrics;
    try {
      t = telemetryMetrics(m.subject, m.data);
    } catch (e) {
      const key = `${m.subject}: ${(e as Error).message}`;
      if (!logged.has(key)) {
        if (logged.size < 10_000) logged.add(key);
        console.warn(`TelemetryBatch on ${key}; dropped`);
      }
      continue;
    }
    if (!t.data.length) continue;
    await putMetricData({ Namespace: "AWS/EC2", MetricData: t.data }, { accountId: t.accountId, allowReserved: true, retryKey: `telemetry.${t.instanceId}.${m.seq}` });
    stored++;
  }
  return stored;
}
