/**
 * Terraform end to end: Terraform 1.11 with the hashicorp/aws provider 5.100.0
 * (aws-sdk-go-v2: awsQuery to CloudWatch, awsJson1_1 to Logs) from the
 * filesystem mirror /opt/tf-plugins, never the network, applies
 * test/support/terraform/main.tf against the running service: import, apply,
 * plan (no drift), update, destroy, each checked through the JS SDK; and a
 * provider without the STS skips, which asks the service's sts:GetCallerIdentity.
 */
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DescribeAlarmsCommand,
  DescribeInsightRulesCommand,
  GetDashboardCommand,
  GetMetricStreamCommand,
  ListDashboardsCommand,
  ListManagedInsightRulesCommand,
  ListMetricStreamsCommand,
  ListTagsForResourceCommand,
  PutMetricAlarmCommand,
  type CloudWatchClient,
  type MetricAlarm,
} from "@aws-sdk/client-cloudwatch";
import {
  CreateLogGroupCommand,
  DescribeAccountPoliciesCommand,
  DescribeDestinationsCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  DescribeMetricFiltersCommand,
  DescribeQueryDefinitionsCommand,
  DescribeResourcePoliciesCommand,
  DescribeSubscriptionFiltersCommand,
  GetDataProtectionPolicyCommand,
  ListTagsForResourceCommand as ListLogTagsCommand,
  PutRetentionPolicyCommand,
  type CloudWatchLogsClient,
} from "@aws-sdk/client-cloudwatch-logs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cloudWatchClient, logsClient, ROOT, startStack, type Stack } from "../support/stack.js";

const TERRAFORM = "/usr/local/bin/terraform";
const PLUGIN_MIRROR = "/opt/tf-plugins";
const terraformFound = existsSync(TERRAFORM) && existsSync(join(PLUGIN_MIRROR, "registry.terraform.io/hashicorp/aws"));

/** One terraform command can take a minute or more on a loaded two-core machine (the provider starts three times). */
const COMMAND_TIMEOUT_MS = 300_000;

interface TerraformRun {
  code: number;
  stdout: string;
  stderr: string;
}

