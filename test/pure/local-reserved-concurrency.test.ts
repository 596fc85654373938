/**
 * The dispatcher's admission by ReservedConcurrentExecutions
 * (local/reserved-concurrency.ts), and how it names a request's function
 * before anything is decoded (local/request-function.ts): from the JSON
 * target, the rpc-v2-cbor path, or the start of an awsQuery form, gzip or not.
 *
 * The answers pinned are AWS's: CloudWatch's common error `Throttling`, 400
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CommonErrors.html;
 * "Rate exceeded" recorded in camitz/aws-cloudwatch-statsd-backend#10), and
 * Logs' `ThrottlingException`, 400, "Rate exceeded" (aws-robotics/cloudwatchlogs-ros1#21,
 * maxbanton/cwh#120).
 */
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ServiceError } from "../../lib/errors.js";
import type { AdmissionRequest } from "../../local/http-server.js";
import { requestFunction } from "../../local/request-function.js";
import { ReservedConcurrency } from "../../local/reserved-concurrency.js";

const json = (target: string, body = "{}"): AdmissionRequest => ({
  method: "POST",
  path: "/",
  query: "",
  headers: { "x-amz-target": target, "content-type": "application/x-amz-json-1.0" },
  body: Buffer.from(body),
});
const form = (text: string, gzip = false): AdmissionRequest => ({
  method: "POST",
  path: "/",
  query: "",
  headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8", ...(gzip ? { "content-encoding": "gzip" } : {}) },
  body: gzip ? gzipSync(text) : Buffer.from(text),
});
const LONG_FORM = `Action=PutMetricData&Version=2010-08-01&Namespace=N&${Array.from({ length: 2000 }, (_, i) => `MetricData.member.${i + 1}.MetricName=m${i}&MetricData.member.${i + 1}.Value=${i}`).join("&")}`;

describe("requestFunction", () => {
  it.each<[string, AdmissionRequest, { service: string; functionId: string } | undefined]>([
    ["a JSON CloudWatch call", json("GraniteServiceVersion20100801.PutMetricData"), { service: "cloudwatch", functionId: "CloudWatchPutMetricData" }],
    ["a JSON Logs call", json("Logs_20140328.PutLogEvents"), { service: "logs", functionId: "LogsPutLogEvents" }],
    [
      "an rpc-v2-cbor call",
      { method: "POST", path: "/service/GraniteServiceVersion20100801/operation/GetMetricData", query: "", headers: { "smithy-protocol": "rpc-v2-cbor" }, body: Buffer.alloc(0) },
      { service: "cloudwatch", functionId: "CloudWatchGetMetricData" },
    ],
    ["an awsQuery form", form(LONG_FORM), { service: "cloudwatch", functionId: "CloudWatchPutMetricData" }],
    ["a gzip awsQuery form (the CloudWatch Agent's)", form(LONG_FORM, true), { service: "cloudwatch", functionId: "CloudWatchPutMetricData" }],
    ["an awsQuery GET", { method: "GET", path: "/", query: "Action=ListMetrics&Version=2010-08-01", headers: {}, body: Buffer.alloc(0) }, { service: "cloudwatch", functionId: "CloudWatchListMetrics" }],
    ["an unknown target", json("Nope_1.PutMetricData"), undefined],
    ["a form whose Action comes after its first kilobyte", form(`Namespace=${"n".repeat(2000)}&Action=PutMetricData`), undefined],
    ["a body that says gzip and is not", { ...form("Action=PutMetricData"), headers: { "content-type": "application/x-www-form-urlencoded", "content-encoding": "gzip" } }, undefined],
  ])("names the function of %s", (_what, request, want) => {
    expect(requestFunction(request.method, request.path, request.query, request.headers, request.body)).toEqual(want);
  });
});

