/**
 * Log events survive crashes: every PutLogEvents the service acknowledged is
 * readable exactly once after a SIGKILL of the service, after a SIGKILL of
 * nats-server, and after the service is killed in the middle of compaction,
 * a one-pass Drain or a scheduled run (then compacted again). Read back through GetLogEvents, paging forward
 * until the token comes back unchanged.
 */
import { CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand, type CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logsClient, startStack, type Stack } from "../support/stack.js";
import { retrying as retryUntil } from "../support/retrying.js";
import { readStreamMessages } from "../support/log-stream-read.js";

let stack: Stack;
const RUN = `/dur/${Date.now().toString(36)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  stack = await startStack();
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

/** A restarted service may answer 503 once while it reconnects: retried for 60 s, 500 ms apart. */
const retrying = <T>(f: () => Promise<T>) => retryUntil(f, { timeoutMs: 60000, pauseMs: 500 });

/** Creates a group with `streams` streams and writes `batches` acknowledged batches of `size` events to each. */
async function writeAcknowledged(client: CloudWatchLogsClient, group: string, streams: number, batches: number, size: number): Promise<Map<string, string[]>> {
  await client.send(new CreateLogGroupCommand({ logGroupName: group }));
  const sent = new Map<string, string[]>();
  const t0 = Date.now() - 10 * 60_000;
  await Promise.all(
    Array.from({ length: streams }, async (_, s) => {
      const stream = `s${s}`;
      await client.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
      const acked: string[] = [];
      for (let b = 0; b < batches; b++) {
        const logEvents = Array.from({ length: size }, (_, i) => ({ timestamp: t0 + b * size + i, message: `${stream} batch ${b} event ${i} ${"x".repeat(100)}` }));
        await client.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents }));
        acked.push(...logEvents.map((e) => e.message));
      }
      sent.set(stream, acked);
    }),
  );
  return sent;
}

async function expectExactlyOnce(group: string, sent: Map<string, string[]>): Promise<void> {
  const client = logsClient(stack);
  try {
    for (const [stream, messages] of sent) expect(await readStreamMessages(client, group, stream, retrying)).toEqual(messages);
  } finally {
    client.destroy();
  }
}

describe("acknowledged log events survive", () => {
  it("a SIGKILL of the service right after the acknowledgements", async () => {
    const client = logsClient(stack);
    const group = `${RUN}/service-kill`;
    const sent = await writeAcknowledged(client, group, 3, 5, 200);
    client.destroy();
    await stack.restartService({ signal: "SIGKILL" });
    await expectExactlyOnce(group, sent);
  }, 300_000);

  it("a SIGKILL of nats-server right after the acknowledgements", async () => {
    const client = logsClient(stack);
    const group = `${RUN}/nats-kill`;
    const sent = await writeAcknowledged(client, group, 2, 5, 200);
    client.destroy();
    await stack.restartNats({ signal: "SIGKILL" });
    await expectExactlyOnce(group, sent);
  }, 300_000);

  it("a SIGKILL of the service in the middle of compaction, then compaction again", async () => {
    const client = logsClient(stack);
    const group = `${RUN}/compaction-kill`;
    const sent = await writeAcknowledged(client, group, 4, 10, 1000);
    client.destroy();
    // Fire the compactor's Drain without waiting for it, and kill the service while it works.
    const drain = fetch(`${stack.endpoint}/_hive/schedule/LogCompactor?event=Drain`, { method: "POST" }).catch(() => undefined);
    await sleep(400);
    await stack.restartService({ signal: "SIGKILL" });
    await drain;
    await expectExactlyOnce(group, sent);
    await retrying(() => stack.fireSchedule("LogCompactor", "Drain"));
    await expectExactlyOnce(group, sent);
  }, 600_000);

  it("a SIGKILL of the service in the middle of a scheduled compaction run, then compaction again once its leases lapsed", async () => {
    const client = logsClient(stack);
    const group = `${RUN}/run-kill`;
    const sent = await writeAcknowledged(client, group, 4, 10, 1000);
    client.destroy();
    // The minute's run (one loop per partition, chunk numbers reserved ahead, figures settled later), killed while it works.
    const run = fetch(`${stack.endpoint}/_hive/schedule/LogCompactor?event=EveryMinute`, { method: "POST" }).catch(() => undefined);
    await sleep(1500);
    await stack.restartService({ signal: "SIGKILL" });
    await run;
    await expectExactlyOnce(group, sent);
    // The dead run's partition leases (60 s) lapse; then a pass of the new service compacts what is left.
    await sleep(65_000);
    await retrying(() => stack.fireSchedule("LogCompactor", "Drain"));
    await expectExactlyOnce(group, sent);
  }, 600_000);
});
