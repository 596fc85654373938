/**
 * Alarms, tags and dashboards answer as AWS does, field for field, in every
 * protocol CloudWatch speaks (the JS SDK over awsJson1_0, smithy-rpc-v2-cbor
 * and awsQuery) and to Debian's aws CLI (awsQuery). Each expectation cites the
 * recorded AWS response it pins: most are from localstack/localstack
 * tests/aws/services/cloudwatch/test_cloudwatch.py and its
 * test_cloudwatch.snapshot.json (responses recorded against AWS).
 */
import {
  DeleteAlarmsCommand,
  DeleteDashboardsCommand,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  DescribeAlarmsForMetricCommand,
  GetDashboardCommand,
  ListDashboardsCommand,
  ListTagsForResourceCommand,
  PutCompositeAlarmCommand,
  PutDashboardCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
  TagResourceCommand,
  UntagResourceCommand,
  type CloudWatchClient,
  type PutMetricAlarmCommandInput,
} from "@aws-sdk/client-cloudwatch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsFailure } from "../support/failure.js";
import { definedKeys, minimalAlarm } from "../support/recorded-requests.js";
import { awsCli, cloudWatchClient, startStack, type Protocol, type Stack } from "../support/stack.js";

let stack: Stack;
const RUN = `aa${Date.now().toString(36)}`;
const REGION = "us-east-1";
const A = "000000000000";
const arnOf = (name: string) => `arn:aws:cloudwatch:${REGION}:${A}:alarm:${name}`;

beforeAll(async () => {
  stack = await startStack();
}, 180_000);
afterAll(() => stack?.stop());

const minimal = (name: string, over: Partial<PutMetricAlarmCommandInput> = {}) => minimalAlarm(name, `${RUN}/ns`, over);

/** The keys of a minimal metric alarm as AWS describes it (snapshot describe_minimal_metric_alarm, all three protocols). */
const MINIMAL_KEYS = [
  "ActionsEnabled",
  "AlarmActions",
  "AlarmArn",
  "AlarmConfigurationUpdatedTimestamp",
  "AlarmName",
  "ComparisonOperator",
  "Dimensions",
  "EvaluationPeriods",
  "InsufficientDataActions",
  "MetricName",
  "Namespace",
  "OKActions",
  "Period",
  "StateReason",
  "StateTransitionedTimestamp",
  "StateUpdatedTimestamp",
  "StateValue",
  "Statistic",
  "Threshold",
];

const defined = definedKeys;

