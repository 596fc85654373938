/**
 * One evaluator tick: every alarm due at `now` in the partitions this process
 * takes, its data read in one batched pass (read.ts), its state decided as AWS
 * documents (window.ts), changes committed once (transition.ts), then the
 * composites of accounts with changes, and pending actions. History items a
 * dead writer left in a record are written first (store.ts).
 *
 * Minute ticks evaluate every metric alarm; the 10-second sub-ticks between
 * them evaluate only alarms with 10, 20 or 30-second periods (high-resolution
 * alarms), as AWS evaluates those every 10 seconds.
 */
import { INITIAL_REASON, alarmPeriod, datapointsToAlarm, type AlarmRecord } from "../alarm.js";
import { runPending, withState, type NewState } from "../transition.js";
import { alarmKey, recordHistory, scanAllAlarms } from "../store.js";
import { withoutHistory, writeHistory } from "../history.js";
import { BUCKETS } from "../../storage/nats.js";
import { kvWrites } from "../../storage/kv-writes.js";
import { evaluateComposites, runHeldActions } from "./composite.js";
import { finishLease, OWNER, partitionOf, PARTITIONS, takeLease } from "./leases.js";
import { inPool } from "../../storage/in-pool.js";
import { readAlarmData, type DueAlarm, type ReadContext } from "./read.js";
import { stateReason, stateReasonData } from "./reasons.js";
import { evaluateWindow, lowSampleCount, type Datapoint } from "./window.js";

/** Alarms read and decided together: bounds a tick's read memory (≈ 7 periods of one series per alarm). */
const SLICE = 5000;
/** State changes committed at once (each a few KV round trips). */
const COMMIT_CONCURRENCY = 64;

export interface TickReport {
  /** Alarms evaluated (metric alarms of the partitions taken). */
  evaluated: number;
  /** State changes made by this process. */
  changed: number;
  partitions: number;
  ms: number;
  /** Whether any alarm (of any partition) has a 10, 20 or 30-second period: the minute needs sub-ticks. */
  highResolution: boolean;
}

export interface TickOptions {
  /** A sub-minute tick: only high-resolution alarms. */
  highResOnly?: boolean;
  /** Tells evaluators in one process apart (tests); a process's own id by default. */
  owner?: string;
}