describe("ReservedConcurrency", () => {
  const reserved = () =>
    new ReservedConcurrency([
      { logicalId: "Front" },
      { logicalId: "CloudWatchPutMetricData", reservedConcurrency: 2 },
      { logicalId: "LogsPutLogEvents", reservedConcurrency: 0 },
      { logicalId: "CloudWatchGetMetricData" },
    ]);
  const put = json("GraniteServiceVersion20100801.PutMetricData");

  it("admits a function's calls up to its reserved concurrency, throttles the next with CloudWatch's Throttling, and admits again once one is done", () => {
    const r = reserved();
    const first = r.admit(put);
    const second = r.admit(put);
    expect(typeof first).toBe("function");
    expect(typeof second).toBe("function");
    const third = r.admit(put);
    expect(third).toBeInstanceOf(ServiceError);
    expect([(third as ServiceError).code, (third as ServiceError).message, (third as ServiceError).status]).toEqual(["Throttling", "Rate exceeded", 400]);
    (first as () => void)();
    (first as () => void)(); // a second release gives back nothing more
    expect(r.inFlight("CloudWatchPutMetricData")).toBe(1);
    expect(typeof r.admit(put)).toBe("function");
    expect(r.admit(put)).toBeInstanceOf(ServiceError);
    // Counted for the operator's log once a minute, by the function that was full.
    expect(r.takeThrottled()).toEqual(new Map([["CloudWatchPutMetricData", 2]]));
    expect(r.takeThrottled()).toEqual(new Map());
  });

  it("throttles every call of a function reserved at 0 with its service's error (Logs: ThrottlingException)", () => {
    const e = reserved().admit(json("Logs_20140328.PutLogEvents", '{"logGroupName":"g"}'));
    expect(e).toBeInstanceOf(ServiceError);
    expect([(e as ServiceError).code, (e as ServiceError).message, (e as ServiceError).status]).toEqual(["ThrottlingException", "Rate exceeded", 400]);
  });

  it("never limits a function without a reservation, nor a request it cannot name", () => {
    const r = reserved();
    for (let i = 0; i < 100; i++) expect(typeof r.admit(json("GraniteServiceVersion20100801.GetMetricData"))).toBe("function");
    for (let i = 0; i < 100; i++) expect(typeof r.admit(json("Nope_1.PutMetricData"))).toBe("function");
  });

  it("throttles the writes with their service's error while memory is short, before anything is decoded, and nothing else", () => {
    let short = true;
    const r = new ReservedConcurrency(
      [
        { logicalId: "Front" },
        { logicalId: "CloudWatchPutMetricData", reservedConcurrency: 64 },
        { logicalId: "LogsPutLogEvents", reservedConcurrency: 64 },
        { logicalId: "CloudWatchGetMetricData" },
      ],
      undefined,
      () => short,
    );
    const e = r.admit(put);
    expect(e).toBeInstanceOf(ServiceError);
    expect([(e as ServiceError).code, (e as ServiceError).message, (e as ServiceError).status]).toEqual(["Throttling", "Rate exceeded", 400]);
    // A body that does not even parse: refused for memory all the same, as a full reservation refuses it.
    const logs = r.admit(json("Logs_20140328.PutLogEvents", "{not json"));
    expect([(logs as ServiceError).code, (logs as ServiceError).status]).toEqual(["ThrottlingException", 400]);
    // Reads keep answering: they are how an operator sees what is going on.
    const read = r.admit(json("GraniteServiceVersion20100801.GetMetricData"));
    expect(typeof read).toBe("function");
    (read as () => void)();
    expect(r.inFlight("CloudWatchPutMetricData")).toBe(0);
    expect(r.takeThrottled()).toEqual(new Map([["CloudWatchPutMetricData (memory)", 1], ["LogsPutLogEvents (memory)", 1]]));
    short = false;
    expect(typeof r.admit(put)).toBe("function");
  });

  it("counts the Front's reservation over every request", () => {
    const r = new ReservedConcurrency([{ logicalId: "Front", reservedConcurrency: 1 }]);
    const held = r.admit(json("GraniteServiceVersion20100801.GetMetricData"));
    expect(typeof held).toBe("function");
    expect((r.admit(json("Logs_20140328.DescribeLogGroups")) as ServiceError).code).toBe("ThrottlingException");
    (held as () => void)();
    expect(typeof r.admit(json("Logs_20140328.DescribeLogGroups"))).toBe("function");
  });
});
