/**
 * The local runtime's schedules: EventBridge rate()/cron() expressions, when
 * they fire next (on a fake clock), and that the scheduler fires registered
 * functions with EventBridge-shaped events through invokeFunction.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { registerFunction } from "../../lib/runtime/invoke.js";
import { nextFire, parseSchedule } from "../../local/schedule.js";
import { startScheduler } from "../../local/scheduler.js";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The next `n` fire times after `from`. */
function series(expr: string, from: string, n: number): (string | undefined)[] {
  const s = parseSchedule(expr);
  const out: (string | undefined)[] = [];
  let t: number | undefined = at(from);
  for (let i = 0; i < n && t !== undefined; i++) {
    t = nextFire(s, t, at(from));
    out.push(iso(t));
  }
  return out;
}

describe("rate()", () => {
  it.each([
    ["rate(1 minute)", 60_000],
    ["rate(5 minutes)", 300_000],
    ["rate(1 hour)", 3_600_000],
    ["rate(12 hours)", 43_200_000],
    ["rate(1 day)", 86_400_000],
    ["rate(7 days)", 604_800_000],
  ])("%s is every %d ms", (expr, ms) => {
    expect(parseSchedule(expr)).toMatchObject({ kind: "rate", intervalMs: ms });
  });

  it.each(["rate(1 minutes)", "rate(2 minute)", "rate(0 minutes)", "rate(-1 minutes)", "rate(1.5 hours)", "rate(1 week)", "rate()", "every(1 minute)"])(
    "rejects %s",
    (expr) => expect(() => parseSchedule(expr)).toThrow(/invalid/),
  );

  it("fires at whole intervals from its anchor", () => {
    const s = parseSchedule("rate(5 minutes)");
    const anchor = at("2024-01-01T00:00:07Z");
    expect(iso(nextFire(s, anchor, anchor))).toBe("2024-01-01T00:05:07.000Z");
    expect(iso(nextFire(s, at("2024-01-01T00:05:06Z"), anchor))).toBe("2024-01-01T00:05:07.000Z");
    expect(iso(nextFire(s, at("2024-01-01T00:05:07Z"), anchor))).toBe("2024-01-01T00:10:07.000Z");
    expect(iso(nextFire(s, at("2024-01-01T01:02:00Z"), anchor))).toBe("2024-01-01T01:05:07.000Z");
  });
});

describe("cron()", () => {
  it("every 15 minutes", () => {
    expect(series("cron(0/15 * * * ? *)", "2024-03-10T10:07:30Z", 3)).toEqual([
      "2024-03-10T10:15:00.000Z", "2024-03-10T10:30:00.000Z", "2024-03-10T10:45:00.000Z",
    ]);
    expect(series("cron(*/15 * * * ? *)", "2024-03-10T10:45:00Z", 1)).toEqual(["2024-03-10T11:00:00.000Z"]);
  });

  it("minute and hour lists and ranges", () => {
    expect(series("cron(5,35 14 * * ? *)", "2024-03-10T14:10:00Z", 3)).toEqual([
      "2024-03-10T14:35:00.000Z", "2024-03-11T14:05:00.000Z", "2024-03-11T14:35:00.000Z",
    ]);
    expect(series("cron(0 8-10 * * ? *)", "2024-03-10T09:30:00Z", 3)).toEqual([
      "2024-03-10T10:00:00.000Z", "2024-03-11T08:00:00.000Z", "2024-03-11T09:00:00.000Z",
    ]);
    expect(series("cron(* * * * ? *)", "2024-03-10T09:30:20Z", 2)).toEqual([
      "2024-03-10T09:31:00.000Z", "2024-03-10T09:32:00.000Z",
    ]);
  });

  it("weekdays by name, wrapping ranges, nth and last weekday", () => {
    // 2024-03-08 is a Friday.
    expect(series("cron(0 8 ? * MON-FRI *)", "2024-03-08T09:00:00Z", 2)).toEqual([
      "2024-03-11T08:00:00.000Z", "2024-03-12T08:00:00.000Z",
    ]);
    expect(series("cron(0 8 ? * FRI-MON *)", "2024-03-08T09:00:00Z", 3)).toEqual([
      "2024-03-09T08:00:00.000Z", "2024-03-10T08:00:00.000Z", "2024-03-11T08:00:00.000Z",
    ]);
    expect(series("cron(0 10 ? * 6#3 *)", "2024-03-01T00:00:00Z", 2)).toEqual([
      "2024-03-15T10:00:00.000Z", "2024-04-19T10:00:00.000Z",
    ]);
    expect(series("cron(15 10 ? * 6L 2022-2023)", "2022-01-01T00:00:00Z", 2)).toEqual([
      "2022-01-28T10:15:00.000Z", "2022-02-25T10:15:00.000Z",
    ]);
    expect(series("cron(15 10 ? * 6L 2022-2023)", "2023-12-30T00:00:00Z", 1)).toEqual([undefined]);
  });

  it("days of the month: numbers, L, W", () => {
    expect(series("cron(0 0 1 * ? *)", "2024-01-15T00:00:00Z", 2)).toEqual([
      "2024-02-01T00:00:00.000Z", "2024-03-01T00:00:00.000Z",
    ]);
    expect(series("cron(0 0 L * ? *)", "2024-01-31T00:00:00Z", 2)).toEqual([
      "2024-02-29T00:00:00.000Z", "2024-03-31T00:00:00.000Z",
    ]);
    // 2024-06-15 is a Saturday: the nearest weekday is Friday the 14th.
    expect(series("cron(0 0 15W * ? *)", "2024-06-01T00:00:00Z", 1)).toEqual(["2024-06-14T00:00:00.000Z"]);
    expect(series("cron(0 0 31 * ? *)", "2024-04-01T00:00:00Z", 1)).toEqual(["2024-05-31T00:00:00.000Z"]);
    expect(series("cron(0 12 1 JAN,JUL ? *)", "2024-02-01T00:00:00Z", 2)).toEqual([
      "2024-07-01T12:00:00.000Z", "2025-01-01T12:00:00.000Z",
    ]);
  });

  it.each([
    "cron(0 12 * * ?)",
    "cron(0 12 * * * *)",
    "cron(0 12 ? * ? *)",
    "cron(60 12 * * ? *)",
    "cron(0 24 * * ? *)",
    "cron(0 12 32 * ? *)",
    "cron(0 12 ? * 8 *)",
    "cron(0 12 ? * MON#6 *)",
    "cron(0/0 12 * * ? *)",
    "cron(a 12 * * ? *)",
    "cron(0 12 * 13 ? *)",
  ])("rejects %s", (expr) => expect(() => parseSchedule(expr)).toThrow(/invalid cron/));
});

