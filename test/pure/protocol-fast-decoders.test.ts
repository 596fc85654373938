/**
 * The protocol layer's fast decoders (lib/protocol/fast-decoders.ts): asked
 * for a request's operation and protocol, each reads the bodies of its hot
 * path, and every other request or body is left to the general decoder.
 * The readers themselves are held equal to the general path in
 * put-metric-data-json.test.ts and put-log-events-json.test.ts.
 */
import { DatumColumns } from "../../lib/metrics/encoding/datum-columns.js";
import { describe, expect, it } from "vitest";
import { CLOUDWATCH, LOGS, decodeFast, type Identified } from "../../lib/protocol/index.js";

process.env.HIVE_CLOUDWATCH_LOCAL = "true"; // the configuration's defaults (max_metrics_per_request)

const op = CLOUDWATCH.operations.get("PutMetricData")!;

describe("the fast decoders", () => {
  const body = Buffer.from('{"Namespace":"A","MetricData":[{"MetricName":"cpu","Value":1}]}');
  const id = (protocol: Identified["protocol"], service = CLOUDWATCH): Identified => ({ service, protocol, operation: "PutMetricData" });

  it("read an awsJson PutMetricData body with PutMetricData's reader: its Namespace as the input, its datums prepared", () => {
    const fast = decodeFast(id("json"), op, body);
    expect(fast?.input).toStrictEqual({ Namespace: "A" });
    expect(fast?.prepared).toBeInstanceOf(DatumColumns);
    expect((fast!.prepared as DatumColumns).datums()).toMatchObject([{ m: "cpu", v: 1 }]);
  });

  it.each([
    ["a CBOR request", id("cbor"), op],
    ["an awsQuery request", id("query"), op],
    ["another operation", id("json"), CLOUDWATCH.operations.get("PutDashboard")!],
    ["another service's operation", id("json", LOGS), LOGS.operations.get("CreateLogGroup")!],
  ])("leave %s to the general decoder", (_what, identified, model) => {
    expect(decodeFast(identified, model, body)).toBeUndefined();
  });

  it("read an awsJson PutLogEvents body with PutLogEvents' reader: its other members as the input, its events as columns", () => {
    const logs = Buffer.from('{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":1,"message":"hi"}]}');
    const fast = decodeFast({ service: LOGS, protocol: "json", operation: "PutLogEvents" }, LOGS.operations.get("PutLogEvents")!, logs);
    expect(fast?.input).toStrictEqual({ logGroupName: "g", logStreamName: "s" });
    expect(fast?.prepared).toMatchObject({ count: 1 });
  });

  it("leave a body the reader declines to the general decoder", () => {
    expect(decodeFast(id("json"), op, Buffer.from('{"Namespace":"A","EntityMetricData":[]}'))).toBeUndefined();
  });
});
