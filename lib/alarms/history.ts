/**
 * Alarm history in the `cw-alarm-history` KV bucket, one entry per item keyed
 * `{account}.{region}.{alarm}.{timestamp}-{id}`. The bucket's TTL removes items
 * after 14 days ("CloudWatch preserves alarm history for two weeks").
 * Items and their HistoryData JSON follow AWS's (see describe-alarm-history in
 * LocalStack's recorded AWS snapshots, tests/aws/services/cloudwatch).
 *
 * The items a change of an alarm makes are committed inside its record first
 * (`unrecorded`, the history outbox) and written here after (store.ts
 * recordHistory), under keys fixed at commit: a rewrite after a crash leaves one item.
 */
import { randomUUID } from "node:crypto";
import { BUCKETS, getBucket } from "../storage/nats.js";
import { putRecord, recordKey } from "../storage/kv.js";
import { kvWrites } from "../storage/kv-writes.js";
import { alarmArn, type AlarmRecord, type AlarmState, type HistoryRecord, type UnrecordedItem } from "./alarm.js";
import { awsJsonDate } from "./format.js";

export type { HistoryItemType, HistoryRecord } from "./alarm.js";

/** A sortable, unique key: zero-padded time, then the item's random id (two items in one millisecond both stay). */
export const itemKey = (account: string, region: string, name: string, at: number, id: string) =>
  `${recordKey(account, region, name)}.${String(at).padStart(15, "0")}-${id}`;

const newItemId = () => randomUUID().slice(0, 8);

/** Writes an item that belongs to no record change (an alarm's deletion). */
export async function addHistory(account: string, region: string, item: HistoryRecord): Promise<void> {
  await putRecord(await getBucket(BUCKETS.alarmHistory), itemKey(account, region, item.name, item.timestamp, newItemId()), item);
}

/** The record with `items` added to its outbox, to be committed with the change that made them. */
export function withHistory(record: AlarmRecord, ...items: HistoryRecord[]): AlarmRecord {
  if (!items.length) return record;
  return { ...record, unrecorded: [...(record.unrecorded ?? []), ...items.map((item) => ({ id: newItemId(), item }))] };
}

/** The record without the outbox items `ids` (written already). */
export function withoutHistory(record: AlarmRecord, ids: ReadonlySet<string>): AlarmRecord {
  const rest = (record.unrecorded ?? []).filter((u) => !ids.has(u.id));
  const next: AlarmRecord = { ...record, unrecorded: rest };
  if (!rest.length) delete next.unrecorded;
  return next;
}

/**
 * Writes outbox items of alarms of `account` at their fixed keys, in one
 * request window. A key already there holds the same item (written before a
 * crash): the create is refused and the one item stays.
 */
export async function writeHistory(items: ReadonlyArray<{ account: string; region: string; unrecorded: UnrecordedItem }>): Promise<void> {
  await kvWrites(
    BUCKETS.alarmHistory,
    items.map(({ account, region, unrecorded: { id, item } }) => ({
      key: itemKey(account, region, item.name, item.timestamp, id),
      value: Buffer.from(JSON.stringify(item)),
      revision: 0,
    })),
  );
}

export function stateUpdateItem(alarm: AlarmRecord, old: AlarmState, next: AlarmState): HistoryRecord {
  const stateOf = (s: AlarmState) => ({
    stateValue: s.value,
    stateReason: s.reason,
    ...(s.reasonData ? { stateReasonData: JSON.parse(s.reasonData) } : {}),
  });
  return {
    name: alarm.name,
    alarmType: alarm.type,
    type: "StateUpdate",
    timestamp: next.updatedAt,
    summary: `Alarm updated from ${old.value} to ${next.value}`,
    data: JSON.stringify({ version: "1.0", oldState: stateOf(old), newState: stateOf(next) }),
  };
}

/**
 * The alarm's configuration as HistoryData shows it, in the member names and
 * forms of an AWS-recorded Create item: `okactions` in lower case, the ARN,
 * the state value, the statistic as given, and timestamps as
 * `2014-08-23T15:48:26.693+0000` (an AWS Create item quoted in full in the public
 * blog post "Rubyからaws-sdkを使ってアラームの一覧を取得する"). Members the alarm does
 * not have are left out, as there; an Update's originalUpdatedFields so names the
 * timestamp too (cfn-guardian's Ruby CloudWatch module skips 'alarmConfigurationUpdatedTimestamp' there).
 */
