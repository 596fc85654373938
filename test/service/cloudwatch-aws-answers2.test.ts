/**
 * More CloudWatch answers pinned to what AWS answered, each row naming where
 * the answer was seen: errors on the raw JSON and CBOR wires as a client
 * without `x-amzn-query-mode` reads them, and managed Contributor Insights
 * rules (ListManagedInsightRules, PutManagedInsightRules) through the SDK in
 * its three protocols and Debian's aws CLI (awsQuery). What
 * cloudwatch-aws-answers.test.ts, alarms-aws-answers.test.ts and
 * metrics-aws-answers.test.ts pin is not repeated here.
 */
import {
  DeleteInsightRulesCommand,
  DescribeInsightRulesCommand,
  DisableInsightRulesCommand,
  ListManagedInsightRulesCommand,
  ListTagsForResourceCommand,
  PutManagedInsightRulesCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
  type CloudWatchClient,
  type MetricDataQuery,
  type PutMetricAlarmCommandInput,
} from "@aws-sdk/client-cloudwatch";
import { cbor } from "@smithy/core/cbor";
import { HttpRequest } from "@smithy/core/protocols";
import { SignatureV4 } from "@smithy/signature-v4";
import { XMLParser } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsFailure } from "../support/failure.js";
import { Sha256 } from "../support/sha256.js";
import { awsCli, cloudWatchClient, startStack, type Protocol, type Stack } from "../support/stack.js";

let stack: Stack;
const RUN = `cwb${Date.now().toString(36)}`;
const REGION = "us-east-1";
const A = "000000000000";
const TARGET = "GraniteServiceVersion20100801";

beforeAll(async () => {
  stack = await startStack();
}, 180_000);
afterAll(() => stack?.stop());

// ---------------------------------------------------------------------------
// Raw requests, signed with the SDK's own SignatureV4, so headers are exactly those given.

type Wire = "json" | "cbor" | "query";

async function raw(wire: Wire, op: string, body: Record<string, string>, extra: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const url = new URL(stack.endpoint);
  let path = "/";
  let headers: Record<string, string>;
  let bytes: Buffer;
  if (wire === "json") {
    headers = { "content-type": "application/x-amz-json-1.0", "x-amz-target": `${TARGET}.${op}` };
    bytes = Buffer.from(JSON.stringify(body));
  } else if (wire === "cbor") {
    path = `/service/${TARGET}/operation/${op}`;
    headers = { "content-type": "application/cbor", accept: "application/cbor", "smithy-protocol": "rpc-v2-cbor" };
    bytes = Buffer.from(cbor.serialize(body));
  } else {
    headers = { "content-type": "application/x-www-form-urlencoded; charset=utf-8" };
    bytes = Buffer.from(new URLSearchParams({ Action: op, Version: "2010-08-01", ...body }).toString());
  }
  Object.assign(headers, extra);
  const cred = stack.credentials[0];
  const signer = new SignatureV4({ credentials: cred, region: REGION, service: "monitoring", sha256: Sha256 });
  const signed = await signer.sign(
    new HttpRequest({ method: "POST", protocol: "http:", hostname: url.hostname, port: Number(url.port), path, headers: { ...headers, host: url.host }, body: bytes }),
  );
  const sent = { ...headers, ...signed.headers } as Record<string, string>;
  delete sent.host;
  const res = await fetch(new URL(path, url), { method: "POST", headers: sent, body: new Uint8Array(bytes) });
  const answer = Buffer.from(await res.arrayBuffer());
  if (wire === "json") return { status: res.status, body: JSON.parse(answer.toString("utf8")) };
  if (wire === "cbor") return { status: res.status, body: cbor.deserialize(new Uint8Array(answer)) };
  return { status: res.status, body: new XMLParser({ ignoreAttributes: true, parseTagValue: false }).parse(answer.toString("utf8")) };
}

// localstack/localstack tests/aws/services/cloudwatch/test_cloudwatch.py test_exception_serializing_with_no_shape_in_spec
// and its snapshot (recorded against AWS): SetAlarmState with a bad StateValue, then on an alarm that does not exist,
// sent by hand over each wire; JSON and CBOR without `x-amzn-query-mode: true`, then with it. The statuses are the
// test's own status_code checks (400; 404 over query or with query mode), the bodies test_cloudwatch.snapshot.json's
// [json], [smithy-rpc-v2-cbor] and [query] entries (no Message in the query ResourceNotFound).
const BAD_STATE = { AlarmName: `${RUN}-none`, StateValue: "INVALID", StateReason: "test" };
const MISSING = { AlarmName: `${RUN}-none`, StateValue: "OK" as const, StateReason: "test" };
const BAD_STATE_MESSAGE =
  "1 validation error detected: Value 'INVALID' at 'stateValue' failed to satisfy constraint: Member must satisfy enum value set: [INSUFFICIENT_DATA, ALARM, OK]";

