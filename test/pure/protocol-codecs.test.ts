/**
 * The protocol layer speaks each wire protocol exactly as the AWS SDK does:
 * requests the SDK serialises decode to the same input, and outputs and
 * errors we encode are read back by the SDK's own deserialisers unchanged.
 * (The real HTTP path is covered by the integration tests.)
 */
import {
  CloudWatchClient, GetMetricDataCommand, GetMetricStatisticsCommand, PutMetricDataCommand, PutDashboardCommand,
  DescribeAlarmsCommand, type GetMetricStatisticsOutput,
} from "@aws-sdk/client-cloudwatch";
import { CloudWatchLogsClient, DescribeLogGroupsCommand, CreateLogGroupCommand } from "@aws-sdk/client-cloudwatch-logs";
import { AwsQueryProtocol, AwsSmithyRpcV2CborProtocol } from "@aws-sdk/core/protocols";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ServiceError, cloudwatchError, logsError } from "../../lib/errors.js";
import {
  decodeInput, encodeError, encodeOutput, guessProtocol, identify, operationModel, type WireResponse,
} from "../../lib/protocol/index.js";
import { validateInput } from "../../lib/validation/validate-input.js";

type Proto = "json" | "cbor" | "query";
const protocols: Proto[] = ["json", "cbor", "query"];

interface Captured { method: string; path: string; query: string; headers: Record<string, string>; body: Buffer }

/** A client whose transport hands the serialised request to `respond` instead of the network. */
function cloudwatch(protocol: Proto, respond: (req: Captured) => Promise<WireResponse>) {
  return new CloudWatchClient({
    region: "us-east-1",
    endpoint: "http://localhost:1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
    ...(protocol === "cbor" ? { protocol: AwsSmithyRpcV2CborProtocol as any } : {}),
    ...(protocol === "query" ? { protocol: AwsQueryProtocol as any } : {}),
    requestHandler: transportAsync(respond) as any,
  });
}

function logs(respond: (req: Captured) => Promise<WireResponse>) {
  return new CloudWatchLogsClient({
    region: "us-east-1",
    endpoint: "http://localhost:1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
    requestHandler: transportAsync(respond) as any,
  });
}

/** The server side: identify and decode what the client sent. */
async function serverDecode(req: Captured) {
  const id = identify(req.method, req.path, req.query, req.headers, () => req.body);
  const op = operationModel(id);
  return { id, op, input: await decodeInput(id, op, req.body) };
}