export async function evaluateTick(now: number, opts: TickOptions = {}): Promise<TickReport> {
  const started = Date.now();
  const owner = opts.owner ?? OWNER;
  const kind = opts.highResOnly ? "sub" : "minute";
  // A tick is the schedule's time to the second: every process's scheduler fires the same minute with the
  // same time, so they share one lease per partition; an extra run at another second evaluates again (harmless).
  const tick = Math.floor(now / 1000);
  const all = await scanAllAlarms();

  const taken = new Map<number, number>();
  await Promise.all(
    Array.from({ length: PARTITIONS }, async (_, p) => {
      const revision = await takeLease(kind, p, tick, owner);
      if (revision !== undefined) taken.set(p, revision);
    }),
  );
  const mine = await withHistoryRecorded(all.filter(({ account, record }) => taken.has(partitionOf(account, record.region, record.name))));
  const due: DueAlarm[] = mine
    .filter(({ record }) => record.type === "MetricAlarm" && (!opts.highResOnly || alarmPeriod(record.metric!) < 60))
    .map(({ account, record, revision }) => ({ account, alarm: record, revision }));

  const changedAccounts = new Set<string>();
  let changed = 0;
  const readContext: ReadContext = new Map();
  // In slices: what a read holds (periods of every series of the slice) stays bounded however many alarms there are.
  for (let from = 0; from < due.length; from += SLICE) {
    const slice = due.slice(from, from + SLICE);
    let points: Datapoint[][];
    try {
      points = await readAlarmData(slice, now, readContext);
    } catch (e) {
      console.error("alarm evaluator: reading alarm data failed", e);
      continue;
    }
    const changes: Array<{ i: number; next: NewState }> = [];
    for (let i = 0; i < slice.length; i++) {
      const alarm = slice[i].alarm;
      const next = decide(alarm, points[i], now);
      // A new alarm's first evaluation replaces "Unchecked: Initial alarm creation" even when it stays INSUFFICIENT_DATA.
      if (!next || (next.value === alarm.state.value && alarm.state.reason !== INITIAL_REASON)) continue;
      const state = next.describe();
      if (state.value === alarm.state.value && state.reason === alarm.state.reason) continue;
      changes.push({ i, next: state });
    }
    for (const c of await commitChanges(changes.map(({ i, next }) => ({ ...slice[i], next })), now)) {
      changed++;
      changedAccounts.add(`${c.account}\n${c.alarm.region}`);
    }
  }

  // Composites: of accounts where something changed, and on minute ticks of every account this process has.
  const accounts = new Set(changedAccounts);
  if (!opts.highResOnly) for (const { account, record } of mine) if (record.type === "CompositeAlarm") accounts.add(`${account}\n${record.region}`);
  for (const key of accounts) {
    const [account, region] = key.split("\n");
    changed += await evaluateComposites(account, region, now);
  }

  // Pending actions left by a crash, and composites' held actions now due.
  const withPending = mine.filter(({ record }) => record.pending.length);
  const byAccount = new Map<string, AlarmRecord[]>();
  for (const { account, record } of all) {
    const key = `${account}\n${record.region}`;
    let list = byAccount.get(key);
    if (!list) byAccount.set(key, (list = []));
    list.push(record);
  }
  for (const { account, record } of withPending) {
    const alarms = byAccount.get(`${account}\n${record.region}`) ?? [];
    if (record.composite?.suppressor) await runHeldActions(account, record.region, alarms.filter((a) => a.name === record.name || a.name === record.composite!.suppressor), now);
    else await runPending(account, record.region, record.name, now);
  }

  await Promise.all([...taken].map(([p, revision]) => finishLease(kind, p, tick, owner, revision)));
  const highResolution = all.some(({ record }) => record.type === "MetricAlarm" && alarmPeriod(record.metric!) < 60);
  return { evaluated: due.length, changed, partitions: taken.size, ms: Date.now() - started, highResolution };
}

/**
 * The state an alarm's datapoints call for, undefined to keep the current
 * one; its reason and reason data are only written out (describe) when the
 * state is to change, which most evaluations do not.
 */
export function decide(alarm: AlarmRecord, points: Datapoint[], now: number): { value: NewState["value"]; describe: () => NewState } | undefined {
  const m = alarm.metric!;
  if (points.length === 0) return undefined;
  // EvaluateLowSampleCountPercentile=ignore: no state change while the newest datapoint has too few samples.
  const pct = /^p(\d+(?:\.\d+)?)$/i.exec(m.extendedStatistic ?? "");
  if (pct && m.evaluateLowSampleCountPercentile === "ignore") {
    const newest = [...points].reverse().find((p) => p.value !== undefined);
    if (newest && lowSampleCount(Number(pct[1]), newest.sampleCount ?? 0)) return undefined;
  }
  const result = evaluateWindow({
    points,
    evaluationPeriods: m.evaluationPeriods,
    datapointsToAlarm: datapointsToAlarm(m),
    threshold: m.threshold ?? 0,
    comparison: m.comparisonOperator,
    treatMissing: m.treatMissingData ?? "missing",
  });
  const outcome = result.outcome;
  if (outcome.kind === "retain") return undefined;
  return {
    value: outcome.state,
    describe: () => ({ value: outcome.state, reason: stateReason(m, result), reasonData: stateReasonData(m, result, now, alarmPeriod(m)) }),
  };
}

type Scanned = { account: string; record: AlarmRecord; revision: number };

/**
 * The alarms with the history items a dead writer left in them written and
 * taken out, at their new revisions: changes are committed only onto records
 * holding none. One that failed is left out of this tick.
 */
