/**
 * Ranged reads of the S3 store: getObjectRangeInto, which copies a ranged
 * GET's body straight into a caller's memory (the log scan's inflate slots),
 * holds exactly the range's bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { getObjectRange, getObjectRangeInto, putObject } from "../../lib/storage/s3.js";
import { startTestServers, type TestServers } from "../support/servers.js";

let servers: TestServers;
const BUCKET = "ranged-reads";
/** Several socket reads' worth, so a body arrives in many pieces. */
const object = randomBytes(700_000);

beforeAll(async () => {
  servers = await startTestServers("s3-ranges");
  await putObject(BUCKET, "blob", object);
}, 60_000);

afterAll(async () => {
  await servers?.stop();
});

describe("a ranged GET read into the caller's memory", () => {
  it.each([
    ["the whole object", 0, object.length],
    // s3rver answers `bytes=0-0` with the whole object (it reads the range's end 0 as none): the range is still cut from it.
    ["the first byte", 0, 1],
    ["the last byte", object.length - 1, object.length],
    ["a middle run across many socket reads", 12_345, 654_321],
    ["a short run", 65_530, 65_540],
  ])("holds exactly the bytes of the range: %s", async (_name, start, end) => {
    // The range lands in the middle of a larger memory, as in a slot: the bytes around it stay as they were.
    const memory = new Uint8Array(end - start + 20).fill(7);
    expect(await getObjectRangeInto(BUCKET, "blob", start, end, memory.subarray(10, 10 + end - start))).toBe(true);
    expect(Buffer.compare(memory.subarray(10, 10 + end - start), object.subarray(start, end))).toBe(0);
    expect([...memory.subarray(0, 10), ...memory.subarray(10 + end - start)]).toEqual(new Array(20).fill(7));
  });

  it("answers false for a key that is not there, as getObjectRange answers undefined", async () => {
    expect(await getObjectRangeInto(BUCKET, "missing", 0, 10, new Uint8Array(10))).toBe(false);
    expect(await getObjectRange(BUCKET, "missing", 0, 10)).toBeUndefined();
  });

  it("refuses memory whose length is not the range's", async () => {
    await expect(getObjectRangeInto(BUCKET, "blob", 0, 10, new Uint8Array(9))).rejects.toThrow(RangeError);
  });
});
