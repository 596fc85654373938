/**
 * PutLogEvents under overload: once the buffer holds more than
 * `[cloudwatch.logs] max_buffered_bytes` (the compactor lags), the answer is
 * AWS's ThrottlingException "Rate exceeded" (a throttled AWS account gets
 * {"__type":"ThrottlingException","message":"Rate exceeded"}, as recorded in
 * maxbanton/cwh#120 and aws-robotics/cloudwatchlogs-ros1#21); once the
 * compactor has caught up and purged, writes are accepted again.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServers, type TestServers } from "../support/servers.js";

let servers: TestServers;
let lib: typeof import("../../lib/logs/events/put-log-events.js") &
  typeof import("../../lib/logs/events/compactor.js") &
  typeof import("../../lib/logs/events/buffer-purge.js") &
  typeof import("../../lib/logs/groups.js") &
  typeof import("../../lib/logs/streams.js");

beforeAll(async () => {
  servers = await startTestServers("logs-backpressure");
  process.env.HIVE_CLOUDWATCH_LOGS_MAX_BUFFERED_BYTES = "200000";
  lib = {
    ...(await import("../../lib/logs/events/put-log-events.js")),
    ...(await import("../../lib/logs/events/compactor.js")),
    ...(await import("../../lib/logs/events/buffer-purge.js")),
    ...(await import("../../lib/logs/groups.js")),
    ...(await import("../../lib/logs/streams.js")),
  };
}, 60_000);
afterAll(() => servers?.stop());

it("answers ThrottlingException while the compactor lags, and accepts again once it caught up", async () => {
  const A = "111111111111";
  await lib.createLogGroup(A, "us-east-1", { logGroupName: "g" });
  await lib.createLogStream(A, "us-east-1", { logGroupName: "g", logStreamName: "s" });
  const put = () => lib.putLogEvents(A, "us-east-1", { logGroupName: "g", logStreamName: "s", logEvents: [{ timestamp: Date.now(), message: "y".repeat(50_000) }] });
  let throttled: { code?: string; message?: string } | undefined;
  for (let i = 0; i < 40 && !throttled; i++) {
    await put().catch((e) => (throttled = e));
    await new Promise((r) => setTimeout(r, 120)); // past the once-a-second size check
  }
  expect(throttled).toMatchObject({ code: "ThrottlingException", message: "Rate exceeded" });

  await lib.compactLogs({ force: true });
  await new Promise((r) => setTimeout(r, lib.PURGE_GRACE_MS + 1000));
  await lib.compactLogs({ force: true }); // purges what the checkpoint passed a grace period ago
  await new Promise((r) => setTimeout(r, 1100));
  await expect(put()).resolves.toBeDefined();
}, 120_000);
