/**
 * Alarms, composite alarms, alarm history, anomaly detectors, insight rules
 * and metric streams answer as AWS answered, one row per recorded answer, in
 * every protocol CloudWatch speaks (the JS SDK over awsJson1_0,
 * smithy-rpc-v2-cbor and awsQuery) and, where the wire matters, to Debian's
 * aws CLI (awsQuery). Each row names where AWS's answer was seen. What
 * alarms-aws-answers.test.ts and metrics-aws-answers.test.ts pin is not
 * repeated here.
 */
import {
  DeleteAnomalyDetectorCommand,
  DeleteInsightRulesCommand,
  DeleteMetricStreamCommand,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  DescribeAnomalyDetectorsCommand,
  DescribeInsightRulesCommand,
  GetMetricStreamCommand,
  PutAnomalyDetectorCommand,
  PutCompositeAlarmCommand,
  PutInsightRuleCommand,
  PutMetricAlarmCommand,
  PutMetricStreamCommand,
  SetAlarmStateCommand,
  type CloudWatchClient,
  type PutMetricAlarmCommandInput,
} from "@aws-sdk/client-cloudwatch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsFailure } from "../support/failure.js";
import { definedKeys, GUIDE_CLF_RULE, minimalAlarm } from "../support/recorded-requests.js";
import { awsCli, cloudWatchClient, startStack, type Protocol, type Stack } from "../support/stack.js";

let stack: Stack;
const RUN = `cwa${Date.now().toString(36)}`;
const REGION = "us-east-1";
const A = "000000000000";

beforeAll(async () => {
  stack = await startStack();
}, 180_000);
afterAll(() => stack?.stop());

const defined = definedKeys;
const minimal = (name: string, over: Partial<PutMetricAlarmCommandInput> = {}) => minimalAlarm(name, `${RUN}/ns`, { Period: 60, ...over });
/** A math alarm has no single-metric members. */
const MATH = { Namespace: undefined, MetricName: undefined, Statistic: undefined, Period: undefined };
const metricQuery = (id: string) => ({ Id: id, MetricStat: { Metric: { Namespace: `${RUN}/ns`, MetricName: "m" }, Period: 60, Stat: "Sum" }, ReturnData: true });

/**
 * PutMetricAlarm refusals in AWS's words, each as an SDK or CloudFormation printed AWS's answer (ValidationError, 400).
 * [what, request, message, where AWS's answer was seen]
 */
const PUT_METRIC_ALARM_REFUSALS: Array<[string, Partial<PutMetricAlarmCommandInput>, string, string]> = [
  [
    "a Statistic beside Metrics",
    { ...MATH, Statistic: "Sum", Metrics: [metricQuery("m1")] },
    "Statistic should not be set if list of Metrics is set.",
    "aws-cloudformation/cfn-lint issue #766; cloudtools/troposphere PR #1276",
  ],
  [
    "neither Metrics nor MetricName nor a statistic",
    { MetricName: undefined, Statistic: undefined },
    "MetricName must not be null",
    "aws-cloudformation/cfn-lint PR #771 (Metrics, Statistic and ExtendedStatistic dropped)",
  ],
  ["a statistic but no MetricName", { MetricName: undefined }, "MetricName must not be null", "hashicorp/terraform-provider-aws PR #11105"],
  [
    "a query with both Expression and MetricStat",
    { ...MATH, Metrics: [{ ...metricQuery("m1"), Expression: "SUM(METRICS())" }] },
    "The parameters MetricDataQuery Expression and MetricStat are mutually exclusive and you have specified both.",
    "boto/boto3 issue #3856 (quoted by an AWS SDK maintainer)",
  ],
  ["a Period of 1", { Period: 1 }, "Period must be 10, 30 or a multiple of 60", "awsdocs/aws-cloudformation-user-guide PR #777"],
  [
    "an EvaluateLowSampleCountPercentile that is neither evaluate nor ignore",
    { Statistic: undefined, ExtendedStatistic: "p90", Unit: "Seconds", EvaluateLowSampleCountPercentile: "unknown" },
    "Option unknown is not supported. Supported options for parameter EvaluateLowSampleCountPercentile are evaluate and ignore.",
    "getmoto/moto tests/test_cloudwatch/test_cloudwatch.py test_put_metric_alarm_error_evaluate_low_sample_count_percentile (PR #4179)",
  ],
];

