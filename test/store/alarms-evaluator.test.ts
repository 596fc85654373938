/**
 * The alarm evaluator in-process over a real nats-server, with a test clock:
 * data put through PutMetricData's code path, ticks run at chosen times, and
 * the states, reasons, history and actions that follow. Actions land on real
 * NATS subjects: a subscriber sees the SNS-shaped notification, a responder
 * on ec2.cmd.{id} gets the stop request. Expected states come from AWS's
 * documentation tables (see test/pure/alarms-window.test.ts for the tables).
 */
import { connect, type NatsConnection } from "nats";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestServers, type TestServers } from "../support/servers.js";

const MIN = 60_000;
const A = "000000000000";
const B = "111111111111";
const REGION = "us-east-1";
const NS = "Alarms/Test";

let servers: TestServers;
let nc: NatsConnection;
let lib: typeof import("../../lib/metrics/put-metric-data.js") &
  typeof import("../../lib/alarms/put-metric-alarm.js") &
  typeof import("../../lib/alarms/put-composite-alarm.js") &
  typeof import("../../lib/alarms/describe-alarms.js") &
  typeof import("../../lib/alarms/delete-alarms.js") &
  typeof import("../../lib/alarms/set-alarm-state.js") &
  typeof import("../../lib/alarms/history.js") &
  typeof import("../../lib/alarms/describe-alarm-history.js") &
  typeof import("../../lib/alarms/evaluate/evaluator.js") &
  typeof import("../../lib/alarms/store.js") &
  typeof import("../../lib/alarms/transition.js") &
  typeof import("../../lib/alarms/actions.js") &
  typeof import("../../lib/alarms/alarm.js") &
  typeof import("../../lib/alarms/tags.js");

beforeAll(async () => {
  servers = await startTestServers("alarms", { s3: false });
  lib = {
    ...(await import("../../lib/metrics/put-metric-data.js")),
    ...(await import("../../lib/alarms/put-metric-alarm.js")),
    ...(await import("../../lib/alarms/put-composite-alarm.js")),
    ...(await import("../../lib/alarms/describe-alarms.js")),
    ...(await import("../../lib/alarms/delete-alarms.js")),
    ...(await import("../../lib/alarms/set-alarm-state.js")),
    ...(await import("../../lib/alarms/history.js")),
    ...(await import("../../lib/alarms/describe-alarm-history.js")),
    ...(await import("../../lib/alarms/evaluate/evaluator.js")),
    ...(await import("../../lib/alarms/store.js")),
    ...(await import("../../lib/alarms/transition.js")),
    ...(await import("../../lib/alarms/actions.js")),
    ...(await import("../../lib/alarms/alarm.js")),
    ...(await import("../../lib/alarms/tags.js")),
  } as any;
  nc = await connect({ servers: servers.nats.url });
}, 60_000);

afterAll(async () => {
  await nc?.drain();
  await servers?.stop();
});

/** Each test gets its own stretch of the test clock (leases only move forward in time). */
let clock = Math.floor(Date.now() / (60 * MIN)) * 60 * MIN - 2 * 86_400_000;
function reserve(minutes = 20): number {
  const start = clock;
  clock += minutes * MIN;
  return start;
}

afterEach(async () => {
  // Composites first: a child in use cannot be deleted.
  for (const account of [A, B]) {
    const all = await lib.listAlarms(account, REGION);
    // Parents before children: a composite another one uses cannot be deleted yet.
    let composites = all.filter((x) => x.type === "CompositeAlarm");
    while (composites.length) {
      const used = new Set(composites.flatMap((c) => lib.childrenOf(c, account)));
      const free = composites.filter((c) => !used.has(c.name));
      for (const c of free) await lib.deleteAlarms(account, REGION, { AlarmNames: [c.name] });
      composites = composites.filter((c) => used.has(c.name));
    }
    const metric = all.filter((x) => x.type === "MetricAlarm").map((x) => x.name);
    if (metric.length) await lib.deleteAlarms(account, REGION, { AlarmNames: metric });
  }
});

async function put(account: string, metric: string, points: Array<[number, number | number[]]>, dims = [{ Name: "Host", Value: "a" }], now?: number, resolution = 60) {
  await lib.putMetricData(
    {
      Namespace: NS,
      MetricData: points.map(([t, v]) =>
        Array.isArray(v)
          ? { MetricName: metric, Dimensions: dims, Timestamp: new Date(t), Values: v, StorageResolution: resolution }
          : { MetricName: metric, Dimensions: dims, Timestamp: new Date(t), Value: v, StorageResolution: resolution },
      ),
    },
    { accountId: account, now: now ?? Math.max(...points.map(([t]) => t)) + 1000 },
  );
}

async function state(account: string, name: string) {
  const a = (await lib.getAlarm(account, REGION, name))!.value;
  return a.state;
}

const tick = (now: number, owner?: string) => lib.evaluateTick(now, { owner });

async function history(account: string, name: string, type?: string) {
  const out = await lib.describeAlarmHistory(account, REGION, { AlarmName: name, HistoryItemType: type as any, AlarmTypes: ["MetricAlarm", "CompositeAlarm"], ScanBy: "TimestampAscending" });
  return out.AlarmHistoryItems ?? [];
}

/** Messages arriving on a subject, collected as they come. */
function collect(subject: string) {
  const got: Array<{ data: any; headers?: Record<string, string> }> = [];
  const sub = nc.subscribe(subject, {
    callback: (_e, m) => {
      const headers: Record<string, string> = {};
      if (m.headers) for (const [k, v] of m.headers) headers[k] = v[0];
      got.push({ data: JSON.parse(Buffer.from(m.data).toString("utf8")), headers });
    },
  });
  return { got, stop: () => sub.unsubscribe() };
}

