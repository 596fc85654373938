/**
 * The AlarmEvaluator is SIGKILLed mid-tick: after the service is back, every
 * state change is there with its one StateUpdate history item, and every SNS
 * notification was published exactly once (counted in the JetStream stream,
 * per subject). A state change is stored with its actions and history item in
 * one compare-and-set; a publish repeated after the crash carries the same
 * message id and is dropped by the stream's duplicate window.
 */
import { DescribeAlarmHistoryCommand, DescribeAlarmsCommand, PutMetricAlarmCommand, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { connect } from "nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NOTIFICATIONS_STREAM } from "../../lib/alarms/actions.js";
import { cloudWatchClient, startStack, type Stack } from "../support/stack.js";

let stack: Stack;
const RUN = `ad${Date.now().toString(36)}`;
const A = "000000000000";
const COUNT = 40;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  stack = await startStack();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe("a SIGKILL of the evaluator mid-tick", () => {
  it("loses no state change or history item and repeats no notification", async () => {
    const cw = cloudWatchClient(stack);
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    await cw.send(
      new PutMetricDataCommand({
        Namespace: "Durable/Alarms",
        MetricData: Array.from({ length: COUNT }, (_, i) => ({ MetricName: "M", Dimensions: [{ Name: "I", Value: `${RUN}-${i}` }], Timestamp: new Date(minute - 50_000), Value: 10 })),
      }),
    );
    for (let i = 0; i < COUNT; i++) {
      await cw.send(
        new PutMetricAlarmCommand({
          AlarmName: `${RUN}-${i}`,
          Namespace: "Durable/Alarms",
          MetricName: "M",
          Dimensions: [{ Name: "I", Value: `${RUN}-${i}` }],
          Statistic: "Maximum",
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 1,
          ComparisonOperator: "GreaterThanThreshold",
          // Once the datapoint has left the evaluation range the alarm keeps its state, however long the test takes.
          TreatMissingData: "ignore",
          AlarmActions: [`arn:aws:sns:us-east-1:${A}:${RUN}-${i}`],
        }),
      );
    }
    // Fire a tick and kill the service while it runs.
    const fired = stack.fireSchedule("AlarmEvaluator").catch(() => undefined);
    await sleep(150);
    await stack.stopService("SIGKILL");
    await fired;
    await stack.startService();

    // Ticks until every alarm is in ALARM and every notification is out (claims of the dead process expire after 60 s).
    const nc = await connect({ servers: stack.natsUrl });
    const jsm = await nc.jetstreamManager();
    const counts = async () => {
      const info = await jsm.streams.info(NOTIFICATIONS_STREAM, { subjects_filter: `sns.${A}.>` } as any).catch(() => undefined);
      const all = ((info?.state as any)?.subjects ?? {}) as Record<string, number>;
      return Object.fromEntries(Object.entries(all).filter(([subject]) => subject.startsWith(`sns.${A}.${RUN}-`)));
    };
    const deadline = Date.now() + 150_000;
    let states: string[] = [];
    let published: Record<string, number> = {};
    while (Date.now() < deadline) {
      await stack.fireSchedule("AlarmEvaluator").catch(() => undefined);
      const out = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: RUN, MaxRecords: 100 }));
      states = out.MetricAlarms!.map((a) => a.StateValue!);
      published = await counts();
      if (states.every((s) => s === "ALARM") && Object.keys(published).length === COUNT) break;
      await sleep(3000);
    }
    try {
      expect(states).toEqual(Array(COUNT).fill("ALARM"));
      expect(Object.keys(published)).toHaveLength(COUNT);
      for (const [subject, n] of Object.entries(published)) expect(n, subject).toBe(1);
      for (let i = 0; i < COUNT; i++) {
        const h = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: `${RUN}-${i}`, HistoryItemType: "StateUpdate" }));
        expect(h.AlarmHistoryItems!.map((x) => x.HistorySummary), `${RUN}-${i}`).toEqual(["Alarm updated from INSUFFICIENT_DATA to ALARM"]);
      }
    } finally {
      await nc.drain();
    }
  }, 300_000);
});