describe.each<Protocol>(["json", "cbor", "query"])("over %s", (protocol) => {
  const p = `${RUN}-${protocol}`;
  let cw: CloudWatchClient;
  beforeAll(() => {
    cw = cloudWatchClient(stack, { protocol });
  });
  afterAll(() => cw?.destroy());

  it.each(PUT_METRIC_ALARM_REFUSALS)("PutMetricAlarm refuses %s in AWS's words", async (_, over, message, _source) => {
    const f = await awsFailure(cw.send(new PutMetricAlarmCommand(minimal(`${p}-bad`, over))));
    expect({ code: f.code, status: f.status, message: f.message }).toEqual({ code: "ValidationError", status: 400, message });
  });

  // hashicorp/terraform-provider-aws internal/service/cloudwatch/metric_alarm_test.go
  // TestAccCloudWatchMetricAlarm_extendedStatistic: AWS takes each of these ExtendedStatistics and describes it as given.
  it.each(["p88.0", "p0.0", "p100", "p95", "tm90", "TM(2%:98%)", "TM(150:1000)", "IQM", "wm98", "PR(:300)", "PR(100:2000)", "tc90", "TC(0.005:0.030)", "TS(80%:)", "TC(:0.5)"])(
    "PutMetricAlarm takes the ExtendedStatistic %s",
    async (stat) => {
      const name = `${p}-ext`;
      await cw.send(new PutMetricAlarmCommand(minimal(name, { Statistic: undefined, ExtendedStatistic: stat })));
      const a = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms![0];
      expect([a.ExtendedStatistic, a.Statistic]).toEqual([stat, undefined]);
    },
  );

  // aws/aws-cdk issue #13953: alarm names with spaces left unquoted in a rule of two ARNs; CloudFormation printed
  // AWS's ValidationError "Error in AlarmRule [Unsupported token 'Oldest' at char 67, must be: ')']".
  it("PutCompositeAlarm refuses an unquoted name with spaces at the character AWS names", async () => {
    const arn = (n: string) => `arn:aws:cloudwatch:${REGION}:123456789012:alarm:${n}`;
    const rule = `(ALARM(${arn("SampleQueue Oldest Age Alarm")}) OR ALARM(${arn("SampleQueue Visible Messages Alarm")}))`;
    const f = await awsFailure(cw.send(new PutCompositeAlarmCommand({ AlarmName: `${p}-spaces`, AlarmRule: rule })));
    expect({ code: f.code, status: f.status, message: f.message }).toEqual({
      code: "ValidationError",
      status: 400,
      message: "Error in AlarmRule [Unsupported token 'Oldest' at char 67, must be: ')']",
    });
  });

  // localstack test_trigger_composite_alarm, its last step (recorded against AWS): with child 1 in ALARM, child 2
  // going to ALARM leaves the composite as it was, still naming child 1; the composite has exactly these members.
  it("keeps a composite's triggering child when a second child joins it in ALARM, with exactly AWS's members", async () => {
    const [c1, c2, comp] = [`${p}-k1`, `${p}-k2`, `${p}-kcomp`];
    for (const c of [c1, c2]) await cw.send(new PutMetricAlarmCommand(minimal(c)));
    const arnOf = (n: string) => `arn:aws:cloudwatch:${REGION}:${A}:alarm:${n}`;
    await cw.send(
      new PutCompositeAlarmCommand({
        AlarmName: comp,
        AlarmDescription: "composite alarm description",
        AlarmRule: `ALARM("${arnOf(c1)}") OR ALARM("${arnOf(c2)}")`,
        AlarmActions: [`arn:aws:sns:${REGION}:${A}:alarm`],
        OKActions: [`arn:aws:sns:${REGION}:${A}:ok`],
      }),
    );
    await cw.send(new SetAlarmStateCommand({ AlarmName: c1, StateValue: "ALARM", StateReason: "trigger alarm 1" }));
    const first = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [comp], AlarmTypes: ["CompositeAlarm"] }))).CompositeAlarms![0];
    await cw.send(new SetAlarmStateCommand({ AlarmName: c2, StateValue: "ALARM", StateReason: "trigger alarm 2" }));
    const c = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [comp], AlarmTypes: ["CompositeAlarm"] }))).CompositeAlarms![0];
    expect(defined(c)).toEqual([
      "ActionsEnabled",
      "AlarmActions",
      "AlarmArn",
      "AlarmConfigurationUpdatedTimestamp",
      "AlarmDescription",
      "AlarmName",
      "AlarmRule",
      "InsufficientDataActions",
      "OKActions",
      "StateReason",
      "StateReasonData",
      "StateTransitionedTimestamp",
      "StateUpdatedTimestamp",
      "StateValue",
    ]);
    expect(c.StateValue).toBe("ALARM");
    expect(JSON.parse(c.StateReasonData!).triggeringAlarms.map((t: any) => [t.arn, t.state.value])).toEqual([[arnOf(c1), "ALARM"]]);
    expect([c.StateReason, c.StateTransitionedTimestamp]).toEqual([first.StateReason, first.StateTransitionedTimestamp]);
  });

  // An AWS Create item of describe-alarm-history, its HistoryData quoted whole in the public blog post
  // "Rubyからaws-sdkを使ってアラームの一覧を取得する" (an alarm like this one): exactly these members,
  // `okactions` in lower case, the statistic as given, timestamps as 2014-08-23T15:48:26.693+0000.
  it("records a created alarm's ConfigurationUpdate with AWS's HistoryData members", async () => {
    const name = `${p}-created`;
    const topic = `arn:aws:sns:${REGION}:${A}:Notify`;
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: name,
        AlarmDescription: "",
        AlarmActions: [topic],
        Namespace: "AWS/EBS",
        MetricName: "VolumeIdleTime",
        Dimensions: [{ Name: "VolumeId", Value: "vol-12345678" }],
        Statistic: "Sum",
        Period: 3600,
        EvaluationPeriods: 1,
        Threshold: 1800,
        ComparisonOperator: "LessThanOrEqualToThreshold",
      }),
    );
    const alarm = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms![0];
    const h = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: name, HistoryItemType: "ConfigurationUpdate" }));
    expect(h.AlarmHistoryItems).toHaveLength(1);
    const [item] = h.AlarmHistoryItems!;
    expect(item).toMatchObject({ AlarmName: name, AlarmType: "MetricAlarm", HistoryItemType: "ConfigurationUpdate", HistorySummary: `Alarm "${name}" created` });
    const stamp = (d: Date) => d.toISOString().replace("Z", "+0000");
    expect(JSON.parse(item.HistoryData!)).toEqual({
      version: "1.0",
      type: "Create",
      createdAlarm: {
        namespace: "AWS/EBS",
        threshold: 1800,
        metricName: "VolumeIdleTime",
        period: 3600,
        dimensions: [{ name: "VolumeId", value: "vol-12345678" }],
        stateValue: "INSUFFICIENT_DATA",
        alarmName: name,
        okactions: [],
        alarmActions: [topic],
        actionsEnabled: true,
        evaluationPeriods: 1,
        comparisonOperator: "LessThanOrEqualToThreshold",
        insufficientDataActions: [],
        alarmDescription: "",
        statistic: "Sum",
        alarmArn: `arn:aws:cloudwatch:${REGION}:${A}:alarm:${name}`,
        alarmConfigurationUpdatedTimestamp: stamp(alarm.AlarmConfigurationUpdatedTimestamp!),
        stateUpdatedTimestamp: stamp(alarm.StateUpdatedTimestamp!),
      },
    });
  });

  // No recorded item shows a math alarm; the recorded one's `okactions` (OKActions) is a Java bean property name,
  // so its queries are named the same way: leading capitals lower-cased at every level.
  it("names a math alarm's queries in a Create item the way the recorded item names its members", async () => {
    const name = `${p}-mathhist`;
    await cw.send(new PutMetricAlarmCommand({ ...minimal(name), ...MATH, Metrics: [metricQuery("m1")] }));
    const [item] = (await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: name, HistoryItemType: "ConfigurationUpdate" }))).AlarmHistoryItems!;
    expect(JSON.parse(item.HistoryData!).createdAlarm.metrics).toEqual([
      { id: "m1", metricStat: { metric: { namespace: `${RUN}/ns`, metricName: "m" }, period: 60, stat: "Sum" }, returnData: true },
    ]);
  });

  // An Update item names in originalUpdatedFields each changed member with its old value, the configuration
  // timestamp among them (cfn-guardian's Ruby CloudWatch module lists originalUpdatedFields against updatedAlarm,
  // skipping 'alarmConfigurationUpdatedTimestamp').
  it("records an updated alarm's ConfigurationUpdate with the changed members' old values", async () => {
    const name = `${p}-updated`;
    await cw.send(new PutMetricAlarmCommand(minimal(name)));
    const before = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms![0];
    await new Promise((r) => setTimeout(r, 5));
    await cw.send(new PutMetricAlarmCommand(minimal(name, { Threshold: 45 })));
    const h = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: name, HistoryItemType: "ConfigurationUpdate" }));
    expect(h.AlarmHistoryItems!.map((i) => i.HistorySummary)).toEqual([`Alarm "${name}" updated`, `Alarm "${name}" created`]);
    const data = JSON.parse(h.AlarmHistoryItems![0].HistoryData!);
    expect(Object.keys(data).sort()).toEqual(["originalUpdatedFields", "type", "updatedAlarm", "version"]);
    expect(data.type).toBe("Update");
    expect(data.originalUpdatedFields).toEqual({
      threshold: 30,
      alarmConfigurationUpdatedTimestamp: before.AlarmConfigurationUpdatedTimestamp!.toISOString().replace("Z", "+0000"),
    });
    expect(data.updatedAlarm).toMatchObject({ alarmName: name, threshold: 45, statistic: "Sum", okactions: [] });
  });

  // SetAlarmState with StateReasonData that is not JSON: InvalidFormat, 400, with no message, checked before the
  // alarm is looked up (getmoto/moto PR #4179 took AWS's message-less answer, as for an unknown alarm).
  it("SetAlarmState refuses StateReasonData that is not JSON with a message-less InvalidFormat", async () => {
    const f = await awsFailure(cw.send(new SetAlarmStateCommand({ AlarmName: `${p}-nope`, StateValue: "OK", StateReason: "x", StateReasonData: "{not json" })));
    expect({ code: f.code, status: f.status }).toEqual({ code: "InvalidFormat", status: 400 });
    // With no message on the wire the JS SDK makes up its own: "UnknownError" (JSON, CBOR), "Unknown" (XML).
    expect(f.message).toBe(protocol === "query" ? "Unknown" : "UnknownError");
  });

  // localstack test_anomaly_detector_lifecycle (recorded against AWS): Put and Delete answer nothing; the detector put
  // through the legacy top-level members is described with both the legacy members and SingleMetricAnomalyDetector,
  // which names the owning account; an empty Configuration reads back as an empty ExcludedTimeRanges list.
  it("describes a legacy-member anomaly detector exactly as AWS does", async () => {
    const Namespace = `${p}/MyNamespace`;
    const detector = { MetricName: "MyMetric", Namespace, Stat: "Sum", Dimensions: [{ Name: "DimensionName", Value: "DimensionValue" }] };
    expect(defined(await cw.send(new PutAnomalyDetectorCommand({ ...detector, Configuration: {} })))).toEqual([]);
    const out = await cw.send(new DescribeAnomalyDetectorsCommand({ Namespace }));
    expect(out.AnomalyDetectors).toHaveLength(1);
    const [d] = out.AnomalyDetectors!;
    expect(defined(d)).toEqual(["Configuration", "Dimensions", "MetricName", "Namespace", "SingleMetricAnomalyDetector", "Stat", "StateValue"]);
    expect(d).toEqual({
      Configuration: { ExcludedTimeRanges: [] },
      Dimensions: detector.Dimensions,
      MetricName: "MyMetric",
      Namespace,
      SingleMetricAnomalyDetector: { AccountId: A, Dimensions: detector.Dimensions, MetricName: "MyMetric", Namespace, Stat: "Sum" },
      Stat: "Sum",
      StateValue: "PENDING_TRAINING",
    });
    expect(defined(await cw.send(new DeleteAnomalyDetectorCommand(detector)))).toEqual([]);
  });

  // localstack test_insight_rule (recorded against AWS): DescribeInsightRules's entry has exactly these members.
  it("describes an insight rule with exactly AWS's members", async () => {
    const RuleName = `${p}-rule`;
    const definition = GUIDE_CLF_RULE;
    expect(defined(await cw.send(new PutInsightRuleCommand({ RuleName, RuleState: "ENABLED", RuleDefinition: JSON.stringify(definition) })))).toEqual([]);
    const rules = (await cw.send(new DescribeInsightRulesCommand({}))).InsightRules!.filter((r) => r.Name === RuleName);
    expect(rules).toHaveLength(1);
    const [r] = rules;
    expect(defined(r)).toEqual(["ApplyOnTransformedLogs", "Definition", "ManagedRule", "Name", "Schema", "State"]);
    expect({ ...r, Definition: JSON.parse(r.Definition!) }).toEqual({
      ApplyOnTransformedLogs: false,
      Definition: definition,
      ManagedRule: false,
      Name: RuleName,
      Schema: "CloudWatchLogRule/1",
      State: "ENABLED",
    });
    expect(await cw.send(new DeleteInsightRulesCommand({ RuleNames: [RuleName] }))).toMatchObject({ Failures: [] });
  });

  // localstack test_create_metric_stream (recorded against AWS): GetMetricStream of a stream put with only the
  // required members answers exactly these members (no empty filter or statistics lists).
  it("gets a metric stream with exactly AWS's members", async () => {
    const Name = `${p}-stream`;
    const FirehoseArn = `arn:aws:firehose:${REGION}:${A}:deliverystream/${Name}`;
    const RoleArn = `arn:aws:iam::${A}:role/${Name}`;
    const put = await cw.send(new PutMetricStreamCommand({ Name, FirehoseArn, RoleArn, OutputFormat: "json" }));
    expect(defined(put)).toEqual(["Arn"]);
    const got = await cw.send(new GetMetricStreamCommand({ Name }));
    expect(defined(got)).toEqual(["Arn", "CreationDate", "FirehoseArn", "IncludeLinkedAccountsMetrics", "LastUpdateDate", "Name", "OutputFormat", "RoleArn", "State"]);
    expect(got).toMatchObject({ Arn: put.Arn, FirehoseArn, IncludeLinkedAccountsMetrics: false, Name, OutputFormat: "json", RoleArn, State: "running" });
    expect(defined(await cw.send(new DeleteMetricStreamCommand({ Name })))).toEqual([]);
  });
});

