/**
 * The admission rule over a slow reading (lib/capacity/admission-gate.ts),
 * which PutMetricData applies to the aggregators' lag and PutLogEvents to the
 * log buffer's bytes, with a reader the test settles by hand and a clock it
 * moves: requests never wait for a reading while a recent one admits, and
 * are never refused on a stale one.
 */
import { describe, expect, it } from "vitest";
import { READING_FRESH_MS, READING_STALE_MS, admissionGate } from "../../lib/capacity/admission-gate.js";

/** A reader whose readings the test answers one by one. */
function reader() {
  const pending: Array<{ resolve: (s: number) => void; reject: (e: Error) => void }> = [];
  let reads = 0;
  const read = () => {
    reads++;
    return new Promise<number>((resolve, reject) => pending.push({ resolve, reject }));
  };
  return { read, reads: () => reads, answer: (s: number) => pending.shift()!.resolve(s), fail: () => pending.shift()!.reject(new Error("down")) };
}

/** Whether `p` settled within a few turns of the event loop (true, false), or is still waiting ("waiting"). */
async function outcome(p: Promise<boolean>): Promise<boolean | "waiting"> {
  return Promise.race([p, new Promise<"waiting">((r) => setTimeout(() => r("waiting"), 20))]);
}

const MAX = 30;

/** A gate on a clock the test sets, whose first request (at time 0) was answered with the reading `value`. */
async function gateAfterReading(value: number) {
  const r = reader();
  let now = 0;
  const gate = admissionGate(r.read, () => now);
  const first = gate(MAX);
  r.answer(value);
  const admitted = await first;
  return { r, gate, admitted, setNow: (ms: number) => void (now = ms) };
}

describe("admission by a slow reading", () => {
  it("waits for the first reading, which concurrent requests share", async () => {
    const r = reader();
    const gate = admissionGate(r.read, () => 0);
    const a = gate(MAX);
    const b = gate(MAX);
    expect(await outcome(a)).toBe("waiting");
    expect(r.reads()).toBe(1);
    r.answer(2);
    expect(await a).toBe(true);
    expect(await b).toBe(true);
  });

  it("admits on a reading equal to the limit", async () => {
    const { gate, admitted } = await gateAfterReading(MAX);
    expect(admitted).toBe(true);
    expect(await outcome(gate(MAX - 1))).toBe(false);
  });

  it("takes a fresh reading as it is, without reading again", async () => {
    const { r, gate, admitted, setNow } = await gateAfterReading(45);
    expect(admitted).toBe(false);
    setNow(READING_FRESH_MS - 1);
    expect(await outcome(gate(MAX))).toBe(false);
    expect(r.reads()).toBe(1);
  });

  it("admits on an older reading under the limit at once, while one newer reading is taken", async () => {
    const { r, gate, setNow } = await gateAfterReading(1);
    setNow(READING_FRESH_MS + 10);
    expect(await outcome(gate(MAX))).toBe(true);
    expect(await outcome(gate(MAX))).toBe(true);
    expect(r.reads()).toBe(2);
    r.answer(50); // the reading rose past the limit meanwhile: refused from now on
    await new Promise((res) => setTimeout(res, 0));
    expect(await outcome(gate(MAX))).toBe(false);
  });

  it("never refuses on a stale reading: a request waits for a newer one", async () => {
    const { r, gate, admitted, setNow } = await gateAfterReading(50);
    expect(admitted).toBe(false);
    setNow(READING_FRESH_MS + 10);
    const next = gate(MAX);
    expect(await outcome(next)).toBe("waiting");
    r.answer(0); // back under the limit
    expect(await next).toBe(true);
  });

  it("waits for a newer reading once the last one is too old to admit on", async () => {
    const { r, gate, setNow } = await gateAfterReading(1);
    setNow(READING_STALE_MS);
    const next = gate(MAX);
    expect(await outcome(next)).toBe("waiting");
    r.answer(1);
    expect(await next).toBe(true);
  });

  it("lets a failed background reading pass unnoticed, and reads again on the next request", async () => {
    const { r, gate, setNow } = await gateAfterReading(1);
    setNow(READING_FRESH_MS + 10);
    expect(await outcome(gate(MAX))).toBe(true);
    r.fail();
    await new Promise((res) => setTimeout(res, 0));
    expect(await outcome(gate(MAX))).toBe(true);
    expect(r.reads()).toBe(3);
  });

  it("fails a request whose reading fails when it has nothing to admit on", async () => {
    const r = reader();
    const gate = admissionGate(r.read, () => 0);
    const first = gate(MAX);
    r.fail();
    await expect(first).rejects.toThrow("down");
  });
});