describe.skipIf(!terraformFound)(
  `Terraform with hashicorp/aws 5.100.0 (runs where ${TERRAFORM} and the provider mirror ${PLUGIN_MIRROR} exist, as on the CI image)`,
  () => {
    let stack: Stack;
    let dir: string;
    let cw: CloudWatchClient;
    let logs: CloudWatchLogsClient;

    /** Runs terraform in the working directory with the stack's endpoint and account B's key. */
    const terraform = (command: string, args: string[], vars: Record<string, string | number> = {}, cwd = dir): Promise<TerraformRun> => {
      const cred = stack.credentials[1];
      const allVars = { endpoint: stack.endpoint, access_key: cred.accessKeyId, secret_key: cred.secretAccessKey, ...vars };
      const varArgs = ["init", "output"].includes(command) ? [] : Object.entries(allVars).map(([k, v]) => `-var=${k}=${v}`);
      return new Promise((resolve) =>
        execFile(
          TERRAFORM,
          // Options before import's positional address and id.
          [command, "-no-color", ...varArgs, ...args],
          {
            cwd,
            timeout: COMMAND_TIMEOUT_MS,
            maxBuffer: 64 * 1024 * 1024,
            env: {
              PATH: process.env.PATH ?? "/usr/bin:/bin",
              HOME: cwd,
              TF_CLI_CONFIG_FILE: join(dir, "cli.tfrc"),
              TF_IN_AUTOMATION: "1",
              TF_INPUT: "0",
              // No version check against checkpoint-api.hashicorp.com: the test never reaches the network.
              CHECKPOINT_DISABLE: "1",
            },
          },
          (err, stdout, stderr) => resolve({ code: err ? ((err as any).code ?? 1) : 0, stdout, stderr }),
        ),
      );
    };
    /** Fails with terraform's own output when it did not exit as expected. */
    const expectExit = (run: TerraformRun, code: number) =>
      expect(run.code, `terraform exited ${run.code}:\n${run.stdout.slice(-6000)}\n${run.stderr.slice(-6000)}`).toBe(code);

    const alarms = async () => {
      const out = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: "tf-", AlarmTypes: ["MetricAlarm", "CompositeAlarm"] }));
      const metric = new Map((out.MetricAlarms ?? []).map((a) => [a.AlarmName!, a]));
      return { metric, composite: new Map((out.CompositeAlarms ?? []).map((a) => [a.AlarmName!, a])) };
    };
    const cwTags = async (arn: string) =>
      Object.fromEntries(((await cw.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags ?? []).map((t) => [t.Key, t.Value]));
    const logGroups = async () =>
      new Map(((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "/tf/" }))).logGroups ?? []).map((g) => [g.logGroupName!, g]));
    const logTags = async (arn: string) => (await logs.send(new ListLogTagsCommand({ resourceArn: arn }))).tags;
    const byId = (a: MetricAlarm) => Object.fromEntries((a.Metrics ?? []).map((m) => [m.Id!, m]));

    beforeAll(async () => {
      stack = await startStack();
      cw = cloudWatchClient(stack, { account: 1 });
      logs = logsClient(stack, { account: 1 });
      dir = mkdtempSync(join(tmpdir(), "hive-cw-terraform-"));
      copyFileSync(join(ROOT, "test/support/terraform/main.tf"), join(dir, "main.tf"));
      writeFileSync(join(dir, "cli.tfrc"), `provider_installation {\n  filesystem_mirror {\n    path = "${PLUGIN_MIRROR}"\n  }\n}\n`);
      // What `terraform import` will bring in, made as a tenant's script would have made it.
      await cw.send(
        new PutMetricAlarmCommand({
          AlarmName: "tf-imported",
          ComparisonOperator: "LessThanThreshold",
          EvaluationPeriods: 1,
          MetricName: "FreeStorageSpace",
          Namespace: "App",
          Period: 300,
          Statistic: "Minimum",
          Threshold: 1000,
          Tags: [{ Key: "origin", Value: "sdk" }],
        }),
      );
      await logs.send(new CreateLogGroupCommand({ logGroupName: "/tf/imported", tags: { origin: "sdk" } }));
      await logs.send(new PutRetentionPolicyCommand({ logGroupName: "/tf/imported", retentionInDays: 30 }));
      expectExit(await terraform("init", ["-input=false"]), 0);
    }, COMMAND_TIMEOUT_MS + 120_000);

    afterAll(async () => {
      await stack?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it("terraform import takes in an alarm and a log group made through the SDK", async () => {
      const alarm = await terraform("import", ["-input=false", "aws_cloudwatch_metric_alarm.imported", "tf-imported"]);
      expectExit(alarm, 0);
      expect(alarm.stdout).toContain("Import successful!");
      const group = await terraform("import", ["-input=false", "aws_cloudwatch_log_group.imported", "/tf/imported"]);
      expectExit(group, 0);
      expect(group.stdout).toContain("Import successful!");
    }, 2 * COMMAND_TIMEOUT_MS);

    it("apply creates every resource, and the imported ones read back exactly as written (nothing to change)", async () => {
      const run = await terraform("apply", ["-auto-approve", "-input=false"]);
      expectExit(run, 0);
      expect(run.stdout).toContain("Apply complete! Resources: 19 added, 0 changed, 0 destroyed.");

      const { metric, composite } = await alarms();
      expect([...metric.keys()].sort()).toEqual(["tf-band", "tf-cpu", "tf-imported", "tf-insights", "tf-math", "tf-p99"]);
      expect(metric.get("tf-cpu")).toMatchObject({
        AlarmDescription: "cpu high",
        Namespace: "AWS/EC2",
        MetricName: "CPUUtilization",
        Statistic: "Average",
        Period: 60,
        EvaluationPeriods: 2,
        Threshold: 80,
        ComparisonOperator: "GreaterThanThreshold",
        TreatMissingData: "notBreaching",
        Dimensions: [{ Name: "InstanceId", Value: "i-0123456789abcdef0" }],
        AlarmActions: ["arn:aws:automate:us-east-1:ec2:stop"],
        AlarmArn: "arn:aws:cloudwatch:us-east-1:111111111111:alarm:tf-cpu",
      });
      expect(metric.get("tf-p99")).toMatchObject({
        ExtendedStatistic: "p99.5",
        Unit: "Milliseconds",
        Period: 10,
        Threshold: 0.25,
        DatapointsToAlarm: 3,
        ActionsEnabled: false,
        EvaluateLowSampleCountPercentile: "ignore",
        TreatMissingData: "breaching",
        OKActions: ["arn:aws:sns:us-east-1:111111111111:ok"],
        InsufficientDataActions: ["arn:aws:sns:us-east-1:111111111111:nodata"],
      });
      const math = byId(metric.get("tf-math")!);
      expect(math.e1).toMatchObject({ Expression: "m1 + m2", Label: "errors and faults", ReturnData: true });
      expect(math.m1.MetricStat).toMatchObject({
        Metric: { Namespace: "App", MetricName: "Errors", Dimensions: [{ Name: "Service", Value: "web" }] },
        Period: 60,
        Stat: "Sum",
        Unit: "Count",
      });
      expect(math.m2.ReturnData).toBe(false);
      expect(byId(metric.get("tf-insights")!).q1).toMatchObject({ Expression: expect.stringMatching(/^SELECT AVG\(CPUUtilization\)/), Period: 60 });
      expect(metric.get("tf-band")!.ThresholdMetricId).toBe("ad1");
      expect(byId(metric.get("tf-band")!).ad1.Expression).toBe("ANOMALY_DETECTION_BAND(m1, 2)");
      expect(composite.get("tf-composite")).toMatchObject({
        AlarmRule: "ALARM(tf-cpu) OR ALARM(tf-math)",
        AlarmActions: ["arn:aws:sns:us-east-1:111111111111:page"],
        ActionsSuppressor: "tf-insights",
        ActionsSuppressorExtensionPeriod: 60,
        ActionsSuppressorWaitPeriod: 120,
      });
      expect(await cwTags(metric.get("tf-cpu")!.AlarmArn!)).toEqual({ team: "ops" });
      expect(await cwTags(composite.get("tf-composite")!.AlarmArn!)).toEqual({ team: "ops" });

      const dashboard = await cw.send(new GetDashboardCommand({ DashboardName: "tf-dash" }));
      expect(JSON.parse(dashboard.DashboardBody!).widgets[1].properties.markdown).toBe("hello");

      const stream = await cw.send(new GetMetricStreamCommand({ Name: "tf-stream" }));
      expect(stream).toMatchObject({
        OutputFormat: "json",
        State: "running",
        IncludeLinkedAccountsMetrics: true,
        FirehoseArn: "arn:aws:firehose:us-east-1:111111111111:deliverystream/metrics",
        RoleArn: "arn:aws:iam::111111111111:role/metric-stream",
      });
      expect(stream.IncludeFilters).toHaveLength(2);
      expect([...stream.StatisticsConfigurations![0].AdditionalStatistics!].sort()).toEqual(["TM(10%:90%)", "p99"]);
      expect(await cwTags(stream.Arn!)).toEqual({ team: "ops" });

      const groups = await logGroups();
      expect(groups.size).toBe(3);
      const app = groups.get("/tf/app")!;
      expect(app).toMatchObject({ retentionInDays: 7, logGroupClass: "STANDARD" });
      expect(app.kmsKeyId).toBeUndefined();
      expect(await logTags(app.logGroupArn!)).toEqual({ team: "ops" });
      const prefixed = [...groups.values()].find((g) => g.logGroupName!.startsWith("/tf/prefixed-"))!;
      expect(prefixed.logGroupClass).toBe("INFREQUENT_ACCESS");

      const streams = await logs.send(new DescribeLogStreamsCommand({ logGroupName: "/tf/app" }));
      expect(streams.logStreams!.map((s) => s.logStreamName)).toEqual(["web-1"]);
      const filters = new Map(
        ((await logs.send(new DescribeMetricFiltersCommand({ logGroupName: "/tf/app" }))).metricFilters ?? []).map((f) => [f.filterName!, f]),
      );
      expect(filters.get("tf-errors")).toMatchObject({
        filterPattern: "ERROR",
        metricTransformations: [{ metricName: "ErrorCount", metricNamespace: "App", metricValue: "1", defaultValue: 0 }],
      });
      expect(filters.get("tf-status")).toMatchObject({
        filterPattern: "{ $.status = 500 }",
        metricTransformations: [{ metricName: "ServerErrors", metricValue: "$.count", unit: "Count", dimensions: { Path: "$.path" } }],
      });
      const subscriptions = await logs.send(new DescribeSubscriptionFiltersCommand({ logGroupName: "/tf/app" }));
      expect(subscriptions.subscriptionFilters).toMatchObject([
        { filterName: "tf-kinesis", filterPattern: "ERROR", distribution: "Random", destinationArn: "arn:aws:kinesis:us-east-1:111111111111:stream/central" },
      ]);
      const destinations = await logs.send(new DescribeDestinationsCommand({ DestinationNamePrefix: "tf-" }));
      expect(destinations.destinations).toHaveLength(1);
      const destination = destinations.destinations![0];
      expect(destination).toMatchObject({ destinationName: "tf-central", arn: "arn:aws:logs:us-east-1:111111111111:destination:tf-central" });
      expect(JSON.parse(destination.accessPolicy!).Statement[0].Principal).toEqual({ AWS: "222222222222" });
      expect(await logTags(destination.arn!)).toEqual({ team: "ops" });
      const policies = (await logs.send(new DescribeResourcePoliciesCommand({}))).resourcePolicies ?? [];
      expect(policies.map((p) => p.policyName)).toEqual(["tf-route53"]);
      const queries = (await logs.send(new DescribeQueryDefinitionsCommand({ queryDefinitionNamePrefix: "tf/" }))).queryDefinitions ?? [];
      expect(new Map(queries.map((q) => [q.name, q.logGroupNames ?? []]))).toEqual(
        new Map([
          ["tf/recent", ["/tf/app"]],
          ["tf/anywhere", []],
        ]),
      );

      // Another tenant sees none of it.
      const other = await cloudWatchClient(stack, { account: 0 }).send(new DescribeAlarmsCommand({ AlarmNamePrefix: "tf-" }));
      expect(other.MetricAlarms).toEqual([]);
    }, COMMAND_TIMEOUT_MS);

    it("plan right after apply finds no changes: every attribute reads back as written", async () => {
      const run = await terraform("plan", ["-detailed-exitcode", "-input=false"]);
      expectExit(run, 0);
      expect(run.stdout).toContain("No changes.");
    }, COMMAND_TIMEOUT_MS);

    it("the log group data sources read the groups back", async () => {
      const run = await terraform("output", ["-json"]);
      expectExit(run, 0);
      const out = JSON.parse(run.stdout);
      expect(out.log_group.value).toEqual({
        arn: "arn:aws:logs:us-east-1:111111111111:log-group:/tf/app",
        retention_in_days: 7,
        tags: { team: "ops" },
        // No key: DescribeLogGroups leaves kmsKeyId out, which the provider's SDKv2 state holds as "".
        kms_key_id: "",
      });
      const names = ["/tf/app", "/tf/imported", out.prefixed_log_group.value].sort();
      expect([...out.log_groups.value.names].sort()).toEqual(names);
      expect([...out.log_groups.value.arns].sort()).toEqual(names.map((n) => `arn:aws:logs:us-east-1:111111111111:log-group:${n}`).sort());
    }, COMMAND_TIMEOUT_MS);

    /** The variables of the update; destroy is planned with them too. */
    const UPDATED = { retention_in_days: 14, cpu_threshold: 90, markdown: "hello again", subscription_pattern: "FATAL", team: "platform" };

    it("an update changes the attributes in place, tags included", async () => {
      const run = await terraform("apply", ["-auto-approve", "-input=false"], UPDATED);
      expectExit(run, 0);
      // cpu and composite alarms, dashboard, metric stream, log group, subscription filter, destination.
      expect(run.stdout).toContain("Apply complete! Resources: 0 added, 7 changed, 0 destroyed.");

      const { metric, composite } = await alarms();
      expect(metric.get("tf-cpu")!.Threshold).toBe(90);
      expect(await cwTags(metric.get("tf-cpu")!.AlarmArn!)).toEqual({ team: "platform" });
      expect(await cwTags(composite.get("tf-composite")!.AlarmArn!)).toEqual({ team: "platform" });
      const dashboard = await cw.send(new GetDashboardCommand({ DashboardName: "tf-dash" }));
      expect(JSON.parse(dashboard.DashboardBody!).widgets[1].properties.markdown).toBe("hello again");
      const stream = await cw.send(new GetMetricStreamCommand({ Name: "tf-stream" }));
      expect(await cwTags(stream.Arn!)).toEqual({ team: "platform" });
      const app = (await logGroups()).get("/tf/app")!;
      expect(app.retentionInDays).toBe(14);
      expect(await logTags(app.logGroupArn!)).toEqual({ team: "platform" });
      const subscriptions = await logs.send(new DescribeSubscriptionFiltersCommand({ logGroupName: "/tf/app" }));
      expect(subscriptions.subscriptionFilters!.map((f) => f.filterPattern)).toEqual(["FATAL"]);
      const destination = (await logs.send(new DescribeDestinationsCommand({ DestinationNamePrefix: "tf-" }))).destinations![0];
      expect(await logTags(destination.arn!)).toEqual({ team: "platform" });
    }, COMMAND_TIMEOUT_MS);

    it("destroy removes every resource, imported ones included", async () => {
      const run = await terraform("destroy", ["-auto-approve", "-input=false"], UPDATED);
      expectExit(run, 0);
      expect(run.stdout).toContain("Destroy complete! Resources: 21 destroyed.");

      const { metric, composite } = await alarms();
      expect(metric.size + composite.size).toBe(0);
      expect((await cw.send(new ListDashboardsCommand({ DashboardNamePrefix: "tf-" }))).DashboardEntries).toEqual([]);
      expect((await cw.send(new ListMetricStreamsCommand({}))).Entries ?? []).toEqual([]);
      expect((await logGroups()).size).toBe(0);
      expect((await logs.send(new DescribeDestinationsCommand({ DestinationNamePrefix: "tf-" }))).destinations).toEqual([]);
      expect((await logs.send(new DescribeResourcePoliciesCommand({}))).resourcePolicies ?? []).toEqual([]);
      expect((await logs.send(new DescribeQueryDefinitionsCommand({ queryDefinitionNamePrefix: "tf/" }))).queryDefinitions ?? []).toEqual([]);
    }, COMMAND_TIMEOUT_MS);

    it("resources whose operations are not built fail at once with NotImplemented (501), and the log group beside them is still created", async () => {
      const notBuilt = join(dir, "not-built");
      mkdirSync(notBuilt);
      // The provider block of main.tf, then one resource for each family of Logs and CloudWatch operations not built.
      const main = readFileSync(join(dir, "main.tf"), "utf8");
      const head = main.slice(0, main.indexOf('resource "aws_cloudwatch_metric_alarm"'));
      writeFileSync(join(notBuilt, "main.tf"), head + NOT_BUILT_TF);
      expectExit(await terraform("init", ["-input=false"], {}, notBuilt), 0);
      const run = await terraform("apply", ["-auto-approve", "-input=false"], {}, notBuilt);
      expectExit(run, 1);
      const errors = run.stderr.replace(/\s+/g, " ");
      expect(errors).toContain("StatusCode: 501");
      for (const operation of ["CreateLogAnomalyDetector", "PutDeliverySource", "PutIndexPolicy"]) {
        expect(errors).toContain(`api error NotImplemented: The operation ${operation} is not implemented by this service yet.`);
      }
      expect(run.stdout).toContain("aws_cloudwatch_log_group.not_built: Creation complete");
    }, 2 * COMMAND_TIMEOUT_MS);

    // The provider's own calls and reads (group.go: AssociateKmsKey / DisassociateKmsKey in place; data_protection_policy.go;
    // account_policy.go). dataProtectionStatus ACTIVATED, scope ALL and accountId are the API reference's LogGroup and
    // AccountPolicy members, as cited in logs-aws-answers3.test.ts.
    it("a log group's KMS key (associated, then disassociated in place), its data protection policy and an account policy apply, read back without changes, and destroy", async () => {
      const policies = join(dir, "log-policies");
      mkdirSync(policies);
      const main = readFileSync(join(dir, "main.tf"), "utf8");
      const head = main.slice(0, main.indexOf('resource "aws_cloudwatch_metric_alarm"'));
      writeFileSync(join(policies, "main.tf"), head + LOG_POLICIES_TF);
      expectExit(await terraform("init", ["-input=false"], {}, policies), 0);
      const key = (n: number) => `arn:aws:kms:us-east-1:111111111111:key/0000000${n}-0000-0000-0000-000000000000`;
      expectExit(await terraform("apply", ["-auto-approve", "-input=false", `-var=kms_key=${key(1)}`], {}, policies), 0);
      const group = async () => (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "/tfp/kms" }))).logGroups![0];
      expect(await group()).toMatchObject({ kmsKeyId: key(1), dataProtectionStatus: "ACTIVATED" });
      const policy = await logs.send(new GetDataProtectionPolicyCommand({ logGroupIdentifier: "/tfp/kms" }));
      expect(JSON.parse(policy.policyDocument!)).toMatchObject({ Name: "p", Version: "2021-06-01" });
      const account = await logs.send(new DescribeAccountPoliciesCommand({ policyType: "DATA_PROTECTION_POLICY", policyName: "tfp-account" }));
      expect(account.accountPolicies!.map((p) => [p.policyName, p.scope, p.accountId])).toEqual([["tfp-account", "ALL", "111111111111"]]);

      const plan = await terraform("plan", ["-input=false", "-detailed-exitcode", `-var=kms_key=${key(1)}`], {}, policies);
      expectExit(plan, 0);
      expect(plan.stdout).toContain("No changes.");
      // Another key is AssociateKmsKey, no key DisassociateKmsKey: both in place.
      for (const [kms, expected] of [[key(2), key(2)], ["", undefined]] as const) {
        const update = await terraform("apply", ["-auto-approve", "-input=false", `-var=kms_key=${kms}`], {}, policies);
        expectExit(update, 0);
        expect(update.stdout).toContain("0 added, 1 changed, 0 destroyed");
        expect((await group()).kmsKeyId).toBe(expected);
      }

      expectExit(await terraform("destroy", ["-auto-approve", "-input=false", "-var=kms_key="], {}, policies), 0);
      expect((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "/tfp/" }))).logGroups).toEqual([]);
      const after = await logs.send(new DescribeAccountPoliciesCommand({ policyType: "DATA_PROTECTION_POLICY" }));
      expect(after.accountPolicies).toEqual([]);
    }, 6 * COMMAND_TIMEOUT_MS);

    it("without skip_requesting_account_id or skip_credentials_validation the provider learns its account from sts:GetCallerIdentity, and a contributor insight rule's ARN carries it through apply and destroy", async () => {
      const withSts = join(dir, "with-sts");
      mkdirSync(withSts);
      writeFileSync(join(withSts, "main.tf"), WITH_STS_TF);
      expectExit(await terraform("init", ["-input=false"], {}, withSts), 0);
      const apply = await terraform("apply", ["-auto-approve", "-input=false"], {}, withSts);
      expectExit(apply, 0);
      const outputs = await terraform("output", ["-json"], {}, withSts);
      expectExit(outputs, 0);
      const out = JSON.parse(outputs.stdout);
      // Account B's key: the data source's answer is the service's GetCallerIdentity (arn:aws:iam::{account}:root).
      expect(out.caller.value).toEqual({ account_id: "111111111111", arn: "arn:aws:iam::111111111111:root", user_id: "111111111111" });
      expect(out.rule_arn.value).toBe("arn:aws:cloudwatch:us-east-1:111111111111:insight-rule/tf-sts-rule");
      const rules = (await cw.send(new DescribeInsightRulesCommand({}))).InsightRules ?? [];
      expect(rules.filter((r) => r.Name === "tf-sts-rule").map((r) => r.State)).toEqual(["ENABLED"]);
      expectExit(await terraform("destroy", ["-auto-approve", "-input=false"], {}, withSts), 0);
      const after = (await cw.send(new DescribeInsightRulesCommand({}))).InsightRules ?? [];
      expect(after.filter((r) => r.Name === "tf-sts-rule")).toEqual([]);
    }, 4 * COMMAND_TIMEOUT_MS);

    // The provider's aws_cloudwatch_contributor_managed_insight_rule and its data source (contributor_managed_insight_rule.go,
    // contributor_managed_insight_rules_data_source.go): Put, then find the template's entry by ListManagedInsightRules;
    // destroy deletes the rule by the name the entry gave, and the entry stays listed without RuleState. The four
    // templates in this order: contributor_managed_insight_rules_data_source_test.go (an acceptance test against AWS).
    it("a managed insight rule on a VPC endpoint service: apply, a plan with no changes, destroy", async () => {
      const managed = join(dir, "managed");
      mkdirSync(managed);
      const service = "arn:aws:ec2:us-east-1:111111111111:vpc-endpoint-service/vpce-svc-0tf1";
      const head = WITH_STS_TF.slice(0, WITH_STS_TF.indexOf("data \"aws_caller_identity\""));
      writeFileSync(join(managed, "main.tf"), head + MANAGED_RULE_TF(service));
      expectExit(await terraform("init", ["-input=false"], {}, managed), 0);
      expectExit(await terraform("apply", ["-auto-approve", "-input=false"], {}, managed), 0);
      const out = JSON.parse((await terraform("output", ["-json"], {}, managed)).stdout);
      expect(out.templates.value).toEqual([
        "VpcEndpointService-NewConnectionsByEndpointId-v1",
        "VpcEndpointService-BytesByEndpointId-v1",
        "VpcEndpointService-RstPacketsByEndpointId-v1",
        "VpcEndpointService-ActiveConnectionsByEndpointId-v1",
      ]);
      const listed = async () => (await cw.send(new ListManagedInsightRulesCommand({ ResourceARN: service }))).ManagedRules ?? [];
      expect((await listed())[1].RuleState).toEqual({ RuleName: out.rule_name.value, State: "ENABLED" });
      expect(out.arn.value).toBe(`arn:aws:cloudwatch:us-east-1:111111111111:insight-rule/${out.rule_name.value}`);
      expect(await cwTags(out.arn.value)).toEqual({ team: "net" });
      expectExit(await terraform("plan", ["-detailed-exitcode", "-input=false"], {}, managed), 0);
      expectExit(await terraform("destroy", ["-auto-approve", "-input=false"], {}, managed), 0);
      expect((await listed()).filter((r) => r.RuleState)).toEqual([]);
    }, 5 * COMMAND_TIMEOUT_MS);
  },
);

