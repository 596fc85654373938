/**
 * Bad input over the real HTTP endpoint: every failure comes back as the AWS
 * error in the client's own wire protocol (awsQuery XML, awsJson 1.0 with
 * x-amzn-query-error, rpc-v2-cbor, awsJson 1.1 for Logs), with a request id,
 * and the service keeps serving afterwards.
 *
 * Requests are built by hand with fetch and signed with the SDK's own
 * SignatureV4, so each one can be broken in exactly one way.
 */
import { gzipSync } from "node:zlib";
import * as cloudwatchSdk from "@aws-sdk/client-cloudwatch";
import { CloudWatchClient, ListDashboardsCommand, PutDashboardCommand } from "@aws-sdk/client-cloudwatch";
import * as logsSdk from "@aws-sdk/client-cloudwatch-logs";
import { CloudWatchLogsClient, CreateLogGroupCommand, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { AwsQueryProtocol, AwsSmithyRpcV2CborProtocol } from "@aws-sdk/core/protocols";
import { cbor } from "@smithy/core/cbor";
import { HttpRequest } from "@smithy/core/protocols";
import { SignatureV4 } from "@smithy/signature-v4";
import { XMLParser } from "fast-xml-parser";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTemplate } from "../../local/template.js";
import { CLOUDWATCH, LOGS } from "../../lib/protocol/services.js";
import { MODELS } from "../../lib/validation/service-models.js";
import { awsCli, cloudWatchClient, logsClient, ROOT, startStack, type Stack } from "../support/stack.js";
import { Sha256 } from "../support/sha256.js";
import { awsFailure as failure } from "../support/failure.js";

// ---------------------------------------------------------------------------
// Wire helpers

/** query/json/cbor: CloudWatch in its three protocols; logs: CloudWatch Logs (awsJson1_1). */
type Wire = "query" | "json" | "cbor" | "logs";
const WIRES: Wire[] = ["query", "json", "cbor", "logs"];
const CW_WIRES: Wire[] = ["query", "json", "cbor"];
const CW_TARGET = "GraniteServiceVersion20100801";
const LOGS_TARGET = "Logs_20140328";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
}

interface RawRequest {
  wire: Wire;
  op: string;
  /** An object is encoded in the wire's format (form params, JSON, CBOR); bytes and strings are sent as they are. */
  body?: Record<string, unknown> | Buffer | string;
  /** Gzip the encoded body and say so in Content-Encoding (before signing, as the SDKs do). */
  gzip?: boolean;
  headers?: Record<string, string>;
  /** false: no signature at all. */
  sign?: false | { creds?: Creds; date?: Date };
  /** Changes the body after signing. */
  tamper?: (body: Buffer) => Buffer;
}

interface WireAnswer {
  status: number;
  headers: Headers;
  requestId: string | null;
  /** The code an AWS client reads: <Code> for query, x-amzn-query-error for CloudWatch JSON/CBOR, __type for Logs. */
  code: string | undefined;
  /** __type of a JSON/CBOR error body (namespace included, if any). */
  type: string | undefined;
  message: string | undefined;
  /** `<RequestId>` of a query response. */
  bodyRequestId?: string;
  /** The decoded body: XML object, JSON value or CBOR value. */
  body: any;
}

let stack: Stack;

function encodeBody(wire: Wire, op: string, body: RawRequest["body"]): Buffer {
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === "string") return Buffer.from(body, "utf8");
  if (wire === "query") {
    const form = new URLSearchParams({ Action: op, Version: "2010-08-01" });
    for (const [k, v] of Object.entries(body ?? {})) form.append(k, String(v));
    return Buffer.from(form.toString(), "utf8");
  }
  if (wire === "cbor") return Buffer.from(cbor.serialize(body ?? {}));
  return Buffer.from(JSON.stringify(body ?? {}), "utf8");
}

