/**
 * DeleteAlarms: up to 100 names, at most one of them a composite alarm (AWS's
 * rule); a name that does not exist is skipped. An alarm that a composite's
 * rule (or suppressor) still refers to is not deleted:
 *   ValidationError "Cannot delete abc,xyz as there are composite alarm(s) depending on them."
 * (the raw AWS message quoted in cloud-custodian issue #7763 and aws-nuke issue #462).
 */
import type { DeleteAlarmsInput } from "@aws-sdk/client-cloudwatch";
import { missingParameter, validationError } from "../errors.js";
import { childrenOf } from "./describe-alarms.js";
import { addHistory, configurationItem, writeHistory } from "./history.js";
import { deleteAlarm, listAlarms } from "./store.js";

export async function deleteAlarms(account: string, region: string, input: DeleteAlarmsInput): Promise<{}> {
  // The stage answered an absent list and its 100-name bound; an empty JSON list passes the model.
  const names = input.AlarmNames!;
  if (names.length === 0) throw missingParameter("AlarmNames");
  const wanted = new Set(names);
  const all = await listAlarms(account, region);
  const doomed = all.filter((a) => wanted.has(a.name));
  if (doomed.filter((a) => a.type === "CompositeAlarm").length > 1) {
    throw validationError("You can delete at most one composite alarm in one DeleteAlarms operation.");
  }
  const deleting = new Set(doomed.map((a) => a.name));
  const inUse = new Set<string>();
  for (const parent of all) {
    if (parent.type !== "CompositeAlarm" || deleting.has(parent.name)) continue;
    for (const child of [...childrenOf(parent, account), ...(parent.composite?.suppressor ? [parent.composite.suppressor] : [])]) {
      if (deleting.has(child)) inUse.add(child);
    }
  }
  if (inUse.size) {
    const list = [...inUse];
    throw validationError(`Cannot delete ${list.join(",")} as there are composite alarm(s) depending on ${list.length === 1 ? "it" : "them"}.`);
  }
  for (const a of doomed) {
    // History items a dead writer left in the record go before it.
    await writeHistory((a.unrecorded ?? []).map((unrecorded) => ({ account, region, unrecorded })));
    await deleteAlarm(account, region, a.name);
    await addHistory(account, region, configurationItem(account, a, "Delete"));
  }
  return {};
}
