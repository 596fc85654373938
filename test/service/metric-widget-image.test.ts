/**
 * GetMetricWidgetImage end to end: metrics put with PutMetricData, drawn by
 * the running service and read back as PNG by the AWS SDK for JavaScript in
 * CloudWatch's three protocols, by the aws CLI (awsQuery, base64 on stdout)
 * and by a bare signed HTTP request asking for image/png.
 *
 * AWS's behaviour: API reference GetMetricWidgetImage (OutputFormat png, the
 * default, returns the image in MetricWidgetImage; image/png answers the PNG
 * as the HTTP body with content-type image/png) and "GetMetricWidgetImage:
 * Metric Widget Structure and Syntax" (600×400 default, 1-2000 pixels).
 */
import { inflateSync } from "node:zlib";
import { CloudWatchClient, GetMetricDataCommand, GetMetricWidgetImageCommand, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { HttpRequest } from "@smithy/core/protocols";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsCli, cloudWatchClient, startStack, type Protocol, type Stack } from "../support/stack.js";
import { awsFailure } from "../support/failure.js";
import { Sha256 } from "../support/sha256.js";

let stack: Stack;
const RUN = `t${Date.now().toString(36)}`;
const NS = `Widget/${RUN}`;
/** CloudWatch's first default series colour, #1f77b4. */
const BLUE = [0x1f, 0x77, 0xb4];
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const widget = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ metrics: [[NS, "Latency", "Host", "a"]], start: "-PT1H", period: 60, width: 320, height: 200, ...extra });

/** Width, height and the count of pixels of one colour in an RGB PNG (rows filtered None). */
function readPng(png: Uint8Array, colour = BLUE): { width: number; height: number; count: number } {
  const buf = Buffer.from(png);
  expect(buf.subarray(0, 8)).toEqual(PNG_SIGNATURE);
  const width = buf.readUInt32BE(16);
  const height = buf.readUInt32BE(20);
  const idat: Buffer[] = [];
  for (let at = 8; at < buf.length; ) {
    const len = buf.readUInt32BE(at);
    if (buf.toString("latin1", at + 4, at + 8) === "IDAT") idat.push(buf.subarray(at + 8, at + 8 + len));
    at += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  let count = 0;
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width * 3 + 1)]).toBe(0);
    for (let x = 0; x < width; x++) {
      const i = y * (width * 3 + 1) + 1 + x * 3;
      if (raw[i] === colour[0] && raw[i + 1] === colour[1] && raw[i + 2] === colour[2]) count++;
    }
  }
  return { width, height, count };
}

