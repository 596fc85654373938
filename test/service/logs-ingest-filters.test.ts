/**
 * What ingested log events turn into: metric filters and Embedded Metric
 * Format documents become datapoints GetMetricData returns, and subscription
 * filters deliver AWS's envelope to a real NATS consumer. The running
 * service with its stream-triggered LogEventsProcessor, real SigV4, real
 * nats-server; clients: the AWS SDK for JavaScript and Debian's aws CLI.
 */
import { GetMetricDataCommand, type CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteDestinationCommand,
  DeleteResourcePolicyCommand,
  DeleteSubscriptionFilterCommand,
  DescribeDestinationsCommand,
  DescribeResourcePoliciesCommand,
  DescribeSubscriptionFiltersCommand,
  PutDestinationCommand,
  PutDestinationPolicyCommand,
  PutLogEventsCommand,
  PutMetricFilterCommand,
  PutResourcePolicyCommand,
  PutSubscriptionFilterCommand,
  type CloudWatchLogsClient,
} from "@aws-sdk/client-cloudwatch-logs";
import { connect, consumerOpts, type NatsConnection } from "nats";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsFailure as failure } from "../support/failure.js";
import { awsCli, cloudWatchClient, logsClient, startStack, type Stack } from "../support/stack.js";

let stack: Stack;
let logs: CloudWatchLogsClient;
let other: CloudWatchLogsClient;
let cw: CloudWatchClient;
let nc: NatsConnection;
let A: string;
let B: string;
const REGION = "us-east-1";

const RUN = Date.now().toString(36);
/** Logs writes to a Kinesis or Firehose stream through a role; AWS refuses such a filter without one (localstack's AWS-recorded test_logs_subscription_filters.snapshot.json). */
const ROLE = "arn:aws:iam::123456789012:role/CWLtoKinesis";
let n = 0;
const unique = (what: string) => `/ingest/${RUN}/${what}-${++n}`;

beforeAll(async () => {
  stack = await startStack();
  logs = logsClient(stack, { account: 0 });
  other = logsClient(stack, { account: 1 });
  cw = cloudWatchClient(stack, { account: 0 });
  A = stack.credentials[0].accountId;
  B = stack.credentials[1].accountId;
  nc = await connect({ servers: stack.natsUrl });
}, 120_000);

afterAll(async () => {
  logs?.destroy();
  other?.destroy();
  cw?.destroy();
  await nc?.close();
  await stack?.stop();
});

async function groupWithStream(client = logs): Promise<string> {
  const g = unique("g");
  await client.send(new CreateLogGroupCommand({ logGroupName: g }));
  await client.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: "s1" }));
  return g;
}

const put = (g: string, messages: string[], client = logs, timestamp = Date.now()) =>
  client.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: "s1", logEvents: messages.map((message) => ({ timestamp, message })) }));

