/**
 * A read folds at most TAIL_MESSAGES messages of a partition past the
 * aggregator's checkpoint, oldest first (lib/metrics/read/tail-cache.ts): its
 * cost is bounded whatever the lag, and what it leaves out is readable once
 * aggregated. No aggregator runs here, so the appends stay in the tail.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServers, type TestServers } from "../support/servers.js";
import { publishIngest } from "../../lib/metrics/write/ingest-log.js";
import { TAIL_MESSAGES, TailCache } from "../../lib/metrics/read/tail-cache.js";
import { seriesId } from "../../lib/metrics/store/identity.js";

let servers: TestServers;
beforeAll(async () => (servers = await startTestServers("tail-bound", { s3: false })), 60_000);
afterAll(() => servers?.stop());

const metric = { namespace: "Tail/Bound", metricName: "M", dimensions: [{ name: "Host", value: "a" }] };
const append = (account: string, v: number) =>
  publishIngest({ account, namespace: metric.namespace, data: [{ m: "M", d: [["Host", "a"]], t: Date.now(), u: "None", v }] });

describe("the tail a read folds", () => {
  it("is the whole tail up to TAIL_MESSAGES messages", async () => {
    const account = "111111111111";
    for (let v = 0; v < 20; v++) await append(account, v);
    const got = await new TailCache(account).forMetric(metric, seriesId(metric));
    expect(got.map((x) => x.d.v)).toEqual(Array.from({ length: 20 }, (_, v) => v));
  });

  it("is the oldest TAIL_MESSAGES messages of a longer tail, in order", { timeout: 120_000 }, async () => {
    const account = "222222222222";
    const total = TAIL_MESSAGES + 40;
    for (let v = 0; v < total; v += 20) await Promise.all(Array.from({ length: 20 }, (_, k) => append(account, v + k)));
    const got = await new TailCache(account).forMetric(metric, seriesId(metric));
    const seqs = got.map((x) => x.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(got).toHaveLength(TAIL_MESSAGES);
    // Appends 20 at a time may land in any order within their 20: the first TAIL_MESSAGES - 20 are surely the oldest.
    const values = new Set(got.map((x) => x.d.v));
    for (let v = 0; v < TAIL_MESSAGES - 20; v++) expect(values.has(v)).toBe(true);
  });
});