describe.each<Protocol>(["json", "cbor", "query"])("over %s", (protocol) => {
  const p = `${RUN}-${protocol}`;
  let cw: CloudWatchClient;
  beforeAll(() => {
    cw = cloudWatchClient(stack, { protocol });
  });
  afterAll(() => cw?.destroy());

  // Snapshot test_basic_operations_multiple_protocols (recorded 2025-10-06 on the raw wire of all three
  // protocols): DescribeAlarms answers the three lists, LogAlarms among them, even when they are empty.
  it("DescribeAlarms answers empty MetricAlarms, CompositeAlarms and LogAlarms lists", async () => {
    const out = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: `${p}-none-such` }));
    expect(out.MetricAlarms).toEqual([]);
    expect(out.CompositeAlarms).toEqual([]);
    expect(out.LogAlarms).toEqual([]);
  });

  // Snapshot test_describe_minimal_metric_alarm: empty lists present, ActionsEnabled true,
  // no TreatMissingData, EvaluateLowSampleCountPercentile, DatapointsToAlarm, ThresholdMetricId or StateReasonData.
  it("describes a minimal metric alarm with exactly AWS's fields", async () => {
    const name = `${p}-min`;
    await cw.send(new PutMetricAlarmCommand(minimal(name)));
    const out = await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }));
    expect(out.CompositeAlarms).toEqual([]);
    expect(out.MetricAlarms).toHaveLength(1);
    const a = out.MetricAlarms![0];
    expect(defined(a)).toEqual(MINIMAL_KEYS);
    expect(a).toMatchObject({
      ActionsEnabled: true,
      AlarmActions: [],
      AlarmArn: arnOf(name),
      AlarmName: name,
      Dimensions: [],
      InsufficientDataActions: [],
      OKActions: [],
      Period: 10,
      StateReason: "Unchecked: Initial alarm creation",
      StateValue: "INSUFFICIENT_DATA",
      Statistic: "Sum",
      Threshold: 30,
    });
    expect(a.AlarmConfigurationUpdatedTimestamp).toBeInstanceOf(Date);
    expect(a.StateTransitionedTimestamp!.getTime()).toBe(a.StateUpdatedTimestamp!.getTime());
  });

  // Snapshot test_put_metric_alarm_escape_character: AlarmDescription "<" comes back as "<".
  it("keeps an AlarmDescription of '<' as given", async () => {
    const name = `${p}-esc`;
    await cw.send(new PutMetricAlarmCommand(minimal(name, { AlarmDescription: "<", Period: 600, Threshold: 1, AlarmActions: ["arn:aws:sns:us-east-1:111122223333:MyTopic"] })));
    const a = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms![0];
    expect(a.AlarmDescription).toBe("<");
    expect(a.AlarmActions).toEqual(["arn:aws:sns:us-east-1:111122223333:MyTopic"]);
  });

  // Snapshot test_delete_alarm: DeleteAlarms answers an empty result; describing the name again gives two empty lists.
  it("deletes an alarm and then describes it as two empty lists", async () => {
    const name = `${p}-del`;
    await cw.send(new PutMetricAlarmCommand(minimal(name, { Period: 60 })));
    await cw.send(new DeleteAlarmsCommand({ AlarmNames: [name] }));
    const out = await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }));
    expect(out.MetricAlarms).toEqual([]);
    expect(out.CompositeAlarms).toEqual([]);
  });

  // Snapshot test_set_alarm: SetAlarmState's reason is the StateReason given, StateReasonData stays absent.
  it("SetAlarmState writes the given reason and no StateReasonData", async () => {
    const name = `${p}-set`;
    await cw.send(new PutMetricAlarmCommand(minimal(name, { TreatMissingData: "ignore", Unit: "Percent", Period: 300, EvaluationPeriods: 2 })));
    await cw.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: "ALARM", StateReason: "testing alarm" }));
    let a = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms![0];
    expect(a).toMatchObject({ StateValue: "ALARM", StateReason: "testing alarm", TreatMissingData: "ignore", Unit: "Percent" });
    expect(a.StateReasonData).toBeUndefined();
    await cw.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: "OK", StateReason: "resetting alarm" }));
    a = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms![0];
    expect(a).toMatchObject({ StateValue: "OK", StateReason: "resetting alarm" });
  });

  // Snapshot test_put_metric_alarm (describe-alarm-history, describe-alarms-for-metric): a StateUpdate item's
  // summary and HistoryData as AWS writes them (a state set by hand has no stateReasonData), and
  // DescribeAlarmsForMetric answering MetricAlarms alone.
  it("records a state change in history as AWS does, and finds the alarm by its metric", async () => {
    const name = `${p}-hist`;
    const dims = [{ Name: "InstanceId", Value: "abc" }];
    await cw.send(new PutMetricAlarmCommand(minimal(name, { MetricName: "my-metric1", Dimensions: dims, Statistic: "Average", Threshold: 21, TreatMissingData: "ignore", Unit: "Seconds" })));
    await cw.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: "ALARM", StateReason: "testing alarm" }));
    const h = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: name, HistoryItemType: "StateUpdate" }));
    expect(h.NextToken).toBeUndefined();
    expect(h.AlarmHistoryItems).toHaveLength(1);
    const [item] = h.AlarmHistoryItems!;
    expect(defined(item)).toEqual(["AlarmName", "AlarmType", "HistoryData", "HistoryItemType", "HistorySummary", "Timestamp"]);
    expect(item).toMatchObject({ AlarmName: name, AlarmType: "MetricAlarm", HistoryItemType: "StateUpdate", HistorySummary: "Alarm updated from INSUFFICIENT_DATA to ALARM" });
    expect(JSON.parse(item.HistoryData!)).toEqual({
      version: "1.0",
      oldState: { stateValue: "INSUFFICIENT_DATA", stateReason: "Unchecked: Initial alarm creation" },
      newState: { stateValue: "ALARM", stateReason: "testing alarm" },
    });
    const m = await cw.send(new DescribeAlarmsForMetricCommand({ MetricName: "my-metric1", Namespace: `${RUN}/ns`, Dimensions: dims, Statistic: "Average" }));
    expect((m as any).CompositeAlarms).toBeUndefined();
    const mine = m.MetricAlarms!.filter((a) => a.AlarmName === name);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ StateValue: "ALARM", StateReason: "testing alarm", Dimensions: dims, Unit: "Seconds", TreatMissingData: "ignore", ActionsEnabled: true });
    // A different statistic is a different metric alarm's concern.
    const other = await cw.send(new DescribeAlarmsForMetricCommand({ MetricName: "my-metric1", Namespace: `${RUN}/ns`, Dimensions: dims, Statistic: "Sum" }));
    expect(other.MetricAlarms!.filter((a) => a.AlarmName === name)).toEqual([]);
  });

  // moto tests/test_cloudwatch/test_cloudwatch_alarms.py test_delete_alarms_without_error: a name naming nothing is no error.
  it("DeleteAlarms of a name that names no alarm succeeds", async () => {
    await cw.send(new DeleteAlarmsCommand({ AlarmNames: [`${p}-not-exists`] }));
    expect((await cw.send(new DescribeAlarmsCommand({ AlarmNames: [`${p}-not-exists`] }))).MetricAlarms).toEqual([]);
  });

  // PutMetricAlarm refusals in AWS's exact words, as SDKs printed them: "DatapointsToAlarm must be ..." (Go SDK,
  // hashicorp/terraform issue #24070); "Unit should not be set ..." and "Threshold and ThresholdMetricId cannot
  // both be set" (Java SDK, aws-cloudformation/cfn-lint PR #1306). All ValidationError, 400.
  const math = { Namespace: undefined, MetricName: undefined, Statistic: undefined, Period: undefined };
  const query = (id: string, returnData: boolean) => ({
    Id: id,
    MetricStat: { Metric: { Namespace: `${RUN}/ns`, MetricName: "m" }, Period: 60, Stat: "Average" },
    ReturnData: returnData,
  });
  it.each<[string, Partial<PutMetricAlarmCommandInput>, string]>([
    ["more DatapointsToAlarm than EvaluationPeriods", { EvaluationPeriods: 1, DatapointsToAlarm: 15 }, "DatapointsToAlarm must be less than or equal to EvaluationPeriods"],
    ["a Unit beside Metrics", { ...math, Unit: "Seconds", Metrics: [query("m1", true)] }, "Unit should not be set if list of Metrics is set."],
    [
      "both Threshold and ThresholdMetricId",
      { ...math, ComparisonOperator: "LessThanLowerOrGreaterThanUpperThreshold", Threshold: 1, ThresholdMetricId: "t1", Metrics: [query("m1", true), { Id: "t1", Expression: "ANOMALY_DETECTION_BAND(m1, 3)" }] },
      "Threshold and ThresholdMetricId cannot both be set",
    ],
  ])("PutMetricAlarm refuses %s", async (_, over, message) => {
    const f = await awsFailure(cw.send(new PutMetricAlarmCommand(minimal(`${p}-bad`, over))));
    expect(f.code).toBe("ValidationError");
    expect(f.status).toBe(400);
    expect(f.message).toBe(message);
  });

  // AWS's own anomaly detection alarm (knowledge-center/cloudwatch-set-anomaly-detection-alarm): the watched
  // metric returns data and so does the band, whose ReturnData is left out; AWS takes it.
  it("PutMetricAlarm takes AWS's anomaly detection example, the band returning data beside the metric", async () => {
    const name = `${p}-anomaly`;
    const metrics = [query("m1", true), { Id: "t1", Expression: "ANOMALY_DETECTION_BAND(m1, 3)" }];
    await cw.send(
      new PutMetricAlarmCommand({ AlarmName: name, EvaluationPeriods: 2, ThresholdMetricId: "t1", ComparisonOperator: "LessThanLowerOrGreaterThanUpperThreshold", Metrics: metrics }),
    );
    const a = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms![0];
    expect(a).toMatchObject({ ThresholdMetricId: "t1", ComparisonOperator: "LessThanLowerOrGreaterThanUpperThreshold", EvaluationPeriods: 2 });
    expect(a.Threshold).toBeUndefined();
    expect(a.Metrics!.map((q) => q.Id)).toEqual(["m1", "t1"]);
    await cw.send(new DeleteAlarmsCommand({ AlarmNames: [name] }));
  });

  // AWS's ValidationError for an AlarmRule it cannot parse (aws/aws-cdk issue #34662 quotes it for "()").
  it("PutCompositeAlarm refuses an empty pair of parentheses in AWS's words", async () => {
    const f = await awsFailure(cw.send(new PutCompositeAlarmCommand({ AlarmName: `${p}-badrule`, AlarmRule: "()" })));
    expect(f.code).toBe("ValidationError");
    expect(f.status).toBe(400);
    expect(f.message).toBe("Error in AlarmRule [Unsupported token ')' at char 1]");
  });

  // Snapshot test_set_alarm_invalid_input / test_exception_serializing_with_no_shape_in_spec:
  // ResourceNotFound, 404, with no message at all ("Message": "" in botocore, no Message element in the XML).
  it("SetAlarmState on an unknown alarm is ResourceNotFound with an empty message", async () => {
    const f = await awsFailure(cw.send(new SetAlarmStateCommand({ AlarmName: `${p}-nope`, StateValue: "OK", StateReason: "test" })));
    expect(f.code).toBe("ResourceNotFound");
    expect(f.status).toBe(404);
    // With no message on the wire the JS SDK makes up its own: "UnknownError" (JSON, CBOR), "Unknown" (XML).
    expect(f.message).toBe(protocol === "query" ? "Unknown" : "UnknownError");
  });

  // Snapshot test_tagging_metric_alarm: tags given at creation, merged by TagResource, dropped by UntagResource;
  // after DeleteAlarms the ARN lists no tags (an empty list, not an error).
  it("tags a metric alarm through its life, and lists none once it is deleted", async () => {
    const name = `${p}-tag`;
    await cw.send(new PutMetricAlarmCommand(minimal(name, { Period: 60, Tags: [{ Key: "Environment", Value: "Production" }] })));
    const arn = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms![0].AlarmArn!;
    const tags = async () => ((await cw.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags ?? []).sort((x, y) => x.Key!.localeCompare(y.Key!));
    expect(await tags()).toEqual([{ Key: "Environment", Value: "Production" }]);
    await cw.send(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: "tag1", Value: "foo" }, { Key: "tag2", Value: "bar" }] }));
    expect(await tags()).toEqual([
      { Key: "Environment", Value: "Production" },
      { Key: "tag1", Value: "foo" },
      { Key: "tag2", Value: "bar" },
    ]);
    await cw.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: ["tag1"] }));
    expect(await tags()).toEqual([
      { Key: "Environment", Value: "Production" },
      { Key: "tag2", Value: "bar" },
    ]);
    await cw.send(new DeleteAlarmsCommand({ AlarmNames: [name] }));
    expect((await cw.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags).toEqual([]);
  });

  // Snapshot test_tagging_composite_alarm: the same for a composite alarm, rule naming its child by name.
  it("tags a composite alarm through its life, and lists none once it is deleted", async () => {
    const child = `${p}-tchild`;
    const name = `${p}-tcomp`;
    await cw.send(new PutMetricAlarmCommand(minimal(child, { Period: 60 })));
    await cw.send(new PutCompositeAlarmCommand({ AlarmName: name, AlarmRule: `ALARM("${child}")`, Tags: [{ Key: "Environment", Value: "Production" }] }));
    const out = await cw.send(new DescribeAlarmsCommand({ AlarmTypes: ["CompositeAlarm"], AlarmNames: [name] }));
    expect(out.MetricAlarms).toEqual([]);
    const arn = out.CompositeAlarms![0].AlarmArn!;
    expect(arn).toBe(arnOf(name));
    const tags = async () => ((await cw.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags ?? []).sort((x, y) => x.Key!.localeCompare(y.Key!));
    expect(await tags()).toEqual([{ Key: "Environment", Value: "Production" }]);
    await cw.send(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: "tag1", Value: "foo" }, { Key: "tag2", Value: "bar" }] }));
    await cw.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: ["tag1"] }));
    expect(await tags()).toEqual([
      { Key: "Environment", Value: "Production" },
      { Key: "tag2", Value: "bar" },
    ]);
    await cw.send(new DeleteAlarmsCommand({ AlarmNames: [name] }));
    expect((await cw.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags).toEqual([]);
    await cw.send(new DeleteAlarmsCommand({ AlarmNames: [child] }));
  });

  // Snapshot test_store_tags: an alarm put without tags lists an empty Tags list.
  it("lists an empty Tags list for an alarm with no tags", async () => {
    const name = `${p}-notags`;
    await cw.send(new PutMetricAlarmCommand(minimal(name, { Period: 60 })));
    expect((await cw.send(new ListTagsForResourceCommand({ ResourceARN: arnOf(name) }))).Tags).toEqual([]);
  });

  // Snapshot test_trigger_composite_alarm: the composite follows the child SetAlarmState moves, its
  // StateReasonData naming the one triggering child with the state it moved to.
  it("a composite alarm follows its children, naming the triggering child in StateReasonData", async () => {
    const c1 = `${p}-c1`;
    const c2 = `${p}-c2`;
    const comp = `${p}-comp`;
    for (const c of [c1, c2]) await cw.send(new PutMetricAlarmCommand(minimal(c, { MetricName: "CPUUtilization", Namespace: "AWS/EC2" })));
    const rule = `ALARM("${arnOf(c1)}") OR ALARM("${arnOf(c2)}")`;
    await cw.send(
      new PutCompositeAlarmCommand({
        AlarmName: comp,
        AlarmDescription: "composite alarm description",
        AlarmRule: rule,
        OKActions: [`arn:aws:sns:${REGION}:${A}:ok`],
        AlarmActions: [`arn:aws:sns:${REGION}:${A}:alarm`],
      }),
    );
    const steps: Array<[string, "ALARM" | "OK"]> = [
      [c1, "ALARM"],
      [c1, "OK"],
      [c2, "ALARM"],
      [c2, "OK"],
    ];
    for (const [child, state] of steps) {
      await cw.send(new SetAlarmStateCommand({ AlarmName: child, StateValue: state, StateReason: `moving ${child}` }));
      const c = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [comp], AlarmTypes: ["CompositeAlarm"] }))).CompositeAlarms![0];
      expect(c).toMatchObject({
        ActionsEnabled: true,
        AlarmActions: [`arn:aws:sns:${REGION}:${A}:alarm`],
        AlarmArn: arnOf(comp),
        AlarmDescription: "composite alarm description",
        AlarmName: comp,
        AlarmRule: rule,
        InsufficientDataActions: [],
        OKActions: [`arn:aws:sns:${REGION}:${A}:ok`],
        StateValue: state,
      });
      expect(c.AlarmConfigurationUpdatedTimestamp).toBeInstanceOf(Date);
      const data = JSON.parse(c.StateReasonData!);
      expect(Object.keys(data)).toEqual(["triggeringAlarms"]);
      expect(data.triggeringAlarms).toHaveLength(1);
      expect(data.triggeringAlarms[0].arn).toBe(arnOf(child));
      expect(data.triggeringAlarms[0].state.value).toBe(state);
    }
    await cw.send(new DeleteAlarmsCommand({ AlarmNames: [comp] }));
    await cw.send(new DeleteAlarmsCommand({ AlarmNames: [c1, c2] }));
  });
});

