/**
 * Every decoder of bytes that come from outside a function — request bodies
 * in each wire protocol, SigV4 headers, and the stored chunk, ingest and delta
 * formats — either decodes a seeded random or mutated input or throws a
 * ServiceError: never another exception, never a hang (each case is bounded,
 * in a worker that is stopped when a case runs past it). Inputs and decoders:
 * test/support/fuzz-targets.ts; a failure prints the case's input, and
 * fuzzCase(target, seed, case) makes it again.
 */
import { describe, expect, it } from "vitest";
import { fuzz } from "../support/fuzz.js";
import type { FuzzTargetName } from "../support/fuzz-targets.js";

// A fixed seed, so a failure repeats; FUZZ_SEED=n explores others.
const SEED = Number(process.env.FUZZ_SEED ?? 20261206);
// Generous bounds: the machine is shared, and a hang is a case that never ends, not a slow one.
const CASE_LIMIT_MS = 5000;

const TARGETS: Array<[FuzzTargetName, string, number]> = [
  ["identify", "request lines and headers naming the operation", 3000],
  ["json", "awsJson request bodies (CloudWatch and Logs)", 3000],
  ["cbor", "rpc-v2-cbor request bodies", 3000],
  ["query", "awsQuery forms", 3000],
  ["sigv4", "SigV4 Authorization headers and presigned queries", 3000],
  ["chunk", "stored chunks and chunk records", 5000],
  ["ingest", "ingest messages, binary and JSON", 5000],
  ["delta", "delta records and their chunks", 5000],
  ["listing", "window listings (the directory roll-off reads)", 3000],
  ["log-chunk", "log chunk objects and block texts of both text versions", 5000],
];

describe("decoders under seeded fuzzing", () => {
  it.each(TARGETS)("%s (%s): %i cases decode or throw a ServiceError", async (target, _what, cases) => {
    const report = await fuzz(target, { seed: SEED, cases, caseLimitMs: CASE_LIMIT_MS });
    expect(report.hung).toBeUndefined();
    expect(report.failures, `${report.failureCount} cases threw something else`).toEqual([]);
    expect(report.slowestMs).toBeLessThan(CASE_LIMIT_MS);
    // Both outcomes occur: the mutations reach past the first check, and the decoder refuses garbage.
    expect(report.decoded).toBeGreaterThan(0);
    expect(Object.values(report.rejected).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(report.decoded + Object.values(report.rejected).reduce((a, b) => a + b, 0)).toBe(cases);
  }, 300_000);
});

describe("the fuzz harness (the checks above can fail)", () => {
  it("stops a case that hangs and names its input", async () => {
    const report = await fuzz("harness-hang", { seed: 1, cases: 500, caseLimitMs: 1000 });
    expect(report.hung).toMatchObject({ label: "hang" });
    expect(report.hung!.afterMs).toBeGreaterThanOrEqual(1000);
    expect(report.hung!.input).toMatch(/^\d+ bytes: /);
  }, 60_000);

  it("reports an exception that is not a ServiceError, with the case's input", async () => {
    const report = await fuzz("harness-throw", { seed: 1, cases: 500 });
    expect(report.failureCount).toBeGreaterThan(0);
    expect(report.failures[0]).toMatchObject({ label: "throw", error: expect.stringMatching(/^TypeError/) });
    expect(report.decoded + report.failureCount).toBe(500);
  }, 60_000);
});
