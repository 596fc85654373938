/**
 * SetAlarmState, EnableAlarmActions and DisableAlarmActions. A state set by
 * hand is a real transition (history, actions) and lasts until the next
 * evaluation corrects it, as AWS documents; composites that use the alarm are
 * re-evaluated at once.
 */
import type { DisableAlarmActionsInput, EnableAlarmActionsInput, SetAlarmStateInput } from "@aws-sdk/client-cloudwatch";
import { cloudwatchError, missingParameter } from "../errors.js";
import type { StateValue } from "./alarm.js";
import { evaluateComposites } from "./evaluate/composite.js";
import { commitState, withState } from "./transition.js";
import { getAlarmToChange, modifyAlarm } from "./store.js";
import { checkAlarmName } from "./validate.js";

export async function setAlarmState(account: string, region: string, input: SetAlarmStateInput, now = Date.now()): Promise<{}> {
  // The validation stage answered the required members, the StateValue enum and the lengths from the model.
  const name = checkAlarmName(input.AlarmName!);
  const value = input.StateValue as StateValue;
  let reasonData: string | undefined;
  if (input.StateReasonData !== undefined) {
    try {
      JSON.parse(input.StateReasonData);
    } catch {
      // AWS answers InvalidFormat with no message, as it answers an unknown alarm (moto PR #4179 moved its own
      // text to AWS's message-less answer for both); it is checked before the alarm is looked up.
      throw cloudwatchError("InvalidFormatFault", "");
    }
    reasonData = input.StateReasonData;
  }
  for (let attempt = 0; attempt < 20; attempt++) {
    const cur = await getAlarmToChange(account, region, name);
    // AWS answers an unknown alarm with no message at all (localstack's AWS-recorded test_set_alarm_invalid_input).
    if (!cur) throw cloudwatchError("ResourceNotFound", "");
    const next = withState(cur.value, { value, reason: input.StateReason!, reasonData }, now);
    if (reasonData === undefined) delete next.state.reasonData;
    if (await commitState(account, cur.revision, next)) {
      await evaluateComposites(account, region, now);
      return {};
    }
  }
  throw new Error(`too much contention on alarm ${name}`);
}

async function setActionsEnabled(account: string, region: string, names: string[] | undefined, enabled: boolean): Promise<{}> {
  // The stage answered an absent list, its 100-name bound and each name's length; an empty JSON list passes the model.
  if (names!.length === 0) throw missingParameter("AlarmNames");
  for (const name of names!) {
    await modifyAlarm(account, region, name, (a) => (a.actionsEnabled === enabled ? undefined : { ...a, actionsEnabled: enabled }));
  }
  return {};
}

export const enableAlarmActions = (account: string, region: string, input: EnableAlarmActionsInput) =>
  setActionsEnabled(account, region, input.AlarmNames, true);
export const disableAlarmActions = (account: string, region: string, input: DisableAlarmActionsInput) =>
  setActionsEnabled(account, region, input.AlarmNames, false);