describe.each<Protocol>(["json", "cbor", "query"])("dashboards over %s", (protocol) => {
  const p = `${RUN}-${protocol}`;
  let cw: CloudWatchClient;
  beforeAll(() => {
    cw = cloudWatchClient(stack, { protocol });
  });
  afterAll(() => cw?.destroy());

  const body = {
    widgets: [
      {
        type: "metric",
        x: 0,
        y: 0,
        width: 6,
        height: 6,
        properties: { metrics: [["AWS/EC2", "CPUUtilization", "InstanceId", "i-12345678"]], region: REGION, view: "timeSeries", stacked: false },
      },
    ],
  };

  // Snapshot test_invalid_dashboard_name: the message ends in a newline.
  it("refuses a name with a colon, in AWS's words", async () => {
    const f = await awsFailure(cw.send(new PutDashboardCommand({ DashboardName: `test-${p}:invalid`, DashboardBody: JSON.stringify(body) })));
    expect(f.code).toBe("InvalidParameterValue");
    expect(f.status).toBe(400);
    expect(f.message).toBe("The value for field DashboardName contains invalid characters. It can only contain alphanumerics, dash (-) and underscore (_).\n");
  });

  // Snapshot test_dashboard_lifecycle: the ARN has no region; the entry's Size is the body's length in bytes.
  it("gets and lists a dashboard as AWS does", async () => {
    const name = `test-${p}`;
    const text = JSON.stringify(body);
    await cw.send(new PutDashboardCommand({ DashboardName: name, DashboardBody: text }));
    const got = await cw.send(new GetDashboardCommand({ DashboardName: name }));
    expect(got.DashboardArn).toBe(`arn:aws:cloudwatch::${A}:dashboard/${name}`);
    expect(got.DashboardName).toBe(name);
    expect(JSON.parse(got.DashboardBody!)).toEqual(body);
    const list = await cw.send(new ListDashboardsCommand({ DashboardNamePrefix: name }));
    expect(list.DashboardEntries).toHaveLength(1);
    const [e] = list.DashboardEntries!;
    expect(defined(e)).toEqual(["DashboardArn", "DashboardName", "LastModified", "Size"]);
    expect((await cw.send(new ListDashboardsCommand({ DashboardNamePrefix: `no-valid-${p}` }))).DashboardEntries).toEqual([]);
    await cw.send(new DeleteDashboardsCommand({ DashboardNames: [name] }));
    expect((await cw.send(new ListDashboardsCommand({ DashboardNamePrefix: name }))).DashboardEntries).toEqual([]);
  });
});

