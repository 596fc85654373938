/**
 * SetAlarmState, EnableAlarmActions and DisableAlarmActions. A state set by
 * hand is a real transition (history, actions) and lasts until the next
 * evaluation corrects it, as AWS documents; composites that use the alarm are
 * re-evaluated at once.
 */
import type { DisableAlarmActionsInput, EnableAlarmActionsInput, SetAlarmStateInput } from "@aws-sdk/client-cloudwatch";
import { cloudwatchError, invalidParameterValue, missingParameter } from "../errors.js";
import { STATE_VALUES, type StateValue } from "./alarm.js";
import { evaluateComposites } from "./evaluate/composite.js";
import { commitState, withState } from "./transition.js";
import { getAlarm, modifyAlarm } from "./store.js";
import { checkAlarmName, enumError } from "./validate.js";

export async function setAlarmState(account: string, region: string, input: SetAlarmStateInput, now = Date.now()): Promise<{}> {
  const name = checkAlarmName(input.AlarmName);
  const value = input.StateValue as StateValue;
  if (!value) throw missingParameter("StateValue");
  if (!STATE_VALUES.includes(value)) throw enumError("stateValue", value, STATE_VALUES);
  if (input.StateReason === undefined || input.StateReason === null) throw missingParameter("StateReason");
  if (input.StateReason.length > 1023) {
    throw invalidParameterValue("The value for parameter StateReason must be at most 1023 characters long.");
  }
  let reasonData: string | undefined;
  if (input.StateReasonData !== undefined) {
    if (input.StateReasonData.length > 4000) throw invalidParameterValue("The value for parameter StateReasonData must be at most 4000 characters long.");
    try {
      JSON.parse(input.StateReasonData);
    } catch {
      // AWS: InvalidFormat for StateReasonData that is not JSON.
      throw cloudwatchError("InvalidFormatFault", "StateReasonData must be valid JSON.");
    }
    reasonData = input.StateReasonData;
  }
  for (let attempt = 0; attempt < 20; attempt++) {
    const cur = await getAlarm(account, region, name);
    if (!cur) throw cloudwatchError("ResourceNotFound", `Alarm ${name} not found`);
    const next = withState(cur.value, { value, reason: input.StateReason, reasonData }, now);
    if (reasonData === undefined) delete next.state.reasonData;
    if (await commitState(account, cur.value, cur.revision, next)) {
      await evaluateComposites(account, region, now);
      return {};
    }
  }
  throw new Error(`too much contention on alarm ${name}`);
}

async function setActionsEnabled(account: string, region: string, names: string[] | undefined, enabled: boolean): Promise<{}> {
  if (!names || names.length === 0) throw missingParameter("AlarmNames");
  if (names.length > 100) throw invalidParameterValue("The collection AlarmNames must not have a size greater than 100.");
  for (const name of names) {
    if (!name || name.length > 255) continue;
    await modifyAlarm(account, region, name, (a) => (a.actionsEnabled === enabled ? undefined : { ...a, actionsEnabled: enabled }));
  }
  return {};
}

export const enableAlarmActions = (account: string, region: string, input: EnableAlarmActionsInput) =>
  setActionsEnabled(account, region, input.AlarmNames, true);
export const disableAlarmActions = (account: string, region: string, input: DisableAlarmActionsInput) =>
  setActionsEnabled(account, region, input.AlarmNames, false);