beforeAll(async () => {
  stack = await startStack();
  const cw = cloudWatchClient(stack);
  const now = Date.now();
  await cw.send(
    new PutMetricDataCommand({
      Namespace: NS,
      MetricData: Array.from({ length: 20 }, (_, i) => ({
        MetricName: "Latency",
        Dimensions: [{ Name: "Host", Value: "a" }],
        Timestamp: new Date(now - (i + 1) * 120_000),
        Value: 10 + (i % 5) * 7,
      })),
    }),
  );
  // Poll until the service reads the points back, however loaded the machine is.
  const deadline = Date.now() + 90_000;
  for (;;) {
    const out = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(now - 3600_000),
        EndTime: new Date(now + 60_000),
        MetricDataQueries: [{ Id: "m", MetricStat: { Metric: { Namespace: NS, MetricName: "Latency", Dimensions: [{ Name: "Host", Value: "a" }] }, Period: 60, Stat: "Average" } }],
      }),
    );
    if ((out.MetricDataResults?.[0]?.Values?.length ?? 0) >= 20) break;
    if (Date.now() > deadline) throw new Error("the datapoints never became readable");
    await new Promise((r) => setTimeout(r, 500));
  }
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe.each<Protocol>(["json", "cbor", "query"])("GetMetricWidgetImage over %s", (protocol) => {
  let cw: CloudWatchClient;
  let other: CloudWatchClient;
  beforeAll(() => {
    cw = cloudWatchClient(stack, { protocol, account: 0 });
    other = cloudWatchClient(stack, { protocol, account: 1 });
  });

  it("answers a PNG of the size asked for with the metric's line drawn", async () => {
    const out = await cw.send(new GetMetricWidgetImageCommand({ MetricWidget: widget({ title: "Latency" }) }));
    const png = readPng(out.MetricWidgetImage!);
    expect([png.width, png.height]).toEqual([320, 200]);
    expect(png.count).toBeGreaterThan(50);
  });

  it("draws 600×400 when the widget gives no size, for OutputFormat png as for none", async () => {
    const out = await cw.send(new GetMetricWidgetImageCommand({ MetricWidget: JSON.stringify({ metrics: [[NS, "Latency", "Host", "a"]] }), OutputFormat: "png" }));
    const png = readPng(out.MetricWidgetImage!);
    expect([png.width, png.height]).toEqual([600, 400]);
  });

  it("draws another account's image without this account's data", async () => {
    // No legend: its colour swatch is drawn with or without data.
    const hidden = widget({ legend: { position: "hidden" } });
    const mine = readPng((await cw.send(new GetMetricWidgetImageCommand({ MetricWidget: hidden }))).MetricWidgetImage!);
    const theirs = readPng((await other.send(new GetMetricWidgetImageCommand({ MetricWidget: hidden }))).MetricWidgetImage!);
    expect([theirs.width, theirs.height]).toEqual([320, 200]);
    expect(mine.count).toBeGreaterThan(50);
    expect(theirs.count).toBe(0);
  });

  // No recorded AWS answer for a bad widget was found: the code is PutDashboard's for an invalid body
  // (InvalidParameterInput, API reference PutDashboard errors) and the wording ours, in PutDashboard's form.
  it("answers InvalidParameterInput for a MetricWidget that is not JSON", async () => {
    const f = await awsFailure(cw.send(new GetMetricWidgetImageCommand({ MetricWidget: "{metrics" })));
    expect([f.code, f.status, f.message]).toEqual(["InvalidParameterInput", 400, "The field MetricWidget must be a valid JSON object"]);
  });

  it("answers InvalidParameterInput naming each invalid member", async () => {
    const f = await awsFailure(cw.send(new GetMetricWidgetImageCommand({ MetricWidget: widget({ width: 2001, metrics: [] }) })));
    expect([f.code, f.status]).toEqual(["InvalidParameterInput", 400]);
    const list = JSON.parse(f.message.slice(f.message.indexOf("[")));
    expect(f.message).toMatch(/^The MetricWidget is invalid, there are 2 validation errors:\n/);
    expect(list).toEqual([
      { dataPath: "/width", message: "Should be <= 2000" },
      { dataPath: "/metrics", message: "Should NOT have less than 1 items" },
    ]);
  });

  // API reference GetMetricWidgetImage, OutputFormat: "Only PNG images are supported" (png, or image/png for custom HTTP requests).
  it("answers InvalidParameterValue for an output format other than PNG", async () => {
    const f = await awsFailure(cw.send(new GetMetricWidgetImageCommand({ MetricWidget: widget(), OutputFormat: "jpeg" })));
    expect([f.code, f.status]).toEqual(["InvalidParameterValue", 400]);
    expect(f.message).toContain("OutputFormat");
  });
});

describe("the aws CLI (awsQuery)", () => {
  it("prints the image as base64", async () => {
    const r = await awsCli(stack, ["cloudwatch", "get-metric-widget-image", "--metric-widget", widget(), "--output-format", "png"]);
    expect(r.code).toBe(0);
    const png = readPng(Buffer.from(r.json.MetricWidgetImage, "base64"));
    expect([png.width, png.height]).toEqual([320, 200]);
    expect(png.count).toBeGreaterThan(50);
  });

  it("reports InvalidParameterInput for a bad widget", async () => {
    const r = await awsCli(stack, ["cloudwatch", "get-metric-widget-image", "--metric-widget", "[]"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/An error occurred \(InvalidParameterInput\) when calling the GetMetricWidgetImage operation.*: The field MetricWidget must be a valid JSON object/);
  });
});

describe("OutputFormat image/png over a bare HTTP request", () => {
  it("answers the PNG itself as the body, with content-type image/png", async () => {
    const url = new URL(stack.endpoint);
    const body = new URLSearchParams({ Action: "GetMetricWidgetImage", Version: "2010-08-01", MetricWidget: widget(), OutputFormat: "image/png" }).toString();
    const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded; charset=utf-8" };
    const signer = new SignatureV4({ credentials: stack.credentials[0], region: "us-east-1", service: "monitoring", sha256: Sha256 });
    const signed = await signer.sign(
      new HttpRequest({ method: "POST", protocol: "http:", hostname: url.hostname, port: Number(url.port), path: "/", headers: { ...headers, host: url.host }, body }),
    );
    Object.assign(headers, signed.headers);
    delete headers.host;
    const res = await fetch(new URL("/", url), { method: "POST", headers, body });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    const png = readPng(new Uint8Array(await res.arrayBuffer()));
    expect([png.width, png.height]).toEqual([320, 200]);
    expect(png.count).toBeGreaterThan(50);
  });
});
