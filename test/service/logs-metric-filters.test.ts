/**
 * Metric filters end to end: PutMetricFilter, DescribeMetricFilters,
 * DeleteMetricFilter and TestMetricFilter over the real endpoint, driven by
 * the AWS SDK for JavaScript (awsJson1_1) and Debian's aws CLI.
 */
import {
  CreateLogGroupCommand,
  DeleteMetricFilterCommand,
  DescribeLogGroupsCommand,
  DescribeMetricFiltersCommand,
  PutMetricFilterCommand,
  TestMetricFilterCommand,
  type CloudWatchLogsClient,
  type PutMetricFilterCommandInput,
} from "@aws-sdk/client-cloudwatch-logs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsFailure as failure } from "../support/failure.js";
import { awsCli, logsClient, startStack, type Stack } from "../support/stack.js";

let stack: Stack;
let logs: CloudWatchLogsClient;
let other: CloudWatchLogsClient;

const RUN = `/mf/${Date.now().toString(36)}`;
let n = 0;
const unique = (what: string) => `${RUN}/${what}-${++n}`;

beforeAll(async () => {
  stack = await startStack();
  logs = logsClient(stack, { account: 0 });
  other = logsClient(stack, { account: 1 });
}, 120_000);

afterAll(async () => {
  logs?.destroy();
  other?.destroy();
  await stack?.stop();
});

const group = async (client = logs) => {
  const name = unique("g");
  await client.send(new CreateLogGroupCommand({ logGroupName: name }));
  return name;
};

const filter = (logGroupName: string, extra: Partial<PutMetricFilterCommandInput> = {}): PutMetricFilterCommandInput => ({
  logGroupName,
  filterName: "errors",
  filterPattern: "ERROR",
  metricTransformations: [{ metricName: "Errors", metricNamespace: "App", metricValue: "1" }],
  ...extra,
});