describe("scheduler", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2024-05-01T12:00:30Z"));
  });
  afterEach(() => vi.useRealTimers());

  it("fires a registered function with EventBridge Scheduled Events on time", async () => {
    const events: any[] = [];
    registerFunction("TestTick", async (event, context) => {
      events.push({ event, name: context.functionName });
      return "ok";
    });
    const scheduler = startScheduler(
      [{ logicalId: "TestTick", eventName: "Every", schedule: parseSchedule("rate(1 minute)") }],
      { region: "us-east-1", accountId: "000000000000" },
    );
    expect(scheduler.next()).toEqual([{ logicalId: "TestTick", eventName: "Every", at: at("2024-05-01T12:01:30Z") }]);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(events).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(events).toHaveLength(1);
    expect(events[0].name).toBe("TestTick");
    expect(events[0].event).toEqual({
      version: "0",
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      "detail-type": "Scheduled Event",
      source: "aws.events",
      account: "000000000000",
      time: "2024-05-01T12:01:30Z",
      region: "us-east-1",
      resources: ["arn:aws:events:us-east-1:000000000000:rule/hive-cloudwatch-TestTickEvery"],
      detail: {},
    });
    await vi.advanceTimersByTimeAsync(120_000);
    expect(events.map((e) => e.event.time)).toEqual(["2024-05-01T12:01:30Z", "2024-05-01T12:02:30Z", "2024-05-01T12:03:30Z"]);
    await scheduler.stop();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(events).toHaveLength(3);
  });

  it("fires cron schedules on the minute, passes Input, skips disabled events", async () => {
    const calls: { id: string; event: any }[] = [];
    const invoke = async (id: string, event: unknown) => void calls.push({ id, event });
    const scheduler = startScheduler(
      [
        { logicalId: "Quarter", eventName: "Q", schedule: parseSchedule("cron(0/15 * * * ? *)"), input: { full: true } },
        { logicalId: "Off", eventName: "O", schedule: parseSchedule("rate(1 minute)"), enabled: false },
      ],
      { invoke },
    );
    await vi.advanceTimersByTimeAsync(at("2024-05-01T12:15:00Z") - Date.now());
    expect(calls).toEqual([{ id: "Quarter", event: { full: true } }]);
    await vi.advanceTimersByTimeAsync(30 * 60_000);
    expect(calls.map((c) => c.id)).toEqual(["Quarter", "Quarter", "Quarter"]);
    // A disabled event can still be fired by hand.
    await scheduler.fire("Off");
    expect(calls.at(-1)?.id).toBe("Off");
    await scheduler.stop();
  });

  it("queues one tick while the previous run is still going (missed ticks coalesce), and reports failures", async () => {
    let running = 0;
    let started = 0;
    const times: string[] = [];
    const errors: unknown[] = [];
    let release: () => void = () => undefined;
    const invoke = async (_id: string, event: any) => {
      started++;
      running++;
      times.push(event.time);
      await new Promise<void>((r) => (release = r));
      running--;
      throw new Error("boom");
    };
    const scheduler = startScheduler(
      [{ logicalId: "Slow", eventName: "S", schedule: parseSchedule("rate(1 minute)") }],
      { invoke, onError: (_t, e) => errors.push(e) },
    );
    await vi.advanceTimersByTimeAsync(60_000);
    expect(started).toBe(1);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(started).toBe(1);
    expect(running).toBe(1);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(errors).toHaveLength(1);
    // The two ticks missed meanwhile ran as one, at once, with the later tick's time.
    expect(started).toBe(2);
    expect(times).toEqual(["2024-05-01T12:01:30Z", "2024-05-01T12:03:30Z"]);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(errors).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(started).toBe(3);
    const stopped = scheduler.stop(1000);
    release();
    await stopped;
  });
});
