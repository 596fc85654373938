/**
 * PutCompositeAlarm: creates or updates a composite alarm. The rule is parsed
 * (rule/), every alarm it names must exist in the account and region, and a
 * rule that would make the alarm depend on itself is refused. The new alarm
 * is evaluated at once.
 */
import type { PutCompositeAlarmInput } from "@aws-sdk/client-cloudwatch";
import { invalidParameterValue, validationError } from "../errors.js";
import type { AlarmRecord } from "./alarm.js";
import { evaluateComposites, referencedName } from "./evaluate/composite.js";
import { saveAlarm } from "./save-alarm.js";
import { parseRule, ruleAlarms } from "./rule/parser.js";
import { listAlarms } from "./store.js";
import { validatePutCompositeAlarm } from "./validate.js";

export async function putCompositeAlarm(account: string, region: string, input: PutCompositeAlarmInput, now = Date.now()): Promise<{}> {
  validatePutCompositeAlarm(input);
  const name = input.AlarmName!;
  const rule = parseRule(input.AlarmRule!);
  const alarms = await listAlarms(account, region);
  const byName = new Map(alarms.map((a) => [a.name, a]));

  const refs = [...ruleAlarms(rule)];
  const missing = refs.filter((ref) => {
    const n = referencedName(ref, region, account);
    return n === undefined || !byName.has(n);
  });
  // AWS: "Could not save the composite alarm as alarms [..] in the alarm rule do not exist".
  if (missing.length) throw validationError(`Could not save the composite alarm as alarms [${missing.join(", ")}] in the alarm rule do not exist`);
  if (refs.some((ref) => referencedName(ref, region, account) === name) || createsCycle(name, refs, region, account, byName)) {
    throw invalidParameterValue(`The alarm rule of ${name} creates a cycle: a composite alarm cannot depend on itself.`);
  }
  if (input.ActionsSuppressor !== undefined && !byName.has(input.ActionsSuppressor)) {
    throw validationError(`Could not save the composite alarm as the actions suppressor ${input.ActionsSuppressor} does not exist`);
  }

  const composite: AlarmRecord["composite"] = {
    rule: input.AlarmRule!,
    ...(input.ActionsSuppressor !== undefined
      ? { suppressor: input.ActionsSuppressor, waitPeriod: input.ActionsSuppressorWaitPeriod, extensionPeriod: input.ActionsSuppressorExtensionPeriod }
      : {}),
  };
  await saveAlarm(account, region, "CompositeAlarm", input, { composite }, now);
  await evaluateComposites(account, region, now);
  return {};
}

/** True when one of `refs` (transitively, through composite rules) leads back to `name`. */
function createsCycle(name: string, refs: string[], region: string, account: string, byName: Map<string, AlarmRecord>): boolean {
  const seen = new Set<string>();
  const stack = refs.map((r) => referencedName(r, region, account)).filter((n): n is string => !!n);
  while (stack.length) {
    const n = stack.pop()!;
    if (n === name) return true;
    if (seen.has(n)) continue;
    seen.add(n);
    const a = byName.get(n);
    if (a?.composite) {
      try {
        for (const r of ruleAlarms(parseRule(a.composite.rule))) {
          const child = referencedName(r, region, account);
          if (child) stack.push(child);
        }
      } catch {
        // a stored rule always parses
      }
    }
  }
  return false;
}
