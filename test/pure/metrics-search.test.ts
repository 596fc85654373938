/**
 * SEARCH() expressions, as AWS documents them:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/search-expression-syntax.html
 * and search-expression-examples.html. Most cases are the documentation's own examples.
 *
 * The MetricSource is a test double of the internal interface (a plain object over arrays).
 */
import { describe, expect, it } from "vitest";
import { ServiceError } from "../../lib/errors.js";
import {
  camelSplit,
  matchesSearch,
  nameTokens,
  parseSearch,
  runSearch,
  type SearchMessage,
} from "../../lib/metrics/query/search/index.js";
import type { MetricIdentity, MetricSource, Series } from "../../lib/metrics/types.js";

function metric(namespace: string, metricName: string, dims: Record<string, string> = {}): MetricIdentity {
  const dimensions = Object.entries(dims)
    .map(([name, value]) => ({ name, value }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  return { namespace, metricName, dimensions };
}

const matches = (expr: string, m: MetricIdentity, accountId?: string) => matchesSearch(parseSearch(expr), m, { accountId });
const names = (expr: string, ms: MetricIdentity[]) =>
  ms.filter((m) => matches(expr, m)).map((m) => `${m.namespace}|${m.metricName}|${m.dimensions.map((d) => `${d.name}=${d.value}`).join(",")}`);

function errorOf(expr: string): ServiceError {
  try {
    parseSearch(expr);
  } catch (e) {
    expect(e).toBeInstanceOf(ServiceError);
    return e as ServiceError;
  }
  throw new Error(`expected an error for: ${expr}`);
}

// ---------------------------------------------------------------------------

describe("parseSearch", () => {
  it("reads the metric schema: namespace then dimension names, quotes for special characters", () => {
    expect(parseSearch(' {AWS/EC2,InstanceId} MetricName="CPUUtilization" ')).toEqual({
      schema: { namespace: "AWS/EC2", dimensionNames: ["InstanceId"] },
      term: { kind: "exact", key: "MetricName", text: "CPUUtilization" },
    });
    expect(parseSearch(' {"My Namespace", "Dimension@Name"}, "Custom:Name[Special_Characters" ')).toEqual({
      schema: { namespace: "My Namespace", dimensionNames: ["Dimension@Name"] },
      term: { kind: "exact", text: "Custom:Name[Special_Characters" },
    });
    expect(parseSearch("{AWS/EC2}")).toEqual({ schema: { namespace: "AWS/EC2", dimensionNames: [] } });
    expect(parseSearch("{ AWS/ECS , ClusterName }, MetricName=CPUUtilization").schema).toEqual({
      namespace: "AWS/ECS",
      dimensionNames: ["ClusterName"],
    });
  });

  it("adjacent terms are ANDed; NOT binds tightest, then AND, then OR; parentheses group", () => {
    expect(parseSearch("network packets").term).toEqual({
      kind: "and",
      left: { kind: "partial", text: "network" },
      right: { kind: "partial", text: "packets" },
    });
    expect(parseSearch(' MetricName="Errors" OR (MetricName="Invocations" AND (ProjectA OR ProjectB)) ').term).toEqual({
      kind: "or",
      left: { kind: "exact", key: "MetricName", text: "Errors" },
      right: {
        kind: "and",
        left: { kind: "exact", key: "MetricName", text: "Invocations" },
        right: { kind: "or", left: { kind: "partial", text: "ProjectA" }, right: { kind: "partial", text: "ProjectB" } },
      },
    });
    expect(parseSearch('a NOT "ProjectA" NOT b OR c').term).toEqual({
      kind: "or",
      left: {
        kind: "and",
        left: { kind: "and", left: { kind: "partial", text: "a" }, right: { kind: "not", operand: { kind: "exact", text: "ProjectA" } } },
        right: { kind: "not", operand: { kind: "partial", text: "b" } },
      },
      right: { kind: "partial", text: "c" },
    });
  });

  it("Boolean operators are case-sensitive: `and`, `or`, `not` are search terms", () => {
    expect(parseSearch("x or y").term).toEqual({
      kind: "and",
      left: { kind: "and", left: { kind: "partial", text: "x" }, right: { kind: "partial", text: "or" } },
      right: { kind: "partial", text: "y" },
    });
  });

  it("exact terms take backslash escapes for \" \\ ( )", () => {
    expect(parseSearch('"Europe\\\\France Traffic\\(Network\\)"').term).toEqual({ kind: "exact", text: "Europe\\France Traffic(Network)" });
  });

  it("property designators accept partial or exact values; the account designator", () => {
    expect(parseSearch("InstanceType=micro").term).toEqual({ kind: "partial", key: "InstanceType", text: "micro" });
    expect(parseSearch('InstanceType="t2.micro" Namespace="AWS/EC2"').term).toEqual({
      kind: "and",
      left: { kind: "exact", key: "InstanceType", text: "t2.micro" },
      right: { kind: "exact", key: "Namespace", text: "AWS/EC2" },
    });
    expect(parseSearch(":aws.AccountId = 444455556666").term).toEqual({ kind: "account", value: "444455556666" });
    expect(parseSearch(":aws.AccountId = 'LOCAL'").term).toEqual({ kind: "account", value: "LOCAL" });
  });

  it.each([
    ["an empty search", "   "],
    ["an unterminated schema", "{AWS/EC2, InstanceId MetricName=x"],
    ["a schema without a namespace", "{ , InstanceId} x"],
    ["an unterminated exact term", 'MetricName="CPU'],
    ["an unbalanced '('", "(EC2 OR EBS"],
    ["an unbalanced ')'", "EC2 OR EBS)"],
    ["a dangling OR", "EC2 OR"],
    ["a dangling NOT", "x NOT"],
    ["a designator without a value", "MetricName= )"],
    ["more than 1024 characters", "x".repeat(1025)],
  ])("rejects %s (ValidationError)", (_what, expr) => {
    const e = errorOf(expr);
    expect(e.code).toBe("ValidationError");
    expect(e.status).toBe(400);
  });
});

describe("tokenization (the documentation's table)", () => {
  it.each([
    ["CustomCount1", ["customcount1", "custom", "count", "1"]],
    ["SDBFailure", ["sdbfailure", "sdb", "failure"]],
    ["Project2-trial333", ["project2trial333", "project", "2", "trial", "333"]],
    ["Network-Errors_2", ["networkerrors2", "network", "errors", "2"]],
  ])("%s", (name, tokens) => {
    const t = nameTokens(name);
    expect([t.full, ...t.lower]).toEqual(tokens);
  });

  it("splits camel humps, acronyms and digit runs", () => {
    expect(camelSplit("CPUUtilization")).toEqual(["CPU", "Utilization"]);
    expect(camelSplit("EC2")).toEqual(["EC", "2"]);
    expect(camelSplit("t2")).toEqual(["t", "2"]);
    expect(camelSplit("ReadOps")).toEqual(["Read", "Ops"]);
  });
});

describe("matching", () => {
  const custom = metric("MyNamespace", "CustomCount1");

  it("a single token matches case-insensitively", () => {
    for (const term of ["count", "Count", "COUNT", "custom", "1", "customcount1"]) expect(matches(term, custom)).toBe(true);
  });

  it("mixed case splits the term: couNT → cou + NT, no match", () => {
    expect(matches("couNT", custom)).toBe(false);
  });

  it("composite tokens match consecutive tokens, case-sensitively", () => {
    expect(matches("CustomCount", custom)).toBe(true);
    expect(matches("Count1", custom)).toBe(true);
    expect(matches("customcount", custom)).toBe(false);
    expect(matches("count1", custom)).toBe(false);
  });

  it("non-alphanumeric characters in a partial term join tokens: network/errors finds Network-Errors-2 and NetworkErrors2", () => {
    const a = metric("N", "Network-Errors-2");
    const b = metric("N", "NetworkErrors2");
    for (const term of ["network/errors", "network+errors", "network-errors", "Network_Errors"]) {
      expect([matches(term, a), matches(term, b)]).toEqual([true, true]);
    }
    expect(matches("errors/network", a)).toBe(false);
  });

  it("exact terms match a whole name, case-sensitively, with the exact punctuation", () => {
    expect(matches('{MyNamespace}, "CustomCount1"', custom)).toBe(true);
    expect(matches('{MyNamespace}, "customcount1"', custom)).toBe(false);
    expect(matches('{MyNamespace}, "Custom"', custom)).toBe(false);
    const ne = metric("N", "Network-Errors-2");
    expect(matches('"Network-Errors-2"', ne)).toBe(true);
    expect(matches('"Network_Errors_2"', ne)).toBe(false);
    expect(matches('"Europe\\\\France Traffic\\(Network\\)"', metric("N", "Europe\\France Traffic(Network)"))).toBe(true);
  });

  it("unqualified terms look at namespaces, metric names, dimension names and dimension values", () => {
    const m = metric("AWS/Lambda", "Invocations", { FunctionName: "ProjectA-handler" });
    expect(matches('"AWS/Lambda"', m)).toBe(true);
    expect(matches('"Invocations"', m)).toBe(true);
    expect(matches('"FunctionName"', m)).toBe(true);
    expect(matches('"ProjectA-handler"', m)).toBe(true);
    expect(matches("lambda", m)).toBe(true);
    expect(matches("function", m)).toBe(true);
    expect(matches("handler", m)).toBe(true);
    expect(matches("ProjectA", m)).toBe(true);
    expect(matches("invocation", m)).toBe(false); // tokens, not prefixes
  });

  const ec2 = [
    metric("AWS/EC2", "CPUUtilization", { InstanceId: "i-1234567890123456" }),
    metric("AWS/EC2", "CPUUtilization", { InstanceId: "i-0abc" }),
    metric("AWS/EC2", "CPUUtilization", { InstanceType: "t2.micro" }),
    metric("AWS/EC2", "CPUUtilization", { InstanceType: "t3.micro" }),
    metric("AWS/EC2", "CPUUtilization", { InstanceType: "m5.large" }),
    metric("AWS/EC2", "CPUUtilization"),
    metric("AWS/EC2", "NetworkPacketsIn", { InstanceId: "i-0abc" }),
    metric("AWS/EC2", "CPUUtilization", { AutoScalingGroupName: "asg", InstanceId: "i-0abc" }),
    metric("AWS/ECS", "CPUUtilization", { ClusterName: "c1" }),
    metric("AWS/EBS", "VolumeReadOps", { VolumeId: "vol-1" }),
    metric("MyApp", "CPUUtilization", { Kind: "AWS/EC2" }),
  ];

  it("the schema requires the namespace and exactly its dimension names", () => {
    expect(names('{AWS/EC2,InstanceId} MetricName="CPUUtilization"', ec2)).toEqual([
      "AWS/EC2|CPUUtilization|InstanceId=i-1234567890123456",
      "AWS/EC2|CPUUtilization|InstanceId=i-0abc",
    ]);
    expect(names('{AWS/EC2} MetricName="CPUUtilization"', ec2)).toEqual(["AWS/EC2|CPUUtilization|"]);
    expect(names("{AWS/EC2, InstanceId, AutoScalingGroupName}", ec2)).toEqual([
      "AWS/EC2|CPUUtilization|AutoScalingGroupName=asg,InstanceId=i-0abc",
    ]);
  });

  it("designators: partial and exact values, MetricName and Namespace", () => {
    expect(names('{AWS/EC2,InstanceType} InstanceType=micro MetricName="CPUUtilization"', ec2)).toHaveLength(2);
    expect(names('{AWS/EC2,InstanceType} InstanceType="t2.micro" MetricName="CPUUtilization"', ec2)).toEqual([
      "AWS/EC2|CPUUtilization|InstanceType=t2.micro",
    ]);
    expect(names(' InstanceType="t2.micro" Namespace="AWS/EC2" ', ec2)).toHaveLength(1);
    // A designator restricts the property: AWS/EC2 as a dimension value of MyApp does not count.
    expect(names(' Namespace="AWS/EC2" MetricName="CPUUtilization" ', ec2)).toHaveLength(7);
    expect(names(' "AWS/EC2" MetricName="CPUUtilization" ', ec2)).toHaveLength(8);
    expect(names("MetricName=ReadOps", ec2)).toEqual(["AWS/EBS|VolumeReadOps|VolumeId=vol-1"]);
  });

  it("NOT excludes; NOT alone is a valid search (all custom metrics)", () => {
    expect(names('{AWS/EC2,InstanceId} MetricName="CPUUtilization" NOT i-1234567890123456', ec2)).toEqual([
      "AWS/EC2|CPUUtilization|InstanceId=i-0abc",
    ]);
    expect(names("NOT Namespace=AWS", ec2)).toEqual(["MyApp|CPUUtilization|Kind=AWS/EC2"]);
  });

  it("OR and grouping, as in the documentation's examples", () => {
    expect(names("(EC2 OR EBS) AND MetricName=ReadOps", ec2)).toEqual(["AWS/EBS|VolumeReadOps|VolumeId=vol-1"]);
    expect(names("(EC2 OR EBS) MetricName=ReadOps", ec2)).toEqual(names("(EC2 OR EBS) AND MetricName=ReadOps", ec2));
    expect(names(' MetricName="CPUUtilization" AND ("AWS/ECS" OR "AWS/ES") ', ec2)).toEqual(["AWS/ECS|CPUUtilization|ClusterName=c1"]);
    expect(names("{AWS/EC2,InstanceId} network AND packets", ec2)).toEqual(["AWS/EC2|NetworkPacketsIn|InstanceId=i-0abc"]);
    expect(names("{AWS/EC2,InstanceId} network packets", ec2)).toEqual(names("{AWS/EC2,InstanceId} network AND packets", ec2));

    const lambda = [
      metric("AWS/Lambda", "Errors", { FunctionName: "other" }),
      metric("AWS/Lambda", "Invocations", { FunctionName: "ProjectA-api" }),
      metric("AWS/Lambda", "Invocations", { FunctionName: "ProjectB-api" }),
      metric("AWS/Lambda", "Invocations", { FunctionName: "ProjectC-api" }),
      metric("AWS/Lambda", "Throttles", { FunctionName: "ProjectA-api" }),
    ];
    expect(names(' {AWS/Lambda,FunctionName} MetricName="Errors" OR (MetricName="Invocations" AND (ProjectA OR ProjectB)) ', lambda)).toEqual([
      "AWS/Lambda|Errors|FunctionName=other",
      "AWS/Lambda|Invocations|FunctionName=ProjectA-api",
      "AWS/Lambda|Invocations|FunctionName=ProjectB-api",
    ]);
    expect(names(' MetricName="Invocations" NOT "ProjectA-api" NOT "ProjectB-api" ', lambda)).toEqual([
      "AWS/Lambda|Invocations|FunctionName=ProjectC-api",
    ]);
  });

  it(":aws.AccountId selects the caller's account ('LOCAL' or its id)", () => {
    const m = metric("N", "M");
    expect(matches(":aws.AccountId = 'LOCAL' M", m, "111122223333")).toBe(true);
    expect(matches(":aws.AccountId = 111122223333", m, "111122223333")).toBe(true);
    expect(matches(":aws.AccountId = 444455556666", m, "111122223333")).toBe(false);
  });
});

describe("runSearch", () => {
  const T0 = Date.UTC(2026, 10, 25, 6);
  const MIN = 60_000;

  function source(ids: MetricIdentity[], withData: (m: MetricIdentity) => boolean = () => true) {
    const calls = { list: [] as { namespace?: string; metricName?: string }[], fetch: [] as { stat: string; period: number; n: number }[] };
    const src: MetricSource = {
      async listMetrics(filter) {
        calls.list.push(filter);
        return ids.filter(
          (m) => (filter.namespace === undefined || m.namespace === filter.namespace) && (filter.metricName === undefined || m.metricName === filter.metricName),
        );
      },
      async fetch(ms, stat, period, start) {
        calls.fetch.push({ stat, period, n: ms.length });
        // Reverse order, identified by `metric`: runSearch must not rely on positions.
        return ms
          .filter(withData)
          .map((m, i): Series => ({ label: m.metricName, timestamps: [start.getTime()], values: [i + period], metric: m }))
          .reverse();
      },
    };
    return { src, calls };
  }
  const opts = { start: new Date(T0), end: new Date(T0 + 60 * MIN) };

  it("returns one series per matching metric with the requested stat and period; labels are the dimension values", async () => {
    const ids = [
      metric("AWS/Lambda", "Errors", { FunctionName: "b-fn" }),
      metric("AWS/Lambda", "Errors", { FunctionName: "a-fn" }),
      metric("AWS/Lambda", "Errors", { FunctionName: "a-fn", Resource: "a-fn:1" }),
      metric("AWS/Lambda", "Invocations", { FunctionName: "a-fn" }),
    ];
    const { src, calls } = source(ids);
    const res = await runSearch(" {AWS/Lambda, FunctionName} Errors ", "Sum", 300, src, opts);
    expect(res.map((s) => s.label)).toEqual(["a-fn", "b-fn"]);
    expect(res.map((s) => s.metric)).toEqual([ids[1], ids[0]]);
    expect(res.every((s) => s.timestamps[0] === T0 && s.values[0] >= 300)).toBe(true);
    expect(calls.list).toEqual([{ namespace: "AWS/Lambda" }]);
    expect(calls.fetch).toEqual([{ stat: "Sum", period: 300, n: 2 }]);
  });

  it("labels add the metric name when the results span several metric names; a metric without dimensions is its name", async () => {
    const ids = [
      metric("App", "Errors", { Host: "h1", AZ: "a" }),
      metric("App", "Latency", { Host: "h1", AZ: "a" }),
      metric("App", "Latency"),
    ];
    const res = await runSearch("{App, Host, AZ} h1", "Average", 60, source(ids).src, opts);
    expect(res.map((s) => s.label)).toEqual(["h1 a Errors", "h1 a Latency"]);
    const all = await runSearch("{App}", "Average", 60, source(ids).src, opts);
    expect(all.map((s) => s.label)).toEqual(["Latency"]);
    const both = await runSearch('Namespace="App"', "Average", 60, source(ids).src, opts);
    expect(both.map((s) => s.label)).toEqual(["a h1 Errors", "Latency", "a h1 Latency"]);
  });

  it("narrows listMetrics by exact Namespace= / MetricName= terms", async () => {
    const { src, calls } = source([metric("AWS/EC2", "CPUUtilization", { InstanceId: "i-1" })]);
    const res = await runSearch(' MetricName="CPUUtilization" Namespace="AWS/EC2" ', "Maximum", 60, src, opts);
    expect(res).toHaveLength(1);
    expect(calls.list).toEqual([{ namespace: "AWS/EC2", metricName: "CPUUtilization" }]);
  });

  it("metrics found without data in the range come back as empty series", async () => {
    const ids = [metric("N", "M", { K: "x" }), metric("N", "M", { K: "y" })];
    const res = await runSearch("{N, K}", "Sum", 60, source(ids, (m) => m.dimensions[0].value === "x").src, opts);
    expect(res.map((s) => [s.label, s.values.length])).toEqual([
      ["x", 1],
      ["y", 0],
    ]);
  });

  it("returns at most 500 series (MaxMetricsExceeded)", async () => {
    const ids = Array.from({ length: 520 }, (_, i) => metric("N", "M", { K: `k${String(i).padStart(3, "0")}` }));
    const messages: SearchMessage[] = [];
    const res = await runSearch("{N, K}", "Sum", 60, source(ids).src, { ...opts, messages });
    expect(res).toHaveLength(500);
    expect(res[0].label).toBe("k000");
    expect(res[499].label).toBe("k499");
    expect(messages.map((m) => m.Code)).toEqual(["MaxMetricsExceeded"]);
  });

  it("no match is no series", async () => {
    const { src, calls } = source([metric("N", "M")]);
    expect(await runSearch('"Nothing"', "Sum", 60, src, opts)).toEqual([]);
    expect(calls.fetch).toEqual([]);
  });
});