async function until<T>(f: () => T | Promise<T>, ok: (v: T) => boolean, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  let v = await f();
  while (!ok(v) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 50));
    v = await f();
  }
  return v;
}

describe("a metric alarm's life", () => {
  it("starts INSUFFICIENT_DATA, moves to ALARM on a breaching datapoint with AWS's reason, data and history", async () => {
    const t = reserve();
    await lib.putMetricAlarm(A, REGION, { AlarmName: "cpu", Namespace: NS, MetricName: "CPU", Dimensions: [{ Name: "Host", Value: "a" }], Statistic: "Average", Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: "GreaterThanThreshold" }, t);
    expect(await state(A, "cpu")).toMatchObject({ value: "INSUFFICIENT_DATA", reason: "Unchecked: Initial alarm creation" });

    await put(A, "CPU", [[t + 10_000, 5], [t + 20_000, 4]]);
    const report = await tick(t + MIN + 5000);
    expect(report.evaluated).toBe(1);
    const s = await state(A, "cpu");
    expect(s.value).toBe("ALARM");
    const d = new Date(t);
    const dd = (n: number) => String(n).padStart(2, "0");
    const when = `${dd(d.getUTCDate())}/${dd(d.getUTCMonth() + 1)}/${dd(d.getUTCFullYear() % 100)} ${dd(d.getUTCHours())}:${dd(d.getUTCMinutes())}:00`;
    expect(s.reason).toBe(`Threshold Crossed: 1 datapoint [4.5 (${when})] was greater than the threshold (1.0).`);
    const data = JSON.parse(s.reasonData!);
    expect(data).toMatchObject({ version: "1.0", statistic: "Average", period: 60, recentDatapoints: [4.5], threshold: 1 });
    expect(data.evaluatedDatapoints[0]).toMatchObject({ sampleCount: 2, value: 4.5 });
    expect(s.reasonData).toContain('"sampleCount":2.0,"value":4.5');

    const items = await history(A, "cpu");
    expect(items.map((i) => i.HistoryItemType)).toEqual(["ConfigurationUpdate", "StateUpdate"]);
    expect(items[0].HistorySummary).toBe('Alarm "cpu" created');
    expect(items[1].HistorySummary).toBe("Alarm updated from INSUFFICIENT_DATA to ALARM");
    const hd = JSON.parse(items[1].HistoryData!);
    expect(hd.oldState).toEqual({ stateValue: "INSUFFICIENT_DATA", stateReason: "Unchecked: Initial alarm creation" });
    expect(hd.newState.stateValue).toBe("ALARM");
    expect(hd.newState.stateReasonData.recentDatapoints).toEqual([4.5]);

    // The next period is within the threshold: OK, and a second StateUpdate.
    await put(A, "CPU", [[t + MIN + 10_000, 0.5]]);
    await tick(t + 2 * MIN + 5000);
    expect((await state(A, "cpu")).value).toBe("OK");
    expect((await history(A, "cpu", "StateUpdate")).map((i) => i.HistorySummary)).toEqual([
      "Alarm updated from INSUFFICIENT_DATA to ALARM",
      "Alarm updated from ALARM to OK",
    ]);
  });

  it("3 out of 5 (M of N) goes to ALARM only once three of the last five periods breach, then back to OK", async () => {
    const t = reserve();
    await lib.putMetricAlarm(A, REGION, { AlarmName: "mofn", Namespace: NS, MetricName: "Lat", Dimensions: [{ Name: "Host", Value: "a" }], Statistic: "Maximum", Period: 60, EvaluationPeriods: 5, DatapointsToAlarm: 3, Threshold: 10, ComparisonOperator: "GreaterThanOrEqualToThreshold" }, t);
    const values = [1, 20, 2, 30, 3, 40, 50, 4, 5, 6];
    const states: string[] = [];
    for (let i = 0; i < values.length; i++) {
      await put(A, "Lat", [[t + i * MIN + 1000, values[i]]]);
      await tick(t + (i + 1) * MIN + 2000);
      states.push((await state(A, "mofn")).value);
    }
    // Fewer than 5 datapoints at first: evaluated with missing data (treated as missing): OK as soon as one is within.
    // Breaches at minutes 1, 3, 5, 6: the windows ending at minutes 5, 6 and 7 hold 3 of 5 → ALARM; at minute 8 only 2 → OK.
    expect(states.join(",")).toBe("OK,OK,OK,OK,OK,ALARM,ALARM,ALARM,OK,OK");
    const s = await state(A, "mofn");
    expect(s.reason).toMatch(/^Threshold Crossed: 3 out of the last 5 datapoints \[.*\] were not greater than or equal to the threshold \(10\.0\) \(minimum 3 datapoints for ALARM -> OK transition\)\.$/);
  });

  it.each([
    ["breaching", "ALARM", "Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [Breaching]."],
    ["notBreaching", "OK", "Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [NonBreaching]."],
    ["missing", "INSUFFICIENT_DATA", "Insufficient Data: 2 datapoints were unknown."],
    ["ignore", "INSUFFICIENT_DATA", "Unchecked: Initial alarm creation"],
  ])("with no data at all, TreatMissingData %s gives %s", async (treat, expected, reason) => {
    const t = reserve();
    await lib.putMetricAlarm(A, REGION, { AlarmName: `nodata-${treat}`, Namespace: NS, MetricName: "Nothing", Statistic: "Sum", Period: 60, EvaluationPeriods: 2, Threshold: 1, ComparisonOperator: "GreaterThanThreshold", TreatMissingData: treat }, t);
    await tick(t + 3 * MIN);
    expect(await state(A, `nodata-${treat}`)).toMatchObject({ value: expected, reason });
  });

  it("a gap after a breach: missing data keeps the breach evaluated; breaching data alarms once the gap is long", async () => {
    const t = reserve();
    for (const treat of ["missing", "breaching", "notBreaching"]) {
      await lib.putMetricAlarm(A, REGION, { AlarmName: `gap-${treat}`, Namespace: NS, MetricName: "Gap", Dimensions: [{ Name: "Host", Value: "a" }], Statistic: "Maximum", Period: 60, EvaluationPeriods: 3, Threshold: 2, ComparisonOperator: "GreaterThanThreshold", TreatMissingData: treat }, t);
    }
    // "0 - - - -" then, one period later, the 0 has left the 5-period range: AWS's first table, second row and its note.
    await put(A, "Gap", [[t + 1000, 1]]);
    await tick(t + 5 * MIN + 1000);
    expect((await state(A, "gap-missing")).value).toBe("OK");
    expect((await state(A, "gap-breaching")).value).toBe("OK");
    await tick(t + 6 * MIN + 1000);
    expect((await state(A, "gap-breaching")).value).toBe("ALARM");
    expect((await state(A, "gap-notBreaching")).value).toBe("OK");
    expect((await state(A, "gap-missing")).value).toBe("INSUFFICIENT_DATA");
  });

  it("a percentile alarm with EvaluateLowSampleCountPercentile=ignore does not change state on too few samples; evaluate does", async () => {
    const t = reserve();
    for (const mode of ["ignore", "evaluate"]) {
      await lib.putMetricAlarm(A, REGION, { AlarmName: `p99-${mode}`, Namespace: NS, MetricName: "Resp", Dimensions: [{ Name: "Host", Value: "a" }], ExtendedStatistic: "p99", EvaluateLowSampleCountPercentile: mode, Period: 60, EvaluationPeriods: 1, Threshold: 100, ComparisonOperator: "GreaterThanThreshold" }, t);
    }
    // 5 samples: fewer than the 1000 a p99 needs.
    await put(A, "Resp", [[t + 1000, [10, 20, 30, 500, 900]]]);
    await tick(t + MIN + 1000);
    expect((await state(A, "p99-ignore")).value).toBe("INSUFFICIENT_DATA");
    expect((await state(A, "p99-evaluate")).value).toBe("ALARM");
    // 1000 samples: enough, and the ignoring alarm evaluates too.
    await put(A, "Resp", [[t + MIN + 1000, Array.from({ length: 150 }, (_, i) => (i < 140 ? 1 : 1000))]]);
    for (let k = 0; k < 6; k++) await put(A, "Resp", [[t + MIN + 2000 + k, Array.from({ length: 150 }, (_, i) => (i < 140 ? 1 : 1000))]]);
    await tick(t + 2 * MIN + 1000);
    expect((await state(A, "p99-ignore")).value).toBe("ALARM");
    const data = JSON.parse((await state(A, "p99-ignore")).reasonData!);
    expect(data.evaluatedDatapoints[0].sampleCount).toBe(1050);
  });

  it("a metric math alarm evaluates its expression through GetMetricData's machinery", async () => {
    const t = reserve();
    await lib.putMetricAlarm(A, REGION, {
      AlarmName: "errors-rate",
      Metrics: [
        { Id: "e", MetricStat: { Metric: { Namespace: NS, MetricName: "Errors", Dimensions: [{ Name: "Host", Value: "a" }] }, Period: 60, Stat: "Sum" }, ReturnData: false },
        { Id: "r", MetricStat: { Metric: { Namespace: NS, MetricName: "Requests", Dimensions: [{ Name: "Host", Value: "a" }] }, Period: 60, Stat: "Sum" }, ReturnData: false },
        { Id: "rate", Expression: "100 * e / r", Label: "Error rate", ReturnData: true },
      ],
      EvaluationPeriods: 1,
      Threshold: 5,
      ComparisonOperator: "GreaterThanThreshold",
    }, t);
    await put(A, "Errors", [[t + 1000, 3]]);
    await put(A, "Requests", [[t + 1000, 100]]);
    await tick(t + MIN + 1000);
    expect((await state(A, "errors-rate")).value).toBe("OK");
    await put(A, "Errors", [[t + MIN + 1000, 10]]);
    await put(A, "Requests", [[t + MIN + 1000, 100]]);
    await tick(t + 2 * MIN + 1000);
    const s = await state(A, "errors-rate");
    expect(s.value).toBe("ALARM");
    expect(JSON.parse(s.reasonData!).recentDatapoints).toEqual([10]);
  });

  it("math alarms evaluated together in one packed GetMetricData keep their own ids and results", async () => {
    const t = reserve();
    for (const [i, threshold] of [[1, 15], [2, 25], [3, 5]] as const) {
      await put(A, "Packed", [[t + 1000, i * 10]], [{ Name: "Host", Value: `p${i}` }]);
      await lib.putMetricAlarm(A, REGION, {
        AlarmName: `packed-${i}`,
        Metrics: [
          { Id: "m", MetricStat: { Metric: { Namespace: NS, MetricName: "Packed", Dimensions: [{ Name: "Host", Value: `p${i}` }] }, Period: 60, Stat: "Sum" }, ReturnData: false },
          { Id: "x", Expression: "m + 0", ReturnData: true },
        ],
        EvaluationPeriods: 1,
        Threshold: threshold,
        ComparisonOperator: "GreaterThanThreshold",
      }, t);
    }
    await tick(t + MIN + 1000);
    // 10 > 15? no; 20 > 25? no; 30 > 5? yes.
    expect([(await state(A, "packed-1")).value, (await state(A, "packed-2")).value, (await state(A, "packed-3")).value]).toEqual(["OK", "OK", "ALARM"]);
    expect(JSON.parse((await state(A, "packed-2")).reasonData!).recentDatapoints).toEqual([20]);
  });

  it("a high-resolution alarm (10-second period) is evaluated on the 10-second sub-ticks", async () => {
    const t = reserve();
    await lib.putMetricAlarm(A, REGION, { AlarmName: "fast", Namespace: NS, MetricName: "Fast", Dimensions: [{ Name: "Host", Value: "a" }], Statistic: "Maximum", Period: 10, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: "GreaterThanThreshold" }, t);
    await lib.putMetricAlarm(A, REGION, { AlarmName: "slow", Namespace: NS, MetricName: "Fast", Dimensions: [{ Name: "Host", Value: "a" }], Statistic: "Maximum", Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: "GreaterThanThreshold" }, t);
    await put(A, "Fast", [[t + 1000, 5]], undefined, undefined, 1); // a high-resolution metric
    const report = await lib.evaluateTick(t + 10_500, { highResOnly: true });
    expect(report.evaluated).toBe(1);
    expect((await state(A, "fast")).value).toBe("ALARM");
    expect((await state(A, "slow")).value).toBe("INSUFFICIENT_DATA");
  });

  it("SetAlarmState lasts until the next evaluation corrects it", async () => {
    const t = reserve();
    await lib.putMetricAlarm(A, REGION, { AlarmName: "manual", Namespace: NS, MetricName: "Man", Dimensions: [{ Name: "Host", Value: "a" }], Statistic: "Sum", Period: 60, EvaluationPeriods: 1, Threshold: 100, ComparisonOperator: "GreaterThanThreshold" }, t);
    await put(A, "Man", [[t + 1000, 1]]);
    await tick(t + MIN + 1000);
    await lib.setAlarmState(A, REGION, { AlarmName: "manual", StateValue: "ALARM", StateReason: "testing" }, t + MIN + 2000);
    expect(await state(A, "manual")).toMatchObject({ value: "ALARM", reason: "testing" });
    await put(A, "Man", [[t + MIN + 1000, 1]]);
    await tick(t + 2 * MIN + 1000);
    expect((await state(A, "manual")).value).toBe("OK");
  });
});