async function withHistoryRecorded(alarms: Scanned[]): Promise<Scanned[]> {
  const skipped = new Set<Scanned>();
  await inPool(
    alarms.filter(({ record }) => record.unrecorded?.length),
    async (a) => {
      try {
        const after = await recordHistory(a.account, a.record, a.revision);
        if (after) Object.assign(a, { record: after.value, revision: after.revision });
        else skipped.add(a);
      } catch (e) {
        console.error(`alarm evaluator: writing the history left in alarm ${a.record.name} failed`, e);
        skipped.add(a);
      }
    },
    COMMIT_CONCURRENCY,
  );
  return skipped.size ? alarms.filter((a) => !skipped.has(a)) : alarms;
}

/**
 * Commits the slice's state changes: one window of compare-and-set writes
 * against the revisions the alarms were read at (an alarm changed since by
 * another evaluator, a SetAlarmState or a PutMetricAlarm is left alone: this
 * evaluation of it is stale), each with its history item in the record; then
 * one window writing those items and one taking them out of the records; then
 * the actions of the changes that won. Returns those.
 */
async function commitChanges(changes: Array<DueAlarm & { next: NewState }>, now: number): Promise<DueAlarm[]> {
  if (!changes.length) return [];
  // A first evaluation that leaves a new alarm in INSUFFICIENT_DATA only replaces its reason: no history item.
  const records = changes.map((c) => withState(c.alarm, c.next, now, { history: c.next.value !== c.alarm.state.value }));
  const keyOf = (j: number) => alarmKey(changes[j].account, records[j].region, records[j].name);
  const revisions = await kvWrites(
    BUCKETS.alarms,
    changes.map((c, j) => ({ key: keyOf(j), value: encode(records[j]), revision: c.revision })),
  );
  const won = changes.map((_, j) => j).filter((j) => revisions[j] > 0);
  const recorded = won.filter((j) => records[j].unrecorded?.length);
  await writeHistory(recorded.flatMap((j) => records[j].unrecorded!.map((unrecorded) => ({ account: changes[j].account, region: records[j].region, unrecorded }))));
  const cleared = recorded.map((j) => withoutHistory(records[j], new Set(records[j].unrecorded!.map((u) => u.id))));
  const clearedAt = await kvWrites(
    BUCKETS.alarms,
    recorded.map((j, k) => ({ key: keyOf(j), value: encode(cleared[k]), revision: revisions[j] })),
  );
  // One changed in between (its actions claimed by another process, say) is cleared from a fresh read.
  await inPool(
    recorded.map((j, k) => ({ j, k })),
    async ({ j, k }) => {
      if (clearedAt[k] > 0) [records[j], revisions[j]] = [cleared[k], clearedAt[k]];
      else await recordHistory(changes[j].account, records[j]);
    },
    COMMIT_CONCURRENCY,
  );
  await inPool(
    won.filter((j) => records[j].pending.length),
    (j) => runPending(changes[j].account, records[j].region, records[j].name, now),
    COMMIT_CONCURRENCY,
  );
  return won.map((j) => ({ account: changes[j].account, alarm: records[j], revision: revisions[j] }));
}

const encode = (v: unknown) => Buffer.from(JSON.stringify(v));

const HIGH_RES_STEP_MS = 10_000;

/**
 * The scheduled function's run for the minute starting at `now`: the minute
 * tick, then, when high-resolution alarms exist, the sub-ticks at +10 s …
 * +50 s (waiting in real time for each), since schedules fire once a minute.
 */
export async function evaluateMinute(now: number, opts: TickOptions = {}): Promise<TickReport[]> {
  const wallStart = Date.now();
  const reports = [await evaluateTick(now, opts)];
  if (!reports[0].highResolution) return reports;
  for (let k = 1; k < 60_000 / HIGH_RES_STEP_MS; k++) {
    const wait = wallStart + k * HIGH_RES_STEP_MS - Date.now();
    // A sub-tick already a whole step late is skipped: the next one covers it, and the run ends within the minute.
    if (wait < -HIGH_RES_STEP_MS) continue;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    reports.push(await evaluateTick(now + k * HIGH_RES_STEP_MS, { ...opts, highResOnly: true }));
  }
  return reports;
}
