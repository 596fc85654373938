/**
 * Aggregates and compacts everything pending in the ingest log in another
 * process (`npx tsx test/support/drain-elsewhere.ts`, with the test's
 * HIVE_CLOUDWATCH_* environment): what this process writes there, the
 * test's process has in none of its caches, as with a second service process.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/** Runs the drain in a child process; resolves with the messages it aggregated. */
export async function drainElsewhere(now: number): Promise<number> {
  const tsx = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));
  const { stdout } = await promisify(execFile)(tsx, [fileURLToPath(import.meta.url), String(now)], { env: process.env, timeout: 120_000 });
  return Number(stdout.trim());
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { drainIngest } = await import("../../lib/metrics/write/drain.js");
  const { closeNats } = await import("../../lib/storage/nats.js");
  const drained = await drainIngest(Number(process.argv[2]));
  await closeNats();
  console.log(drained);
}
