/**
 * Contributor Insights rules end to end, over CloudWatch's three protocols and
 * Debian's aws CLI: rules are stored, listed, enabled, disabled, tagged and
 * deleted, and GetInsightRuleReport ranks the contributors of the log events
 * put into the rule's log groups. The rule syntax is the CloudWatch User
 * Guide's ("Contributor Insights rule syntax"); the answers' shapes are the
 * API reference's (InsightRule, GetInsightRuleReport).
 */
import {
  DeleteInsightRulesCommand,
  DescribeInsightRulesCommand,
  DisableInsightRulesCommand,
  EnableInsightRulesCommand,
  GetInsightRuleReportCommand,
  ListTagsForResourceCommand,
  PutInsightRuleCommand,
  TagResourceCommand,
  type CloudWatchClient,
  type InsightRule,
} from "@aws-sdk/client-cloudwatch";
import { CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsCli, cloudWatchClient, logsClient, startStack, type Protocol, type Stack } from "../support/stack.js";
import { awsFailure } from "../support/failure.js";

let stack: Stack;
const RUN = `ci${Date.now().toString(36)}`;

beforeAll(async () => {
  stack = await startStack();
}, 180_000);
afterAll(() => stack?.stop());

const jsonRule = (groups: string[], extra: object = {}) =>
  JSON.stringify({
    Schema: { Name: "CloudWatchLogRule", Version: 1 },
    LogGroupNames: groups,
    LogFormat: "JSON",
    Contribution: { Keys: ["$.ip"], Filters: [{ Match: "$.method", In: ["PUT"] }] },
    AggregateOn: "Count",
    ...extra,
  });

