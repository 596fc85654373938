/**
 * DescribeAlarmHistory over the `cw-alarm-history` bucket (history.ts), with
 * the items a change committed in an alarm's record and not yet written there
 * (its writer died in between): a state DescribeAlarms shows is in the history
 * at once, and each item once (both carry the item's key).
 */
import type { AlarmHistoryItem, DescribeAlarmHistoryInput, DescribeAlarmHistoryOutput } from "@aws-sdk/client-cloudwatch";
import { invalidNextToken } from "../errors.js";
import { BUCKETS, getBucket } from "../storage/nats.js";
import { recordKey, scanRecords } from "../storage/kv.js";
import { itemKey, type HistoryRecord } from "./history.js";
import { getAlarm, listAlarms } from "./store.js";

function encodeToken(offset: number, filter: string): string {
  return Buffer.from(JSON.stringify({ v: 1, o: offset, f: filter }), "utf8").toString("base64url");
}

function decodeToken(token: string, filter: string): number {
  try {
    const t = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (t?.v === 1 && Number.isInteger(t.o) && t.f === filter) return t.o;
  } catch {
    // fall through
  }
  throw invalidNextToken();
}

export async function describeAlarmHistory(account: string, region: string, input: DescribeAlarmHistoryInput): Promise<DescribeAlarmHistoryOutput> {
  // MaxRecords' range, the enums and AlarmName's length were answered by the validation stage from the model.
  const max = input.MaxRecords ?? 100;
  const scanBy = input.ScanBy ?? "TimestampDescending";
  // Without AlarmTypes only metric alarms are returned (DescribeAlarmHistory, AlarmTypes).
  const types = new Set<string>(input.AlarmTypes?.length ? input.AlarmTypes : ["MetricAlarm"]);
  const start = input.StartDate?.getTime() ?? -Infinity;
  const end = input.EndDate?.getTime() ?? Infinity;
  const filter = JSON.stringify([input.AlarmName, input.HistoryItemType, [...types], start, end, scanBy]);
  const skip = input.NextToken ? decodeToken(input.NextToken, filter) : 0;

  // The records are read before the bucket: an item written and taken out of its record meanwhile is in the bucket then.
  const alarms = input.AlarmName !== undefined ? [await getAlarm(account, region, input.AlarmName)].flatMap((a) => (a ? [a.value] : [])) : await listAlarms(account, region);
  const subject = input.AlarmName !== undefined ? `${recordKey(account, region, input.AlarmName)}.*` : `${recordKey(account, region)}.>`;
  const rows = await scanRecords<HistoryRecord>(await getBucket(BUCKETS.alarmHistory), subject);
  const byKey = new Map(rows.map((r) => [r.key, r.value]));
  for (const a of alarms) for (const { id, item } of a.unrecorded ?? []) byKey.set(itemKey(account, region, a.name, item.timestamp, id), item);
  const items = [...byKey]
    .map(([key, item]) => ({ key, item }))
    .filter(({ item }) => types.has(item.alarmType))
    .filter(({ item }) => input.HistoryItemType === undefined || item.type === input.HistoryItemType)
    .filter(({ item }) => item.timestamp >= start && item.timestamp <= end)
    .sort((a, b) => a.item.timestamp - b.item.timestamp || (a.key < b.key ? -1 : 1));
  if (scanBy === "TimestampDescending") items.reverse();
  const page = items.slice(skip, skip + max);
  const out: DescribeAlarmHistoryOutput = {
    AlarmHistoryItems: page.map(({ item }): AlarmHistoryItem => ({
      AlarmName: item.name,
      AlarmType: item.alarmType,
      Timestamp: new Date(item.timestamp),
      HistoryItemType: item.type,
      HistorySummary: item.summary,
      HistoryData: item.data,
    })),
  };
  if (skip + max < items.length) out.NextToken = encodeToken(skip + max, filter);
  return out;
}
