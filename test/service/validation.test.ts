/**
 * Every constraint of the AWS models, broken one at a time, against the
 * running service in every protocol the operation speaks (CloudWatch: JSON,
 * CBOR, awsQuery; Logs: JSON), through the AWS SDK's own clients. The
 * requests and the answers expected come from the models
 * (test/support/model-cases.ts), not from the validation stage's tables.
 *
 * AWS's answers, as recorded:
 * - Logs: 400 InvalidParameterException `1 validation error detected: Value ''
 *   at 'nextToken' failed to satisfy constraint: Member must have length
 *   greater than or equal to 1` (lazywithclass/winston-cloudwatch#55 shows
 *   `Value '[]' at 'logEvents' … greater than or equal to 1`); operations that
 *   declare only ValidationException answer that.
 * - CloudWatch: 400 ValidationError with the same listing, a missing member
 *   MissingParameter `The parameter X is required.` (issue 18's recordings).
 * - Per-operation exceptions (lib/validation/exceptions.ts, with sources):
 *   their answers are accepted in AWS's recorded forms below.
 */
import * as cloudwatchSdk from "@aws-sdk/client-cloudwatch";
import * as logsSdk from "@aws-sdk/client-cloudwatch-logs";
import { AwsQueryProtocol, AwsSmithyRpcV2CborProtocol } from "@aws-sdk/core/protocols";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MODELS, type BotocoreModel } from "../../lib/validation/service-models.js";
import { ModelCases, type ExpectedViolation } from "../support/model-cases.js";
import { startStack, type Stack } from "../support/stack.js";

type Protocol = "json" | "cbor" | "query";
type Service = "cloudwatch" | "logs";

/** AWS's recorded forms where an operation's answer differs from the generic one (sources in lib/validation/exceptions.ts). */
const RECORDED: Record<string, RegExp> = {
  // aws/amazon-cloudwatch-agent#240, aknostic/elasticsearch-cloudwatch#3
  PutMetricData:
    /^InvalidParameterValue: The (parameter \S+ must be shorter than \d+ characters|parameter \S+ must not be empty|collection \S+ must not have a size greater than \d+|value \S+ for parameter \S+ is invalid)\.$/,
  CreateLogGroup: /^InvalidParameterException: Invalid LogGroup or LogStream, both must have length less than or equal to 512\.$/,
  CreateLogStream: /^InvalidParameterException: Invalid LogGroup or LogStream, both must have length less than or equal to 512\.$/,
  // localstack's AWS-recorded test_logs_metric_filters.snapshot.json error-invalid-log-group-name
  DeleteMetricFilter: /^InvalidParameterException: Invalid LogGroup or LogStream, both must have length less than or equal to 512\.$/,
  // moto's AWS-verified test_arn_formats_log_group_and_stream, test_get_log_events_using_arn: the value is not echoed.
  DescribeLogStreams: /^InvalidParameterException: 1 validation error detected: Value at 'logGroupIdentifier' failed to satisfy constraint: Member must satisfy regular expression pattern: /,
  GetLogEvents: /^InvalidParameterException: 1 validation error detected: Value at 'logGroupIdentifier' failed to satisfy constraint: Member must satisfy regular expression pattern: /,
  // cloudquery/cloudquery#10216: the data protection operations answer the generic listing as ValidationException
  // (seen for GetDataProtectionPolicy; Put and Delete answering the same is our choice, not seen).
  GetDataProtectionPolicy: /^ValidationException: \d+ validation errors? detected: Value /,
  PutDataProtectionPolicy: /^ValidationException: \d+ validation errors? detected: Value /,
  DeleteDataProtectionPolicy: /^ValidationException: \d+ validation errors? detected: Value /,
  // The tagging operations judge the ARN's form themselves.
  TagResource: /^ValidationException: Invalid resourceArn$/,
  UntagResource: /^ValidationException: Invalid resourceArn$/,
  ListTagsForResource: /^ValidationException: Invalid resourceArn$/,
};

