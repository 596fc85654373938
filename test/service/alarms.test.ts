/**
 * Alarms end to end: the running service, real SigV4, real nats-server,
 * driven by the AWS SDK for JavaScript over CloudWatch's three protocols
 * (awsJson 1.0, rpc-v2-cbor, awsQuery) and by Debian's aws CLI (awsQuery),
 * waiters included; the AlarmEvaluator fired through the runtime, and its
 * notification read by a NATS subscriber.
 */
import {
  DeleteAlarmsCommand,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  DescribeAlarmsForMetricCommand,
  DisableAlarmActionsCommand,
  EnableAlarmActionsCommand,
  ListTagsForResourceCommand,
  PutCompositeAlarmCommand,
  PutDashboardCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
  TagResourceCommand,
  UntagResourceCommand,
  type PutMetricAlarmCommandInput,
} from "@aws-sdk/client-cloudwatch";
import { connect } from "nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsFailure } from "../support/failure.js";
import { awsCli, cloudWatchClient, startStack, type Protocol, type Stack } from "../support/stack.js";

let stack: Stack;
const RUN = `t${Date.now().toString(36)}`;
const REGION = "us-east-1";
const A = "000000000000";

beforeAll(async () => {
  stack = await startStack();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

const alarm = (name: string, over: Partial<PutMetricAlarmCommandInput> = {}): PutMetricAlarmCommandInput => ({
  AlarmName: name,
  Namespace: "Svc/Test",
  MetricName: "Latency",
  Dimensions: [{ Name: "Host", Value: "web-1" }],
  Statistic: "Average",
  Period: 60,
  EvaluationPeriods: 3,
  DatapointsToAlarm: 2,
  Threshold: 250,
  ComparisonOperator: "GreaterThanThreshold",
  // These alarms never get data: with "ignore" the service's own minute ticks leave their states alone.
  TreatMissingData: "ignore",
  ...over,
});

describe.each<Protocol>(["json", "cbor", "query"])("over %s", (protocol) => {
  const p = `${RUN}-${protocol}`;
  const cw = () => cloudWatchClient(stack, { protocol });
  const cwB = () => cloudWatchClient(stack, { protocol, account: 1 });

  it("PutMetricAlarm creates an alarm DescribeAlarms shows in full, starting INSUFFICIENT_DATA", async () => {
    await cw().send(new PutMetricAlarmCommand(alarm(`${p}-lat`, { AlarmDescription: "p95 latency", AlarmActions: [`arn:aws:sns:${REGION}:${A}:ops`], Tags: [{ Key: "team", Value: "web" }] })));
    const out = await cw().send(new DescribeAlarmsCommand({ AlarmNames: [`${p}-lat`] }));
    expect(out.CompositeAlarms).toEqual([]);
    expect(out.MetricAlarms).toHaveLength(1);
    const a = out.MetricAlarms![0];
    expect(a).toMatchObject({
      AlarmName: `${p}-lat`,
      AlarmArn: `arn:aws:cloudwatch:${REGION}:${A}:alarm:${p}-lat`,
      AlarmDescription: "p95 latency",
      ActionsEnabled: true,
      AlarmActions: [`arn:aws:sns:${REGION}:${A}:ops`],
      OKActions: [],
      InsufficientDataActions: [],
      StateValue: "INSUFFICIENT_DATA",
      StateReason: "Unchecked: Initial alarm creation",
      Namespace: "Svc/Test",
      MetricName: "Latency",
      Dimensions: [{ Name: "Host", Value: "web-1" }],
      Statistic: "Average",
      Period: 60,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      Threshold: 250,
      ComparisonOperator: "GreaterThanThreshold",
      TreatMissingData: "ignore",
    });
    expect(a.StateUpdatedTimestamp).toBeInstanceOf(Date);
    expect(a.AlarmConfigurationUpdatedTimestamp).toBeInstanceOf(Date);
    expect(a.StateTransitionedTimestamp).toBeInstanceOf(Date);
  });

  it("an update keeps the state and is recorded as a ConfigurationUpdate; SetAlarmState writes a StateUpdate", async () => {
    const name = `${p}-upd`;
    await cw().send(new PutMetricAlarmCommand(alarm(name)));
    await cw().send(new SetAlarmStateCommand({ AlarmName: name, StateValue: "ALARM", StateReason: "testing alarm", StateReasonData: '{"a":1}' }));
    await cw().send(new PutMetricAlarmCommand(alarm(name, { Threshold: 300 })));
    const a = (await cw().send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms![0];
    expect(a).toMatchObject({ StateValue: "ALARM", StateReason: "testing alarm", StateReasonData: '{"a":1}', Threshold: 300 });
    const h = await cw().send(new DescribeAlarmHistoryCommand({ AlarmName: name, ScanBy: "TimestampAscending" }));
    expect(h.AlarmHistoryItems!.map((i) => [i.HistoryItemType, i.HistorySummary])).toEqual([
      ["ConfigurationUpdate", `Alarm "${name}" created`],
      ["StateUpdate", "Alarm updated from INSUFFICIENT_DATA to ALARM"],
      ["ConfigurationUpdate", `Alarm "${name}" updated`],
    ]);
    const upd = JSON.parse(h.AlarmHistoryItems![2].HistoryData!);
    expect(upd).toMatchObject({ version: "1.0", type: "Update", updatedAlarm: { threshold: 300 }, originalUpdatedFields: { threshold: 250 } });
    const state = JSON.parse(h.AlarmHistoryItems![1].HistoryData!);
    expect(state).toEqual({
      version: "1.0",
      oldState: { stateValue: "INSUFFICIENT_DATA", stateReason: "Unchecked: Initial alarm creation" },
      newState: { stateValue: "ALARM", stateReason: "testing alarm", stateReasonData: { a: 1 } },
    });
    // Filters and pages.
    const only = await cw().send(new DescribeAlarmHistoryCommand({ AlarmName: name, HistoryItemType: "StateUpdate" }));
    expect(only.AlarmHistoryItems).toHaveLength(1);
    const page1 = await cw().send(new DescribeAlarmHistoryCommand({ AlarmName: name, MaxRecords: 2 }));
    expect(page1.AlarmHistoryItems!.map((i) => i.HistoryItemType)).toEqual(["ConfigurationUpdate", "StateUpdate"]);
    const page2 = await cw().send(new DescribeAlarmHistoryCommand({ AlarmName: name, MaxRecords: 2, NextToken: page1.NextToken }));
    expect(page2.AlarmHistoryItems!.map((i) => i.HistorySummary)).toEqual([`Alarm "${name}" created`]);
    expect(page2.NextToken).toBeUndefined();
  });

  it("a metric math alarm round-trips its Metrics", async () => {
    const name = `${p}-math`;
    const Metrics = [
      { Id: "e", MetricStat: { Metric: { Namespace: "Svc/Test", MetricName: "Errors", Dimensions: [{ Name: "Host", Value: "web-1" }] }, Period: 60, Stat: "Sum" }, ReturnData: false },
      { Id: "r", MetricStat: { Metric: { Namespace: "Svc/Test", MetricName: "Requests", Dimensions: [{ Name: "Host", Value: "web-1" }] }, Period: 60, Stat: "Sum" }, ReturnData: false },
      { Id: "rate", Expression: "100 * e / r", Label: "Error rate", ReturnData: true },
    ];
    await cw().send(new PutMetricAlarmCommand({ AlarmName: name, Metrics, EvaluationPeriods: 1, Threshold: 5, ComparisonOperator: "GreaterThanThreshold" }));
    const a = (await cw().send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms![0];
    expect(a.Metrics).toEqual(Metrics);
    expect(a.MetricName).toBeUndefined();
  });

  it("composite alarms: rule over children, AlarmTypes, ChildrenOfAlarmName, ParentsOfAlarmName, and a child in use cannot be deleted", async () => {
    const c1 = `${p}-child1`;
    const c2 = `${p}-child2`;
    const parent = `${p}-parent`;
    await cw().send(new PutMetricAlarmCommand(alarm(c1)));
    await cw().send(new PutMetricAlarmCommand(alarm(c2)));
    await cw().send(new PutCompositeAlarmCommand({ AlarmName: parent, AlarmRule: `ALARM("${c1}") OR ALARM(arn:aws:cloudwatch:${REGION}:${A}:alarm:${c2})`, AlarmDescription: "either" }));
    const defaults = await cw().send(new DescribeAlarmsCommand({ AlarmNamePrefix: p }));
    expect(defaults.CompositeAlarms).toEqual([]); // only metric alarms without AlarmTypes
    const both = await cw().send(new DescribeAlarmsCommand({ AlarmNames: [parent], AlarmTypes: ["CompositeAlarm"] }));
    expect(both.CompositeAlarms![0]).toMatchObject({ AlarmName: parent, StateValue: "OK", AlarmDescription: "either" });
    await cw().send(new SetAlarmStateCommand({ AlarmName: c2, StateValue: "ALARM", StateReason: "x" }));
    const after = (await cw().send(new DescribeAlarmsCommand({ AlarmNames: [parent], AlarmTypes: ["CompositeAlarm"] }))).CompositeAlarms![0];
    expect(after.StateValue).toBe("ALARM");
    expect(after.StateReason).toContain(`alarm:${c2} transitioned to ALARM at `);
    const children = await cw().send(new DescribeAlarmsCommand({ ChildrenOfAlarmName: parent }));
    expect(children.MetricAlarms!.map((a) => a.AlarmName).sort()).toEqual([c1, c2]);
    const parents = await cw().send(new DescribeAlarmsCommand({ ParentsOfAlarmName: c1 }));
    expect(parents.CompositeAlarms!.map((a) => a.AlarmName)).toEqual([parent]);
    const f = await awsFailure(cw().send(new DeleteAlarmsCommand({ AlarmNames: [c1] })));
    expect(f.code).toBe("ValidationError");
    expect(f.message).toBe(`Cannot delete ${c1} as there are composite alarm(s) depending on it.`);
    const h = await cw().send(new DescribeAlarmHistoryCommand({ AlarmName: parent, AlarmTypes: ["CompositeAlarm"], HistoryItemType: "StateUpdate" }));
    expect(h.AlarmHistoryItems!.map((i) => i.HistorySummary)).toEqual(["Alarm updated from OK to ALARM", "Alarm updated from INSUFFICIENT_DATA to OK"]);
    await cw().send(new DeleteAlarmsCommand({ AlarmNames: [parent, c1] }));
    expect((await cw().send(new DescribeAlarmsCommand({ AlarmNames: [c1, c2] }))).MetricAlarms!.map((a) => a.AlarmName)).toEqual([c2]);
  });

  it("DescribeAlarms filters by StateValue and ActionPrefix and pages by MaxRecords; DescribeAlarmsForMetric finds by metric", async () => {
    const q = `${p}-page`;
    for (const i of [1, 2, 3]) await cw().send(new PutMetricAlarmCommand(alarm(`${q}-${i}`, { MetricName: `Page${protocol}`, OKActions: i === 2 ? [`arn:aws:sns:${REGION}:${A}:pager`] : [] })));
    await cw().send(new SetAlarmStateCommand({ AlarmName: `${q}-3`, StateValue: "OK", StateReason: "fine" }));
    const p1 = await cw().send(new DescribeAlarmsCommand({ AlarmNamePrefix: q, MaxRecords: 2 }));
    expect(p1.MetricAlarms!.map((a) => a.AlarmName)).toEqual([`${q}-1`, `${q}-2`]);
    const p2 = await cw().send(new DescribeAlarmsCommand({ AlarmNamePrefix: q, MaxRecords: 2, NextToken: p1.NextToken }));
    expect(p2.MetricAlarms!.map((a) => a.AlarmName)).toEqual([`${q}-3`]);
    expect(p2.NextToken).toBeUndefined();
    expect((await cw().send(new DescribeAlarmsCommand({ AlarmNamePrefix: q, StateValue: "OK" }))).MetricAlarms!.map((a) => a.AlarmName)).toEqual([`${q}-3`]);
    expect((await cw().send(new DescribeAlarmsCommand({ AlarmNamePrefix: q, ActionPrefix: `arn:aws:sns:${REGION}:${A}:pag` }))).MetricAlarms!.map((a) => a.AlarmName)).toEqual([`${q}-2`]);
    const forMetric = await cw().send(new DescribeAlarmsForMetricCommand({ Namespace: "Svc/Test", MetricName: `Page${protocol}`, Dimensions: [{ Name: "Host", Value: "web-1" }] }));
    expect(forMetric.MetricAlarms!.map((a) => a.AlarmName)).toEqual([`${q}-1`, `${q}-2`, `${q}-3`]);
    expect((await cw().send(new DescribeAlarmsForMetricCommand({ Namespace: "Svc/Test", MetricName: `Page${protocol}`, Statistic: "Sum" }))).MetricAlarms).toEqual([]);
  });

  it("Enable/DisableAlarmActions switch ActionsEnabled", async () => {
    const name = `${p}-acts`;
    await cw().send(new PutMetricAlarmCommand(alarm(name)));
    await cw().send(new DisableAlarmActionsCommand({ AlarmNames: [name] }));
    expect((await cw().send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms![0].ActionsEnabled).toBe(false);
    await cw().send(new EnableAlarmActionsCommand({ AlarmNames: [name] }));
    expect((await cw().send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms![0].ActionsEnabled).toBe(true);
  });

  it("tags alarms and dashboards by ARN; another account can neither see nor tag them", async () => {
    const name = `${p}-tagged`;
    await cw().send(new PutMetricAlarmCommand(alarm(name, { Tags: [{ Key: "a", Value: "1" }] })));
    const arn = `arn:aws:cloudwatch:${REGION}:${A}:alarm:${name}`;
    await cw().send(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: "b", Value: "2" }, { Key: "a", Value: "3" }] }));
    expect((await cw().send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags).toEqual([{ Key: "a", Value: "3" }, { Key: "b", Value: "2" }]);
    await cw().send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: ["a"] }));
    expect((await cw().send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags).toEqual([{ Key: "b", Value: "2" }]);
    const dash = `${p}-dash`;
    await cw().send(new PutDashboardCommand({ DashboardName: dash, DashboardBody: '{"widgets":[]}' }));
    const dashArn = `arn:aws:cloudwatch::${A}:dashboard/${dash}`;
    await cw().send(new TagResourceCommand({ ResourceARN: dashArn, Tags: [{ Key: "env", Value: "prod" }] }));
    expect((await cw().send(new ListTagsForResourceCommand({ ResourceARN: dashArn }))).Tags).toEqual([{ Key: "env", Value: "prod" }]);
    for (const r of [arn, dashArn]) {
      const f = await awsFailure(cwB().send(new TagResourceCommand({ ResourceARN: r, Tags: [{ Key: "x", Value: "y" }] })));
      expect(f.code).toBe("ResourceNotFoundException");
      expect((await awsFailure(cwB().send(new ListTagsForResourceCommand({ ResourceARN: r })))).code).toBe("ResourceNotFoundException");
    }
    expect((await cwB().send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms).toEqual([]);
    const tooMany = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
    expect((await awsFailure(cw().send(new TagResourceCommand({ ResourceARN: arn, Tags: tooMany })))).code).toBe("InvalidParameterValue");
  });

  it("SetAlarmState on an unknown alarm is ResourceNotFound; a bad state is a ValidationError", async () => {
    const f = await awsFailure(cw().send(new SetAlarmStateCommand({ AlarmName: `${p}-nope`, StateValue: "ALARM", StateReason: "x" })));
    expect(f.code).toBe("ResourceNotFound");
    expect(f.status).toBe(404);
    const g = await awsFailure(cw().send(new SetAlarmStateCommand({ AlarmName: `${p}-lat`, StateValue: "INVALID" as any, StateReason: "x" })));
    expect(g.code).toBe("ValidationError");
    // LocalStack's AWS-recorded snapshot (test_set_alarm_invalid_input) has this exact message.
    expect(g.message).toBe("1 validation error detected: Value 'INVALID' at 'stateValue' failed to satisfy constraint: Member must satisfy enum value set: [INSUFFICIENT_DATA, ALARM, OK]");
  });

  // Bad PutMetricAlarm requests: the error code and what the message names.
  const BAD: Array<[string, Partial<PutMetricAlarmCommandInput>, string, RegExp]> = [
    ["Statistic and ExtendedStatistic", { ExtendedStatistic: "p99" }, "InvalidParameterCombination", /Statistic and ExtendedStatistic are mutually exclusive/],
    ["neither statistic", { Statistic: undefined }, "MissingParameter", /Statistic or ExtendedStatistic/],
    ["a bad period", { Period: 45 }, "ValidationError", /^Period must be 10, 30 or a multiple of 60$/],
    ["M greater than N", { DatapointsToAlarm: 5 }, "ValidationError", /DatapointsToAlarm/],
    ["a bad operator", { ComparisonOperator: "Bigger" as any }, "ValidationError", /comparisonOperator/],
    ["a bad TreatMissingData", { TreatMissingData: "sometimes" }, "InvalidParameterValue", /TreatMissingData/],
    ["six alarm actions", { AlarmActions: Array.from({ length: 6 }, (_, i) => `arn:aws:sns:${REGION}:${A}:t${i}`) }, "ValidationError", /alarmActions.*less than or equal to 5/],
    ["an action that is no ARN", { OKActions: ["not-an-arn"] }, "InvalidParameterValue", /Invalid arn syntax: not-an-arn/],
    ["an EC2 action without InstanceId", { AlarmActions: [`arn:aws:automate:${REGION}:ec2:stop`] }, "InvalidParameterValue", /InstanceId/],
    ["a name too long", { AlarmName: "x".repeat(256) }, "ValidationError", /alarmName.*255/],
    ["no threshold", { Threshold: undefined }, "MissingParameter", /Threshold/],
    ["more than a day of periods", { Period: 60, EvaluationPeriods: 1441, DatapointsToAlarm: 1 }, "InvalidParameterValue", /86400/],
    ["Metrics with MetricName", { Metrics: [{ Id: "m", Expression: "1", ReturnData: true }] }, "ValidationError", /^\w+ should not be set if list of Metrics is set\.$/],
    [
      "two ReturnData in Metrics",
      { Namespace: undefined, MetricName: undefined, Statistic: undefined, Dimensions: undefined, Period: undefined, Metrics: [{ Id: "a", Expression: "1" }, { Id: "b", Expression: "2" }] },
      "ValidationError",
      /^Exactly one element of the metrics list should return data\.$/,
    ],
    // AWS's words, as CloudFormation printed them in aws/aws-cdk PR #31232; the code and status in aws/aws-cdk#10540
    // ("Status Code: 400; Error Code: ValidationError").
    [
      "an anomaly operator without ThresholdMetricId",
      { ComparisonOperator: "GreaterThanUpperThreshold", Threshold: undefined },
      "ValidationError",
      /^ComparisonOperators for ranges require ThresholdMetricId to be set$/,
    ],
  ];
  it.each(BAD)("refuses %s", async (_, over, code, message) => {
    const f = await awsFailure(cw().send(new PutMetricAlarmCommand(alarm(`${p}-bad`, over))));
    expect(f.code).toBe(code);
    expect(f.message).toMatch(message);
    expect(f.status).toBe(400);
  });
});

describe("the AlarmEvaluator scheduled function", () => {
  it("evaluates a new alarm within a minute and publishes the SNS notification on NATS", async () => {
    const cw = cloudWatchClient(stack);
    const name = `${RUN}-live`;
    const nc = await connect({ servers: stack.natsUrl });
    const got: any[] = [];
    const sub = nc.subscribe(`sns.${A}.live-${RUN}`, { callback: (_e, m) => got.push(JSON.parse(Buffer.from(m.data).toString("utf8"))) });
    try {
      const minute = Math.floor(Date.now() / 60_000) * 60_000;
      await cw.send(new PutMetricDataCommand({ Namespace: "Svc/Live", MetricData: [{ MetricName: "Q", Dimensions: [{ Name: "R", Value: RUN }], Timestamp: new Date(minute - 59_000), Value: 42 }] }));
      await cw.send(new PutMetricAlarmCommand({ AlarmName: name, Namespace: "Svc/Live", MetricName: "Q", Dimensions: [{ Name: "R", Value: RUN }], Statistic: "Maximum", Period: 60, EvaluationPeriods: 1, Threshold: 10, ComparisonOperator: "GreaterThanThreshold", AlarmActions: [`arn:aws:sns:${REGION}:${A}:live-${RUN}`] }));
      const deadline = Date.now() + 90_000;
      let value = "INSUFFICIENT_DATA";
      while (value !== "ALARM" && Date.now() < deadline) {
        await stack.fireSchedule("AlarmEvaluator");
        value = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms![0].StateValue!;
        if (value !== "ALARM") await new Promise((r) => setTimeout(r, 1000));
      }
      expect(value).toBe("ALARM");
      const a = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms![0];
      expect(a.StateReason).toMatch(/^Threshold Crossed: 1 datapoint \[42\.0 \(\d\d\/\d\d\/\d\d \d\d:\d\d:00\)\] was greater than the threshold \(10\.0\)\.$/);
      const end = Date.now() + 10_000;
      while (got.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
      expect(got).toHaveLength(1);
      expect(got[0].Type).toBe("Notification");
      expect(JSON.parse(got[0].Message)).toMatchObject({ AlarmName: name, NewStateValue: "ALARM", OldStateValue: "INSUFFICIENT_DATA", AWSAccountId: A });
    } finally {
      sub.unsubscribe();
      await nc.drain();
    }
  }, 120_000);
});

describe("Debian's aws CLI (awsQuery)", () => {
  const p = `${RUN}-cli`;
  const cli = (args: string[], account: 0 | 1 = 0) => awsCli(stack, ["cloudwatch", ...args], { account });

  it("puts alarms, waits for them to exist, describes, reads history and deletes", async () => {
    const put = await cli([
      "put-metric-alarm", "--alarm-name", `${p}-a`, "--namespace", "Svc/Test", "--metric-name", "Latency", "--statistic", "Average",
      "--period", "60", "--evaluation-periods", "2", "--threshold", "1.5", "--comparison-operator", "GreaterThanThreshold",
      "--dimensions", "Name=Host,Value=web-1", "--treat-missing-data", "ignore", "--alarm-actions", `arn:aws:sns:${REGION}:${A}:ops`, "--tags", "Key=k,Value=v",
    ]);
    expect(put.code, put.stderr).toBe(0);
    const wait = await cli(["wait", "alarm-exists", "--alarm-names", `${p}-a`]);
    expect(wait.code, wait.stderr).toBe(0);
    const comp = await cli(["put-composite-alarm", "--alarm-name", `${p}-c`, "--alarm-rule", `ALARM("${p}-a") AND TRUE`]);
    expect(comp.code, comp.stderr).toBe(0);
    // As the aws-cli's own example runs it (awscli/examples/cloudwatch/wait/composite-alarm-exists.rst): without
    // --alarm-types DescribeAlarms returns only metric alarms, and the waiter would wait in vain.
    const waitC = await cli(["wait", "composite-alarm-exists", "--alarm-names", `${p}-c`, "--alarm-types", "CompositeAlarm"]);
    expect(waitC.code, waitC.stderr).toBe(0);
    const desc = await cli(["describe-alarms", "--alarm-names", `${p}-a`]);
    expect(desc.code, desc.stderr).toBe(0);
    expect(desc.json.MetricAlarms[0]).toMatchObject({ AlarmName: `${p}-a`, Threshold: 1.5, StateValue: "INSUFFICIENT_DATA", Dimensions: [{ Name: "Host", Value: "web-1" }] });
    const set = await cli(["set-alarm-state", "--alarm-name", `${p}-a`, "--state-value", "ALARM", "--state-reason", "by hand"]);
    expect(set.code, set.stderr).toBe(0);
    const comps = await cli(["describe-alarms", "--alarm-names", `${p}-c`, "--alarm-types", "CompositeAlarm"]);
    expect(comps.json.CompositeAlarms[0].StateValue).toBe("ALARM");
    const hist = await cli(["describe-alarm-history", "--alarm-name", `${p}-a`, "--history-item-type", "StateUpdate"]);
    expect(hist.code, hist.stderr).toBe(0);
    expect(hist.json.AlarmHistoryItems.map((i: any) => i.HistorySummary)).toEqual(["Alarm updated from INSUFFICIENT_DATA to ALARM"]);
    const tags = await cli(["list-tags-for-resource", "--resource-arn", `arn:aws:cloudwatch:${REGION}:${A}:alarm:${p}-a`]);
    expect(tags.json.Tags).toEqual([{ Key: "k", Value: "v" }]);
    const refused = await cli(["delete-alarms", "--alarm-names", `${p}-a`]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("(ValidationError)");
    expect(refused.stderr).toContain(`Cannot delete ${p}-a as there are composite alarm(s) depending on it.`);
    const del = await cli(["delete-alarms", "--alarm-names", `${p}-c`, `${p}-a`]);
    expect(del.code, del.stderr).toBe(0);
    const gone = await cli(["describe-alarms", "--alarm-names", `${p}-a`]);
    expect(gone.json.MetricAlarms).toEqual([]);
  }, 400_000); // thirteen runs of the CLI, each seconds long on a loaded machine

  it("another account's describe-alarms does not see the alarm", async () => {
    await cli(["put-metric-alarm", "--alarm-name", `${p}-mine`, "--namespace", "N", "--metric-name", "M", "--statistic", "Sum", "--period", "60", "--evaluation-periods", "1", "--threshold", "1", "--comparison-operator", "GreaterThanThreshold"]);
    const seen = await cli(["describe-alarms", "--alarm-names", `${p}-mine`], 1);
    expect(seen.code, seen.stderr).toBe(0);
    expect(seen.json.MetricAlarms).toEqual([]);
  }, 120_000);
});