describe.each<Wire>(["json", "cbor"])("SetAlarmState's errors sent by hand over %s, as AWS answered them", (wire) => {
  it("a bad StateValue is a 400 coral ValidationException with its message", async () => {
    expect(await raw(wire, "SetAlarmState", BAD_STATE)).toEqual({
      status: 400,
      body: { __type: "com.amazon.coral.validate#ValidationException", message: BAD_STATE_MESSAGE },
    });
  });

  it("a missing alarm is 400 without x-amzn-query-mode, only a namespaced __type", async () => {
    expect(await raw(wire, "SetAlarmState", MISSING)).toEqual({ status: 400, body: { __type: "com.amazonaws.cloudwatch.v2010_08_01#ResourceNotFound" } });
  });

  it("a missing alarm is 404 with x-amzn-query-mode: true, the same body", async () => {
    expect(await raw(wire, "SetAlarmState", MISSING, { "x-amzn-query-mode": "true" })).toEqual({
      status: 404,
      body: { __type: "com.amazonaws.cloudwatch.v2010_08_01#ResourceNotFound" },
    });
  });
});

describe("SetAlarmState's errors sent by hand over awsQuery, as AWS answered them", () => {
  it("a bad StateValue is a 400 ValidationError, a missing alarm a 404 ResourceNotFound without Message", async () => {
    const bad = await raw("query", "SetAlarmState", BAD_STATE);
    expect([bad.status, bad.body.ErrorResponse.Error]).toEqual([400, { Type: "Sender", Code: "ValidationError", Message: BAD_STATE_MESSAGE }]);
    const missing = await raw("query", "SetAlarmState", MISSING);
    expect([missing.status, missing.body.ErrorResponse.Error]).toEqual([404, { Type: "Sender", Code: "ResourceNotFound" }]);
  });
});

// ---------------------------------------------------------------------------
// Anomaly detection alarms: which queries return data.

const watched = (ReturnData?: boolean): MetricDataQuery => ({
  Id: "m1",
  MetricStat: { Metric: { Namespace: `${RUN}/ns`, MetricName: "m" }, Period: 300, Stat: "Average" },
  ...(ReturnData === undefined ? {} : { ReturnData }),
});
const band = (ReturnData?: boolean): MetricDataQuery => ({ Id: "ad1", Expression: "ANOMALY_DETECTION_BAND(m1, 2)", ...(ReturnData === undefined ? {} : { ReturnData }) });
const anomalyAlarm = (name: string, over: Partial<PutMetricAlarmCommandInput>): PutMetricAlarmCommandInput => ({
  AlarmName: name,
  ComparisonOperator: "LessThanLowerOrGreaterThanUpperThreshold",
  EvaluationPeriods: 1,
  ThresholdMetricId: "ad1",
  ...over,
});

/** [what, request, AWS's ValidationError message, where AWS's answer was seen] */
const ANOMALY_ALARM_REFUSALS: Array<[string, Partial<PutMetricAlarmCommandInput>, string, string]> = [
  [
    "the band not returning data",
    { Metrics: [watched(true), band(false)] },
    "Metrics list must contain exactly one metric matching the ThresholdMetricId parameter",
    "hashicorp/terraform-provider-aws PR #42504 (the Go SDK printing AWS's answer)",
  ],
  [
    "only the band returning data",
    { Metrics: [watched(false), band(true)] },
    "Exactly two elements of the metrics list should return data.",
    "hashicorp/terraform-provider-aws PR #42504",
  ],
  // Our reading, not seen: PR #42504 shows these words for a band that does not return data; that AWS gives the same
  // words for an Id matching no query at all is our choice (no AWS answer found).
  [
    "a ThresholdMetricId naming no query",
    { ThresholdMetricId: "ad9", Metrics: [watched(true), band(true)] },
    "Metrics list must contain exactly one metric matching the ThresholdMetricId parameter",
    "hashicorp/terraform-provider-aws PR #42504 (the same words: no query matches)",
  ],
  // Also aws/aws-cdk#10540 (Status Code: 400; Error Code: ValidationError; these words).
  [
    "a range operator without ThresholdMetricId",
    { ThresholdMetricId: undefined, Threshold: 1, Metrics: [watched(true), band(true)] },
    "ComparisonOperators for ranges require ThresholdMetricId to be set",
    "aws/aws-cdk PR #31232 (CloudFormation printing AWS's answer)",
  ],
  [
    "a zero-ReturnData math alarm",
    { ComparisonOperator: "GreaterThanThreshold", ThresholdMetricId: undefined, Threshold: 1, Metrics: [watched(false)] },
    "Exactly one element of the metrics list should return data.",
    "hashicorp/terraform-provider-aws issue #29894",
  ],
];