describe.each(protocols)("CloudWatch over %s", (protocol) => {
  it("decodes PutMetricData exactly as the SDK serialised it (nested lists, timestamps, doubles)", async () => {
    const input = {
      Namespace: "App/Test",
      MetricData: [
        {
          MetricName: "Latency",
          Dimensions: [{ Name: "Host", Value: "a b&c=d" }, { Name: "Zone", Value: "ü-1" }],
          Timestamp: new Date("2026-11-25T06:00:00.000Z"),
          Values: [1.5, 2, 3.25],
          Counts: [1, 2, 1],
          Unit: "Milliseconds" as const,
          StorageResolution: 1,
        },
        { MetricName: "Count", StatisticValues: { SampleCount: 3, Sum: 6, Minimum: 1, Maximum: 3 } },
      ],
    };
    let decoded: any;
    const client = cloudwatch(protocol, async (req) => {
      const { id, op, input: got } = await serverDecode(req);
      decoded = got;
      expect(id.protocol).toBe(protocol);
      return encodeOutput(id, op, {}, "r1");
    });
    await client.send(new PutMetricDataCommand(input));
    expect(decoded).toEqual(input);
  });

  it("encodes GetMetricStatistics output that the SDK reads back unchanged", async () => {
    const output: GetMetricStatisticsOutput = {
      Label: "Latency",
      Datapoints: [
        { Timestamp: new Date("2026-11-25T06:00:00.000Z"), Average: 2.5, SampleCount: 4, Unit: "Milliseconds", ExtendedStatistics: { "p99": 9.5 } },
        { Timestamp: new Date("2026-11-25T06:01:00.000Z"), Sum: 0, Unit: "Milliseconds" },
      ],
    };
    const client = cloudwatch(protocol, async (req) => {
      const { id, op, input } = await serverDecode(req);
      expect(input).toMatchObject({ Namespace: "N", MetricName: "M", Period: 60, ExtendedStatistics: ["p99"] });
      return encodeOutput(id, op, output, "req-123");
    });
    const got = await client.send(new GetMetricStatisticsCommand({
      Namespace: "N", MetricName: "M", Period: 60, StartTime: new Date(0), EndTime: new Date(60_000), ExtendedStatistics: ["p99"],
    }));
    expect(got.Label).toBe(output.Label);
    expect(got.Datapoints).toEqual(output.Datapoints);
    expect(got.$metadata.requestId).toBe("req-123");
  });

  it("decodes GetMetricData with expressions, maps of label options and empty lists", async () => {
    const input = {
      MetricDataQueries: [
        { Id: "m1", MetricStat: { Metric: { Namespace: "N", MetricName: "M", Dimensions: [] }, Period: 60, Stat: "p99.9" }, ReturnData: false },
        { Id: "e1", Expression: "m1 * 2", Label: "double ${LAST}" },
      ],
      StartTime: new Date("2026-11-25T00:00:00Z"),
      EndTime: new Date("2026-11-25T01:00:00Z"),
      ScanBy: "TimestampDescending" as const,
      LabelOptions: { Timezone: "+0130" },
    };
    let decoded: any;
    const client = cloudwatch(protocol, async (req) => {
      const { id, op, input: got } = await serverDecode(req);
      decoded = got;
      return encodeOutput(id, op, { MetricDataResults: [], Messages: [] }, "r");
    });
    const out = await client.send(new GetMetricDataCommand(input));
    // Empty lists are not sent by every protocol; everything else must survive.
    const expected = structuredClone(input) as any;
    if (!decoded.MetricDataQueries[0].MetricStat.Metric.Dimensions) delete expected.MetricDataQueries[0].MetricStat.Metric.Dimensions;
    expect(decoded).toEqual(expected);
    expect(out.MetricDataResults ?? []).toEqual([]);
  });

  it("answers modelled errors with the awsQuery code the SDK recognises", async () => {
    const client = cloudwatch(protocol, async (req) => {
      const id = identify(req.method, req.path, req.query, req.headers, () => req.body);
      return encodeError(id, cloudwatchError("DashboardNotFoundError", "Dashboard nope does not exist"), "req-err");
    });
    const err: any = await client.send(new PutDashboardCommand({ DashboardName: "x", DashboardBody: "{}" })).catch((e) => e);
    expect(err.$metadata.httpStatusCode).toBe(404);
    expect(err.message).toBe("Dashboard nope does not exist");
    expect(err.name === "ResourceNotFound" || err.Code === "ResourceNotFound" || err.Error?.Code === "ResourceNotFound").toBe(true);
  });

  it("answers unmodelled errors (MissingParameter, NotImplemented) with their code", async () => {
    for (const [code, status] of [["MissingParameter", 400], ["NotImplemented", 501]] as const) {
      const client = cloudwatch(protocol, async (req) => {
        const id = identify(req.method, req.path, req.query, req.headers, () => req.body);
        return encodeError(id, ServiceError.fromJSON({ code, message: `${code} happened`, status }), "r");
      });
      const err: any = await client.send(new DescribeAlarmsCommand({})).catch((e) => e);
      expect(err.$metadata.httpStatusCode).toBe(status);
      expect(err.name === code || err.Code === code || err.Error?.Code === code).toBe(true);
      expect(err.message).toBe(`${code} happened`);
    }
  });
});

