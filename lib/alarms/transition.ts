/**
 * A state change and its consequences, done once however many processes try:
 * the new state, the actions it fires and its history item are written in one
 * compare-and-set (actions as a pending list on the record, the item in its
 * `unrecorded` list: outboxes), the item is then written to the history
 * bucket and taken out, and pending actions are carried out by whoever claims
 * them (a claim is another compare-and-set).
 *
 * After a crash: a state change is either stored with its actions and history
 * item or not at all (the next evaluation makes it); an item left in the
 * record is written by the next writer of the alarm or evaluator pass (store.ts);
 * a claimed action is not sent again unless it is an SNS publish, which
 * JetStream drops as a duplicate by id.
 */
import type { AlarmRecord, AlarmState, PendingAction, StateValue } from "./alarm.js";
import { executeAction, pendingFor } from "./actions.js";
import { actionItem, stateUpdateItem, withHistory } from "./history.js";
import { modifyAlarm, recordHistory, updateAlarmRevision } from "./store.js";

/** A claim older than this belongs to a process that stopped before finishing. */
export const CLAIM_TIMEOUT_MS = 60_000;

export interface NewState {
  value: StateValue;
  reason: string;
  reasonData?: string;
}

export interface StateOptions {
  /** Delays the new actions (a composite's suppressor). */
  hold?: (actions: PendingAction[]) => PendingAction[];
  /** Whether the change is a StateUpdate history item (true unless said otherwise). */
  history?: boolean;
}

/**
 * The record after moving to `next` at `now`, with the actions of a change of
 * value queued and its StateUpdate history item in the outbox. The record must
 * have been read through getAlarmToChange (no items left in it).
 */
export function withState(alarm: AlarmRecord, next: NewState, now: number, { hold, history = true }: StateOptions = {}): AlarmRecord {
  const old = alarm.state;
  const changed = old.value !== next.value;
  const state: AlarmState = {
    value: next.value,
    reason: next.reason,
    ...(next.reasonData !== undefined ? { reasonData: next.reasonData } : {}),
    updatedAt: now,
    transitionedAt: changed ? now : old.transitionedAt,
    ...(old.leftAlarmAt !== undefined ? { leftAlarmAt: old.leftAlarmAt } : {}),
  };
  if (changed && old.value === "ALARM") state.leftAlarmAt = now;
  const record: AlarmRecord = { ...alarm, state };
  if (changed) {
    const fresh = pendingFor(alarm, old.value, next.value, now);
    record.pending = [...alarm.pending, ...(hold ? hold(fresh) : fresh)];
  }
  return history ? withHistory(record, stateUpdateItem(alarm, old, state)) : record;
}

/**
 * Moves the alarm to `next` (withState) if it is still at `revision`; false
 * when another writer got there first (the caller re-reads and decides
 * again). On success the history item is written and the new actions are
 * carried out.
 */
export async function commitState(account: string, revision: number, next: AlarmRecord): Promise<boolean> {
  const stored = await updateAlarmRevision(account, next, revision);
  if (stored === undefined) return false;
  await recordHistory(account, next, stored);
  if (next.pending.length) await runPending(account, next.region, next.name, next.state.updatedAt);
  return true;
}

/**
 * Carries out the alarm's due pending actions: claims them (compare-and-set),
 * executes each, and removes it with its outcome as an Action history item
 * (one compare-and-set: whoever removes it records it, once).
 * A composite's held actions (ActionsSuppressor) are re-checked against the
 * suppressor's state `suppressor` when due: still held while it is in ALARM
 * or within its extension period, dropped when the composite has moved on.
 */