describe.each<Protocol>(["json", "cbor", "query"])("anomaly detection alarms over %s", (protocol) => {
  let cw: CloudWatchClient;
  beforeAll(() => {
    cw = cloudWatchClient(stack, { protocol });
  });
  afterAll(() => cw?.destroy());

  it.each(ANOMALY_ALARM_REFUSALS)("PutMetricAlarm refuses %s in AWS's words", async (_, over, message, _source) => {
    const f = await awsFailure(cw.send(new PutMetricAlarmCommand(anomalyAlarm(`${RUN}-${protocol}-ad-bad`, over))));
    expect({ code: f.code, status: f.status, message: f.message }).toEqual({ code: "ValidationError", status: 400, message });
  });

  // The API reference's "Anomaly Detection Model Alarm" example leaves the band's ReturnData out (true by default);
  // cdklabs/cdk-monitoring-constructs PR #426 found CloudFormation takes both set true.
  it.each([
    ["the band's ReturnData left out", [watched(true), band()]],
    ["both set true", [watched(true), band(true)]],
  ] as Array<[string, MetricDataQuery[]]>)("PutMetricAlarm takes an anomaly alarm with %s", async (_, Metrics) => {
    await cw.send(new PutMetricAlarmCommand(anomalyAlarm(`${RUN}-${protocol}-ad-ok`, { Metrics })));
  });
});

// ---------------------------------------------------------------------------
// Managed Contributor Insights rules.

// hashicorp/terraform-provider-aws internal/service/cloudwatch/contributor_managed_insight_rules_data_source_test.go
// (an acceptance test, run against AWS): a VPC endpoint service has these four templates, in this order.
const VPCE_TEMPLATES = [
  "VpcEndpointService-NewConnectionsByEndpointId-v1",
  "VpcEndpointService-BytesByEndpointId-v1",
  "VpcEndpointService-RstPacketsByEndpointId-v1",
  "VpcEndpointService-ActiveConnectionsByEndpointId-v1",
];
const serviceArn = (id: string) => `arn:aws:ec2:${REGION}:${A}:vpc-endpoint-service/vpce-svc-${id}`;