describe("server-side validation", () => {
  const decodeJson = (target: string, body: unknown) =>
    (async () => {
      const headers = { "x-amz-target": target, "content-type": "application/x-amz-json-1.0" };
      const buf = Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
      const id = identify("POST", "/", "", headers, () => buf);
      const op = operationModel(id);
      // Decoding checks types; the model's constraints (required members too) are the validation stage's, run right after.
      const input = await decodeInput(id, op, buf);
      validateInput(id.service.name, op.name, input);
      return input;
    })();

  it("rejects a missing required member with MissingParameter (CloudWatch)", async () => {
    await expect(decodeJson("GraniteServiceVersion20100801.PutMetricData", { MetricData: [] })).rejects.toMatchObject({
      code: "MissingParameter", status: 400, message: "The parameter Namespace is required.",
    });
  });

  it("rejects a missing required member nested in a list", async () => {
    await expect(
      decodeJson("GraniteServiceVersion20100801.PutMetricData", { Namespace: "n", MetricData: [{ Value: 1 }] }),
    ).rejects.toMatchObject({ code: "MissingParameter", message: "The parameter MetricData.member.1.MetricName is required." });
  });

  it("rejects wrong types with SerializationException", async () => {
    await expect(
      decodeJson("GraniteServiceVersion20100801.PutMetricData", { Namespace: "n", MetricData: "oops" }),
    ).rejects.toMatchObject({ code: "SerializationException", status: 400 });
    await expect(
      decodeJson("GraniteServiceVersion20100801.GetMetricStatistics", {
        Namespace: "n", MetricName: "m", StartTime: 0, EndTime: 60, Period: "sixty",
      }),
    ).rejects.toMatchObject({ code: "SerializationException" });
    await expect(
      decodeJson("GraniteServiceVersion20100801.GetMetricStatistics", {
        Namespace: "n", MetricName: "m", StartTime: "not a time", EndTime: 60, Period: 60,
      }),
    ).rejects.toMatchObject({ code: "SerializationException" });
    // Only "NaN", "Infinity" and "-Infinity" stand for numbers, not names every object inherits.
    for (const text of ["toString", "constructor", "__proto__"]) {
      await expect(
        decodeJson("GraniteServiceVersion20100801.PutMetricData", { Namespace: "n", MetricData: [{ MetricName: "m", Value: text }] }),
      ).rejects.toMatchObject({ code: "SerializationException", message: "Value at 'MetricData.member.1.Value' must be a number, not a string." });
    }
  });

  it("rejects malformed JSON with SerializationException", async () => {
    await expect(decodeJson("GraniteServiceVersion20100801.ListMetrics", "{not json")).rejects.toMatchObject({
      code: "SerializationException",
    });
    await expect(decodeJson("GraniteServiceVersion20100801.ListMetrics", "[1,2]")).rejects.toMatchObject({
      code: "SerializationException",
    });
  });

  it("answers Logs validation in the Logs style", async () => {
    const headers = { "x-amz-target": "Logs_20140328.CreateLogGroup", "content-type": "application/x-amz-json-1.1" };
    const buf = Buffer.from("{}");
    const id = identify("POST", "/", "", headers, () => buf);
    const input = await decodeInput(id, operationModel(id), buf);
    expect(() => validateInput("logs", "CreateLogGroup", input)).toThrow(expect.objectContaining({
      code: "InvalidParameterException",
      message: "1 validation error detected: Value null at 'logGroupName' failed to satisfy constraint: Member must not be null",
    }));
  });

  it("rejects unknown operations per protocol", () => {
    const q = () => identify("POST", "/", "", { "content-type": "application/x-www-form-urlencoded" }, () => Buffer.from("Action=Nope&Version=2010-08-01"));
    expect(() => operationModel(q())).toThrow(expect.objectContaining({ code: "InvalidAction" }));
    const j = identify("POST", "/", "", { "x-amz-target": "GraniteServiceVersion20100801.Nope" }, () => Buffer.alloc(0));
    expect(() => operationModel(j)).toThrow(expect.objectContaining({ code: "UnknownOperationException" }));
    expect(() => identify("POST", "/", "", { "x-amz-target": "Bogus_2020.Op" }, () => Buffer.alloc(0))).toThrow(
      expect.objectContaining({ code: "UnknownOperationException" }),
    );
    expect(() => identify("POST", "/", "", { "content-type": "text/plain" }, () => Buffer.alloc(0))).toThrow(
      expect.objectContaining({ code: "InvalidAction" }),
    );
  });

  it.each([
    ["Version 2011-06-15, signed for sts", "sts", "Action=GetCallerIdentity&Version=2011-06-15", "sts", ""],
    ["Version 2011-06-15, unsigned", "sts", "Action=GetCallerIdentity&Version=2011-06-15", undefined, ""],
    ["no Version, signed for sts", "sts", "Action=GetCallerIdentity", "sts", ""],
    ["no Version, presigned for sts", "sts", "Action=GetCallerIdentity", undefined, "X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fsts%2Faws4_request"],
    ["Version 2010-08-01, signed for monitoring", "cloudwatch", "Action=ListMetrics&Version=2010-08-01", "monitoring", ""],
    ["no Version, unsigned", "cloudwatch", "Action=ListMetrics", undefined, ""],
  ])("an awsQuery form with %s is identified as %s's", (_title, service, form, scope, query) => {
    const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
    if (scope) headers.authorization = `AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/${scope}/aws4_request, SignedHeaders=host, Signature=00`;
    expect(identify("POST", "/", query, headers, () => Buffer.from(form)).service.name).toBe(service);
    // Before the body is read (authentication), only the credential scope can tell.
    expect(guessProtocol("/", headers, query).service?.name).toBe(scope === "sts" || query ? "sts" : "cloudwatch");
  });

  it("STS is not served over rpc-v2-cbor", () => {
    expect(() => identify("POST", "/service/AWSSecurityTokenServiceV20110615/operation/GetCallerIdentity", "", {}, () => Buffer.alloc(0))).toThrow(
      expect.objectContaining({ code: "UnknownOperationException", status: 404 }),
    );
  });

  it("rejects malformed query values with InvalidParameterValue", async () => {
    const body = Buffer.from("Action=GetMetricStatistics&Version=2010-08-01&Namespace=n&MetricName=m&StartTime=yesterday&EndTime=2026-01-01T00:00:00Z&Period=60");
    const id = identify("POST", "/", "", { "content-type": "application/x-www-form-urlencoded" }, () => body);
    await expect(decodeInput(id, operationModel(id), body)).rejects.toMatchObject({
      code: "InvalidParameterValue", message: "Value 'yesterday' for parameter StartTime is invalid.",
    });
  });
});