describe("PutMetricFilter / DescribeMetricFilters / DeleteMetricFilter", () => {
  it("stores a filter, lists it with AWS's fields, counts it on the group, and deletes it", async () => {
    const g = await group();
    const before = Date.now();
    await logs.send(new PutMetricFilterCommand(filter(g, { metricTransformations: [{ metricName: "Errors", metricNamespace: "App", metricValue: "1", defaultValue: 0, unit: "Count" }] })));
    const out = await logs.send(new DescribeMetricFiltersCommand({ logGroupName: g }));
    expect(out.metricFilters).toEqual([
      {
        filterName: "errors",
        filterPattern: "ERROR",
        metricTransformations: [{ metricName: "Errors", metricNamespace: "App", metricValue: "1", defaultValue: 0, unit: "Count" }],
        creationTime: expect.any(Number),
        logGroupName: g,
        applyOnTransformedLogs: false,
      },
    ]);
    expect(out.metricFilters![0]!.creationTime).toBeGreaterThanOrEqual(before - 1000);
    const described = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: g }));
    expect(described.logGroups![0]!.metricFilterCount).toBe(1);

    // Putting the same name again replaces it (AWS: "creates or updates").
    await logs.send(new PutMetricFilterCommand(filter(g, { filterPattern: '{ $.latency > 100 }', metricTransformations: [{ metricName: "Slow", metricNamespace: "App", metricValue: "$.latency", dimensions: { Path: "$.path" } }], applyOnTransformedLogs: true })));
    const replaced = await logs.send(new DescribeMetricFiltersCommand({ logGroupName: g }));
    expect(replaced.metricFilters!.map((f) => [f.filterName, f.filterPattern, f.metricTransformations![0]!.dimensions, f.applyOnTransformedLogs])).toEqual([
      ["errors", "{ $.latency > 100 }", { Path: "$.path" }, true],
    ]);

    await logs.send(new DeleteMetricFilterCommand({ logGroupName: g, filterName: "errors" }));
    expect((await logs.send(new DescribeMetricFiltersCommand({ logGroupName: g }))).metricFilters).toEqual([]);
    expect((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: g }))).logGroups![0]!.metricFilterCount).toBe(0);
  });

  it("filters by name prefix and by metric, and pages with nextToken", async () => {
    const g = await group();
    for (const name of ["a1", "a2", "b1"]) {
      await logs.send(new PutMetricFilterCommand(filter(g, { filterName: name, metricTransformations: [{ metricName: `M-${name[0]}`, metricNamespace: "App", metricValue: "1" }] })));
    }
    const prefixed = await logs.send(new DescribeMetricFiltersCommand({ logGroupName: g, filterNamePrefix: "a" }));
    expect(prefixed.metricFilters!.map((f) => f.filterName)).toEqual(["a1", "a2"]);
    const byMetric = await logs.send(new DescribeMetricFiltersCommand({ metricName: "M-b", metricNamespace: "App" }));
    expect(byMetric.metricFilters!.filter((f) => f.logGroupName === g).map((f) => f.filterName)).toEqual(["b1"]);
    const first = await logs.send(new DescribeMetricFiltersCommand({ logGroupName: g, limit: 2 }));
    expect(first.metricFilters!.map((f) => f.filterName)).toEqual(["a1", "a2"]);
    const second = await logs.send(new DescribeMetricFiltersCommand({ logGroupName: g, limit: 2, nextToken: first.nextToken }));
    expect(second.metricFilters!.map((f) => f.filterName)).toEqual(["b1"]);
    expect(second.nextToken).toBeUndefined();
  });

  // AWS: 100 metric filters per log group (CloudWatch Logs quotas page, cloudwatch_limits_cwl.html).
  it("allows 100 metric filters per log group, as AWS's quota (then LimitExceededException)", async () => {
    const g = await group();
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => i).reduce<Promise<void>[]>((chunks, i) => {
        // Ten writers at once: every put is a compare-and-set on the group's filters.
        const lane = i % 10;
        chunks[lane] = (chunks[lane] ?? Promise.resolve()).then(async () => {
          await logs.send(new PutMetricFilterCommand(filter(g, { filterName: `f${i}` })));
        });
        return chunks;
      }, []),
    );
    const e = await failure(logs.send(new PutMetricFilterCommand(filter(g, { filterName: "one-too-many" }))));
    expect([e.name, e.message]).toEqual(["LimitExceededException", "Resource limit exceeded."]);
    expect((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: g }))).logGroups![0]!.metricFilterCount).toBe(100);
  });

  it.each([
    ["a bad pattern", { filterPattern: "{ $.a = " }, "InvalidParameterException", /^Invalid metric filter pattern$/],
    ["two transformations", { metricTransformations: [{ metricName: "A", metricNamespace: "N", metricValue: "1" }, { metricName: "B", metricNamespace: "N", metricValue: "1" }] }, "InvalidParameterException", /metricTransformations/],
    ["a metric value that is neither a number nor a field", { metricTransformations: [{ metricName: "A", metricNamespace: "N", metricValue: "lots" }] }, "InvalidParameterException", /metricValue/],
    ["a $field value on a text pattern", { metricTransformations: [{ metricName: "A", metricNamespace: "N", metricValue: "$.x" }] }, "InvalidParameterException", /metricValue/],
    // terraform-provider-aws #22105 quotes AWS: dimensions on a text pattern.
    ["dimensions on a text pattern", { metricTransformations: [{ metricName: "A", metricNamespace: "N", metricValue: "1", dimensions: { D: "$.d" } }] }, "InvalidParameterException", /^The specified filter pattern does not support dimensions$/],
    ["four dimensions", { filterPattern: "{ $.a = 1 }", metricTransformations: [{ metricName: "A", metricNamespace: "N", metricValue: "1", dimensions: { A: "$.a", B: "$.b", C: "$.c", D: "$.d" } }] }, "InvalidParameterException", /at most 3 dimensions/],
    // A public CloudFormation failure quotes AWS: "dimensions and default value are mutually exclusive properties".
    ["dimensions with a default value", { filterPattern: "{ $.a = 1 }", metricTransformations: [{ metricName: "A", metricNamespace: "N", metricValue: "1", defaultValue: 0, dimensions: { A: "$.a" } }] }, "InvalidParameterException", /dimensions and default value are mutually exclusive properties/],
    ["a filter name with ':'", { filterName: "a:b" }, "InvalidParameterException", /Value 'a:b' at 'filterName' failed to satisfy constraint: Member must satisfy regular expression pattern: \[\^:\*\]\*/],
    ["a metric name with '$'", { metricTransformations: [{ metricName: "A$", metricNamespace: "N", metricValue: "1" }] }, "InvalidParameterException", /metricTransformations\.1\.member\.metricName/],
  ])("rejects %s", async (_what, extra, code, message) => {
    const g = await group();
    const e = await failure(logs.send(new PutMetricFilterCommand(filter(g, extra as Partial<PutMetricFilterCommandInput>))));
    expect(e.name).toBe(code);
    expect(e.message).toMatch(message);
  });

  it("answers ResourceNotFoundException for a missing group or filter", async () => {
    const missing = await failure(logs.send(new PutMetricFilterCommand(filter(unique("missing")))));
    expect([missing.name, missing.message]).toEqual(["ResourceNotFoundException", "The specified log group does not exist."]);
    const g = await group();
    const e = await failure(logs.send(new DeleteMetricFilterCommand({ logGroupName: g, filterName: "nope" })));
    expect([e.name, e.message]).toEqual(["ResourceNotFoundException", "The specified resource does not exist."]);
  });

  it("keeps tenants apart: account B neither sees nor deletes A's filters", async () => {
    const g = await group();
    await logs.send(new PutMetricFilterCommand(filter(g)));
    const seen = await failure(other.send(new DescribeMetricFiltersCommand({ logGroupName: g })));
    expect(seen.name).toBe("ResourceNotFoundException");
    const all = await other.send(new DescribeMetricFiltersCommand({}));
    expect(all.metricFilters!.some((f) => f.logGroupName === g)).toBe(false);
    expect((await failure(other.send(new DeleteMetricFilterCommand({ logGroupName: g, filterName: "errors" })))).name).toBe("ResourceNotFoundException");
    expect((await logs.send(new DescribeMetricFiltersCommand({ logGroupName: g }))).metricFilters).toHaveLength(1);
  });
});