/** Polls until `probe` returns a value `done` accepts (the processor runs behind the API; the machine is loaded). */
async function eventually<T>(probe: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (done(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function minuteStats(namespace: string, metric: string, dims: { Name: string; Value: string }[], stat: string, client = cw): Promise<number[]> {
  const now = Date.now();
  const out = await client.send(
    new GetMetricDataCommand({
      StartTime: new Date(now - 3_600_000),
      EndTime: new Date(now + 600_000),
      MetricDataQueries: [{ Id: "m", MetricStat: { Metric: { Namespace: namespace, MetricName: metric, Dimensions: dims }, Period: 3600, Stat: stat } }],
    }),
  );
  return out.MetricDataResults?.[0]?.Values ?? [];
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe("metric filters produce datapoints as events are ingested", () => {
  it("a JSON metric filter's $.latency values with a $.path dimension reach GetMetricData", async () => {
    const g = await groupWithStream();
    const ns = `MF/${RUN}`;
    await logs.send(
      new PutMetricFilterCommand({
        logGroupName: g,
        filterName: "latency",
        filterPattern: "{ $.latency = * }",
        metricTransformations: [{ metricName: "Latency", metricNamespace: ns, metricValue: "$.latency", unit: "Milliseconds", dimensions: { Path: "$.path" } }],
      }),
    );
    await put(g, ['{"latency": 120, "path": "/a"}', '{"latency": 80, "path": "/a"}', '{"latency": 5, "path": "/b"}', "not json"]);
    const a = await eventually(() => minuteStats(ns, "Latency", [{ Name: "Path", Value: "/a" }], "Sum"), (v) => sum(v) === 200);
    expect(a).toEqual([200]);
    expect(await minuteStats(ns, "Latency", [{ Name: "Path", Value: "/a" }], "SampleCount")).toEqual([2]);
    expect(await minuteStats(ns, "Latency", [{ Name: "Path", Value: "/b" }], "Maximum")).toEqual([5]);
  });

  it("a term filter counts matches and reports its defaultValue for the other events (the user guide's example)", async () => {
    const g = await groupWithStream();
    const ns = `MF/${RUN}`;
    await logs.send(
      new PutMetricFilterCommand({
        logGroupName: g,
        filterName: "errors",
        filterPattern: "ERROR",
        metricTransformations: [{ metricName: "Errors", metricNamespace: ns, metricValue: "1", defaultValue: 0 }],
      }),
    );
    await put(g, ["ERROR one", "fine", "ERROR two", "fine again", "Error lowercase is no match"]);
    const count = await eventually(() => minuteStats(ns, "Errors", [], "SampleCount"), (v) => sum(v) === 5);
    expect(count).toEqual([5]);
    expect(await minuteStats(ns, "Errors", [], "Sum")).toEqual([2]);
  });

  it("a space-delimited filter publishes $bytes of 4xx requests", async () => {
    const g = await groupWithStream();
    const ns = `MF/${RUN}`;
    await logs.send(
      new PutMetricFilterCommand({
        logGroupName: g,
        filterName: "bytes",
        filterPattern: "[ip, user, username, timestamp, request, status_code = 4*, bytes]",
        metricTransformations: [{ metricName: "Bytes4xx", metricNamespace: ns, metricValue: "$bytes", unit: "Bytes" }],
      }),
    );
    await put(g, [
      '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534',
      '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 9999',
      '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /x HTTP/1.0" 403 66',
    ]);
    expect(await eventually(() => minuteStats(ns, "Bytes4xx", [], "Sum"), (v) => sum(v) === 1600)).toEqual([1600]);
  });

  it("an EMF document becomes metrics per dimension set; the event itself stays a log", async () => {
    const g = await groupWithStream();
    const ns = `EMF/${RUN}`;
    const doc = {
      _aws: { Timestamp: Date.now(), CloudWatchMetrics: [{ Namespace: ns, Dimensions: [["Service"], []], Metrics: [{ Name: "Time", Unit: "Milliseconds" }] }] },
      Service: "checkout",
      Time: [10, 20, 30],
    };
    await put(g, [JSON.stringify(doc)]);
    expect(await eventually(() => minuteStats(ns, "Time", [{ Name: "Service", Value: "checkout" }], "Sum"), (v) => sum(v) === 60)).toEqual([60]);
    expect(await minuteStats(ns, "Time", [], "SampleCount")).toEqual([3]);
  });

  it("keeps tenants apart: B's filter on its own group never sees A's events", async () => {
    const ns = `MF/${RUN}/tenancy`;
    const gB = unique("gB");
    await other.send(new CreateLogGroupCommand({ logGroupName: gB }));
    await other.send(new PutMetricFilterCommand({ logGroupName: gB, filterName: "all", filterPattern: "", metricTransformations: [{ metricName: "Seen", metricNamespace: ns, metricValue: "1" }] }));
    // Account A writes to a group of the same name.
    await logs.send(new CreateLogGroupCommand({ logGroupName: gB }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: gB, logStreamName: "s1" }));
    await logs.send(new PutMetricFilterCommand({ logGroupName: gB, filterName: "all", filterPattern: "", metricTransformations: [{ metricName: "Seen", metricNamespace: ns, metricValue: "1" }] }));
    await put(gB, ["from A"]);
    expect(await eventually(() => minuteStats(ns, "Seen", [], "SampleCount"), (v) => sum(v) === 1)).toEqual([1]);
    const cwB = cloudWatchClient(stack, { account: 1 });
    expect(await minuteStats(ns, "Seen", [], "SampleCount", cwB)).toEqual([]);
    cwB.destroy();
    expect((await failure(other.send(new PutMetricFilterCommand({ logGroupName: unique("only-A"), filterName: "x", filterPattern: "", metricTransformations: [{ metricName: "M", metricNamespace: ns, metricValue: "1" }] })))).name).toBe("ResourceNotFoundException");
  });
});

/** Every envelope on a subject so far (JetStream keeps them: a consumer may come late), gunzipped. */
async function envelopes(subject: string, atLeast: number, timeoutMs = 60_000): Promise<any[]> {
  const js = nc.jetstream();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out: any[] = [];
    const opts = consumerOpts().orderedConsumer().deliverAll().filterSubject(subject);
    const sub = await js.subscribe(subject, opts).catch(() => undefined);
    if (sub) {
      const done = Date.now() + 2000;
      const it = (async () => {
        for await (const m of sub) {
          out.push(JSON.parse(gunzipSync(m.data).toString("utf8")));
          if (m.info.pending === 0) break;
        }
      })();
      await Promise.race([it, new Promise((r) => setTimeout(r, Math.max(0, done - Date.now())))]);
      sub.unsubscribe();
    }
    if (out.length >= atLeast || Date.now() > deadline) return out;
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe("subscription filters deliver AWS's envelope to NATS", () => {
  it("matching events arrive gzipped as {messageType, owner, logGroup, logStream, subscriptionFilters, logEvents}", async () => {
    const g = await groupWithStream();
    const stream = `orders-${RUN}`;
    const subject = `logs.subscriptions.${A}.${stream}`;
    // A live core-NATS subscriber sees deliveries as they happen.
    const live = nc.subscribe(subject);
    const received: any[] = [];
    void (async () => {
      for await (const m of live) received.push(JSON.parse(gunzipSync(m.data).toString("utf8")));
    })();
    await logs.send(
      new PutSubscriptionFilterCommand({
        logGroupName: g,
        filterName: "errors",
        filterPattern: "ERROR",
        destinationArn: `arn:aws:kinesis:${REGION}:${A}:stream/${stream}`,
        roleArn: `arn:aws:iam::${A}:role/CWLtoKinesis`,
      }),
    );
    const ts = Date.now();
    await put(g, ["ERROR first", "INFO skipped", "ERROR second"], logs, ts);
    const all = await envelopes(subject, 2);
    expect(all[0]).toMatchObject({ messageType: "CONTROL_MESSAGE", owner: "CloudwatchLogs" });
    const data = all.filter((e) => e.messageType === "DATA_MESSAGE");
    expect(data).toEqual([
      {
        messageType: "DATA_MESSAGE",
        owner: A,
        logGroup: g,
        logStream: "s1",
        subscriptionFilters: ["errors"],
        logEvents: [
          { id: expect.stringMatching(/^\d{56}$/), timestamp: ts, message: "ERROR first" },
          { id: expect.stringMatching(/^\d{56}$/), timestamp: ts, message: "ERROR second" },
        ],
      },
    ]);
    await eventually(async () => received.length, (k) => k >= 2, 10_000);
    expect(received.map((e) => e.messageType)).toEqual(["CONTROL_MESSAGE", "DATA_MESSAGE"]);
    live.unsubscribe();

    const described = await logs.send(new DescribeSubscriptionFiltersCommand({ logGroupName: g }));
    expect(described.subscriptionFilters).toEqual([
      {
        filterName: "errors",
        logGroupName: g,
        filterPattern: "ERROR",
        destinationArn: `arn:aws:kinesis:${REGION}:${A}:stream/${stream}`,
        roleArn: `arn:aws:iam::${A}:role/CWLtoKinesis`,
        distribution: "ByLogStream",
        applyOnTransformedLogs: false,
        creationTime: expect.any(Number),
      },
    ]);
  });

  it("delivers events acknowledged before the service was killed, once it is back (at-least-once over restarts)", async () => {
    const g = await groupWithStream();
    const stream = `restart-${RUN}`;
    const subject = `logs.subscriptions.${A}.${stream}`;
    await logs.send(new PutSubscriptionFilterCommand({ logGroupName: g, filterName: "all", filterPattern: "", destinationArn: `arn:aws:firehose:${REGION}:${A}:deliverystream/${stream}`, roleArn: ROLE }));
    await put(g, ["before the crash"]);
    await stack.restartService({ signal: "SIGKILL" });
    const data = (await envelopes(subject, 2)).filter((e) => e.messageType === "DATA_MESSAGE");
    expect(data.flatMap((e) => e.logEvents.map((x: any) => x.message))).toEqual(["before the crash"]);
  });

  it("allows two subscription filters per log group (AWS's quota), then LimitExceededException", async () => {
    const g = await groupWithStream();
    const dest = (k: string) => `arn:aws:kinesis:${REGION}:${A}:stream/quota-${k}`;
    await logs.send(new PutSubscriptionFilterCommand({ logGroupName: g, filterName: "one", filterPattern: "", destinationArn: dest("1"), roleArn: ROLE }));
    await logs.send(new PutSubscriptionFilterCommand({ logGroupName: g, filterName: "two", filterPattern: "", destinationArn: dest("2"), roleArn: ROLE }));
    const e = await failure(logs.send(new PutSubscriptionFilterCommand({ logGroupName: g, filterName: "three", filterPattern: "", destinationArn: dest("3"), roleArn: ROLE })));
    expect([e.name, e.message]).toEqual(["LimitExceededException", "Resource limit exceeded."]);
    // Replacing an existing one is no new filter.
    await logs.send(new PutSubscriptionFilterCommand({ logGroupName: g, filterName: "two", filterPattern: "ERROR", destinationArn: dest("2"), roleArn: ROLE }));
    await logs.send(new DeleteSubscriptionFilterCommand({ logGroupName: g, filterName: "one" }));
    expect((await logs.send(new DescribeSubscriptionFiltersCommand({ logGroupName: g }))).subscriptionFilters!.map((f) => [f.filterName, f.filterPattern])).toEqual([["two", "ERROR"]]);
    const gone = await failure(logs.send(new DeleteSubscriptionFilterCommand({ logGroupName: g, filterName: "one" })));
    expect(gone.name).toBe("ResourceNotFoundException");
  });

  it.each([
    ["an unsupported destination", { destinationArn: "arn:aws:sqs:us-east-1:000000000000:queue" }, "InvalidParameterException"],
    ["a bad pattern", { filterPattern: "{ $.a = " }, "InvalidParameterException"],
    ["a bad distribution", { distribution: "Sideways" }, "InvalidParameterException"],
  ])("rejects %s", async (_what, extra, code) => {
    const g = await groupWithStream();
    const e = await failure(logs.send(new PutSubscriptionFilterCommand({ logGroupName: g, filterName: "f", filterPattern: "", destinationArn: `arn:aws:kinesis:${REGION}:${A}:stream/x`, roleArn: ROLE, ...(extra as object) })));
    expect(e.name).toBe(code);
  });

  it("keeps tenants apart: B cannot subscribe to A's group, nor deliver to A's stream without a destination", async () => {
    const g = await groupWithStream();
    const onA = await failure(other.send(new PutSubscriptionFilterCommand({ logGroupName: g, filterName: "steal", filterPattern: "", destinationArn: `arn:aws:kinesis:${REGION}:${B}:stream/mine`, roleArn: ROLE })));
    expect(onA.name).toBe("ResourceNotFoundException");
    const gB = await groupWithStream(other);
    const toA = await failure(other.send(new PutSubscriptionFilterCommand({ logGroupName: gB, filterName: "x", filterPattern: "", destinationArn: `arn:aws:kinesis:${REGION}:${A}:stream/theirs`, roleArn: ROLE })));
    expect(toA.name).toBe("AccessDeniedException");
  });

  it("a cross-account destination delivers B's events to A's stream once A's access policy allows B", async () => {
    const stream = `shared-${RUN}`;
    const name = `dest-${RUN}`;
    const created = await logs.send(new PutDestinationCommand({ destinationName: name, targetArn: `arn:aws:kinesis:${REGION}:${A}:stream/${stream}`, roleArn: `arn:aws:iam::${A}:role/CWLtoKinesisRole` }));
    const arn = `arn:aws:logs:${REGION}:${A}:destination:${name}`;
    expect(created.destination).toEqual({ destinationName: name, targetArn: `arn:aws:kinesis:${REGION}:${A}:stream/${stream}`, roleArn: `arn:aws:iam::${A}:role/CWLtoKinesisRole`, arn, creationTime: expect.any(Number) });
    const gB = await groupWithStream(other);
    const denied = await failure(other.send(new PutSubscriptionFilterCommand({ logGroupName: gB, filterName: "x", filterPattern: "", destinationArn: arn })));
    expect(denied.name).toBe("AccessDeniedException");
    // The user guide's cross-account policy shape.
    const policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "", Effect: "Allow", Principal: { AWS: B }, Action: "logs:PutSubscriptionFilter", Resource: arn }] });
    await logs.send(new PutDestinationPolicyCommand({ destinationName: name, accessPolicy: policy }));
    await other.send(new PutSubscriptionFilterCommand({ logGroupName: gB, filterName: "x", filterPattern: "", destinationArn: arn }));
    await put(gB, ["from B"], other);
    const data = (await envelopes(`logs.subscriptions.${A}.${stream}`, 2)).filter((e) => e.messageType === "DATA_MESSAGE");
    expect(data.map((e) => [e.owner, e.logGroup, e.logEvents.map((x: any) => x.message)])).toEqual([[B, gB, ["from B"]]]);

    const listed = await logs.send(new DescribeDestinationsCommand({ DestinationNamePrefix: name }));
    expect(listed.destinations!.map((d) => [d.destinationName, d.accessPolicy])).toEqual([[name, policy]]);
    expect((await other.send(new DescribeDestinationsCommand({ DestinationNamePrefix: name }))).destinations).toEqual([]);
    await logs.send(new DeleteDestinationCommand({ destinationName: name }));
    expect((await failure(logs.send(new DeleteDestinationCommand({ destinationName: name })))).name).toBe("ResourceNotFoundException");
  });
});