/** Resources of operations the service answers NotImplemented (README "Operations that answer NotImplemented"). */
const NOT_BUILT_TF = `
resource "aws_cloudwatch_log_group" "not_built" {
  name = "/tf/not-built"
}
resource "aws_cloudwatch_log_anomaly_detector" "d" {
  log_group_arn_list   = [aws_cloudwatch_log_group.not_built.arn]
  detector_name        = "d"
  evaluation_frequency = "TEN_MIN"
  enabled              = true
}
resource "aws_cloudwatch_log_delivery_source" "s" {
  name         = "s"
  log_type     = "APPLICATION_LOGS"
  resource_arn = "arn:aws:bedrock:us-east-1:111111111111:knowledge-base/kb"
}
resource "aws_cloudwatch_log_index_policy" "i" {
  log_group_name  = aws_cloudwatch_log_group.not_built.name
  policy_document = jsonencode({ Fields = ["eventName"] })
}
`;

/** A managed Contributor Insights rule from a VPC endpoint service's template, and the data source listing its templates. */
const MANAGED_RULE_TF = (service: string) => `
resource "aws_cloudwatch_contributor_managed_insight_rule" "m" {
  resource_arn  = "${service}"
  template_name = "VpcEndpointService-BytesByEndpointId-v1"
  state         = "ENABLED"
  tags          = { team = "net" }
}
data "aws_cloudwatch_contributor_managed_insight_rules" "all" {
  resource_arn = aws_cloudwatch_contributor_managed_insight_rule.m.resource_arn
}
output "rule_name" { value = aws_cloudwatch_contributor_managed_insight_rule.m.rule_name }
output "arn" { value = aws_cloudwatch_contributor_managed_insight_rule.m.arn }
output "templates" { value = [for r in data.aws_cloudwatch_contributor_managed_insight_rules.all.managed_rules : r.template_name] }
`;

