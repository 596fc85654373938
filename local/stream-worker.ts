/**
 * A worker thread that runs the stream triggers, so aggregation uses the
 * second core instead of competing with the API on the main thread (as a
 * Lambda event source mapping invokes its function in its own container).
 * Loads its functions' bundles itself; has its own NATS connection.
 */
import { pathToFileURL } from "node:url";
import { parentPort, workerData } from "node:worker_threads";
import { isolateMemory } from "../lib/capacity/memory.js";
import { registerFunction, type LambdaHandler } from "../lib/runtime/invoke.js";
import { closeNats } from "../lib/storage/nats.js";
import { startStreamTriggers, type StreamTarget } from "./stream-trigger.js";

export interface StreamWorkerData {
  functions: Array<{ logicalId: string; file: string; exportName: string }>;
  targets: StreamTarget[];
}

const log = (message: string, error?: unknown) =>
  error === undefined ? console.error(`[hive-cloudwatch:streams] ${message}`) : console.error(`[hive-cloudwatch:streams] ${message}`, error);

async function main(): Promise<void> {
  const data = workerData as StreamWorkerData;
  for (const f of data.functions) {
    const mod = await import(pathToFileURL(f.file).href);
    registerFunction(f.logicalId, mod[f.exportName] as LambdaHandler);
  }
  const triggers = startStreamTriggers(data.targets, { log });
  parentPort!.on("message", async (m) => {
    // The main thread cannot see this isolate's heap: it asks.
    if (m === "memory") return parentPort!.postMessage({ memory: isolateMemory("streams") });
    if (m !== "stop") return;
    await triggers.stop();
    await closeNats();
    parentPort!.postMessage("stopped");
  });
}

main().catch((e) => {
  log("failed to start", e);
  process.exit(1);
});