function wireHeaders(wire: Wire, op: string): { path: string; headers: Record<string, string> } {
  switch (wire) {
    case "query":
      return { path: "/", headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" } };
    case "json":
      return { path: "/", headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": `${CW_TARGET}.${op}` } };
    case "cbor":
      return {
        path: `/service/${CW_TARGET}/operation/${op}`,
        headers: { "content-type": "application/cbor", accept: "application/cbor", "smithy-protocol": "rpc-v2-cbor" },
      };
    case "logs":
      return { path: "/", headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": `${LOGS_TARGET}.${op}` } };
  }
}

const xml = new XMLParser({ ignoreAttributes: true, parseTagValue: false });

async function send(req: RawRequest): Promise<WireAnswer> {
  return readAnswer(req.wire, await signedFetch(req));
}

/** Builds, signs (unless told not to) and sends the request; the raw response. */
async function signedFetch(req: RawRequest): Promise<Response> {
  const url = new URL(stack.endpoint);
  const { path, headers } = wireHeaders(req.wire, req.op);
  let body = encodeBody(req.wire, req.op, req.body);
  if (req.gzip) {
    body = gzipSync(body);
    headers["content-encoding"] = "gzip";
  }
  Object.assign(headers, req.headers);
  if (req.sign !== false) {
    const creds = req.sign?.creds ?? stack.credentials[0];
    const signer = new SignatureV4({
      credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey },
      region: "us-east-1",
      service: req.wire === "logs" ? "logs" : "monitoring",
      sha256: Sha256,
    });
    const signed = await signer.sign(
      new HttpRequest({
        method: "POST",
        protocol: "http:",
        hostname: url.hostname,
        port: Number(url.port),
        path,
        headers: { ...headers, host: url.host },
        body,
      }),
      { signingDate: req.sign?.date ?? new Date() },
    );
    Object.assign(headers, signed.headers);
    delete headers.host; // fetch sends the same Host itself
  }
  if (req.tamper) body = req.tamper(body);
  return fetch(new URL(path, url), { method: "POST", headers, body: new Uint8Array(body) });
}

async function readAnswer(wire: Wire, res: Response): Promise<WireAnswer> {
  const raw = Buffer.from(await res.arrayBuffer());
  const answer: WireAnswer = {
    status: res.status,
    headers: res.headers,
    requestId: res.headers.get("x-amzn-requestid"),
    code: undefined,
    type: undefined,
    message: undefined,
    body: undefined,
  };
  if (wire === "query") {
    expect(res.headers.get("content-type")).toMatch(/xml/);
    const doc = xml.parse(raw.toString("utf8"));
    answer.body = doc;
    if (doc.ErrorResponse) {
      answer.code = doc.ErrorResponse.Error?.Code;
      answer.message = doc.ErrorResponse.Error?.Message;
      answer.bodyRequestId = doc.ErrorResponse.RequestId;
    } else {
      const [root] = Object.values(doc) as any[];
      answer.bodyRequestId = root?.ResponseMetadata?.RequestId;
    }
    return answer;
  }
  if (wire === "cbor") {
    expect(res.headers.get("smithy-protocol")).toBe("rpc-v2-cbor");
    answer.body = raw.length ? cbor.deserialize(new Uint8Array(raw)) : {};
  } else {
    expect(res.headers.get("content-type")).toBe(wire === "logs" ? "application/x-amz-json-1.1" : "application/x-amz-json-1.0");
    answer.body = JSON.parse(raw.toString("utf8") || "{}");
  }
  if (res.status >= 300) {
    answer.type = answer.body?.__type;
    answer.message = answer.body?.message ?? answer.body?.Message;
    const queryError = res.headers.get("x-amzn-query-error");
    if (wire === "logs") {
      // Logs is not awsQuery-compatible: its clients read __type alone.
      expect(queryError).toBeNull();
      answer.code = answer.type?.split("#").pop();
    } else {
      expect(queryError, "CloudWatch JSON/CBOR errors carry x-amzn-query-error").toMatch(/^[A-Za-z.]+;(Sender|Receiver)$/);
      const [code, fault] = queryError!.split(";");
      expect(fault).toBe(res.status >= 500 ? "Receiver" : "Sender");
      answer.code = code;
    }
  }
  return answer;
}

/** Every answer has a request id, the same one in the XML of a query answer. */
function expectRequestId(a: WireAnswer): void {
  expect(a.requestId).toMatch(UUID);
  if (a.bodyRequestId !== undefined || a.headers.get("content-type")?.includes("xml")) expect(a.bodyRequestId).toBe(a.requestId);
}

/** The codes of one error in the two AWS families: awsQuery (CloudWatch, all three protocols) and awsJson (Logs). */
interface Codes {
  query: string;
  json: string;
}

function expectError(a: WireAnswer, wire: Wire, status: number, codes: Codes | string, message?: RegExp | string): void {
  const c = typeof codes === "string" ? { query: codes, json: codes } : codes;
  expect({ status: a.status, code: a.code }, JSON.stringify(a.body)).toEqual({ status, code: wire === "logs" ? c.json : c.query });
  if (wire === "json" || wire === "cbor") {
    // The body's __type names the same error: its model shape (in the service's namespace, as AWS spells it:
    // localstack tests/aws/services/cloudwatch/test_cloudwatch.snapshot.json, test_exception_serializing_with_no_shape_in_spec)
    // or, unmodeled, either family's spelling.
    const shape = CLOUDWATCH.errors.get(c.query)?.shape;
    if (shape) expect(a.type).toBe(`com.amazonaws.cloudwatch.v2010_08_01#${shape}`);
    else expect([c.query, c.json]).toContain(a.type?.split("#").pop());
  }
  expect(typeof a.message).toBe("string");
  if (message !== undefined) expect(a.message).toMatch(message);
  expectRequestId(a);
}

/** A cheap good request per wire, to prove the service still serves. */
const GOOD: Record<Wire, { op: string; body: Record<string, unknown> }> = {
  query: { op: "ListDashboards", body: {} },
  json: { op: "ListDashboards", body: {} },
  cbor: { op: "ListDashboards", body: {} },
  logs: { op: "DescribeLogGroups", body: { limit: 1 } },
};

async function expectServing(wires: Wire[] = WIRES): Promise<void> {
  for (const wire of wires) {
    const a = await send({ wire, ...GOOD[wire] });
    expect(a.status, `${wire}: ${JSON.stringify(a.body)}`).toBe(200);
    expectRequestId(a);
    if (wire === "query") expect(a.body.ListDashboardsResponse.ListDashboardsResult).toBeDefined();
    else if (wire === "logs") expect(a.body.logGroups).toBeInstanceOf(Array);
    else expect(a.body.DashboardEntries).toBeInstanceOf(Array);
  }
  const health = await fetch(`${stack.endpoint}/_hive/health`);
  expect(await health.json()).toMatchObject({ status: "ok" });
}

// ---------------------------------------------------------------------------
// Which operations are built: template.yaml's functions.

const template = loadTemplate(join(ROOT, "template.yaml"));
const functionIds = new Set(template.functions.map((f) => f.logicalId));
const built = (service: "CloudWatch" | "Logs", op: string) => functionIds.has(`${service}${op}`);
/**
 * An operation of the model with no function yet, preferring the given ones.
 * One that requires no member: an empty request is then valid and passes the
 * model validation stage to reach NotImplemented.
 */
function unbuilt(service: "CloudWatch" | "Logs", preferred: string[]): string | undefined {
  const model = service === "CloudWatch" ? CLOUDWATCH : LOGS;
  const models = MODELS[service === "CloudWatch" ? "cloudwatch" : "logs"];
  const requiresNothing = (op: string) => {
    const input = models.operations[op]?.input;
    return !input || !models.shapes[input.shape].required?.length;
  };
  return [...preferred, ...[...model.operations.keys()].sort()].find((op) => model.operations.has(op) && !built(service, op) && requiresNothing(op));
}
const CW_UNBUILT = unbuilt("CloudWatch", ["DescribeAlarms", "DescribeAlarmHistory", "DescribeAnomalyDetectors"]);
const LOGS_UNBUILT = unbuilt("Logs", ["DescribeQueries", "DescribeDestinations", "DescribeExportTasks"]);

const RUN = `we${Date.now().toString(36)}`;
const DASHBOARD_BODY = JSON.stringify({ widgets: [{ type: "text", x: 0, y: 0, width: 6, height: 3, properties: { markdown: "hi" } }] });

beforeAll(async () => {
  stack = await startStack();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

// ---------------------------------------------------------------------------

describe("the raw-request helper", () => {
  it("gets 200s in every wire protocol when nothing is wrong", async () => {
    await expectServing();
    const put = await send({ wire: "query", op: "PutDashboard", body: { DashboardName: `${RUN}-q`, DashboardBody: DASHBOARD_BODY } });
    expect(put.status).toBe(200);
    expect(put.body.PutDashboardResponse).toBeDefined();
    expectRequestId(put);
  });
});

describe("authentication", () => {
  const MISSING = { query: "MissingAuthenticationToken", json: "MissingAuthenticationTokenException" };
  const MISMATCH = { query: "SignatureDoesNotMatch", json: "InvalidSignatureException" };
  const UNKNOWN_KEY = { query: "InvalidClientTokenId", json: "UnrecognizedClientException" };
  // CloudWatch, an awsQuery service in every protocol, answers 403 (AWS's Common Errors; a raw
  // SignatureDoesNotMatch 403 from CloudWatch in grafana/grafana#46365); Logs, an
  // awsJson service, answers 400 (raw AWS answers: vectordotdev/vector#16629, maxbanton/cwh#119).
  const denied = (wire: string) => (wire === "logs" ? 400 : 403);

  it.each(WIRES)("%s: an unsigned request is MissingAuthenticationToken, 403 (Logs: 400)", async (wire) => {
    const a = await send({ wire, ...GOOD[wire], sign: false });
    expectError(a, wire, denied(wire), MISSING, /Authentication Token/);
  });

  it.each(WIRES)("%s: a signature with the wrong secret does not match, 403 (Logs: 400)", async (wire) => {
    const a = await send({ wire, ...GOOD[wire], sign: { creds: { accessKeyId: "test", secretAccessKey: "not-the-secret" } } });
    expectError(a, wire, denied(wire), MISMATCH, /signature we calculated does not match/);
  });

  it.each(WIRES)("%s: a body changed after signing does not match, 403 (Logs: 400)", async (wire) => {
    const op = wire === "logs" ? "CreateLogGroup" : "PutDashboard";
    const body = wire === "logs" ? { logGroupName: `/${RUN}/tampered` } : { DashboardName: `${RUN}-tampered-${wire}`, DashboardBody: DASHBOARD_BODY };
    const a = await send({ wire, op, body, tamper: (b) => Buffer.concat([b.subarray(0, b.length - 1), Buffer.from(b.subarray(b.length - 1).toString() === "x" ? "y" : "x")]) });
    expectError(a, wire, denied(wire), MISMATCH);
  });

  it.each(WIRES)("%s: an x-amz-date 20 minutes old is a signature expired, 403 (Logs: 400)", async (wire) => {
    const a = await send({ wire, ...GOOD[wire], sign: { date: new Date(Date.now() - 20 * 60_000) } });
    expectError(a, wire, denied(wire), MISMATCH, /^Signature expired: \d{8}T\d{6}Z is now earlier than/);
  });

  it.each(WIRES)("%s: an x-amz-date 10 minutes old is within the allowed skew", async (wire) => {
    const a = await send({ wire, ...GOOD[wire], sign: { date: new Date(Date.now() - 10 * 60_000) } });
    expect(a.status, JSON.stringify(a.body)).toBe(200);
  });

  // 403 for awsQuery's InvalidClientTokenId; Logs' model declares UnrecognizedClientException a plain
  // client error, and AWS's JSON services answer it with 400.
  it.each(WIRES)("%s: an unknown access key is InvalidClientTokenId (403) / UnrecognizedClientException (400)", async (wire) => {
    const a = await send({ wire, ...GOOD[wire], sign: { creds: { accessKeyId: "AKIDNOSUCHKEY", secretAccessKey: "x" } } });
    expectError(a, wire, denied(wire), UNKNOWN_KEY, /security token included in the request is invalid/);
  });

  it("did not act on any rejected request", async () => {
    const cw = cloudWatchClient(stack);
    const logs = logsClient(stack);
    try {
      const dashboards = await cw.send(new ListDashboardsCommand({ DashboardNamePrefix: `${RUN}-tampered` }));
      expect(dashboards.DashboardEntries).toEqual([]);
      const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `/${RUN}/tampered` }));
      expect(groups.logGroups).toEqual([]);
    } finally {
      cw.destroy();
      logs.destroy();
    }
  });

  it("keeps serving", () => expectServing());
});

describe("operations", () => {
  it.each(WIRES)("%s: an operation the service does not have is InvalidAction / UnknownOperationException", async (wire) => {
    const a = await send({ wire, op: "NoSuchOperation", body: {} });
    if (wire === "query") expectError(a, wire, 400, "InvalidAction", /NoSuchOperation/);
    else if (wire === "logs") {
      // CloudWatch Logs answers the bare type, with no message (aws/aws-sdk-net#1536: HTTP 400, body `{"__type":"UnknownOperationException"}`).
      expect({ status: a.status, code: a.code }).toEqual({ status: 400, code: "UnknownOperationException" });
      expect(a.body).toEqual({ __type: "UnknownOperationException" });
      expectRequestId(a);
    } else expectError(a, wire, 400, "UnknownOperationException", /NoSuchOperation/);
  });

  it("a JSON target of an unknown service is UnknownOperationException", async () => {
    // An unknown target is verified as CloudWatch (the default service); the answer is plain awsJson.
    const res = await signedFetch({
      wire: "json",
      op: "DescribeLogGroups",
      headers: { "x-amz-target": "NoSuchService_20990101.DescribeLogGroups" },
    });
    const text = await res.text();
    expect(res.status, text).toBe(400);
    expect(res.headers.get("x-amzn-requestid")).toMatch(UUID);
    expect(JSON.parse(text).__type).toBe("UnknownOperationException");
  });

  it("a query request without Action is MissingAction", async () => {
    const a = await send({ wire: "query", op: "x", body: "Version=2010-08-01" });
    expectError(a, "query", 400, "MissingAction");
  });

  it("the operations chosen as not built are in the model and have no function", () => {
    expect(CW_UNBUILT).toBeDefined();
    expect(LOGS_UNBUILT).toBeDefined();
    expect(CLOUDWATCH.operations.has(CW_UNBUILT!)).toBe(true);
    expect(LOGS.operations.has(LOGS_UNBUILT!)).toBe(true);
    expect(functionIds.has(`CloudWatch${CW_UNBUILT}`)).toBe(false);
    expect(functionIds.has(`Logs${LOGS_UNBUILT}`)).toBe(false);
  });

  it.each(WIRES)("%s: an operation of the model not built yet is NotImplemented, 501", async (wire) => {
    const op = wire === "logs" ? LOGS_UNBUILT! : CW_UNBUILT!;
    const a = await send({ wire, op, body: {} });
    expectError(a, wire, 501, "NotImplemented", new RegExp(`${op}.*not implemented`));
    if (wire === "query") expect(a.body.ErrorResponse.Error.Type).toBe("Receiver");
  });

  it.each(CW_WIRES)("the SDK over %s gets NotImplemented for an unbuilt CloudWatch operation", async (wire) => {
    const cw = cloudWatchClient(stack, { protocol: wire as "json" | "cbor" | "query" });
    const Command = (cloudwatchSdk as any)[`${CW_UNBUILT}Command`];
    try {
      const e = await failure(cw.send(new Command({})));
      expect(e).toMatchObject({ code: "NotImplemented", status: 501 });
      expect(e.message).toContain(CW_UNBUILT);
    } finally {
      cw.destroy();
    }
  });

  it("the Logs SDK gets NotImplemented for an unbuilt Logs operation", async () => {
    const logs = logsClient(stack);
    const Command = (logsSdk as any)[`${LOGS_UNBUILT}Command`];
    try {
      const e = await failure(logs.send(new Command({})));
      expect(e).toMatchObject({ name: "NotImplemented", code: "NotImplemented", status: 501 });
    } finally {
      logs.destroy();
    }
  });

  it("keeps serving", () => expectServing());
});

describe("request bodies", () => {
  it.each(["json", "logs"] as Wire[])("%s: malformed JSON is SerializationException", async (wire) => {
    const a = await send({ wire, ...GOOD[wire], body: '{"DashboardNamePrefix": "x",' });
    expectError(a, wire, 400, "SerializationException");
  });

  it.each(["json", "logs"] as Wire[])("%s: a JSON body that is not an object is SerializationException", async (wire) => {
    const a = await send({ wire, ...GOOD[wire], body: "[1,2,3]" });
    expectError(a, wire, 400, "SerializationException");
  });

  it("cbor: malformed CBOR bytes are SerializationException", async () => {
    // A map of one entry whose key is a 24-byte text string, cut off after one byte.
    const a = await send({ wire: "cbor", op: "ListDashboards", body: Buffer.from([0xa1, 0x78, 0x18, 0x61]) });
    expectError(a, "cbor", 400, "SerializationException");
    const b = await send({ wire: "cbor", op: "ListDashboards", body: Buffer.from([0xff, 0xff, 0xff]) });
    expectError(b, "cbor", 400, "SerializationException");
  });

  it("cbor: a CBOR value that is not a map is SerializationException", async () => {
    const a = await send({ wire: "cbor", op: "ListDashboards", body: Buffer.from(cbor.serialize([1, 2])) });
    expectError(a, "cbor", 400, "SerializationException");
  });

  it("query: malformed list keys are InvalidParameterValue", async () => {
    for (const key of ["DashboardNames.member.x", "DashboardNames.member.0", "DashboardNames.member.-1"]) {
      const a = await send({ wire: "query", op: "DeleteDashboards", body: { [key]: `${RUN}-nope` } });
      expectError(a, "query", 400, "InvalidParameterValue", /DashboardNames/);
    }
  });

  it.runIf(built("CloudWatch", "PutMetricData"))("query: a non-numeric number or a bad timestamp is InvalidParameterValue", async () => {
    const base = { Namespace: `${RUN}/ns`, "MetricData.member.1.MetricName": "m" };
    const value = await send({ wire: "query", op: "PutMetricData", body: { ...base, "MetricData.member.1.Value": "twelve" } });
    expectError(value, "query", 400, "InvalidParameterValue", /twelve/);
    const empty = await send({ wire: "query", op: "PutMetricData", body: { ...base, "MetricData.member.1.Value": "" } });
    expectError(empty, "query", 400, "InvalidParameterValue");
    const time = await send({
      wire: "query",
      op: "PutMetricData",
      body: { ...base, "MetricData.member.1.Value": "1", "MetricData.member.1.Timestamp": "yesterday-ish" },
    });
    expectError(time, "query", 400, "InvalidParameterValue", /yesterday-ish/);
    const bool = await send({
      wire: "query",
      op: "PutMetricData",
      body: { ...base, "MetricData.member.1.Value": "1", StrictEntityValidation: "maybe" },
    });
    expectError(bool, "query", 400, "InvalidParameterValue", /maybe/);
  });

  it.each(["json", "cbor"] as Wire[])("%s: a string where a list belongs is SerializationException", async (wire) => {
    const a = await send({ wire, op: "DeleteDashboards", body: { DashboardNames: `${RUN}-nope` } });
    expectError(a, wire, 400, "SerializationException", /DashboardNames/);
  });

  it.each(["json", "cbor"] as Wire[])("%s: a number where a string belongs is SerializationException", async (wire) => {
    const a = await send({ wire, op: "ListDashboards", body: { DashboardNamePrefix: 42 } });
    expectError(a, wire, 400, "SerializationException", /DashboardNamePrefix/);
  });

  it("logs: wrong types are SerializationException", async () => {
    const list = await send({ wire: "logs", op: "DescribeLogGroups", body: { logGroupIdentifiers: "x" } });
    expectError(list, "logs", 400, "SerializationException", /logGroupIdentifiers/);
    const number = await send({ wire: "logs", op: "DescribeLogGroups", body: { limit: "ten" } });
    expectError(number, "logs", 400, "SerializationException", /limit/);
    const string = await send({ wire: "logs", op: "TagLogGroup", body: { logGroupName: `/${RUN}/x`, tags: "a" } });
    expectError(string, "logs", 400, "SerializationException", /tags/);
  });

  it("logs: a list where a map belongs is SerializationException, and tags nothing", async () => {
    const name = `/${RUN}/list-for-map`;
    expect((await send({ wire: "logs", op: "CreateLogGroup", body: { logGroupName: name } })).status).toBe(200);
    const map = await send({ wire: "logs", op: "TagLogGroup", body: { logGroupName: name, tags: ["a", "b"] } });
    const tags = await send({ wire: "logs", op: "ListTagsLogGroup", body: { logGroupName: name } });
    expect(tags.body.tags ?? {}).toEqual({});
    expectError(map, "logs", 400, "SerializationException", /tags/);
  });

  it.each(CW_WIRES)("%s: a missing required member is MissingParameter", async (wire) => {
    const a = await send({ wire, op: "PutDashboard", body: { DashboardName: `${RUN}-missing-${wire}` } });
    expectError(a, wire, 400, "MissingParameter", /DashboardBody/);
  });

  it("logs: a missing required member is InvalidParameterException, Member must not be null", async () => {
    const a = await send({ wire: "logs", op: "CreateLogGroup", body: {} });
    expectError(a, "logs", 400, "InvalidParameterException", /logGroupName.*Member must not be null/);
    const nested = await send({ wire: "logs", op: "CreateLogStream", body: { logGroupName: `/${RUN}/x` } });
    expectError(nested, "logs", 400, "InvalidParameterException", /logStreamName.*Member must not be null/);
  });

  it("keeps serving", () => expectServing());
});

describe("gzip bodies", () => {
  it.each(WIRES)("%s: a valid gzip body is served", async (wire) => {
    if (wire === "logs") {
      const name = `/${RUN}/gzipped`;
      const a = await send({ wire, op: "CreateLogGroup", body: { logGroupName: name }, gzip: true });
      expect(a.status, JSON.stringify(a.body)).toBe(200);
      const listed = await send({ wire, op: "DescribeLogGroups", body: { logGroupNamePrefix: name }, gzip: true });
      expect(listed.status).toBe(200);
      expect(listed.body.logGroups.map((g: any) => g.logGroupName)).toEqual([name]);
      return;
    }
    const name = `${RUN}-gzip-${wire}`;
    const put = await send({ wire, op: "PutDashboard", body: { DashboardName: name, DashboardBody: DASHBOARD_BODY }, gzip: true });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expectRequestId(put);
    const got = await send({ wire, op: "GetDashboard", body: { DashboardName: name }, gzip: true });
    expect(got.status).toBe(200);
    const out = wire === "query" ? got.body.GetDashboardResponse.GetDashboardResult : got.body;
    expect(out.DashboardName).toBe(name);
    expect(out.DashboardBody).toBe(DASHBOARD_BODY);
  });

  it.each(WIRES)("%s: a corrupt gzip body is rejected with 400", async (wire) => {
    const good = gzipSync(encodeBody(wire, GOOD[wire].op, GOOD[wire].body));
    // A valid gzip header followed by bytes that are no deflate stream.
    const corrupt = Buffer.concat([good.subarray(0, 10), Buffer.from("this is not deflate data at all")]);
    const a = await send({ wire, ...GOOD[wire], body: corrupt, headers: { "content-encoding": "gzip" } });
    expectError(a, wire, 400, "SerializationException", /gzip/);
    // Not gzip at all, but declared so.
    const plain = await send({ wire, ...GOOD[wire], headers: { "content-encoding": "gzip" } });
    expect(plain.status).toBe(400);
    expectRequestId(plain);
  });

  // The front sizes its inflate buffer from the gzip trailer (ISIZE); the trailer only sizes it, never decides.
  it.each(CW_WIRES)("%s: a body of two gzip members (the trailer states the last one's length) is read whole", async (wire) => {
    const name = `${RUN}-gzip2-${wire}`;
    const encoded = encodeBody(wire, "PutDashboard", { DashboardName: name, DashboardBody: DASHBOARD_BODY });
    const half = Math.floor(encoded.length / 2);
    const body = Buffer.concat([gzipSync(encoded.subarray(0, half)), gzipSync(encoded.subarray(half))]);
    const put = await send({ wire, op: "PutDashboard", body, headers: { "content-encoding": "gzip" } });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const got = await send({ wire, op: "GetDashboard", body: { DashboardName: name } });
    const out = wire === "query" ? got.body.GetDashboardResponse.GetDashboardResult : got.body;
    expect(out.DashboardBody).toBe(DASHBOARD_BODY);
  });

  it.each(CW_WIRES)("%s: a gzip trailer that misstates the length is SerializationException, however large it claims", async (wire) => {
    const good = gzipSync(encodeBody(wire, GOOD[wire].op, GOOD[wire].body));
    const actual = good.readUInt32LE(good.length - 4);
    for (const stated of [actual - 1, actual + 1, actual + 4096, 0xffffffff]) {
      const lying = Buffer.from(good);
      lying.writeUInt32LE(stated, lying.length - 4);
      const a = await send({ wire, ...GOOD[wire], body: lying, headers: { "content-encoding": "gzip" } });
      expectError(a, wire, 400, "SerializationException", /gzip/);
    }
  });

  it("a gzip body that inflates past max_request_bytes (2 MiB) is RequestEntityTooLarge, 413", async () => {
    const bomb = { DashboardName: `${RUN}-bomb`, DashboardBody: "x".repeat(3 * 1024 * 1024) };
    const a = await send({ wire: "json", op: "PutDashboard", body: bomb, gzip: true });
    expectError(a, "json", 413, "RequestEntityTooLarge", /after decompression/);
  });

  it("keeps serving", () => expectServing());
});

describe("oversize bodies", () => {
  it.each(WIRES)("%s: a 3 MiB body is RequestEntityTooLarge, 413", async (wire) => {
    const op = wire === "logs" ? "CreateLogGroup" : "PutDashboard";
    const big = "x".repeat(3 * 1024 * 1024);
    const body = wire === "logs" ? { logGroupName: big } : { DashboardName: "big", DashboardBody: big };
    const a = await send({ wire, op, body, sign: false });
    expectError(a, wire, 413, "RequestEntityTooLarge");
  });

  it("a signed 3 MiB body is refused too, and a 1.5 MiB one is read (and judged by the operation)", async () => {
    const big = await send({ wire: "json", op: "PutDashboard", body: { DashboardName: "big", DashboardBody: "x".repeat(3 * 1024 * 1024) } });
    expectError(big, "json", 413, "RequestEntityTooLarge");
    const mid = await send({ wire: "json", op: "PutDashboard", body: { DashboardName: `${RUN}-mid`, DashboardBody: "x".repeat(1.5 * 1024 * 1024) } });
    // Read and passed to PutDashboard, which refuses a body that is not JSON: not a transport error.
    expect(mid.status).toBe(400);
    expect(mid.code).toBe("InvalidParameterInput");
  });

  it("holds PutMetricData to AWS's 1 MB per request, in every CloudWatch protocol", async () => {
    // 1.2 MB of a valid request: one datum whose dimension values are long.
    const datum = (k: number) => ({ MetricName: "m", Dimensions: [{ Name: "D", Value: `${k}`.padEnd(1000, "x") }], Value: k });
    const body = { Namespace: `${RUN}/big`, MetricData: Array.from({ length: 1000 }, (_, k) => datum(k)) };
    const form: Record<string, string> = { Namespace: body.Namespace };
    body.MetricData.forEach((d, i) => {
      const p = `MetricData.member.${i + 1}`;
      form[`${p}.MetricName`] = d.MetricName;
      form[`${p}.Dimensions.member.1.Name`] = d.Dimensions[0].Name;
      form[`${p}.Dimensions.member.1.Value`] = d.Dimensions[0].Value;
      form[`${p}.Value`] = String(d.Value);
    });
    for (const wire of ["json", "cbor", "query"] as const) {
      const a = await send({ wire, op: "PutMetricData", body: wire === "query" ? form : body });
      expectError(a, wire, 413, "RequestEntityTooLarge");
    }
  });

  it("keeps serving", () => expectServing());
});

describe("request ids", () => {
  it("are fresh per response, success or error, in every protocol", async () => {
    const seen = new Set<string>();
    for (const wire of WIRES) {
      for (const a of [await send({ wire, ...GOOD[wire] }), await send({ wire, ...GOOD[wire], sign: false })]) {
        expectRequestId(a);
        expect(seen.has(a.requestId!)).toBe(false);
        seen.add(a.requestId!);
      }
    }
    expect(seen.size).toBe(WIRES.length * 2);
  });

  it("reach the SDK's $metadata, also on errors", async () => {
    const cw = cloudWatchClient(stack);
    try {
      const ok = await cw.send(new ListDashboardsCommand({}));
      expect(ok.$metadata.requestId).toMatch(UUID);
      const e = await failure(cw.send(new PutDashboardCommand({ DashboardName: `${RUN}-x`, DashboardBody: "not json" })));
      expect(e.error.$metadata.requestId).toMatch(UUID);
    } finally {
      cw.destroy();
    }
  });
});

// ---------------------------------------------------------------------------
// Real SDK clients: typed errors.

function cwWith(protocol: "json" | "cbor" | "query", creds: Creds, extra: Record<string, unknown> = {}): CloudWatchClient {
  const p = protocol === "cbor" ? AwsSmithyRpcV2CborProtocol : protocol === "query" ? AwsQueryProtocol : undefined;
  return new CloudWatchClient({
    endpoint: stack.endpoint,
    region: "us-east-1",
    maxAttempts: 1,
    credentials: creds,
    ...(p ? { protocol: p as any } : {}),
    ...extra,
  });
}

function logsWith(creds: Creds, extra: Record<string, unknown> = {}): CloudWatchLogsClient {
  return new CloudWatchLogsClient({ endpoint: stack.endpoint, region: "us-east-1", maxAttempts: 1, credentials: creds, ...extra });
}

describe("SDK clients get typed errors", () => {
  const WRONG_SECRET = { accessKeyId: "test", secretAccessKey: "wrong" };
  const UNKNOWN_KEY = { accessKeyId: "AKIDNOSUCHKEY", secretAccessKey: "x" };

  it.each(["json", "cbor", "query"] as const)("CloudWatch over %s", async (protocol) => {
    const wrong = cwWith(protocol, WRONG_SECRET);
    const unknown = cwWith(protocol, UNKNOWN_KEY);
    const skewed = cwWith(protocol, stack.credentials[0], { systemClockOffset: -20 * 60_000 });
    const good = cloudWatchClient(stack, { protocol });
    try {
      expect(await failure(wrong.send(new ListDashboardsCommand({})))).toMatchObject({ code: "SignatureDoesNotMatch", status: 403 });
      expect(await failure(unknown.send(new ListDashboardsCommand({})))).toMatchObject({ code: "InvalidClientTokenId", status: 403 });
      const expired = await failure(skewed.send(new ListDashboardsCommand({})));
      expect(expired).toMatchObject({ code: "SignatureDoesNotMatch", status: 403 });
      expect(expired.message).toMatch(/Signature expired/);
      const missing = await failure(good.send(new PutDashboardCommand({ DashboardName: `${RUN}-sdk` } as any)));
      expect(missing).toMatchObject({ code: "MissingParameter", status: 400 });
      expect(missing.error).toBeInstanceOf(cloudwatchSdk.MissingRequiredParameterException);
      expect(missing.message).toContain("DashboardBody");
      // And the same client still works.
      expect((await good.send(new ListDashboardsCommand({}))).DashboardEntries).toBeInstanceOf(Array);
    } finally {
      for (const c of [wrong, unknown, skewed, good]) c.destroy();
    }
  });

  it("CloudWatch Logs", async () => {
    const wrong = logsWith(WRONG_SECRET);
    const unknown = logsWith(UNKNOWN_KEY);
    const skewed = logsWith(stack.credentials[0], { systemClockOffset: -20 * 60_000 });
    const good = logsClient(stack);
    try {
      // Logs answers auth failures with 400: raw AWS answers in vectordotdev/vector#16629 and maxbanton/cwh#119.
      expect(await failure(wrong.send(new DescribeLogGroupsCommand({})))).toMatchObject({ name: "InvalidSignatureException", status: 400 });
      const unknownKey = await failure(unknown.send(new DescribeLogGroupsCommand({})));
      expect(unknownKey).toMatchObject({ name: "UnrecognizedClientException", status: 400 });
      expect(unknownKey.error).toBeInstanceOf(logsSdk.UnrecognizedClientException);
      const expired = await failure(skewed.send(new DescribeLogGroupsCommand({})));
      expect(expired).toMatchObject({ name: "InvalidSignatureException", status: 400 });
      expect(expired.message).toMatch(/Signature expired/);
      const missing = await failure(good.send(new CreateLogGroupCommand({} as any)));
      expect(missing).toMatchObject({ name: "InvalidParameterException", status: 400 });
      expect(missing.error).toBeInstanceOf(logsSdk.InvalidParameterException);
      expect(missing.message).toMatch(/Member must not be null/);
      expect((await good.send(new DescribeLogGroupsCommand({ limit: 1 }))).logGroups).toBeInstanceOf(Array);
    } finally {
      for (const c of [wrong, unknown, skewed, good]) c.destroy();
    }
  });

  it("Debian's aws CLI (awsQuery) with a wrong secret gets SignatureDoesNotMatch", async () => {
    const out = await awsCli({ ...stack, credentials: [{ ...stack.credentials[0], secretAccessKey: "wrong" }, stack.credentials[1]] }, [
      "cloudwatch",
      "list-dashboards",
    ]);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toMatch(/\(SignatureDoesNotMatch\)/);
  });

  it("keeps serving", () => expectServing());
});
