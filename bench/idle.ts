/**
 * What the service costs doing nothing: a stack with one log group and the
 * LogCompactor running, no requests, then each service thread's and
 * nats-server's CPU over SECONDS (ms a second). The stream triggers' polling
 * of empty shards and the compactor's look at idle partitions are such costs.
 *
 *   npx tsx bench/idle.ts [--seconds 15]
 */
import { CloudWatchLogsClient, CreateLogGroupCommand } from "@aws-sdk/client-cloudwatch-logs";
import { loadavg } from "node:os";
import { startStack } from "../test/support/stack.js";
import { cpuSince, machine, numberArg, threadCpu } from "./common.js";

const SECONDS = numberArg("seconds", 15);

async function main() {
  console.log(machine());
  console.log(`load average before: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  const stack = await startStack({});
  const setup = new CloudWatchLogsClient({ endpoint: stack.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
  await setup.send(new CreateLogGroupCommand({ logGroupName: "/bench/idle" }));
  setup.destroy();
  void stack.fireSchedule("LogCompactor", "EveryMinute").catch(() => undefined);
  // The stream worker has built its functions and found its shards by then.
  await new Promise((r) => setTimeout(r, 8000));
  const pid = stack.servicePid()!;
  const before = { service: threadCpu(pid), nats: threadCpu(stack.natsPid()) };
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const after = threadCpu(pid);
  const ms = (s: number) => ((1000 * s) / SECONDS).toFixed(1);
  // Thread id − process id: the main thread is +0, V8's GC helpers come next, the stream worker (started once the functions are built) far later.
  const threads = [...after]
    .sort((a, b) => a[0] - b[0])
    .map(([t, c]) => [t - pid, c - (before.service.get(t) ?? 0)] as const)
    .filter(([, c]) => c > 0)
    .map(([t, c]) => `+${t} ${ms(c)}`);
  const total = [...after].reduce((n, [t, c]) => n + c - (before.service.get(t) ?? 0), 0);
  console.log(`idle CPU, ms a second: service ${ms(total)} (threads ${threads.join(", ")}), nats-server ${ms(cpuSince(stack.natsPid(), before.nats))}`);
  console.log(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  await stack.stop();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