describe("CloudWatch Logs over awsJson1_1", () => {
  it("round-trips CreateLogGroup input and DescribeLogGroups output", async () => {
    let decoded: any;
    const client = logs(async (req) => {
      const { id, op, input } = await serverDecode(req);
      decoded = input;
      if (op.name === "DescribeLogGroups") {
        return encodeOutput(id, op, { logGroups: [{ logGroupName: "/a/b", creationTime: 1764048000000, retentionInDays: 7 }], nextToken: "t" }, "r");
      }
      return encodeOutput(id, op, {}, "r");
    });
    await client.send(new CreateLogGroupCommand({ logGroupName: "/a/b", tags: { team: "x" } }));
    expect(decoded).toEqual({ logGroupName: "/a/b", tags: { team: "x" } });
    const out = await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "/a" }));
    expect(out.logGroups).toEqual([{ logGroupName: "/a/b", creationTime: 1764048000000, retentionInDays: 7 }]);
    expect(out.nextToken).toBe("t");
  });

  it("answers Logs errors with their shape name", async () => {
    const client = logs(async (req) => {
      const id = identify(req.method, req.path, req.query, req.headers, () => req.body);
      return encodeError(id, logsError("ResourceNotFoundException", "The specified log group does not exist."), "r");
    });
    const err: any = await client.send(new DescribeLogGroupsCommand({})).catch((e) => e);
    expect(err.name).toBe("ResourceNotFoundException");
    expect(err.message).toBe("The specified log group does not exist.");
  });
});

