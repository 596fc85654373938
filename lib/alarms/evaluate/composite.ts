/**
 * Composite alarm evaluation: the rule over its children's states, TRUE →
 * ALARM, FALSE → OK. Run whenever a child may have changed (after each
 * evaluator pass, SetAlarmState, PutCompositeAlarm); nested composites
 * settle in as many rounds as the nesting is deep. Each change is a
 * compare-and-set (transition.ts), so concurrent runs change a state once.
 *
 * StateReason and StateReasonData name the child whose change decided it, as
 * AWS writes them ("arn:… transitioned to ALARM at Friday 15 March, 2024
 * 10:00:00 UTC"; {"triggeringAlarms":[{"arn","state":{"value","timestamp"}}]},
 * per LocalStack's recorded AWS snapshots of composite alarms).
 */
import { INITIAL_REASON, alarmArn, nameFromArn, type AlarmRecord, type StateValue } from "../alarm.js";
import { awsJsonDate, longDate } from "../format.js";
import { evaluateRule } from "../rule/evaluate.js";
import { parseRule, ruleAlarms, type Rule } from "../rule/parser.js";
import { commitState, holdForSuppressor, runPending, withState } from "../transition.js";
import { getAlarm, getAlarmToChange, listAlarms } from "../store.js";

/** Deepest nesting of composites in composites that settles in one run. */
const MAX_ROUNDS = 10;

/** A rule's alarm reference (name or ARN of this account and region) as a name; undefined for another account's. */
export function referencedName(ref: string, region: string, account: string): string | undefined {
  return ref.startsWith("arn:") ? nameFromArn(ref, region, account) : ref;
}

export async function evaluateComposites(account: string, region: string, now = Date.now()): Promise<number> {
  let changes = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const alarms = await listAlarms(account, region);
    const byName = new Map(alarms.map((a) => [a.name, a]));
    let changed = 0;
    for (const a of alarms) {
      if (a.type !== "CompositeAlarm") continue;
      if (await evaluateComposite(account, a, byName, now)) changed++;
    }
    changes += changed;
    if (!changed) break;
  }
  return changes;
}

/** Evaluates one composite against `byName`; true when its state changed. */
async function evaluateComposite(account: string, alarm: AlarmRecord, byName: Map<string, AlarmRecord>, now: number): Promise<boolean> {
  let rule: Rule;
  try {
    rule = parseRule(alarm.composite!.rule);
  } catch {
    return false; // stored rules were parsed when put
  }
  const stateOf = (ref: string): StateValue | undefined => {
    const name = referencedName(ref, alarm.region, account);
    return name === undefined ? undefined : byName.get(name)?.state.value;
  };
  const children = [...ruleAlarms(rule)]
    .map((ref) => byName.get(referencedName(ref, alarm.region, account) ?? ""))
    .filter((c): c is AlarmRecord => c !== undefined)
    .sort((x, y) => y.state.transitionedAt - x.state.transitionedAt);
  // AWS re-evaluates a composite only when a child changes state or its configuration is updated: a state
  // set by SetAlarmState stays until then ("It returns to its actual state only once any of its children alarms change state").
  const since = alarm.state.updatedAt;
  const due = alarm.state.reason === INITIAL_REASON || alarm.configUpdatedAt > since || children.some((c) => c.state.transitionedAt > since);
  if (!due) return false;
  const value: StateValue = evaluateRule(rule, stateOf) ? "ALARM" : "OK";
  if (value === alarm.state.value) return false;

  // The child that changed last decided it.
  const trigger = children[0];
  const reason = trigger
    ? `${alarmArn(trigger.region, account, trigger.name)} transitioned to ${trigger.state.value} at ${longDate(trigger.state.transitionedAt)}`
    : `Alarm rule ${alarm.composite!.rule} evaluated to ${value === "ALARM" ? "TRUE" : "FALSE"}`;
  const reasonData = trigger
    ? JSON.stringify({
        triggeringAlarms: [
          { arn: alarmArn(trigger.region, account, trigger.name), state: { value: trigger.state.value, timestamp: awsJsonDate(trigger.state.transitionedAt) } },
        ],
      })
    : undefined;

  const current = await getAlarmToChange(account, alarm.region, alarm.name);
  if (!current || current.value.state.value === value) return false;
  const suppressorName = current.value.composite?.suppressor;
  const suppressor = suppressorName ? (byName.get(suppressorName) ?? (await getAlarm(account, alarm.region, suppressorName))?.value) : undefined;
  const { hold, suppressed } = holdForSuppressor(current.value, suppressor?.state, now);
  const next = withState(current.value, { value, reason, reasonData }, now, { hold });
  if (suppressed && next.pending.length > current.value.pending.length) next.suppressed = suppressed;
  else delete next.suppressed;
  if (!(await commitState(account, current.revision, next))) return false;
  byName.set(alarm.name, next);
  return true;
}

/** Carries out due held actions of the account's composites (their suppressor re-read now). */
export async function runHeldActions(account: string, region: string, alarms: AlarmRecord[], now: number): Promise<void> {
  const byName = new Map(alarms.map((a) => [a.name, a]));
  for (const a of alarms) {
    if (!a.pending.some((p) => (p.notBefore ?? 0) <= now || p.claimedAt !== undefined)) continue;
    const suppressor = a.composite?.suppressor ? byName.get(a.composite.suppressor)?.state : undefined;
    await runPending(account, region, a.name, now, suppressor);
  }
}