describe("resource policies", () => {
  it("PutResourcePolicy, DescribeResourcePolicies, DeleteResourcePolicy, per account, ten at most", async () => {
    const doc = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "route53.amazonaws.com" }, Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: "*" }] });
    const out = await logs.send(new PutResourcePolicyCommand({ policyName: `p-${RUN}`, policyDocument: doc }));
    expect(out.resourcePolicy).toMatchObject({ policyName: `p-${RUN}`, policyDocument: doc, lastUpdatedTime: expect.any(Number) });
    const listed = await logs.send(new DescribeResourcePoliciesCommand({}));
    expect(listed.resourcePolicies!.map((p) => p.policyName)).toContain(`p-${RUN}`);
    expect((await other.send(new DescribeResourcePoliciesCommand({}))).resourcePolicies!.map((p) => p.policyName)).not.toContain(`p-${RUN}`);
    const bad = await failure(logs.send(new PutResourcePolicyCommand({ policyName: "bad", policyDocument: "{not json" })));
    expect(bad.name).toBe("InvalidParameterException");
    for (let i = 0; i < 9; i++) await other.send(new PutResourcePolicyCommand({ policyName: `q${i}`, policyDocument: doc }));
    await other.send(new PutResourcePolicyCommand({ policyName: "q9", policyDocument: doc }));
    const over = await failure(other.send(new PutResourcePolicyCommand({ policyName: "q10", policyDocument: doc })));
    expect(over.name).toBe("LimitExceededException");
    await logs.send(new DeleteResourcePolicyCommand({ policyName: `p-${RUN}` }));
    expect((await failure(logs.send(new DeleteResourcePolicyCommand({ policyName: `p-${RUN}` })))).name).toBe("ResourceNotFoundException");
  });
});