function configView(account: string, a: AlarmRecord): Record<string, unknown> {
  const m = a.metric;
  return {
    alarmName: a.name,
    alarmArn: alarmArn(a.region, account, a.name),
    alarmDescription: a.description,
    actionsEnabled: a.actionsEnabled,
    okactions: a.okActions,
    alarmActions: a.alarmActions,
    insufficientDataActions: a.insufficientDataActions,
    ...(m
      ? {
          namespace: m.namespace,
          metricName: m.metricName,
          dimensions: m.dimensions.map((d) => ({ name: d.Name, value: d.Value })),
          statistic: m.statistic,
          extendedStatistic: m.extendedStatistic,
          period: m.period,
          unit: m.unit,
          evaluationPeriods: m.evaluationPeriods,
          datapointsToAlarm: m.datapointsToAlarm,
          threshold: m.threshold,
          comparisonOperator: m.comparisonOperator,
          treatMissingData: m.treatMissingData,
          evaluateLowSampleCountPercentile: m.evaluateLowSampleCountPercentile,
          metrics: m.metrics && beanKeys(m.metrics),
          thresholdMetricId: m.thresholdMetricId,
        }
      : {}),
    ...(a.composite
      ? {
          alarmRule: a.composite.rule,
          actionsSuppressor: a.composite.suppressor,
          actionsSuppressorWaitPeriod: a.composite.waitPeriod,
          actionsSuppressorExtensionPeriod: a.composite.extensionPeriod,
        }
      : {}),
    stateValue: a.state.value,
    alarmConfigurationUpdatedTimestamp: awsJsonDate(a.configUpdatedAt),
    stateUpdatedTimestamp: awsJsonDate(a.state.updatedAt),
  };
}

/**
 * The members of SDK shapes as the recorded item names them: its `okactions` for OKActions is a Java bean
 * property name (leading capitals lower-cased), so nested queries are written the same way (`metricStat`,
 * `returnData`, dimensions as `name`/`value`).
 */
function beanKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(beanKeys);
  if (v === null || typeof v !== "object") return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.replace(/^[A-Z]+/, (c) => c.toLowerCase()), beanKeys(x)]));
}

export function configurationItem(account: string, alarm: AlarmRecord, kind: "Create" | "Update" | "Delete", before?: AlarmRecord): HistoryRecord {
  const verb = kind === "Create" ? "created" : kind === "Update" ? "updated" : "deleted";
  const data: Record<string, unknown> = { version: "1.0", type: kind };
  if (kind === "Create") data.createdAlarm = configView(account, alarm);
  else if (kind === "Delete") data.deletedAlarm = configView(account, alarm);
  else {
    const now = configView(account, alarm);
    const was = before ? configView(account, before) : {};
    data.updatedAlarm = now;
    data.originalUpdatedFields = Object.fromEntries(Object.keys(now).filter((k) => JSON.stringify(now[k]) !== JSON.stringify(was[k])).map((k) => [k, was[k]]));
  }
  return {
    name: alarm.name,
    alarmType: alarm.type,
    type: "ConfigurationUpdate",
    timestamp: kind === "Delete" ? Date.now() : alarm.configUpdatedAt,
    summary: `Alarm "${alarm.name}" ${verb}`,
    data: JSON.stringify(data),
  };
}

export function actionItem(
  alarm: AlarmRecord,
  arn: string,
  outcome: { ok: boolean; error?: string; message?: string },
  stateUpdatedAt: number,
  at: number,
): HistoryRecord {
  const data = outcome.ok
    ? { actionState: "Succeeded", stateUpdateTimestamp: stateUpdatedAt, notificationResource: arn, ...(outcome.message ? { publishedMessage: outcome.message } : {}) }
    : { actionState: "Failed", stateUpdateTimestamp: stateUpdatedAt, notificationResource: arn, error: outcome.error };
  return {
    name: alarm.name,
    alarmType: alarm.type,
    type: "Action",
    timestamp: at,
    summary: outcome.ok ? `Successfully executed action ${arn}` : `Failed to execute action ${arn}. Received error: "${outcome.error}"`,
    data: JSON.stringify(data),
  };
}