describe("Debian's aws CLI (awsQuery)", () => {
  // Snapshot test_set_alarm_invalid_input[query]: the error XML has no Message.
  it("set-alarm-state on an unknown alarm fails with ResourceNotFound and no message", async () => {
    const r = await awsCli(stack, ["cloudwatch", "set-alarm-state", "--alarm-name", `${RUN}-cli-nope`, "--state-value", "OK", "--state-reason", "test"]);
    expect(r.code).not.toBe(0);
    // botocore prints "Unknown" where the XML has no Message, as it would for AWS's answer.
    expect(r.stderr).toMatch(/\(ResourceNotFound\) when calling the SetAlarmState operation.*: Unknown\s*$/);
  }, 120_000);

  // Snapshot test_tagging_metric_alarm[query] (list_tags_for_deleted_resource).
  it("list-tags-for-resource on a deleted alarm prints an empty Tags list", async () => {
    const name = `${RUN}-cli-del`;
    const put = await awsCli(stack, ["cloudwatch", "put-metric-alarm", "--alarm-name", name, "--metric-name", "m", "--namespace", `${RUN}/cli`,
      "--evaluation-periods", "1", "--comparison-operator", "GreaterThanThreshold", "--period", "60", "--statistic", "Sum", "--threshold", "30",
      "--tags", "Key=Environment,Value=Production"]);
    expect(put.code).toBe(0);
    expect((await awsCli(stack, ["cloudwatch", "list-tags-for-resource", "--resource-arn", arnOf(name)])).json).toEqual({ Tags: [{ Key: "Environment", Value: "Production" }] });
    expect((await awsCli(stack, ["cloudwatch", "delete-alarms", "--alarm-names", name])).code).toBe(0);
    expect((await awsCli(stack, ["cloudwatch", "list-tags-for-resource", "--resource-arn", arnOf(name)])).json).toEqual({ Tags: [] });
  }, 240_000);
});
