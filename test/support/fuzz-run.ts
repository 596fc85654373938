/**
 * Runs one fuzz target's cases in a worker thread (started by fuzz.ts):
 * marks each case in shared memory before it runs, and posts the report.
 */
import { parentPort, workerData } from "node:worker_threads";
import { ServiceError } from "../../lib/errors.js";
import { makeCase, preview, seedsOf, type FuzzFailure, type FuzzReport } from "./fuzz.js";
import { FUZZ_TARGETS, type FuzzTargetName } from "./fuzz-targets.js";

// The SDK's CBOR decoder warns, with a stack, of every integer past 2^53 it rounds: not a failure, and thousands of lines.
const warn = console.warn;
console.warn = (...args: unknown[]) => {
  if (!String(args[0]).includes("@smithy/core/cbor - truncating BigInt")) warn(...args);
};

const { target, seed, cases, progress } = workerData as { target: FuzzTargetName; seed: number; cases: number; progress: Int32Array };
const { decode, tokens = [] } = FUZZ_TARGETS[target];
const seeds = await seedsOf(target);

const report: FuzzReport = { cases, decoded: 0, rejected: {}, failures: [] as FuzzFailure[], failureCount: 0, slowestMs: 0 };
for (let i = 0; i < cases; i++) {
  const input = makeCase(seeds, tokens, seed, i);
  Atomics.store(progress, 0, i + 1);
  const started = performance.now();
  try {
    await decode(input);
    report.decoded++;
  } catch (e) {
    if (e instanceof ServiceError) report.rejected[e.code] = (report.rejected[e.code] ?? 0) + 1;
    else {
      report.failureCount++;
      if (report.failures.length < 5) {
        const error = e instanceof Error ? (e.stack ?? String(e)).split("\n").slice(0, 4).join("\n") : String(e);
        report.failures.push({ case: i, label: input.label, input: preview(input.bytes), error });
      }
    }
  }
  report.slowestMs = Math.max(report.slowestMs, performance.now() - started);
}
parentPort!.postMessage(report);