/**
 * Constraints of the model AWS does not hold callers to (lib/validation/exceptions.ts waives them, with sources):
 * a value breaking only these is valid input, not a broken case.
 */
const NOT_ENFORCED: Record<string, (v: ExpectedViolation) => boolean> = {
  // localstack's AWS-validated test_put_metric_filter_with_special_namespace: a metric namespace may hold ':'.
  PutMetricFilter: (v) => v.kind === "pattern" && v.path.endsWith("metricNamespace"),
  DescribeMetricFilters: (v) => v.kind === "pattern" && v.path === "metricNamespace",
};

/**
 * Members a handler needs that the model does not mark required: without
 * them the baseline would stop at the handler's own MissingParameter.
 */
const BASELINE_ADDITIONS: Record<string, Record<string, unknown>> = {
  PutMetricData: { MetricData: [{ MetricName: "m", Value: 1 }] },
  // The current model requires only AlarmName; a metric alarm still needs these, which its handler checks.
  // The model leaves every member optional; a detector needs a metric (either form) and its statistic.
  PutAnomalyDetector: { SingleMetricAnomalyDetector: { Namespace: "ns", MetricName: "m", Stat: "Average" } },
  DeleteAnomalyDetector: { SingleMetricAnomalyDetector: { Namespace: "ns", MetricName: "m", Stat: "Average" } },
  PutMetricAlarm: { EvaluationPeriods: 1, ComparisonOperator: "GreaterThanThreshold", Threshold: 1, MetricName: "m", Namespace: "ns", Statistic: "Average", Period: 60 },
};

const summarize = (vs: ExpectedViolation[]) =>
  `${vs.length} validation error${vs.length === 1 ? "" : "s"} detected: ` +
  vs.map((v) => `Value ${v.shown === undefined ? "null" : `'${v.shown}'`} at '${v.path}' failed to satisfy constraint: ${v.words}`).join("; ");

function expectedAnswer(service: Service, model: BotocoreModel, operation: string, vs: ExpectedViolation[]): string {
  if (service === "logs") {
    const errors = (model.operations[operation].errors ?? []).map((e) => e.shape);
    const code = errors.includes("ValidationException") && !errors.includes("InvalidParameterException") ? "ValidationException" : "InvalidParameterException";
    return `${code}: ${summarize(vs)}`;
  }
  const missing = vs.find((v) => v.kind === "required");
  return missing ? `MissingParameter: The parameter ${missing.queryPath} is required.` : `ValidationError: ${summarize(vs)}`;
}

/** Operations an HTTP/1.1 SDK call cannot reach: their output is an event stream (StartLiveTail). */
function eventStreamOperations(model: BotocoreModel): Set<string> {
  const out = new Set<string>();
  for (const [name, op] of Object.entries(model.operations)) {
    const output = (op as { output?: { shape: string } }).output;
    const members = output ? Object.values(model.shapes[output.shape].members ?? {}) : [];
    if (members.some((m) => (model.shapes[m.shape] as { eventstream?: boolean }).eventstream)) out.add(name);
  }
  return out;
}

interface Answer {
  status: number;
  /** `Code: message`, or "OK". */
  text: string;
}

async function call(client: { send(c: unknown): Promise<unknown> }, sdk: Record<string, unknown>, operation: string, input: unknown): Promise<Answer> {
  const Command = sdk[`${operation}Command`] as new (i: unknown) => unknown;
  try {
    await client.send(new Command(input));
    return { status: 200, text: "OK" };
  } catch (e) {
    const err = e as { name: string; Code?: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { status: err.$metadata?.httpStatusCode ?? 0, text: `${err.Code ?? err.name}: ${err.message}` };
  }
}

/** Runs `jobs` with at most `width` in flight. */
async function pool<T>(jobs: Array<() => Promise<T>>, width: number): Promise<T[]> {
  const out = new Array<T>(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await jobs[i]();
      }
    }),
  );
  return out;
}

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 120_000);
afterAll(() => stack?.stop());