/** A log group whose KMS key is a variable ("" for none), its data protection policy, and an account-wide one. */
const LOG_POLICIES_TF = `
variable "kms_key" { type = string }
resource "aws_cloudwatch_log_group" "kms" {
  name       = "/tfp/kms"
  kms_key_id = var.kms_key == "" ? null : var.kms_key
}
resource "aws_cloudwatch_log_data_protection_policy" "p" {
  log_group_name = aws_cloudwatch_log_group.kms.name
  policy_document = jsonencode({
    Name = "p", Version = "2021-06-01",
    Statement = [
      { Sid = "Audit", DataIdentifier = ["arn:aws:dataprotection::aws:data-identifier/EmailAddress"], Operation = { Audit = { FindingsDestination = {} } } },
      { Sid = "Redact", DataIdentifier = ["arn:aws:dataprotection::aws:data-identifier/EmailAddress"], Operation = { Deidentify = { MaskConfig = {} } } },
    ]
  })
}
resource "aws_cloudwatch_log_account_policy" "a" {
  policy_name = "tfp-account"
  policy_type = "DATA_PROTECTION_POLICY"
  policy_document = jsonencode({
    Name = "account", Version = "2021-06-01",
    Statement = [
      { Sid = "Audit", DataIdentifier = ["arn:aws:dataprotection::aws:data-identifier/EmailAddress"], Operation = { Audit = { FindingsDestination = {} } } },
      { Sid = "Redact", DataIdentifier = ["arn:aws:dataprotection::aws:data-identifier/EmailAddress"], Operation = { Deidentify = { MaskConfig = {} } } },
    ]
  })
}
`;

