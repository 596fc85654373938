/**
 * Fires the Schedule events of template.yaml on time, like EventBridge, with
 * EventBridge-shaped "Scheduled Event" payloads, through invokeFunction.
 *
 * One run of a target at a time: a tick that comes while a run is still
 * going is queued and fires as the run ends, and further ticks meanwhile
 * coalesce into it. EventBridge would invoke again at once; queueing one keeps
 * the minute's work (compaction, alarms) without piling runs up on a slow
 * machine. The functions tolerate concurrent runs across processes anyway.
 */
import { randomUUID } from "node:crypto";
import { invokeFunction } from "../lib/runtime/invoke.js";
import { nextFire, type Schedule } from "./schedule.js";

export interface ScheduledTarget {
  logicalId: string;
  /** The event's name under the function's Events. */
  eventName: string;
  schedule: Schedule;
  enabled?: boolean;
  /** Constant input sent instead of the event (`Input`). */
  input?: unknown;
  timeoutMs?: number;
}

export interface SchedulerOptions {
  region?: string;
  accountId?: string;
  /** Defaults to invokeFunction of lib/runtime/invoke. */
  invoke?: (logicalId: string, event: unknown, timeoutMs?: number) => Promise<unknown>;
  now?: () => number;
  onError?: (target: ScheduledTarget, error: unknown) => void;
  onFire?: (target: ScheduledTarget, event: unknown) => void;
}

export interface ScheduledEvent {
  version: "0";
  id: string;
  "detail-type": "Scheduled Event";
  source: "aws.events";
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, never>;
}

export interface Scheduler {
  /** When each target fires next (epoch ms). */
  next(): { logicalId: string; eventName: string; at: number | undefined }[];
  /** Fires a target now (whether or not it is enabled) and resolves with the function's result. */
  fire(logicalId: string, eventName?: string): Promise<unknown>;
  /** Stops the timers; resolves when runs in flight have finished (or after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

/** The rule name the local runtime uses in the event's `resources` ARN. */
export const ruleName = (t: Pick<ScheduledTarget, "logicalId" | "eventName">) => `hive-cloudwatch-${t.logicalId}${t.eventName}`;

export function scheduledEvent(t: ScheduledTarget, at: number, region: string, account: string): ScheduledEvent {
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account,
    // EventBridge reports the scheduled time to the second, in UTC.
    time: new Date(Math.floor(at / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"),
    region,
    resources: [`arn:aws:events:${region}:${account}:rule/${ruleName(t)}`],
    detail: {},
  };
}

const MAX_TIMER = 2 ** 31 - 1;

export function startScheduler(targets: ScheduledTarget[], opts: SchedulerOptions = {}): Scheduler {
  const region = opts.region ?? "us-east-1";
  const account = opts.accountId ?? "000000000000";
  const invoke = opts.invoke ?? invokeFunction;
  const now = opts.now ?? Date.now;
  const onError = opts.onError ?? ((t, e) => console.error(`schedule ${ruleName(t)} failed:`, e));
  const anchor = now();
  let stopped = false;

  interface Slot { target: ScheduledTarget; at?: number; timer?: NodeJS.Timeout; running?: Promise<unknown>; queued?: number }
  const slots: Slot[] = targets.map((target) => ({ target }));

  const run = (slot: Slot, at: number): Promise<unknown> => {
    const t = slot.target;
    const event = t.input !== undefined ? t.input : scheduledEvent(t, at, region, account);
    opts.onFire?.(t, event);
    const p = Promise.resolve()
      .then(() => invoke(t.logicalId, event, t.timeoutMs))
      .finally(() => {
        if (slot.running !== p) return;
        slot.running = undefined;
        const queued = slot.queued;
        slot.queued = undefined;
        if (queued !== undefined && !stopped) run(slot, queued).catch((e) => onError(t, e));
      });
    slot.running = p;
    return p;
  };

  const arm = (slot: Slot, after: number) => {
    if (stopped) return;
    const at = nextFire(slot.target.schedule, after, anchor);
    slot.at = at;
    if (at === undefined) return;
    const wait = () => {
      const delay = at - now();
      if (delay > MAX_TIMER) {
        slot.timer = setTimeout(wait, MAX_TIMER);
        return;
      }
      slot.timer = setTimeout(() => {
        slot.timer = undefined;
        if (stopped) return;
        if (!slot.running) run(slot, at).catch((e) => onError(slot.target, e));
        else slot.queued = at;
        // Arm from the scheduled time, so a late timer does not drift the series.
        arm(slot, Math.max(at, now()));
      }, Math.max(0, delay));
      slot.timer.unref?.();
    };
    wait();
  };

  for (const slot of slots) if (slot.target.enabled !== false) arm(slot, anchor);

  return {
    next: () => slots.map((s) => ({ logicalId: s.target.logicalId, eventName: s.target.eventName, at: s.at })),
    fire: (logicalId, eventName) => {
      const slot = slots.find(
        (s) => s.target.logicalId === logicalId && (eventName === undefined || s.target.eventName === eventName),
      );
      if (!slot) return Promise.reject(new Error(`no schedule for ${logicalId}${eventName ? `.${eventName}` : ""}`));
      return run(slot, now());
    },
    stop: async (graceMs = 10_000) => {
      stopped = true;
      for (const s of slots) if (s.timer) clearTimeout(s.timer);
      const running = slots.map((s) => s.running).filter(Boolean).map((p) => p!.catch(() => undefined));
      if (!running.length) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(running),
        new Promise((r) => (timer = setTimeout(r, graceMs))),
      ]);
      clearTimeout(timer);
    },
  };
}
