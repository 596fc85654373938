/**
 * The ingest messages this process published, kept for its own reads of the
 * tail (lib/metrics/write/published-ingest.ts, read by read/tail-cache.ts
 * readTail): a read takes them from memory, not back from nats-server one
 * message get after another, and still reads from the stream every message
 * it did not publish (another process's, or one from before nats-server
 * restarted), in stream order. No aggregator runs here, so the appends stay
 * in the tail.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServers, type TestServers } from "../support/servers.js";

let servers: TestServers;
let lib: typeof import("../../lib/metrics/write/ingest-log.js") &
  typeof import("../../lib/metrics/write/published-ingest.js") &
  typeof import("../../lib/metrics/read/tail-cache.js") &
  typeof import("../../lib/metrics/store/identity.js") &
  typeof import("../../lib/storage/nats.js");

beforeAll(async () => {
  servers = await startTestServers("metrics-published-ingest", { s3: false, monitor: true });
  lib = {
    ...(await import("../../lib/metrics/write/ingest-log.js")),
    ...(await import("../../lib/metrics/write/published-ingest.js")),
    ...(await import("../../lib/metrics/read/tail-cache.js")),
    ...(await import("../../lib/metrics/store/identity.js")),
    ...(await import("../../lib/storage/nats.js")),
  };
}, 60_000);
afterAll(() => servers?.stop());

const metric = { namespace: "Published/Ingest", metricName: "M", dimensions: [{ name: "Host", value: "a" }] };
/** A PutMetricData of `datums` datapoints of the metric, valued from `v` on. */
const message = (account: string, v: number, datums = 1) => ({
  account,
  namespace: metric.namespace,
  data: Array.from({ length: datums }, (_, k) => ({ m: "M", d: [["Host", "a"]] as [string, string][], t: Date.now(), u: "None", v: v + k })),
});
const tail = async (account: string) => (await new lib.TailCache(account).forMetric(metric, lib.seriesId(metric))).map((x) => x.d.v);
const outBytes = async () => ((await (await fetch(`${servers.nats.monitorUrl}/varz`)).json()) as { out_bytes: number }).out_bytes;

/** Another process's PutMetricData: the same message on the same subject, published without this process noting it. */
async function publishElsewhere(account: string, v: number, datums = 1): Promise<void> {
  const parts = lib.ingestParts(message(account, v, datums));
  const { js } = await lib.getNats();
  await Promise.all(parts.map((bytes, p) => bytes && js.publish(lib.ingestSubject(account, p), bytes)));
}

it("reads this process's tail from memory: nats-server sends back none of its bytes", async () => {
  const account = "111111111111";
  for (let k = 0; k < 40; k++) await lib.publishIngest(message(account, k * 100, 100));
  const published = 40 * (lib.ingestParts(message(account, 0, 100)).find(Boolean)?.length ?? 0);
  expect(lib.publishedIngestBytes()).toBeGreaterThanOrEqual(published);
  const before = await outBytes();
  const got = await tail(account);
  // Read back, they alone would be all of it; what is sent is the checkpoint and the subject's last message.
  expect((await outBytes()) - before).toBeLessThan(published / 4);
  expect(got).toEqual(Array.from({ length: 4000 }, (_, v) => v));
});

it("reads from the stream, in order, a message another process published between this process's own", async () => {
  const account = "222222222222";
  await lib.publishIngest(message(account, 0, 10));
  await publishElsewhere(account, 10, 10);
  await lib.publishIngest(message(account, 20, 10));
  await publishElsewhere(account, 30, 10);
  expect(await tail(account)).toEqual(Array.from({ length: 40 }, (_, v) => v));
});

it("reads from the stream what it published before nats-server restarted (its sequences are not known to be these)", async () => {
  const account = "333333333333";
  await lib.publishIngest(message(account, 0, 10));
  await servers.stopNats();
  await servers.startNats();
  // Once the connection is back (nats.js reconnects by itself).
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await lib.publishIngest(message(account, 10, 10), "after-restart"); // a retry of a stored attempt is not stored twice
      break;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  expect(await tail(account)).toEqual(Array.from({ length: 20 }, (_, v) => v));
}, 90_000);