export async function runPending(account: string, region: string, name: string, now = Date.now(), suppressor?: AlarmState): Promise<void> {
  let claimed: PendingAction[] = [];
  let stale: PendingAction[] = [];
  const result = await modifyAlarm(account, region, name, (alarm) => {
    claimed = [];
    stale = [];
    let touched = false;
    const keep: PendingAction[] = [];
    let suppressed = alarm.suppressed;
    for (const a of alarm.pending) {
      if (a.claimedAt !== undefined) {
        if (now - a.claimedAt < CLAIM_TIMEOUT_MS) keep.push(a);
        else if (/^arn:aws(?:-[a-z-]+)?:sns:/.test(a.arn)) claimed.push({ ...a, claimedAt: now }); // a repeat publish is dropped by its id
        else stale.push(a);
        continue;
      }
      if ((a.notBefore ?? 0) > now) {
        keep.push(a);
        continue;
      }
      if (a.notBefore !== undefined) {
        const hold = holdUntil(alarm, a, suppressor, now);
        if (hold === "drop") {
          touched = true;
          continue;
        }
        if (hold !== "run") {
          keep.push({ ...a, notBefore: hold.until });
          suppressed = hold.suppressed;
          touched = true;
          continue;
        }
      }
      claimed.push({ ...a, claimedAt: now });
    }
    if (!claimed.length && !stale.length && !touched) return undefined;
    const unknown = { ok: false, error: "The evaluator stopped before the action's outcome was known; it is not repeated." };
    const next: AlarmRecord = withHistory({ ...alarm, pending: [...keep, ...claimed] }, ...stale.map((a) => actionItem(alarm, a.arn, unknown, a.at, now)));
    if (suppressed) next.suppressed = suppressed;
    if (!next.pending.some((p) => p.notBefore !== undefined && p.claimedAt === undefined) && next.suppressed?.by !== "Alarm") delete next.suppressed;
    return next;
  });
  if (!result?.changed) return;
  const alarm = result.record;

  for (const a of claimed) {
    let outcome;
    try {
      outcome = await executeAction(account, alarm, a, now);
    } catch (e) {
      outcome = { ok: false as const, error: String((e as Error).message ?? e) };
    }
    const item = actionItem(alarm, a.arn, outcome, a.at, Date.now());
    await modifyAlarm(account, region, name, (cur) => {
      const pending = cur.pending.filter((p) => p.id !== a.id);
      return pending.length === cur.pending.length ? undefined : withHistory({ ...cur, pending }, item);
    });
  }
}

type Hold = "run" | "drop" | { until: number; suppressed: NonNullable<AlarmRecord["suppressed"]> };

/** Whether a held composite action runs now, is dropped, or waits longer. */
function holdUntil(alarm: AlarmRecord, a: PendingAction, suppressor: AlarmState | undefined, now: number): Hold {
  if (alarm.state.value !== a.newState) return "drop";
  const c = alarm.composite;
  if (!c?.suppressor || !suppressor) return "run";
  if (suppressor.value === "ALARM") {
    return { until: now + RECHECK_MS, suppressed: { by: "Alarm", reason: `Alarm ${c.suppressor} is in ALARM state.` } };
  }
  const extensionEnd = (suppressor.leftAlarmAt ?? -Infinity) + (c.extensionPeriod ?? 0) * 1000;
  if (now < extensionEnd) {
    return { until: extensionEnd, suppressed: { by: "ExtensionPeriod", reason: `Extension period of ${c.extensionPeriod} seconds after ${c.suppressor} left ALARM state.` } };
  }
  return "run";
}

/** How soon a held action is looked at again while its suppressor is in ALARM. */
const RECHECK_MS = 10_000;

/**
 * What a composite's new actions wait for (ActionsSuppressor, as AWS
 * documents it): held while the suppressor is in ALARM; until the end of the
 * extension period after it left ALARM; else for the wait period, in case the
 * suppressor goes into ALARM. Nothing without a suppressor.
 */
export function holdForSuppressor(alarm: AlarmRecord, suppressor: AlarmState | undefined, now: number): {
  hold: (actions: PendingAction[]) => PendingAction[];
  suppressed?: AlarmRecord["suppressed"];
} {
  const c = alarm.composite;
  if (!c?.suppressor || !suppressor) return { hold: (a) => a };
  const name = c.suppressor;
  if (suppressor.value === "ALARM") {
    return {
      hold: (acts) => acts.map((a) => ({ ...a, notBefore: now + RECHECK_MS })),
      suppressed: { by: "Alarm", reason: `Alarm ${name} is in ALARM state.` },
    };
  }
  const extensionEnd = (suppressor.leftAlarmAt ?? -Infinity) + (c.extensionPeriod ?? 0) * 1000;
  if (now < extensionEnd) {
    return {
      hold: (acts) => acts.map((a) => ({ ...a, notBefore: extensionEnd })),
      suppressed: { by: "ExtensionPeriod", reason: `Extension period of ${c.extensionPeriod} seconds after ${name} left ALARM state.` },
    };
  }
  if ((c.waitPeriod ?? 0) > 0) {
    return {
      hold: (acts) => acts.map((a) => ({ ...a, notBefore: now + c.waitPeriod! * 1000 })),
      suppressed: { by: "WaitPeriod", reason: `Waiting ${c.waitPeriod} seconds for ${name} to go into ALARM state.` },
    };
  }
  return { hold: (a) => a };
}