describe("TestMetricFilter", () => {
  it("answers the matches with AWS's 1-based event numbers and a space-delimited pattern's extracted values", async () => {
    // The Filter and Pattern Syntax page's extraction example.
    const out = await logs.send(
      new TestMetricFilterCommand({
        filterPattern: "[..., request=*.html*, status_code=4*,]",
        logEventMessages: [
          '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534',
          '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534',
        ],
      }),
    );
    expect(out.matches).toEqual([
      {
        eventNumber: 2,
        eventMessage: '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534',
        extractedValues: { $1: "127.0.0.1", $2: "-", $3: "frank", $4: "10/Oct/2000:13:25:15 -0700", $request: "GET /index.html HTTP/1.0", $status_code: "404", $7: "1534" },
      },
    ]);
  });

  it("matches JSON and term patterns with no extracted values", async () => {
    const out = await logs.send(new TestMetricFilterCommand({ filterPattern: "{ $.latency > 100 }", logEventMessages: ['{"latency": 50}', '{"latency": 150}', "latency 150"] }));
    expect(out.matches).toEqual([{ eventNumber: 2, eventMessage: '{"latency": 150}', extractedValues: {} }]);
    const terms = await logs.send(new TestMetricFilterCommand({ filterPattern: "?ERROR ?WARN", logEventMessages: ["ERROR a", "INFO b", "WARN c"] }));
    expect(terms.matches!.map((m) => m.eventNumber)).toEqual([1, 3]);
  });

  it("rejects a bad pattern and too many messages", async () => {
    const bad = await failure(logs.send(new TestMetricFilterCommand({ filterPattern: "%(x)%", logEventMessages: ["x"] })));
    expect(bad.name).toBe("InvalidParameterException");
    expect(bad.message).toBe("Invalid metric filter pattern");
    const many = await failure(logs.send(new TestMetricFilterCommand({ filterPattern: "x", logEventMessages: Array.from({ length: 51 }, () => "x") })));
    expect(many.name).toBe("InvalidParameterException");
    expect(many.message).toMatch(/at 'logEventMessages' failed to satisfy constraint: Member must have length less than or equal to 50/);
  });
});

describe("Debian's aws CLI", () => {
  it("put-metric-filter, describe-metric-filters, test-metric-filter, delete-metric-filter", async () => {
    const g = await group();
    const put = await awsCli(stack, [
      "logs", "put-metric-filter", "--log-group-name", g, "--filter-name", "lat", "--filter-pattern", "{ $.latency = * }",
      "--metric-transformations", "metricName=Latency,metricNamespace=App,metricValue=$.latency,unit=Milliseconds",
    ]);
    expect(put.stderr).toBe("");
    expect(put.code).toBe(0);
    const described = await awsCli(stack, ["logs", "describe-metric-filters", "--log-group-name", g]);
    expect(described.json.metricFilters.map((f: any) => [f.filterName, f.metricTransformations[0].metricValue, f.metricTransformations[0].unit])).toEqual([["lat", "$.latency", "Milliseconds"]]);
    const tested = await awsCli(stack, ["logs", "test-metric-filter", "--filter-pattern", "ERROR", "--log-event-messages", "ERROR one", "fine"]);
    expect(tested.json).toEqual({ matches: [{ eventNumber: 1, eventMessage: "ERROR one", extractedValues: {} }] });
    expect((await awsCli(stack, ["logs", "delete-metric-filter", "--log-group-name", g, "--filter-name", "lat"])).code).toBe(0);
    const bad = await awsCli(stack, ["logs", "test-metric-filter", "--filter-pattern", "{ $.a = ", "--log-event-messages", "x"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/InvalidParameterException.*Invalid metric filter pattern/);
  });
});