describe("actions on NATS", () => {
  it("an SNS topic ARN: a subscriber receives AWS's SNS Notification envelope, persisted in JetStream; history records the action", async () => {
    const t = reserve();
    const sub = collect(`sns.${A}.ops-alerts`);
    const topic = `arn:aws:sns:${REGION}:${A}:ops-alerts`;
    await lib.putMetricAlarm(A, REGION, { AlarmName: "notify", AlarmDescription: "CPU high", Namespace: NS, MetricName: "N1", Dimensions: [{ Name: "Host", Value: "a" }], Statistic: "Sum", Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: "GreaterThanOrEqualToThreshold", AlarmActions: [topic], OKActions: [topic] }, t);
    await put(A, "N1", [[t + 1000, 3]]);
    await tick(t + MIN + 1000);
    await until(() => sub.got.length, (n) => n >= 1);
    sub.stop();
    expect(sub.got).toHaveLength(1);
    const env = sub.got[0].data;
    expect(env).toMatchObject({ Type: "Notification", TopicArn: topic, Subject: `ALARM: "notify" in US East (N. Virginia)` });
    const msg = JSON.parse(env.Message);
    expect(msg).toMatchObject({
      AlarmName: "notify",
      AlarmDescription: "CPU high",
      AWSAccountId: A,
      NewStateValue: "ALARM",
      OldStateValue: "INSUFFICIENT_DATA",
      Region: "US East (N. Virginia)",
      AlarmArn: `arn:aws:cloudwatch:${REGION}:${A}:alarm:notify`,
      AlarmActions: [topic],
      Trigger: { MetricName: "N1", Namespace: NS, StatisticType: "Statistic", Statistic: "SUM", Unit: null, Dimensions: [{ value: "a", name: "Host" }], Period: 60, EvaluationPeriods: 1, ComparisonOperator: "GreaterThanOrEqualToThreshold", Threshold: 1, TreatMissingData: "", EvaluateLowSampleCountPercentile: "" },
    });
    expect(msg.NewStateReason).toMatch(/^Threshold Crossed: 1 datapoint \[3\.0 \(/);
    // localstack's AWS-recorded test_put_metric_alarm (alarm-triggered-sqs-msg, 2026-02-26).
    expect(msg.ActionExecutedAfterMuteWindow).toBe(false);
    expect(env.Message).toContain('"Threshold":1.0');
    // Persisted: the stream holds it.
    const jsm = await nc.jetstreamManager();
    const stored = await jsm.streams.getMessage(lib.NOTIFICATIONS_STREAM, { last_by_subj: `sns.${A}.ops-alerts` });
    expect(JSON.parse(Buffer.from(stored.data).toString("utf8")).MessageId).toBe(env.MessageId);
    const actions = await history(A, "notify", "Action");
    expect(actions).toHaveLength(1);
    expect(actions[0].HistorySummary).toBe(`Successfully executed action ${topic}`);
    expect(JSON.parse(actions[0].HistoryData!)).toMatchObject({ actionState: "Succeeded", notificationResource: topic });
  });

  it("arn:aws:automate:…:ec2:stop: the responder on ec2.cmd.{id} gets the platform's stop command with X-Account-ID", async () => {
    const t = reserve();
    const requests: Array<{ body: any; account?: string }> = [];
    const responder = nc.subscribe("ec2.cmd.i-0abc123", {
      callback: (_e, m) => {
        requests.push({ body: JSON.parse(Buffer.from(m.data).toString("utf8")), account: m.headers?.get("X-Account-ID") });
        m.respond(Buffer.from("{}"));
      },
    });
    await lib.putMetricAlarm(A, REGION, { AlarmName: "stopper", Namespace: NS, MetricName: "CPUUtilization", Dimensions: [{ Name: "InstanceId", Value: "i-0abc123" }], Statistic: "Average", Period: 60, EvaluationPeriods: 1, Threshold: 90, ComparisonOperator: "GreaterThanThreshold", AlarmActions: [`arn:aws:automate:${REGION}:ec2:stop`] }, t);
    await put(A, "CPUUtilization", [[t + 1000, 99]], [{ Name: "InstanceId", Value: "i-0abc123" }]);
    await tick(t + MIN + 1000);
    responder.unsubscribe();
    expect(requests).toEqual([{ body: { id: "i-0abc123", attributes: { stop_instance: true } }, account: A }]);
    const actions = await history(A, "stopper", "Action");
    expect(actions.map((a) => JSON.parse(a.HistoryData!).actionState)).toEqual(["Succeeded"]);
  });

  it("an ARN the platform cannot act on, an EC2 instance nobody answers for, and another account's topic are recorded as failed actions", async () => {
    const t = reserve();
    const other = collect(`sns.${B}.>`);
    const arns = [`arn:aws:lambda:${REGION}:${A}:function:f`, `arn:aws:automate:${REGION}:ec2:reboot`, `arn:aws:sns:${REGION}:${B}:theirs`];
    await lib.putMetricAlarm(A, REGION, { AlarmName: "failing", Namespace: NS, MetricName: "F", Dimensions: [{ Name: "InstanceId", Value: "i-nobody" }], Statistic: "Sum", Period: 60, EvaluationPeriods: 1, Threshold: 0, ComparisonOperator: "GreaterThanThreshold", AlarmActions: arns }, t);
    await put(A, "F", [[t + 1000, 1]], [{ Name: "InstanceId", Value: "i-nobody" }]);
    await tick(t + MIN + 1000);
    const actions = await history(A, "failing", "Action");
    expect(actions).toHaveLength(3);
    for (const a of actions) {
      expect(a.HistorySummary).toMatch(/^Failed to execute action /);
      expect(JSON.parse(a.HistoryData!).actionState).toBe("Failed");
    }
    await new Promise((r) => setTimeout(r, 200));
    other.stop();
    expect(other.got).toEqual([]); // account B is never notified about A's alarm
  });

  it("DisableAlarmActions: the state changes, no action runs", async () => {
    const t = reserve();
    const sub = collect(`sns.${A}.quiet`);
    await lib.putMetricAlarm(A, REGION, { AlarmName: "quiet", Namespace: NS, MetricName: "Q", Dimensions: [{ Name: "Host", Value: "a" }], Statistic: "Sum", Period: 60, EvaluationPeriods: 1, Threshold: 0, ComparisonOperator: "GreaterThanThreshold", AlarmActions: [`arn:aws:sns:${REGION}:${A}:quiet`] }, t);
    await lib.disableAlarmActions(A, REGION, { AlarmNames: ["quiet"] });
    await put(A, "Q", [[t + 1000, 1]]);
    await tick(t + MIN + 1000);
    expect((await state(A, "quiet")).value).toBe("ALARM");
    await new Promise((r) => setTimeout(r, 200));
    sub.stop();
    expect(sub.got).toEqual([]);
    expect(await history(A, "quiet", "Action")).toEqual([]);
  });
});

describe("exactly once", () => {
  it("two evaluators on one tick: one state change, one notification, one history item", async () => {
    const t = reserve();
    const sub = collect(`sns.${A}.once`);
    for (let i = 0; i < 20; i++) {
      await lib.putMetricAlarm(A, REGION, { AlarmName: `once-${i}`, Namespace: NS, MetricName: "Once", Dimensions: [{ Name: "Host", Value: String(i) }], Statistic: "Sum", Period: 60, EvaluationPeriods: 1, Threshold: 0, ComparisonOperator: "GreaterThanThreshold", AlarmActions: [`arn:aws:sns:${REGION}:${A}:once`] }, t);
      await put(A, "Once", [[t + 1000, 1]], [{ Name: "Host", Value: String(i) }]);
    }
    const [r1, r2] = await Promise.all([tick(t + MIN + 1000, "evaluator-1"), tick(t + MIN + 1000, "evaluator-2")]);
    expect(r1.evaluated + r2.evaluated).toBe(20);
    expect(r1.changed + r2.changed).toBe(20);
    await until(() => sub.got.length, (n) => n >= 20);
    await new Promise((r) => setTimeout(r, 300));
    sub.stop();
    expect(sub.got).toHaveLength(20);
    expect(new Set(sub.got.map((m) => JSON.parse(m.data.Message).AlarmName)).size).toBe(20);
    for (let i = 0; i < 20; i++) expect(await history(A, `once-${i}`, "StateUpdate")).toHaveLength(1);
  });

  it("a state change committed by an evaluator that died before its actions: the next tick carries them out once", async () => {
    const t = reserve();
    const sub = collect(`sns.${A}.crash`);
    await lib.putMetricAlarm(A, REGION, { AlarmName: "crash", Namespace: NS, MetricName: "C", Dimensions: [{ Name: "Host", Value: "a" }], Statistic: "Sum", Period: 60, EvaluationPeriods: 1, Threshold: 0, ComparisonOperator: "GreaterThanThreshold", AlarmActions: [`arn:aws:sns:${REGION}:${A}:crash`] }, t);
    // What a killed evaluator leaves: the new state with its pending action stored, nothing sent.
    const cur = (await lib.getAlarm(A, REGION, "crash"))!;
    const next = lib.withState(cur.value, { value: "ALARM", reason: "r" }, t + MIN);
    expect(next.pending).toHaveLength(1);
    expect(await lib.updateAlarm(A, next, cur.revision)).toBe(true);
    // A killed publisher may even have published already: the same message id again is dropped by JetStream.
    await lib.executeAction(A, next, next.pending[0], t + MIN);
    await put(A, "C", [[t + MIN + 1000, 1]]);
    await tick(t + 2 * MIN + 1000);
    await until(() => sub.got.length, (n) => n >= 1);
    await new Promise((r) => setTimeout(r, 300));
    sub.stop();
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info(lib.NOTIFICATIONS_STREAM, { subjects_filter: `sns.${A}.crash` } as any);
    expect((info.state as any).subjects?.[`sns.${A}.crash`]).toBe(1);
    expect((await lib.getAlarm(A, REGION, "crash"))!.value.pending).toEqual([]);
    expect((await state(A, "crash")).value).toBe("ALARM");
    expect(await history(A, "crash", "StateUpdate")).toHaveLength(1);
    expect((await history(A, "crash", "Action")).map((i) => i.HistorySummary)).toEqual([`Successfully executed action arn:aws:sns:${REGION}:${A}:crash`]);
  });
});

describe("history after a crash between a change and its history write", () => {
  const alarm = (name: string) => ({ AlarmName: name, Namespace: NS, MetricName: "Crash", Statistic: "Sum" as const, Period: 60, EvaluationPeriods: 1, Threshold: 0, ComparisonOperator: "GreaterThanThreshold" as const });

  /**
   * What a process killed mid-change leaves: the new state stored with its
   * StateUpdate item in the record (one compare-and-set) and, when `written`,
   * the item written to the history bucket but not yet taken out of the record.
   */
  async function crashedChange(name: string, at: number, written: boolean) {
    const cur = (await lib.getAlarm(A, REGION, name))!;
    const next = lib.withState(cur.value, { value: "ALARM", reason: `set by a process killed at ${at}` }, at);
    expect(next.unrecorded).toHaveLength(1);
    expect(await lib.updateAlarm(A, next, cur.revision)).toBe(true);
    if (written) await lib.writeHistory(next.unrecorded!.map((unrecorded) => ({ account: A, region: REGION, unrecorded })));
    return next.unrecorded![0].item;
  }

  const times = async (name: string, item: { timestamp: number; data: string }) =>
    (await history(A, name, "StateUpdate")).filter((i) => i.Timestamp!.getTime() === item.timestamp && i.HistoryData === item.data).length;

  // Every path that reads or rewrites the alarm record next.
  const paths: Array<[string, (name: string, t: number) => Promise<unknown>]> = [
    ["the next evaluator tick", (_name, t) => tick(t + MIN + 1000)],
    ["SetAlarmState", (name) => lib.setAlarmState(A, REGION, { AlarmName: name, StateValue: "OK", StateReason: "by hand" })],
    ["PutMetricAlarm (an update)", (name, t) => lib.putMetricAlarm(A, REGION, alarm(name), t + 2000)],
    ["DisableAlarmActions", (name) => lib.disableAlarmActions(A, REGION, { AlarmNames: [name] })],
    ["TagResource", (name) => lib.tagResource(A, REGION, { ResourceARN: lib.alarmArn(REGION, A, name), Tags: [{ Key: "k", Value: "v" }] })],
    ["DeleteAlarms", (name) => lib.deleteAlarms(A, REGION, { AlarmNames: [name] })],
    ["nothing (DescribeAlarmHistory answers the item from the record)", async () => undefined],
  ];

  describe.each([
    ["before the history write", false],
    ["after the history write, before the item left the record", true],
  ])("killed %s", (_when, written) => {
    it.each(paths)("%s: DescribeAlarmHistory has the StateUpdate exactly once", async (_path, run) => {
      const t = reserve();
      const name = `crashed-${written}-${_path.split(" ")[0]}`;
      await lib.putMetricAlarm(A, REGION, alarm(name), t);
      const item = await crashedChange(name, t + 1000, written);
      expect(await times(name, item)).toBe(1);
      await run(name, t);
      expect(await times(name, item)).toBe(1);
      const after = await lib.getAlarm(A, REGION, name);
      if (_path.startsWith("nothing")) expect(after!.value.unrecorded).toHaveLength(1);
      else expect(after?.value.unrecorded).toBeUndefined();
    });
  });

  it("a record holds at most one change's items, and no answer shows them", async () => {
    const t = reserve();
    const name = "bounded";
    await lib.putMetricAlarm(A, REGION, alarm(name), t);
    const kv = await (await nc.jetstream()).views.kv("cw-alarms");
    const lengths: number[] = [];
    let seen = 0;
    // From the stored value on. A watch reset under load resumes at the key's latest value, so it may skip
    // revisions (CI saw one skipped): every revision it shows is checked, not that it shows them all.
    const watch = await kv.watch({ key: `${A}.${REGION}.${name}` });
    (async () => {
      for await (const e of watch) {
        if (e.operation === "PUT") lengths.push(e.json<{ unrecorded?: unknown[] }>().unrecorded?.length ?? 0);
        seen = Math.max(seen, e.revision);
      }
    })();
    await crashedChange(name, t + 1000, false);
    for (const value of ["OK", "ALARM", "INSUFFICIENT_DATA"] as const) await lib.setAlarmState(A, REGION, { AlarmName: name, StateValue: value, StateReason: `to ${value}` });
    await lib.putMetricAlarm(A, REGION, { ...alarm(name), AlarmDescription: "changed" }, t + 2000);
    const last = (await kv.get(`${A}.${REGION}.${name}`))!.revision;
    await until(() => seen, (r) => r >= last, 40_000);
    watch.stop();
    // The alarm as put, the crashed change, then each of the four changes after it: stored with its one item, then
    // taken out ([0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0] when the watch shows every revision).
    expect(lengths.every((n) => n <= 1), JSON.stringify(lengths)).toBe(true);
    expect(lengths.filter((n) => n === 1).length, JSON.stringify(lengths)).toBeGreaterThanOrEqual(1);
    expect(lengths.at(-1), JSON.stringify(lengths)).toBe(0);
    expect((await history(A, name, "StateUpdate")).map((i) => i.HistorySummary)).toEqual([
      "Alarm updated from INSUFFICIENT_DATA to ALARM",
      "Alarm updated from ALARM to OK",
      "Alarm updated from OK to ALARM",
      "Alarm updated from ALARM to INSUFFICIENT_DATA",
    ]);
    await crashedChange(name, t + 3000, false);
    expect((await lib.getAlarm(A, REGION, name))!.value.unrecorded).toHaveLength(1);
    const described = await lib.describeAlarms(A, REGION, { AlarmNames: [name] });
    expect(described.MetricAlarms).toHaveLength(1);
    const answers = [
      described,
      await lib.describeAlarmsForMetric(A, REGION, { Namespace: NS, MetricName: "Crash" }),
      await lib.listTagsForResource(A, REGION, { ResourceARN: lib.alarmArn(REGION, A, name) }),
    ];
    for (const answer of answers) expect(JSON.stringify(answer)).not.toMatch(/unrecorded|Alarm updated from|oldState/);
  });
});

describe("composite alarms", () => {
  const metric = (name: string) => ({ AlarmName: name, Namespace: NS, MetricName: `M-${name}`, Statistic: "Sum" as const, Period: 60, EvaluationPeriods: 1, Threshold: 0, ComparisonOperator: "GreaterThanThreshold" as const });

  it("follows its rule as children change, naming the child that triggered it", async () => {
    const t = reserve();
    await lib.putMetricAlarm(A, REGION, metric("c1"), t);
    await lib.putMetricAlarm(A, REGION, metric("c2"), t);
    await lib.putCompositeAlarm(A, REGION, { AlarmName: "both", AlarmRule: 'ALARM(c1) AND NOT ALARM("c2")' }, t);
    expect((await state(A, "both")).value).toBe("OK");
    await lib.setAlarmState(A, REGION, { AlarmName: "c1", StateValue: "ALARM", StateReason: "x" }, t + 1000);
    const s = await state(A, "both");
    expect(s.value).toBe("ALARM");
    expect(s.reason).toMatch(new RegExp(`^arn:aws:cloudwatch:${REGION}:${A}:alarm:c1 transitioned to ALARM at \\w+day \\d\\d \\w+, \\d{4} \\d\\d:\\d\\d:\\d\\d UTC$`));
    expect(JSON.parse(s.reasonData!)).toEqual({ triggeringAlarms: [{ arn: `arn:aws:cloudwatch:${REGION}:${A}:alarm:c1`, state: { value: "ALARM", timestamp: expect.any(String) } }] });
    await lib.setAlarmState(A, REGION, { AlarmName: "c2", StateValue: "ALARM", StateReason: "x" }, t + 2000);
    expect((await state(A, "both")).value).toBe("OK");
    // Nested: a composite of a composite.
    await lib.putCompositeAlarm(A, REGION, { AlarmName: "outer", AlarmRule: "OK(both) AND TRUE" }, t + 3000);
    expect((await state(A, "outer")).value).toBe("ALARM");
    await lib.setAlarmState(A, REGION, { AlarmName: "c2", StateValue: "OK", StateReason: "x" }, t + 4000);
    expect((await state(A, "both")).value).toBe("ALARM");
    expect((await state(A, "outer")).value).toBe("OK");
  });

  it("a composite set by SetAlarmState keeps that state until a child changes (AWS's SetAlarmState for composites)", async () => {
    const t = reserve();
    await lib.putMetricAlarm(A, REGION, metric("s1"), t);
    await lib.putCompositeAlarm(A, REGION, { AlarmName: "sc", AlarmRule: "ALARM(s1)" }, t);
    expect((await state(A, "sc")).value).toBe("OK");
    await lib.setAlarmState(A, REGION, { AlarmName: "sc", StateValue: "ALARM", StateReason: "forced" }, t + 1000);
    await tick(t + MIN);
    expect(await state(A, "sc")).toMatchObject({ value: "ALARM", reason: "forced" });
    await lib.setAlarmState(A, REGION, { AlarmName: "s1", StateValue: "OK", StateReason: "x" }, t + MIN + 1000);
    expect((await state(A, "sc")).value).toBe("OK");
  });

  it("refuses rules naming missing alarms or making a cycle, and deleting a child in use", async () => {
    const t = reserve();
    await lib.putMetricAlarm(A, REGION, metric("k1"), t);
    await lib.putCompositeAlarm(A, REGION, { AlarmName: "p1", AlarmRule: "ALARM(k1)" }, t);
    await lib.putCompositeAlarm(A, REGION, { AlarmName: "p2", AlarmRule: "ALARM(p1)" }, t);
    await expect(lib.putCompositeAlarm(A, REGION, { AlarmName: "p3", AlarmRule: "ALARM(nope) OR ALARM(k1)" })).rejects.toMatchObject({
      code: "ValidationError",
      message: "Could not save the composite alarm as alarms [nope] in the alarm rule do not exist",
    });
    await expect(lib.putCompositeAlarm(A, REGION, { AlarmName: "p1", AlarmRule: "ALARM(p2)" })).rejects.toMatchObject({ code: "InvalidParameterValue" });
    await expect(lib.deleteAlarms(A, REGION, { AlarmNames: ["k1"] })).rejects.toMatchObject({
      code: "ValidationError",
      message: "Cannot delete k1 as there are composite alarm(s) depending on it.",
    });
  });

  it("ActionsSuppressor: actions wait the wait period, are suppressed while the suppressor is in ALARM, and run after its extension period", async () => {
    const t = reserve(30);
    const sub = collect(`sns.${A}.suppressed`);
    const topic = `arn:aws:sns:${REGION}:${A}:suppressed`;
    await lib.putMetricAlarm(A, REGION, metric("child"), t);
    await lib.putMetricAlarm(A, REGION, metric("maint"), t);
    await lib.putCompositeAlarm(A, REGION, { AlarmName: "svc", AlarmRule: "ALARM(child)", AlarmActions: [topic], ActionsSuppressor: "maint", ActionsSuppressorWaitPeriod: 120, ActionsSuppressorExtensionPeriod: 180 }, t);

    // 1. The child alarms; the suppressor stays OK through the wait period: the action runs after 120 s.
    await lib.setAlarmState(A, REGION, { AlarmName: "child", StateValue: "ALARM", StateReason: "x" }, t + 1000);
    expect((await lib.getAlarm(A, REGION, "svc"))!.value.suppressed?.by).toBe("WaitPeriod");
    await lib.runPending(A, REGION, "svc", t + 60_000, await state(A, "maint"));
    expect(sub.got).toEqual([]);
    await lib.runPending(A, REGION, "svc", t + 122_000, await state(A, "maint"));
    await until(() => sub.got.length, (n) => n >= 1);
    expect(sub.got).toHaveLength(1);

    // 2. Back to OK, then ALARM again while the suppressor is in ALARM: held; the suppressor leaves
    //    ALARM, and the action runs only when its 180 s extension period is over.
    await lib.setAlarmState(A, REGION, { AlarmName: "child", StateValue: "OK", StateReason: "x" }, t + 200_000);
    await lib.setAlarmState(A, REGION, { AlarmName: "maint", StateValue: "ALARM", StateReason: "maintenance" }, t + 210_000);
    await lib.setAlarmState(A, REGION, { AlarmName: "child", StateValue: "ALARM", StateReason: "x" }, t + 220_000);
    expect((await lib.getAlarm(A, REGION, "svc"))!.value.suppressed?.by).toBe("Alarm");
    await lib.runPending(A, REGION, "svc", t + 400_000, await state(A, "maint"));
    await lib.setAlarmState(A, REGION, { AlarmName: "maint", StateValue: "OK", StateReason: "done" }, t + 500_000);
    await lib.runPending(A, REGION, "svc", t + 510_000, await state(A, "maint"));
    expect((await lib.getAlarm(A, REGION, "svc"))!.value.suppressed?.by).toBe("ExtensionPeriod");
    await lib.runPending(A, REGION, "svc", t + 600_000, await state(A, "maint"));
    expect(sub.got).toHaveLength(1); // ALARM→OK sent no action (no OKActions), the second ALARM is still held
    await lib.runPending(A, REGION, "svc", t + 681_000, await state(A, "maint"));
    await until(() => sub.got.length, (n) => n >= 2);
    sub.stop();
    expect(sub.got).toHaveLength(2);
    expect((await lib.getAlarm(A, REGION, "svc"))!.value.suppressed).toBeUndefined();
  });
});

describe("history", () => {
  it("is kept 14 days, as AWS keeps alarm history, by the history bucket's age limit", async () => {
    await lib.putMetricAlarm(A, REGION, { AlarmName: "aged", Namespace: NS, MetricName: "H", Statistic: "Sum", Period: 60, EvaluationPeriods: 1, Threshold: 0, ComparisonOperator: "GreaterThanThreshold" });
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info("KV_cw-alarm-history");
    expect(info.config.max_age).toBe(14 * 86_400 * 1e9);
    expect(await history(A, "aged")).toHaveLength(1);
  });
});

describe("names", () => {
  it("an alarm name with spaces, dots, slashes and colons is stored, described, evaluated and tagged under its own name", async () => {
    const t = reserve();
    const name = "Web: p99 latency / api.example.com (prod)";
    await lib.putMetricAlarm(A, REGION, { AlarmName: name, Namespace: NS, MetricName: "Odd", Dimensions: [{ Name: "Host", Value: "a" }], Statistic: "Sum", Period: 60, EvaluationPeriods: 1, Threshold: 0, ComparisonOperator: "GreaterThanThreshold" }, t);
    await put(A, "Odd", [[t + 1000, 1]]);
    await tick(t + MIN + 1000);
    const out = await lib.describeAlarms(A, REGION, { AlarmNames: [name] });
    expect(out.MetricAlarms!.map((a) => [a.AlarmName, a.StateValue, a.AlarmArn])).toEqual([[name, "ALARM", `arn:aws:cloudwatch:${REGION}:${A}:alarm:${name}`]]);
    expect((await history(A, name)).map((i) => i.AlarmName)).toEqual([name, name]);
  });
});

describe("tenancy", () => {
  it("account B sees, evaluates and deletes none of account A's alarms", async () => {
    const t = reserve();
    await lib.putMetricAlarm(A, REGION, { AlarmName: "mine", Namespace: NS, MetricName: "T", Statistic: "Sum", Period: 60, EvaluationPeriods: 1, Threshold: 0, ComparisonOperator: "GreaterThanThreshold" }, t);
    expect((await lib.describeAlarms(B, REGION, { AlarmNames: ["mine"] })).MetricAlarms).toEqual([]);
    await lib.deleteAlarms(B, REGION, { AlarmNames: ["mine"] });
    await expect(lib.setAlarmState(B, REGION, { AlarmName: "mine", StateValue: "ALARM", StateReason: "x" })).rejects.toMatchObject({ code: "ResourceNotFound" });
    // B's data with the same name does not feed A's alarm.
    await put(B, "T", [[t + 1000, 5]], []);
    await tick(t + MIN + 1000);
    expect((await state(A, "mine")).value).toBe("INSUFFICIENT_DATA");
    expect((await lib.describeAlarms(A, REGION, { AlarmNames: ["mine"] })).MetricAlarms).toHaveLength(1);
  });
});