describe("gzip bodies", () => {
  it("identifies a form even when the raw body was gzip (front decompresses first)", () => {
    const form = "Action=ListMetrics&Version=2010-08-01";
    const gz = gzipSync(form);
    expect(gz.length).toBeGreaterThan(0);
    const id = identify("POST", "/", "", { "content-type": "application/x-www-form-urlencoded" }, () => Buffer.from(form));
    expect(id.operation).toBe("ListMetrics");
  });
});

function transportAsync(respond: (req: Captured) => Promise<WireResponse>) {
  return {
    handle: async (req: any) => {
      const { HttpResponse } = await import("@smithy/core/transport" as any);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = String(v);
      const query = new URLSearchParams(req.query ?? {}).toString();
      const body = req.body === undefined ? Buffer.alloc(0) : Buffer.from(req.body);
      const res = await respond({ method: req.method, path: req.path, query, headers, body });
      // The SDK reads bytes: a text body goes out as its UTF-8, as the HTTP server sends it.
      const bytes = typeof res.body === "string" ? Buffer.from(res.body, "utf8") : res.body;
      return { response: new HttpResponse({ statusCode: res.statusCode, headers: res.headers, body: bytes }) };
    },
  };
}

describe("the JSON output writer", () => {
  it("writes what the SDK's own JsonShapeSerializer writes", async () => {
    const { JsonShapeSerializer } = await import("@aws-sdk/core/protocols");
    const { CLOUDWATCH, LOGS } = await import("../../lib/protocol/index.js");
    const { encodeJsonOutput } = await import("../../lib/protocol/json.js");
    const shared = [new Date(1764048060000), new Date(1764048000000)];
    const cases: Array<[import("../../lib/protocol/index.js").ServiceModel, string, unknown]> = [
      // One Timestamps list shared by two results, as GetMetricData answers do, and a finite Values list written as it is.
      [CLOUDWATCH, "GetMetricData", {
        MetricDataResults: [
          { Id: "a", Timestamps: shared, Values: [1, 2] },
          { Id: "b", Timestamps: shared, Values: [3, NaN] },
        ],
      }],
      [CLOUDWATCH, "GetMetricData", {
        MetricDataResults: [{ Id: "m1", Label: "x", Timestamps: [new Date(1764048000123), new Date(0)], Values: [1.5, NaN, Infinity, -Infinity].slice(0, 2), StatusCode: "Complete", Messages: [] }],
        Messages: [{ Code: "c", Value: "v" }],
        NextToken: "t",
      }],
      [CLOUDWATCH, "GetMetricStatistics", { Label: "l", Datapoints: [{ Timestamp: new Date(1764048000000), Sum: 3, ExtendedStatistics: { p99: 2.5 }, Unit: "Count" }] }],
      [CLOUDWATCH, "ListDashboards", { DashboardEntries: [{ DashboardName: "d", LastModified: new Date(1764048000000), Size: 12 }] }],
      [LOGS, "DescribeLogGroups", { logGroups: [{ logGroupName: "/a", creationTime: 1764048000000, retentionInDays: 7 }], nextToken: undefined }],
    ];
    for (const [service, op, value] of cases) {
      const schema = service.operations.get(op)!.output;
      const sdk = new JsonShapeSerializer({ timestampFormat: { useTrait: true, default: 7 }, jsonName: false } as any);
      sdk.write(schema, value);
      expect(JSON.parse(encodeJsonOutput(schema, value))).toEqual(JSON.parse(String(sdk.flush())));
    }
  });

  it("writes NaN and infinities as the strings the SDK reads back", async () => {
    const { CLOUDWATCH } = await import("../../lib/protocol/index.js");
    const { encodeJsonOutput } = await import("../../lib/protocol/json.js");
    const schema = CLOUDWATCH.operations.get("GetMetricData")!.output;
    const json = JSON.parse(encodeJsonOutput(schema, { MetricDataResults: [{ Id: "m", Values: [NaN, Infinity, -Infinity, 1] }] }));
    expect(json.MetricDataResults[0].Values).toEqual(["NaN", "Infinity", "-Infinity", 1]);
  });
});
