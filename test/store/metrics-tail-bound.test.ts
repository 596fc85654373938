/**
 * A read folds the messages of a partition past the aggregator's checkpoint,
 * oldest first, until they reach TAIL_BYTES
 * (lib/metrics/read/tail-cache.ts): its cost is bounded whatever the lag, and
 * what it leaves out is readable once aggregated. No aggregator runs here, so
 * the appends stay in the tail.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServers, type TestServers } from "../support/servers.js";
import { ingestParts, publishIngest } from "../../lib/metrics/write/ingest-log.js";
import { TAIL_BYTES, TailCache } from "../../lib/metrics/read/tail-cache.js";
import { seriesId } from "../../lib/metrics/store/identity.js";

let servers: TestServers;
beforeAll(async () => (servers = await startTestServers("tail-bound", { s3: false })), 60_000);
afterAll(() => servers?.stop());

const metric = { namespace: "Tail/Bound", metricName: "M", dimensions: [{ name: "Host", value: "a" }] };
/** One timestamp for every datapoint: messages of as many datums are then the same size, whenever they were built. */
const T = Date.now();
/** One message of `datums` datapoints of the metric, each valued v. */
const message = (account: string, v: number, datums = 1) => ({
  account,
  namespace: metric.namespace,
  data: Array.from({ length: datums }, () => ({ m: "M", d: [["Host", "a"]] as [string, string][], t: T, u: "None", v })),
});
const append = (account: string, v: number, datums = 1) => publishIngest(message(account, v, datums));

/** Appends `count` messages, 20 at a time (in any order within their 20), valued 0..count-1. */
async function appendMany(account: string, count: number, datums = 1): Promise<void> {
  for (let v = 0; v < count; v += 20) await Promise.all(Array.from({ length: Math.min(20, count - v) }, (_, k) => append(account, v + k, datums)));
}

describe("the tail a read folds", () => {
  it("is the whole tail while it is shorter than TAIL_BYTES", async () => {
    const account = "111111111111";
    for (let v = 0; v < 20; v++) await append(account, v);
    const got = await new TailCache(account).forMetric(metric, seriesId(metric));
    expect(got.map((x) => x.d.v)).toEqual(Array.from({ length: 20 }, (_, v) => v));
  });

  it("is whole however many messages it has, when they are small (a read right after many small PutMetricData calls sees them all)", { timeout: 120_000 }, async () => {
    const account = "333333333333";
    await appendMany(account, 600);
    const got = await new TailCache(account).forMetric(metric, seriesId(metric));
    expect(got).toHaveLength(600);
    expect(new Set(got.map((x) => x.d.v)).size).toBe(600);
  });

  it("is the oldest messages of a longer tail, in order, up to the first that reaches TAIL_BYTES", { timeout: 120_000 }, async () => {
    const account = "222222222222";
    const per = 4096;
    const size = ingestParts(message(account, 0, per)).find(Boolean)!.length;
    const whole = Math.ceil(TAIL_BYTES / size); // the message that reaches the bound is the last folded
    await appendMany(account, whole + 40, per);
    const got = await new TailCache(account).forMetric(metric, seriesId(metric));
    const seqs = got.map((x) => x.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(got).toHaveLength(whole * per);
    // Appends 20 at a time may land in any order within their 20: the first whole - 20 messages are surely the oldest.
    const values = new Set(got.map((x) => x.d.v));
    for (let v = 0; v < whole - 20; v++) expect(values.has(v)).toBe(true);
  });
});
