/**
 * Alarm records in the `cw-alarms` KV bucket (layout in alarm.ts). Every
 * change goes through a compare-and-set on the record's revision, so
 * concurrent API calls and evaluator processes never lose or repeat a change.
 *
 * The history items a change makes are committed in the record with it
 * (`unrecorded`), then written and taken out (recordHistory). A writer reads
 * the record through getAlarmToChange, which first writes items a dead writer
 * left: a change is only committed onto a record holding none, so a record
 * holds at most one change's items.
 */
import type { KV } from "nats";
import { BUCKETS, getBucket } from "../storage/nats.js";
import {
  fromKeyToken,
  getRecord,
  recordKey,
  scanRecords,
  updateRecord,
  updateRecordRevision,
  createRecord,
  deleteRecord,
  type Versioned,
} from "../storage/kv.js";
import type { AlarmRecord } from "./alarm.js";
import { withoutHistory, writeHistory } from "./history.js";

export const alarmsBucket = (): Promise<KV> => getBucket(BUCKETS.alarms);

export const alarmKey = (account: string, region: string, name: string) => recordKey(account, region, name);

/** Names can hold characters a KV key cannot (escaped by keyToken); 255 characters bound the key. */
export async function getAlarm(account: string, region: string, name: string): Promise<Versioned<AlarmRecord> | undefined> {
  if (!name || name.length > 255) return undefined;
  return getRecord<AlarmRecord>(await alarmsBucket(), alarmKey(account, region, name));
}

/** Creates the alarm unless it exists; false when it does. */
export async function createAlarm(account: string, record: AlarmRecord): Promise<boolean> {
  return createRecord(await alarmsBucket(), alarmKey(account, record.region, record.name), record);
}

/** Compare-and-set: false when another writer changed the alarm since `revision`. */
export async function updateAlarm(account: string, record: AlarmRecord, revision: number): Promise<boolean> {
  return updateRecord(await alarmsBucket(), alarmKey(account, record.region, record.name), record, revision);
}

export async function deleteAlarm(account: string, region: string, name: string): Promise<void> {
  await deleteRecord(await alarmsBucket(), alarmKey(account, region, name));
}

/** Every alarm of one account and region, sorted by name (DescribeAlarms' order). */
export async function listAlarms(account: string, region: string): Promise<AlarmRecord[]> {
  const rows = await scanRecords<AlarmRecord>(await alarmsBucket(), `${recordKey(account, region)}.*`);
  return rows.map((r) => r.value).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Every alarm of every account, with its account and revision (the evaluator's pass). */
export async function scanAllAlarms(): Promise<Array<{ account: string; record: AlarmRecord; revision: number }>> {
  const rows = await scanRecords<AlarmRecord>(await alarmsBucket(), ">");
  return rows.map((r) => ({ account: fromKeyToken(r.key.slice(0, r.key.indexOf("."))), record: r.value, revision: r.revision }));
}

/** Compare-and-set: the new revision, or undefined when another writer changed the alarm since `revision`. */
export async function updateAlarmRevision(account: string, record: AlarmRecord, revision: number): Promise<number | undefined> {
  return updateRecordRevision(await alarmsBucket(), alarmKey(account, record.region, record.name), record, revision);
}

/**
 * The alarm as a writer reads it before a change: history items an earlier
 * change left in it (its writer died before writing them) are written first.
 */
export async function getAlarmToChange(account: string, region: string, name: string): Promise<Versioned<AlarmRecord> | undefined> {
  let cur = await getAlarm(account, region, name);
  for (let attempt = 0; cur?.value.unrecorded?.length; attempt++) {
    if (attempt === 50) throw new Error(`too much contention recording the history of alarm ${name}`);
    cur = await recordHistory(account, cur.value, cur.revision);
  }
  return cur;
}

/**
 * Writes the history items `record` holds, then takes them out of the stored
 * record (a compare-and-set from `revision`, the one `record` was stored at,
 * else from a fresh read). Returns the record as stored after, or undefined
 * when the alarm is gone.
 */
export async function recordHistory(account: string, record: AlarmRecord, revision?: number): Promise<Versioned<AlarmRecord> | undefined> {
  const items = record.unrecorded ?? [];
  await writeHistory(items.map((unrecorded) => ({ account, region: record.region, unrecorded })));
  const ids = new Set(items.map((u) => u.id));
  let cur = revision !== undefined ? { value: record, revision } : await getAlarm(account, record.region, record.name);
  for (let attempt = 0; attempt < 50 && cur; attempt++) {
    if (!cur.value.unrecorded?.some((u) => ids.has(u.id))) return cur;
    const next = withoutHistory(cur.value, ids);
    const stored = await updateAlarmRevision(account, next, cur.revision);
    if (stored !== undefined) return { value: next, revision: stored };
    cur = await getAlarm(account, record.region, record.name);
  }
  if (!cur) return undefined;
  throw new Error(`too much contention recording the history of alarm ${record.name}`);
}

/**
 * Read-modify-write of one alarm with retries on a concurrent change.
 * `change` returns the new record, or undefined to leave it; the result is
 * what is stored afterwards (undefined when the alarm does not exist). History
 * items `change` adds (withHistory) are written after the compare-and-set.
 */
export async function modifyAlarm(
  account: string,
  region: string,
  name: string,
  change: (current: AlarmRecord, revision: number) => AlarmRecord | undefined,
): Promise<{ record: AlarmRecord; changed: boolean; previous: AlarmRecord } | undefined> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const cur = await getAlarmToChange(account, region, name);
    if (!cur) return undefined;
    const next = change(structuredClone(cur.value), cur.revision);
    if (!next) return { record: cur.value, changed: false, previous: cur.value };
    const revision = await updateAlarmRevision(account, next, cur.revision);
    if (revision === undefined) continue;
    if (next.unrecorded?.length) await recordHistory(account, next, revision);
    return { record: next, changed: true, previous: cur.value };
  }
  throw new Error(`too much contention updating alarm ${name}`);
}