describe("Debian's aws CLI (awsQuery)", () => {
  // The XML error has no Message element (getmoto/moto PR #4179); botocore prints "Unknown" for it.
  it("set-alarm-state with StateReasonData that is not JSON fails with InvalidFormat and no message", async () => {
    const r = await awsCli(stack, ["cloudwatch", "set-alarm-state", "--alarm-name", `${RUN}-cli-nope`, "--state-value", "OK", "--state-reason", "x", "--state-reason-data", "{not json"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/\(InvalidFormat\) when calling the SetAlarmState operation.*: Unknown\s*$/);
  }, 120_000);

  // The same refusals as the CLI prints them: code and AWS's message after the operation's name.
  it.each(PUT_METRIC_ALARM_REFUSALS.filter(([what]) => what === "a Statistic beside Metrics" || what === "a Period of 1"))(
    "put-metric-alarm is refused %s",
    async (_, over, message) => {
      const input = minimal(`${RUN}-cli-bad`, over);
      const args = ["cloudwatch", "put-metric-alarm", "--alarm-name", input.AlarmName!, "--evaluation-periods", "1", "--comparison-operator", "GreaterThanThreshold", "--threshold", "30"];
      if (input.Metrics) args.push("--metrics", JSON.stringify(input.Metrics));
      for (const [flag, v] of [["--metric-name", input.MetricName], ["--namespace", input.Namespace], ["--statistic", input.Statistic], ["--period", input.Period]] as const) {
        if (v !== undefined) args.push(flag, String(v));
      }
      const r = await awsCli(stack, args);
      expect(r.code).not.toBe(0);
      // botocore puts its retry count between the operation and AWS's message.
      const [, printed] = /^An error occurred \(ValidationError\) when calling the PutMetricAlarm operation(?: \(reached max retries: \d+\))?: (.*)$/s.exec(r.stderr.trim()) ?? [];
      expect(printed).toBe(message);
    },
    120_000,
  );
});
