/**
 * The running service under overload and as an operator watches it: with
 * aggregation behind by more than `max_ingest_lag`, PutMetricData answers
 * AWS's Throttling in every protocol (which SDKs and the CloudWatch Agent
 * retry with backoff), and `GET /_hive/memory` reports every isolate's heap
 * within the limits template.yaml's MemorySize sets.
 */
import { PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { retrying } from "../support/retrying.js";
import { awsCli, cloudWatchClient, startStack, templateWithoutAggregator, type Stack } from "../support/stack.js";

let stack: Stack;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  // No aggregator: the unaggregated span grows with the clock, past 1 s within seconds.
  stack = await startStack({ env: { HIVE_CLOUDWATCH_TEMPLATE: templateWithoutAggregator(), HIVE_CLOUDWATCH_MAX_INGEST_LAG: "1s" } });
}, 120_000);
afterAll(() => stack?.stop());

const datum = () => ({ Namespace: "Capacity/Test", MetricData: [{ MetricName: "M", Value: 1 }] });

describe("overload", () => {
  beforeAll(async () => {
    const cw = cloudWatchClient(stack);
    await cw.send(new PutMetricDataCommand(datum()));
    await sleep(1500);
    await cw.send(new PutMetricDataCommand(datum())).catch(() => undefined);
    await sleep(1100);
  }, 60_000);

  // Throttling, HTTP 400, "Rate exceeded": AWS's common error
  // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CommonErrors.html).
  it.each(["json", "cbor", "query"] as const)("answers PutMetricData with Throttling over %s", async (protocol) => {
    const err: any = await cloudWatchClient(stack, { protocol }).send(new PutMetricDataCommand(datum())).catch((e) => e);
    expect(err.$metadata?.httpStatusCode).toBe(400);
    expect(err.name === "Throttling" || err.Code === "Throttling" || err.Error?.Code === "Throttling").toBe(true);
    expect(err.message).toBe("Rate exceeded");
  });

  it("answers Debian's aws CLI (awsQuery) with Throttling", async () => {
    const r = await awsCli(stack, ["cloudwatch", "put-metric-data", "--namespace", "Capacity/Test", "--metric-name", "M", "--value", "1"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Throttling/);
    expect(r.stderr).toMatch(/Rate exceeded/);
  });
});

describe("memory report", () => {
  it("reports the process's RSS against its budget and each isolate's heap within its MemorySize", async () => {
    const res = await fetch(`${stack.endpoint}/_hive/memory`);
    expect(res.status).toBe(200);
    const report = await res.json();
    expect(report.budgetMb).toBe(1024);
    expect(report.rssMb).toBeGreaterThan(0);
    const main = report.isolates.find((i: any) => i.name === "main");
    expect(main.heapUsedMb).toBeGreaterThan(0);
    // --max-old-space-size=512 (template.yaml Globals MemorySize) plus the young generation.
    expect(main.heapLimitMb).toBeGreaterThanOrEqual(512);
    expect(main.heapLimitMb).toBeLessThan(700);
  });

  it("includes the stream worker's own heap, bounded by the stream function's MemorySize", async () => {
    const s = await startStack();
    try {
      // The worker answers for its own heap within a second, or the report leaves it out (busy or still starting).
      const streams = await retrying(
        async () => {
          const report = await (await fetch(`${s.endpoint}/_hive/memory`)).json();
          const found = report.isolates.find((i: any) => i.name === "streams");
          expect(found).toBeDefined();
          return found;
        },
        { timeoutMs: 60_000, pauseMs: 500 },
      );
      expect(streams.heapLimitMb).toBeGreaterThanOrEqual(384);
      // The limit V8 reports adds the young generation (maxYoungGenerationSizeMb 48) to the old one. The main
      // thread's --max-old-space-size=512 would give it 560 or more.
      expect(streams.heapLimitMb).toBeLessThan(512);
    } finally {
      await s.stop();
    }
  }, 120_000);
});