/**
 * A provider that asks STS who it is (no skip_requesting_account_id, no
 * skip_credentials_validation), and a resource whose ARN the provider builds
 * from that account id.
 */
const WITH_STS_TF = `
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}
variable "endpoint" { type = string }
variable "access_key" { type = string }
variable "secret_key" { type = string }
provider "aws" {
  region                  = "us-east-1"
  access_key              = var.access_key
  secret_key              = var.secret_key
  skip_metadata_api_check = true
  skip_region_validation  = true
  endpoints {
    cloudwatch = var.endpoint
    logs       = var.endpoint
    sts        = var.endpoint
  }
}
data "aws_caller_identity" "me" {}
resource "aws_cloudwatch_log_group" "rule_source" {
  name = "/tf/sts-rule-source"
}
resource "aws_cloudwatch_contributor_insight_rule" "r" {
  rule_name  = "tf-sts-rule"
  rule_state = "ENABLED"
  rule_definition = jsonencode({
    Schema       = { Name = "CloudWatchLogRule", Version = 1 }
    LogGroupNames = [aws_cloudwatch_log_group.rule_source.name]
    LogFormat    = "JSON"
    Contribution = { Keys = ["$.ip"] }
    AggregateOn  = "Count"
  })
}
output "caller" {
  value = { account_id = data.aws_caller_identity.me.account_id, arn = data.aws_caller_identity.me.arn, user_id = data.aws_caller_identity.me.user_id }
}
output "rule_arn" {
  value = aws_cloudwatch_contributor_insight_rule.r.resource_arn
}
`;
