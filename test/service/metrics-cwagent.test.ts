/**
 * The CloudWatch Agent's PutMetricData as it goes on the wire: the Go SDK's
 * awsQuery form (lists as `.member.N`, maps as `.entry.N.key/value`), gzip
 * body (Content-Encoding: gzip, signed after compression), EntityMetricData
 * with an Entity's KeyAttributes/Attributes and StrictEntityValidation=false,
 * as the agent's cloudwatch output builds it (amazon-cloudwatch-agent
 * plugins/outputs/cloudwatch: TestWriteToCloudWatchEntity's expected input),
 * and its distributions as Values/Counts. What it stores is read back with the SDK.
 */
import { gzipSync } from "node:zlib";
import { GetMetricStatisticsCommand } from "@aws-sdk/client-cloudwatch";
import { HttpRequest } from "@smithy/core/protocols";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sha256 } from "../support/sha256.js";
import { cloudWatchClient, startStack, type Stack } from "../support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 120_000);
afterAll(async () => stack?.stop());

/** aws-sdk-go's query serializer: sorted keys, RFC 3986 escapes, ISO 8601 timestamps. */
function form(params: Record<string, string>): string {
  const esc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return Object.keys(params).sort().map((k) => `${esc(k)}=${esc(params[k]!)}`).join("&");
}

async function agentRequest(params: Record<string, string>): Promise<{ status: number; body: string }> {
  const url = new URL(stack.endpoint);
  const body = gzipSync(Buffer.from(form(params)));
  const headers: Record<string, string> = {
    "content-type": "application/x-www-form-urlencoded; charset=utf-8",
    "content-encoding": "gzip",
    "user-agent": "CWAgent/1.300050.0 (go1.22.7; linux; amd64) inputs:(cpu disk mem) aws-sdk-go/1.48.6",
  };
  const signer = new SignatureV4({ credentials: { accessKeyId: "test", secretAccessKey: "test" }, region: "us-east-1", service: "monitoring", sha256: Sha256 });
  const signed = await signer.sign(new HttpRequest({ method: "POST", protocol: "http:", hostname: url.hostname, port: Number(url.port), path: "/", headers: { ...headers, host: url.host }, body }));
  const sent = { ...headers, ...signed.headers } as Record<string, string>;
  delete sent.host;
  const res = await fetch(stack.endpoint + "/", { method: "POST", headers: sent, body: new Uint8Array(body) });
  return { status: res.status, body: await res.text() };
}

describe("the CloudWatch Agent's PutMetricData", () => {
  it("is accepted with EntityMetricData, StrictEntityValidation=false and Values/Counts, and every datum is stored", async () => {
    const at = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 120_000).toISOString().replace(/\.000Z$/, "Z");
    const e = "EntityMetricData.member.1.";
    const r = await agentRequest({
      Action: "PutMetricData",
      Version: "2010-08-01",
      Namespace: "CWAgent",
      StrictEntityValidation: "false",
      [`${e}Entity.KeyAttributes.entry.1.key`]: "Environment",
      [`${e}Entity.KeyAttributes.entry.1.value`]: "ec2:default",
      [`${e}Entity.KeyAttributes.entry.2.key`]: "Name",
      [`${e}Entity.KeyAttributes.entry.2.value`]: "web",
      [`${e}Entity.KeyAttributes.entry.3.key`]: "Type",
      [`${e}Entity.KeyAttributes.entry.3.value`]: "Service",
      [`${e}Entity.Attributes.entry.1.key`]: "EC2.InstanceId",
      [`${e}Entity.Attributes.entry.1.value`]: "i-0123456789abcdef0",
      [`${e}MetricData.member.1.MetricName`]: "mem_used_percent",
      [`${e}MetricData.member.1.Dimensions.member.1.Name`]: "InstanceId",
      [`${e}MetricData.member.1.Dimensions.member.1.Value`]: "i-0123456789abcdef0",
      [`${e}MetricData.member.1.Timestamp`]: at,
      [`${e}MetricData.member.1.Unit`]: "Percent",
      [`${e}MetricData.member.1.StorageResolution`]: "60",
      [`${e}MetricData.member.1.Values.member.1`]: "41.5",
      [`${e}MetricData.member.1.Values.member.2`]: "43.5",
      [`${e}MetricData.member.1.Counts.member.1`]: "3",
      [`${e}MetricData.member.1.Counts.member.2`]: "1",
      "MetricData.member.1.MetricName": "disk_used_percent",
      "MetricData.member.1.Dimensions.member.1.Name": "InstanceId",
      "MetricData.member.1.Dimensions.member.1.Value": "i-0123456789abcdef0",
      "MetricData.member.1.Dimensions.member.2.Name": "path",
      "MetricData.member.1.Dimensions.member.2.Value": "/",
      "MetricData.member.1.Timestamp": at,
      "MetricData.member.1.Unit": "Percent",
      "MetricData.member.1.Value": "23.25",
    });
    expect(r.status, r.body).toBe(200);
    expect(r.body).toMatch(/<PutMetricDataResponse xmlns="http:\/\/monitoring.amazonaws.com\/doc\/2010-08-01\/">/);
    const cw = cloudWatchClient(stack);
    const get = (name: string, dims: Record<string, string>) =>
      cw.send(new GetMetricStatisticsCommand({
        Namespace: "CWAgent", MetricName: name, Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })),
        StartTime: new Date(Date.parse(at) - 60_000), EndTime: new Date(Date.parse(at) + 60_000), Period: 60, Statistics: ["SampleCount", "Average"],
      }));
    const mem = await get("mem_used_percent", { InstanceId: "i-0123456789abcdef0" });
    expect(mem.Datapoints?.map((d) => [d.SampleCount, d.Average])).toEqual([[4, 42]]); // 41.5×3 + 43.5×1 over 4
    const disk = await get("disk_used_percent", { InstanceId: "i-0123456789abcdef0", path: "/" });
    expect(disk.Datapoints?.map((d) => d.Average)).toEqual([23.25]);
  });
});