function client(service: Service, protocol: Protocol) {
  const base = {
    endpoint: stack.endpoint,
    region: "us-east-1",
    maxAttempts: 1,
    credentials: { accessKeyId: stack.credentials[0].accessKeyId, secretAccessKey: stack.credentials[0].secretAccessKey },
  };
  if (service === "logs") return new logsSdk.CloudWatchLogsClient(base);
  const proto = protocol === "cbor" ? AwsSmithyRpcV2CborProtocol : protocol === "query" ? AwsQueryProtocol : undefined;
  return new cloudwatchSdk.CloudWatchClient({ ...base, ...(proto ? { protocol: proto as any } : {}) });
}

describe.each([
  ["cloudwatch", "json"],
  ["cloudwatch", "cbor"],
  ["cloudwatch", "query"],
  ["logs", "json"],
] as const)("%s over %s: every model constraint broken alone", (service, protocol) => {
  const model = MODELS[service];
  const sdk = (service === "logs" ? logsSdk : cloudwatchSdk) as unknown as Record<string, unknown>;
  const generator = new ModelCases(model, { lombokStructures: service === "logs" });
  const skipped = eventStreamOperations(model);
  const operations = Object.keys(model.operations).filter((op) => !skipped.has(op));

  it("answers each with HTTP 400, AWS's code and AWS's message; never 2xx or 5xx", async () => {
    const c = client(service, protocol);
    const cases = operations
      .flatMap((op) => generator.cases(op)!.broken)
      .filter((k) => protocol !== "query" || !k.emptyStructure)
      .filter((k) => !k.violations.every((v) => NOT_ENFORCED[k.operation]?.(v)));
    const answers = await pool(
      cases.map((k) => () => call(c, sdk, k.operation, k.input)),
      16,
    );
    const wrongStatus: string[] = [];
    const wrongText: string[] = [];
    let exact = 0;
    cases.forEach((k, i) => {
      const a = answers[i];
      const expected = expectedAnswer(service, model, k.operation, k.violations);
      if (a.status !== 400) wrongStatus.push(`${k.operation} ${k.title}: ${a.status} ${a.text.slice(0, 200)}`);
      if (a.text === expected) exact++;
      else if (!RECORDED[k.operation]?.test(a.text)) wrongText.push(`${k.operation} ${k.title}:\n  got      ${a.text.slice(0, 300)}\n  expected ${expected.slice(0, 300)}`);
    });
    expect(cases.length).toBeGreaterThan(service === "logs" ? 1000 : 500);
    expect(wrongStatus).toEqual([]);
    expect(wrongText).toEqual([]);
    // Issue 18: AWS's generic form in at least 95% (the rest are the recorded per-operation forms).
    expect(exact / cases.length).toBeGreaterThanOrEqual(0.95);
  }, 600_000);

  it("lets each operation's valid baseline through to its handler (NotImplemented where none is built yet)", async () => {
    const c = client(service, protocol);
    // One at a time: baselines name the same resources, and the handlers' races are not what this tests.
    const answers = await pool(
      operations.map((op) => () => call(c, sdk, op, { ...generator.cases(op)!.baseline, ...BASELINE_ADDITIONS[op] })),
      1,
    );
    const stopped = operations
      .map((op, i) => ({ op, a: answers[i] }))
      .filter(({ a }) => /validation errors? detected|^MissingParameter:/.test(a.text) || (a.status >= 500 && !a.text.startsWith("NotImplemented")));
    expect(stopped.map(({ op, a }) => `${op}: ${a.status} ${a.text.slice(0, 300)}`)).toEqual([]);
    expect(answers.some((a) => a.text.startsWith("NotImplemented"))).toBe(true);
  }, 600_000);
});
