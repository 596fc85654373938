/**
 * The setup the CloudWatch Logs service tests share: a stack with a Logs
 * client for each of its two accounts, and names unique to a run so tests
 * stay apart in it.
 */
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { logsClient, startStack, type Stack } from "./stack.js";

export interface LogsStack {
  stack: Stack;
  /** Account 0's client, and account 1's. */
  logs: CloudWatchLogsClient;
  other: CloudWatchLogsClient;
}

export async function startLogsStack(): Promise<LogsStack> {
  const stack = await startStack();
  return { stack, logs: logsClient(stack, { account: 0 }), other: logsClient(stack, { account: 1 }) };
}

/** Stops what startLogsStack started (any part of it that is there). */
export async function stopLogsStack(s: Partial<LogsStack>): Promise<void> {
  s.logs?.destroy();
  s.other?.destroy();
  await s.stack?.stop();
}

/** `/<prefix>/<run>/<what>-<n>`: a new name each call, unique to this run. */
export function runNames(prefix: string): (what: string) => string {
  const run = `/${prefix}/${Date.now().toString(36)}`;
  let n = 0;
  return (what) => `${run}/${what}-${++n}`;
}