async function describeAll(cw: CloudWatchClient): Promise<InsightRule[]> {
  const out: InsightRule[] = [];
  let NextToken: string | undefined;
  do {
    const page = await cw.send(new DescribeInsightRulesCommand({ NextToken, MaxResults: 2 }));
    out.push(...(page.InsightRules ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return out.filter((r) => r.Name!.startsWith(RUN));
}

describe.each<Protocol>(["json", "cbor", "query"])("rules over %s", (protocol) => {
  const name = (n: string) => `${RUN}-${protocol}-${n}`;

  it("are stored as put, listed in pages in name order, enabled, disabled and deleted", async () => {
    const cw = cloudWatchClient(stack, { protocol });
    const definition = jsonRule(["web-access"]);
    await cw.send(new PutInsightRuleCommand({ RuleName: name("b"), RuleDefinition: definition, RuleState: "DISABLED" }));
    await cw.send(new PutInsightRuleCommand({ RuleName: name("a"), RuleDefinition: definition }));
    await cw.send(new PutInsightRuleCommand({ RuleName: name("c"), RuleDefinition: definition, ApplyOnTransformedLogs: true }));
    const mine = (await describeAll(cw)).filter((r) => r.Name!.includes(`-${protocol}-`));
    // AWS answers Schema "CloudWatchLogRule/1": localstack's AWS-recorded snapshot
    // tests/aws/services/cloudwatch/test_cloudwatch.snapshot.json, test_insight_rule, describe_insight_rule.
    expect(mine).toEqual([
      { Name: name("a"), State: "ENABLED", Schema: "CloudWatchLogRule/1", Definition: definition, ManagedRule: false, ApplyOnTransformedLogs: false },
      { Name: name("b"), State: "DISABLED", Schema: "CloudWatchLogRule/1", Definition: definition, ManagedRule: false, ApplyOnTransformedLogs: false },
      { Name: name("c"), State: "ENABLED", Schema: "CloudWatchLogRule/1", Definition: definition, ManagedRule: false, ApplyOnTransformedLogs: true },
    ]);

    expect(await cw.send(new EnableInsightRulesCommand({ RuleNames: [name("b")] }))).toMatchObject({ Failures: [] });
    expect(await cw.send(new DisableInsightRulesCommand({ RuleNames: [name("a"), name("c")] }))).toMatchObject({ Failures: [] });
    expect((await describeAll(cw)).filter((r) => r.Name!.includes(`-${protocol}-`)).map((r) => r.State)).toEqual(["DISABLED", "ENABLED", "DISABLED"]);

    await cw.send(new DeleteInsightRulesCommand({ RuleNames: [name("a"), name("b"), name("never-put")] }));
    expect((await describeAll(cw)).filter((r) => r.Name!.includes(`-${protocol}-`)).map((r) => r.Name)).toEqual([name("c")]);
  });

  // API reference: PutInsightRule's errors include InvalidParameterValueException (the message is ours; AWS's for
  // a non-JSON definition was not found), DescribeInsightRules' InvalidNextToken.
  it("answers InvalidParameterValue for a definition that is not a JSON object, and InvalidNextToken for a token it did not give", async () => {
    const cw = cloudWatchClient(stack, { protocol });
    const bad = await awsFailure(cw.send(new PutInsightRuleCommand({ RuleName: name("bad"), RuleDefinition: "{not json" })));
    expect([bad.status, bad.code]).toEqual([400, "InvalidParameterValue"]);
    const token = await awsFailure(cw.send(new DescribeInsightRulesCommand({ NextToken: "bogus" })));
    expect([token.status, token.code]).toEqual([400, "InvalidNextToken"]);
  });
});

describe("tags", () => {
  it("are set on creation and changed through the rule's ARN; another account's rule is not found", async () => {
    const cw = cloudWatchClient(stack);
    await cw.send(new PutInsightRuleCommand({ RuleName: `${RUN}-tagged`, RuleDefinition: jsonRule(["g"]), Tags: [{ Key: "team", Value: "web" }] }));
    const account = stack.credentials[0].accountId;
    const arn = `arn:aws:cloudwatch:us-east-1:${account}:insight-rule/${RUN}-tagged`;
    // moto tests/test_cloudwatch/test_cloudwatch_tags.py test_tag_insight_rules_resource: the rule's ARN takes tags.
    expect((await cw.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags).toEqual([{ Key: "team", Value: "web" }]);
    await cw.send(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: "env", Value: "prod" }] }));
    expect((await cw.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags).toEqual([
      { Key: "team", Value: "web" },
      { Key: "env", Value: "prod" },
    ]);
    const other = await awsFailure(cloudWatchClient(stack, { account: 1 }).send(new ListTagsForResourceCommand({ ResourceARN: arn })));
    expect(other.code).toBe("ResourceNotFoundException");
  });
});

describe("GetInsightRuleReport", () => {
  const group = `/${RUN}/web-access`;
  const T = Math.floor(Date.now() / 60_000) * 60_000 - 5 * 60_000;

  beforeAll(async () => {
    const cw = cloudWatchClient(stack);
    await cw.send(new PutInsightRuleCommand({ RuleName: `${RUN}-count`, RuleDefinition: jsonRule([`/${RUN}/web-*`]) }));
    await cw.send(
      new PutInsightRuleCommand({
        RuleName: `${RUN}-sum`,
        RuleDefinition: jsonRule([group], { Contribution: { Keys: ["$.ip", "$.user.name"], ValueOf: "$.bytes", Filters: [{ Match: "$.bytes", GreaterThan: 10 }] }, AggregateOn: "Sum" }),
      }),
    );
    const logs = logsClient(stack);
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: "s" }));
    const events = [
      [0, { ip: "10.0.0.1", method: "PUT", bytes: 100, user: { name: "ann" } }],
      [1_000, { ip: "10.0.0.1", method: "PUT", bytes: 5, user: { name: "ann" } }],
      [2_000, { ip: "10.0.0.2", method: "GET", bytes: 700, user: { name: "bob" } }],
      [61_000, { ip: "10.0.0.1", method: "PUT", bytes: 50, user: { name: "ann" } }],
      [62_000, { ip: "10.0.0.3", method: "PUT", bytes: 20, user: { name: "cy" } }],
      [63_000, "not json at all"],
    ] as const;
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: group,
        logStreamName: "s",
        logEvents: events.map(([dt, m]) => ({ timestamp: T + dt, message: typeof m === "string" ? m : JSON.stringify(m) })),
      }),
    );
  }, 60_000);

  const report = (RuleName: string, extra: object = {}) =>
    cloudWatchClient(stack).send(
      new GetInsightRuleReportCommand({ RuleName, StartTime: new Date(T), EndTime: new Date(T + 120_000), Period: 60, ...extra }),
    );

  // API reference GetInsightRuleReport and InsightRuleContributor ("Only the data points when this contributor
  // appeared are included"); the User Guide's rule syntax for Keys, Filters and AggregateOn.
  it("counts the contributors of matching events, ranked, with their datapoints a period", async () => {
    const r = await report(`${RUN}-count`, { Metrics: ["UniqueContributors", "SampleCount", "MaxContributorValue"] });
    // A Count rule's statistic is SampleCount (test_insight_rule, get_insight_rule_report).
    expect(r).toMatchObject({ KeyLabels: ["$.ip"], AggregationStatistic: "SampleCount", AggregateValue: 4, ApproximateUniqueCount: 2 });
    expect(r.Contributors).toEqual([
      {
        Keys: ["10.0.0.1"],
        ApproximateAggregateValue: 3,
        Datapoints: [
          { Timestamp: new Date(T), ApproximateValue: 2 },
          { Timestamp: new Date(T + 60_000), ApproximateValue: 1 },
        ],
      },
      { Keys: ["10.0.0.3"], ApproximateAggregateValue: 1, Datapoints: [{ Timestamp: new Date(T + 60_000), ApproximateValue: 1 }] },
    ]);
    expect(r.MetricDatapoints).toEqual([
      { Timestamp: new Date(T), UniqueContributors: 1, SampleCount: 2, MaxContributorValue: 2 },
      { Timestamp: new Date(T + 60_000), UniqueContributors: 2, SampleCount: 2, MaxContributorValue: 1 },
    ]);
    expect((await report(`${RUN}-count`, { MaxContributorCount: 1 })).Contributors!.map((c) => c.Keys)).toEqual([["10.0.0.1"]]);
  });

  it("sums the field ValueOf names over several keys, after a numeric filter", async () => {
    const r = await report(`${RUN}-sum`, { Metrics: ["Sum", "Minimum", "Maximum", "Average"] });
    expect(r).toMatchObject({ KeyLabels: ["$.ip", "$.user.name"], AggregationStatistic: "Sum", AggregateValue: 870, ApproximateUniqueCount: 3 });
    expect(r.Contributors!.map((c) => [c.Keys, c.ApproximateAggregateValue])).toEqual([
      [["10.0.0.2", "bob"], 700],
      [["10.0.0.1", "ann"], 150],
      [["10.0.0.3", "cy"], 20],
    ]);
    expect(r.MetricDatapoints).toEqual([
      { Timestamp: new Date(T), Sum: 800, Minimum: 100, Maximum: 700, Average: 400 },
      { Timestamp: new Date(T + 60_000), Sum: 70, Minimum: 20, Maximum: 50, Average: 35 },
    ]);
  });

  it("answers AWS's recorded report for a CLF rule with no events: every period of the range, zeros (test_insight_rule)", async () => {
    const cw = cloudWatchClient(stack);
    const RuleName = `${RUN}-clf`;
    await cw.send(
      new PutInsightRuleCommand({
        RuleName,
        RuleState: "ENABLED",
        RuleDefinition: JSON.stringify({
          Schema: { Name: "CloudWatchLogRule", Version: 1 },
          LogGroupNames: ["API-Gateway-Access-Logs*"],
          LogFormat: "CLF",
          Fields: { "4": "IpAddress", "7": "StatusCode" },
          Contribution: { Keys: ["IpAddress"], Filters: [{ Match: "StatusCode", EqualTo: 200 }] },
          AggregateOn: "Count",
        }),
      }),
    );
    const now = Date.now();
    const r = await cw.send(
      new GetInsightRuleReportCommand({ RuleName, StartTime: new Date(now - 3600_000), EndTime: new Date(now), Period: 300, MaxContributorCount: 10, Metrics: ["UniqueContributors"] }),
    );
    // Recorded: 13 datapoints for the hour (periods aligned to 300 s; 12 only when now is on a boundary).
    const periods = Math.ceil(now / 300_000) - Math.floor((now - 3600_000) / 300_000);
    expect(r).toMatchObject({ AggregateValue: 0, AggregationStatistic: "SampleCount", ApproximateUniqueCount: 0, Contributors: [], KeyLabels: ["IpAddress"] });
    expect(r.MetricDatapoints).toHaveLength(periods);
    expect(r.MetricDatapoints!.every((d) => d.UniqueContributors === 0 && d.Timestamp!.getTime() % 300_000 === 0 && Object.keys(d).length === 2)).toBe(true);
  });

  // API reference GetInsightRuleReport: errors ResourceNotFoundException and InvalidParameterValueException; Metrics
  // are UniqueContributors, MaxContributorValue, SampleCount, Sum, Minimum, Maximum, Average; OrderBy Sum or Maximum.
  it("answers ResourceNotFound for an unknown rule and InvalidParameterValue for a metric or order it does not know (also through the aws CLI)", async () => {
    const missing = await awsFailure(report(`${RUN}-nope`));
    expect([missing.code, missing.name]).toEqual(["ResourceNotFoundException", "ResourceNotFoundException"]);
    const metric = await awsFailure(report(`${RUN}-count`, { Metrics: ["Median"] }));
    expect([metric.status, metric.code]).toEqual([400, "InvalidParameterValue"]);
    const order = await awsFailure(report(`${RUN}-count`, { OrderBy: "Minimum" }));
    expect(order.code).toBe("InvalidParameterValue");

    const cli = await awsCli(stack, [
      "cloudwatch",
      "get-insight-rule-report",
      "--rule-name",
      `${RUN}-count`,
      "--start-time",
      new Date(T).toISOString(),
      "--end-time",
      new Date(T + 120_000).toISOString(),
      "--period",
      "60",
    ]);
    expect(cli.code).toBe(0);
    expect(cli.json).toMatchObject({ AggregationStatistic: "SampleCount", AggregateValue: 4, ApproximateUniqueCount: 2 });
  });
});