describe("Debian's aws CLI", () => {
  it("put-subscription-filter and describe-subscription-filters", async () => {
    const g = await groupWithStream();
    const put = await awsCli(stack, ["logs", "put-subscription-filter", "--log-group-name", g, "--filter-name", "cli", "--filter-pattern", "?ERROR ?WARN", "--destination-arn", `arn:aws:lambda:${REGION}:${A}:function:handler`]);
    expect(put.stderr).toBe("");
    expect(put.code).toBe(0);
    const described = await awsCli(stack, ["logs", "describe-subscription-filters", "--log-group-name", g]);
    expect(described.json.subscriptionFilters.map((f: any) => [f.filterName, f.filterPattern, f.destinationArn])).toEqual([["cli", "?ERROR ?WARN", `arn:aws:lambda:${REGION}:${A}:function:handler`]]);
    const dest = await awsCli(stack, ["logs", "put-destination", "--destination-name", `cli-${RUN}`, "--target-arn", `arn:aws:kinesis:${REGION}:${A}:stream/cli`, "--role-arn", `arn:aws:iam::${A}:role/r`]);
    expect(dest.json.destination.arn).toBe(`arn:aws:logs:${REGION}:${A}:destination:cli-${RUN}`);
  });

  // The rest of the subscription, destination and resource policy operations CLI 2.9 has (it has no list-log-groups,
  // which the SDK tests cover), with a not-found answer each: the API reference lists ResourceNotFoundException for
  // every delete here; the subscription filter's message is localstack's AWS recording (logs-aws-answers.test.ts).
  it("delete-subscription-filter, describe/delete-destination(s), put-destination-policy, put/describe/delete-resource-policy", async () => {
    const cli = (...args: string[]) => awsCli(stack, ["logs", ...args]);
    const g = await groupWithStream();
    await cli("put-subscription-filter", "--log-group-name", g, "--filter-name", "gone", "--filter-pattern", "", "--destination-arn", `arn:aws:lambda:${REGION}:${A}:function:handler`);
    expect((await cli("delete-subscription-filter", "--log-group-name", g, "--filter-name", "gone")).code).toBe(0);
    expect((await cli("describe-subscription-filters", "--log-group-name", g)).json.subscriptionFilters).toEqual([]);
    const again = await cli("delete-subscription-filter", "--log-group-name", g, "--filter-name", "gone");
    expect(again.stderr).toMatch(/\(ResourceNotFoundException\).*The specified subscription filter does not exist\./);

    const name = `cli-pol-${RUN}`;
    await cli("put-destination", "--destination-name", name, "--target-arn", `arn:aws:kinesis:${REGION}:${A}:stream/cli`, "--role-arn", `arn:aws:iam::${A}:role/r`);
    const policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: B }, Action: "logs:PutSubscriptionFilter", Resource: "*" }] });
    expect((await cli("put-destination-policy", "--destination-name", name, "--access-policy", policy)).code).toBe(0);
    const listed = await cli("describe-destinations", "--destination-name-prefix", name);
    expect(listed.json.destinations.map((d: any) => [d.destinationName, d.accessPolicy])).toEqual([[name, policy]]);
    expect((await cli("delete-destination", "--destination-name", name)).code).toBe(0);
    expect((await cli("delete-destination", "--destination-name", name)).stderr).toMatch(/\(ResourceNotFoundException\)/);

    const doc = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "route53.amazonaws.com" }, Action: "logs:PutLogEvents", Resource: "*" }] });
    const pol = `cli-rp-${RUN}`;
    expect((await cli("put-resource-policy", "--policy-name", pol, "--policy-document", doc)).json.resourcePolicy.policyName).toBe(pol);
    expect((await cli("describe-resource-policies")).json.resourcePolicies.map((p: any) => p.policyName)).toContain(pol);
    expect((await cli("delete-resource-policy", "--policy-name", pol)).code).toBe(0);
    expect((await cli("delete-resource-policy", "--policy-name", pol)).stderr).toMatch(/\(ResourceNotFoundException\).*Policy with name \[.*\] does not exist\./);
  }, 240_000);
});
