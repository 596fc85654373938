/**
 * Creating or updating an alarm of either kind, as AWS does: a new alarm
 * starts INSUFFICIENT_DATA, an update keeps the state and the tags, the
 * settings both kinds share are replaced, and each save writes a
 * ConfigurationUpdate history item. A compare-and-set on the record; a lost
 * race reads it again.
 */
import { invalidParameterValue } from "../errors.js";
import { INITIAL_REASON, type AlarmRecord } from "./alarm.js";
import { addHistory, configurationItem } from "./history.js";
import { createAlarm, getAlarm, updateAlarm } from "./store.js";

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
    const existing = await getAlarm(account, region, name);
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
    const record: AlarmRecord = {
      ...base,
      description: input.AlarmDescription,
      actionsEnabled: input.ActionsEnabled ?? true,
      okActions: input.OKActions ?? [],
      alarmActions: input.AlarmActions ?? [],
      insufficientDataActions: input.InsufficientDataActions ?? [],
      configUpdatedAt: now,
      ...kindOf,
    };
    if (record.description === undefined) delete record.description;
    const stored = existing ? await updateAlarm(account, record, existing.revision) : await createAlarm(account, record);
    if (!stored) continue;
    await addHistory(account, region, configurationItem(account, record, existing ? "Update" : "Create", existing?.value));
    return record;
  }
  throw new Error(`too much contention on alarm ${name}`);
}
