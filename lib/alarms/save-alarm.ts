/**
 * Creating or updating an alarm of either kind, as AWS does: a new alarm
 * starts INSUFFICIENT_DATA, an update keeps the state and the tags, the
 * settings both kinds share are replaced, and each save writes a
 * ConfigurationUpdate history item. A compare-and-set on the record, the item
 * committed in it (store.ts); a lost race reads it again.
 */
import { invalidParameterValue } from "../errors.js";
import { INITIAL_REASON, type AlarmRecord } from "./alarm.js";
import { configurationItem, withHistory } from "./history.js";
import { createAlarm, getAlarmToChange, recordHistory, updateAlarmRevision } from "./store.js";

export interface AlarmSettings {
  AlarmName?: string;
  AlarmDescription?: string;
  ActionsEnabled?: boolean;
  OKActions?: string[];
  AlarmActions?: string[];
  InsufficientDataActions?: string[];
  Tags?: AlarmRecord["tags"];
}

/** Saves the alarm; `kindOf` adds what only its kind has (metric or composite). Returns the stored record. */
export async function saveAlarm(
  account: string,
  region: string,
  type: AlarmRecord["type"],
  input: AlarmSettings,
  kindOf: Pick<AlarmRecord, "metric" | "composite">,
  now: number,
): Promise<AlarmRecord> {
  const name = input.AlarmName!;
  for (let attempt = 0; attempt < 20; attempt++) {
    const existing = await getAlarmToChange(account, region, name);
    if (existing && existing.value.type !== type) {
      const [is, by] = type === "MetricAlarm" ? ["a composite", "PutMetricAlarm"] : ["a metric", "PutCompositeAlarm"];
      throw invalidParameterValue(`The alarm ${name} is ${is} alarm; it cannot be updated by ${by}.`);
    }
    const base: AlarmRecord = existing?.value ?? {
      v: 1,
      type,
      name,
      region,
      actionsEnabled: true,
      okActions: [],
      alarmActions: [],
      insufficientDataActions: [],
      configUpdatedAt: now,
      state: { value: "INSUFFICIENT_DATA", reason: INITIAL_REASON, updatedAt: now, transitionedAt: now },
      tags: input.Tags ?? [],
      pending: [],
    };
    const saved: AlarmRecord = {
      ...base,
      description: input.AlarmDescription,
      actionsEnabled: input.ActionsEnabled ?? true,
      okActions: input.OKActions ?? [],
      alarmActions: input.AlarmActions ?? [],
      insufficientDataActions: input.InsufficientDataActions ?? [],
      configUpdatedAt: now,
      ...kindOf,
    };
    if (saved.description === undefined) delete saved.description;
    const record = withHistory(saved, configurationItem(account, saved, existing ? "Update" : "Create", existing?.value));
    if (existing) {
      const revision = await updateAlarmRevision(account, record, existing.revision);
      if (revision === undefined) continue;
      await recordHistory(account, record, revision);
    } else {
      if (!(await createAlarm(account, record))) continue;
      await recordHistory(account, record);
    }
    return saved;
  }
  throw new Error(`too much contention on alarm ${name}`);
}
