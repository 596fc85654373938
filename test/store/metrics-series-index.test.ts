/**
 * The series index's process-local memo (lib/metrics/store/series-index.ts)
 * stays bounded under churn: series that stopped being written leave it once
 * their entry could no longer save a write. Over a real nats-server.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServers, type TestServers } from "../support/servers.js";
import { seriesMemoSize, touchSeries, type SeriesTouch } from "../../lib/metrics/store/series-index.js";

let servers: TestServers;
beforeAll(async () => (servers = await startTestServers("series-index", { s3: false })));
afterAll(() => servers?.stop());

const touch = (pod: string, t: number): SeriesTouch => ({
  account: "000000000000",
  id: `pod-${pod}`,
  identity: { namespace: "Churn", metricName: "cpu", dimensions: [["Pod", pod]] },
  units: new Set(["None"]),
  lastTimestamp: t,
  firstTimestamp: t,
});

describe("series index memo", () => {
  it("forgets churned series within minutes instead of growing for as long as pods come and go", async () => {
    const t0 = Date.now();
    const before = seriesMemoSize();
    await touchSeries(Array.from({ length: 300 }, (_, i) => touch(`a${i}`, t0)), t0);
    expect(seriesMemoSize()).toBe(before + 300);
    // Ten minutes on, new pods: the first generation has left the memo.
    const t1 = t0 + 10 * 60_000;
    await touchSeries(Array.from({ length: 100 }, (_, i) => touch(`b${i}`, t1)), t1);
    expect(seriesMemoSize()).toBe(100);
  });
});