describe.each<Protocol>(["json", "cbor", "query"])("managed insight rules over %s", (protocol) => {
  let cw: CloudWatchClient;
  const id = `${Date.now().toString(16)}${protocol === "json" ? "a" : protocol === "cbor" ? "b" : "c"}`;
  const arn = serviceArn(id);
  beforeAll(() => {
    cw = cloudWatchClient(stack, { protocol });
  });
  afterAll(() => cw?.destroy());

  // localstack test_exception_serializing_with_no_shape_in_spec (above): with x-amzn-query-mode, and over awsQuery, 404.
  it("SetAlarmState on a missing alarm is still a 404 ResourceNotFound to the SDK, which sends x-amzn-query-mode", async () => {
    const f = await awsFailure(cw.send(new SetAlarmStateCommand(MISSING)));
    expect([f.code, f.status]).toEqual(["ResourceNotFound", 404]);
  });

  it("lists a VPC endpoint service's four templates, in AWS's order, none with a rule yet", async () => {
    const out = await cw.send(new ListManagedInsightRulesCommand({ ResourceARN: arn }));
    expect(out.ManagedRules).toEqual(VPCE_TEMPLATES.map((TemplateName) => ({ TemplateName, ResourceARN: arn })));
    expect(out.NextToken).toBeUndefined();
  });

  // Our choice: no AWS answer found for a resource type without templates; an empty list, not an error.
  it("lists no templates for a resource AWS has none for", async () => {
    const out = await cw.send(new ListManagedInsightRulesCommand({ ResourceARN: `arn:aws:dynamodb:${REGION}:${A}:table/${RUN}` }));
    expect(out.ManagedRules ?? []).toEqual([]);
  });

  // MaxResults and NextToken are the API reference's (API_ListManagedInsightRules.html); where a page ends and that the
  // last page has no NextToken is our choice: no AWS answer found.
  it("pages the templates by MaxResults", async () => {
    const first = await cw.send(new ListManagedInsightRulesCommand({ ResourceARN: arn, MaxResults: 3 }));
    expect(first.ManagedRules!.map((r) => r.TemplateName)).toEqual(VPCE_TEMPLATES.slice(0, 3));
    const second = await cw.send(new ListManagedInsightRulesCommand({ ResourceARN: arn, MaxResults: 3, NextToken: first.NextToken }));
    expect([second.ManagedRules!.map((r) => r.TemplateName), second.NextToken]).toEqual([VPCE_TEMPLATES.slice(3), undefined]);
  });

  // The provider's aws_cloudwatch_contributor_managed_insight_rule (contributor_managed_insight_rule.go): Put, then the
  // template's entry names the rule in RuleState; Disable by that name; Delete leaves the entry without RuleState
  // (its destroy check: "even if the rule is deleted, the rule will still show in the list, but with an empty state").
  // ManagedRule true and the Tags are the API reference's InsightRule and ManagedRule shapes
  // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_InsightRule.html).
  it("puts a rule from a template; it is listed, described as managed, tagged, disabled, enabled again by a second put, and deleted", async () => {
    const template = VPCE_TEMPLATES[1];
    const put = await cw.send(
      new PutManagedInsightRulesCommand({ ManagedRules: [{ TemplateName: template, ResourceARN: arn, Tags: [{ Key: "team", Value: "net" }] }] }),
    );
    expect(put.Failures ?? []).toEqual([]);
    const entry = async () => (await cw.send(new ListManagedInsightRulesCommand({ ResourceARN: arn }))).ManagedRules!.find((r) => r.TemplateName === template)!;
    const state = (await entry()).RuleState!;
    expect(state).toEqual({ RuleName: expect.any(String), State: "ENABLED" });
    const rule = (await cw.send(new DescribeInsightRulesCommand({}))).InsightRules!.find((r) => r.Name === state.RuleName)!;
    expect([rule.ManagedRule, rule.State]).toEqual([true, "ENABLED"]);
    const tags = await cw.send(new ListTagsForResourceCommand({ ResourceARN: `arn:aws:cloudwatch:${REGION}:${A}:insight-rule/${state.RuleName}` }));
    expect(tags.Tags).toEqual([{ Key: "team", Value: "net" }]);

    await cw.send(new DisableInsightRulesCommand({ RuleNames: [state.RuleName!] }));
    expect((await entry()).RuleState).toEqual({ RuleName: state.RuleName, State: "DISABLED" });
    // AWS: "If a previously created managed rule is currently disabled, a subsequent call to this API will re-enable it."
    // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutManagedInsightRules.html)
    await cw.send(new PutManagedInsightRulesCommand({ ManagedRules: [{ TemplateName: template, ResourceARN: arn }] }));
    expect((await entry()).RuleState).toEqual({ RuleName: state.RuleName, State: "ENABLED" });

    await cw.send(new DeleteInsightRulesCommand({ RuleNames: [state.RuleName!] }));
    expect(await entry()).toEqual({ TemplateName: template, ResourceARN: arn });
  });

  // Failures is the API reference's PartialFailure list; FailureResource naming the template and ExceptionType
  // InvalidParameterValueException are our choice: no AWS answer found.
  it("answers a template the resource does not have as a Failure naming it, and puts nothing", async () => {
    const put = await cw.send(new PutManagedInsightRulesCommand({ ManagedRules: [{ TemplateName: "DynamoDBContributorInsights-PartitionKey", ResourceARN: arn }] }));
    expect(put.Failures).toEqual([
      expect.objectContaining({ FailureResource: "DynamoDBContributorInsights-PartitionKey", ExceptionType: "InvalidParameterValueException" }),
    ]);
    const listed = (await cw.send(new ListManagedInsightRulesCommand({ ResourceARN: arn }))).ManagedRules!;
    expect(listed.filter((r) => r.RuleState)).toEqual([]);
  });
});

// The same answers as above (the provider's acceptance test for the order), read through the CLI's own awsQuery client.
describe("managed insight rules from Debian's aws CLI (awsQuery)", () => {
  it("list-managed-insight-rules prints the four templates, put-managed-insight-rules fills one's RuleState", async () => {
    const arn = serviceArn(`${Date.now().toString(16)}d`);
    const list = async () => {
      const out = await awsCli(stack, ["cloudwatch", "list-managed-insight-rules", "--resource-arn", arn]);
      expect(out.code, out.stderr).toBe(0);
      return JSON.parse(out.stdout).ManagedRules as Array<{ TemplateName: string; RuleState?: { State: string } }>;
    };
    expect((await list()).map((r) => r.TemplateName)).toEqual(VPCE_TEMPLATES);
    const put = await awsCli(stack, ["cloudwatch", "put-managed-insight-rules", "--managed-rules", `TemplateName=${VPCE_TEMPLATES[0]},ResourceARN=${arn}`]);
    expect(put.code, put.stderr).toBe(0);
    expect((await list()).map((r) => r.RuleState?.State ?? null)).toEqual(["ENABLED", null, null, null]);
  });
});
