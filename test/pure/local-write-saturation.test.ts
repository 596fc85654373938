/**
 * Writes yield to reads when the process is saturated (local/write-saturation.ts):
 * the writes' limit falls by half from what was in flight while the event
 * loop's mean delay passes its bound, never below MIN_WRITES, and climbs back
 * one a period below it. The dispatcher (local/reserved-concurrency.ts)
 * throttles a write past it with AWS's answer and never limits a read.
 * AWS's answers: CloudWatch's common error `Throttling`, HTTP 400
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CommonErrors.html;
 * "Rate exceeded" recorded in camitz/aws-cloudwatch-statsd-backend#10), and
 * Logs' `ThrottlingException`, 400, "Rate exceeded" (recorded in aws-robotics/cloudwatchlogs-ros1#21).
 */
import { describe, expect, it } from "vitest";
import { ServiceError } from "../../lib/errors.js";
import type { AdmissionRequest } from "../../local/http-server.js";
import { ReservedConcurrency } from "../../local/reserved-concurrency.js";
import { MIN_WRITES, SaturationLimit } from "../../local/write-saturation.js";

const json = (target: string): AdmissionRequest => ({
  method: "POST",
  path: "/",
  query: "",
  headers: { "x-amz-target": target, "content-type": "application/x-amz-json-1.0" },
  body: Buffer.from("{}"),
});
const put = json("GraniteServiceVersion20100801.PutMetricData");
const putLogs = json("Logs_20140328.PutLogEvents");
const read = json("GraniteServiceVersion20100801.GetMetricData");

describe("SaturationLimit", () => {
  it("starts at its ceiling, halves from the period's peak in flight when the delay passes the bound, and climbs back one a period", () => {
    const s = new SaturationLimit(50, 64);
    expect(s.limit).toBe(64);
    s.inFlight(40);
    s.period(120, 40);
    expect(s.limit).toBe(20);
    s.period(80, 20);
    expect(s.limit).toBe(10);
    s.period(10, 10);
    expect(s.limit).toBe(11);
    for (let i = 0; i < 100; i++) s.period(10, 0);
    expect(s.limit).toBe(64);
  });

  it("never falls below MIN_WRITES, so a few writers at a normal rate are never refused for a pause of the loop", () => {
    const s = new SaturationLimit(50, 64);
    for (let i = 0; i < 20; i++) s.period(1000, 1);
    expect(s.limit).toBe(MIN_WRITES);
  });

  it("holds at its ceiling while the delay stays within the bound", () => {
    const s = new SaturationLimit(50, 64);
    for (let i = 0; i < 10; i++) (s.inFlight(64), s.period(50, 64));
    expect(s.limit).toBe(64);
  });
});

describe("ReservedConcurrency under saturation", () => {
  const functions = [
    { logicalId: "Front" },
    { logicalId: "CloudWatchPutMetricData", reservedConcurrency: 64 },
    { logicalId: "LogsPutLogEvents", reservedConcurrency: 64 },
    { logicalId: "CloudWatchGetMetricData" },
  ];

  it("throttles writes of both services past the limit with their own answers, counts them as saturated, and admits every read", () => {
    const s = new SaturationLimit(50, 64);
    const r = new ReservedConcurrency(functions, s);
    const reading = r.admit(read) as () => void; // a read waits
    const held = [r.admit(put), r.admit(putLogs)];
    s.period(500, r.writesInFlight());
    expect(s.limit).toBe(MIN_WRITES);
    held.push(r.admit(put), r.admit(putLogs));
    for (const h of held) expect(typeof h).toBe("function");
    expect(r.writesInFlight()).toBe(4);
    const cw = r.admit(put) as ServiceError;
    const logs = r.admit(putLogs) as ServiceError;
    expect([cw.code, cw.message, cw.status]).toEqual(["Throttling", "Rate exceeded", 400]);
    expect([logs.code, logs.message, logs.status]).toEqual(["ThrottlingException", "Rate exceeded", 400]);
    const reads = Array.from({ length: 100 }, () => r.admit(read));
    for (const done of reads) expect(typeof done).toBe("function");
    expect(r.takeThrottled()).toEqual(new Map([["CloudWatchPutMetricData (saturated)", 1], ["LogsPutLogEvents (saturated)", 1]]));
    (held[0] as () => void)();
    expect(typeof r.admit(put)).toBe("function");
    // The reads answered: writes may take the whole process again (up to their reservation).
    reading();
    for (const done of reads) (done as () => void)();
    expect(typeof r.admit(put)).toBe("function");
  });

  it("lets writes use a saturated process while no read is in flight: only their reserved concurrency bounds them", () => {
    const s = new SaturationLimit(50, 64);
    const r = new ReservedConcurrency(functions, s);
    s.period(500, 0);
    expect(s.limit).toBe(MIN_WRITES);
    for (let i = 0; i < 64; i++) expect(typeof r.admit(put)).toBe("function");
    expect((r.admit(put) as ServiceError).code).toBe("Throttling");
    expect(r.takeThrottled()).toEqual(new Map([["CloudWatchPutMetricData", 1]]));
    // A read arrives: while it is in flight the writes yield.
    const reading = r.admit(read) as () => void;
    expect((r.admit(putLogs) as ServiceError).code).toBe("ThrottlingException");
    expect(r.takeThrottled()).toEqual(new Map([["LogsPutLogEvents (saturated)", 1]]));
    reading();
    expect(typeof r.admit(putLogs)).toBe("function");
  });
});
