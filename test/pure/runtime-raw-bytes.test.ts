/**
 * lib/runtime/raw-bytes.ts: in the local runtime a Lambda event's base64
 * field (an HTTP body, a Kinesis record's data) carries its bytes as they
 * are and is encoded only if read; an event that went through JSON (as on
 * Lambda) is decoded from the base64.
 */
import { describe, expect, it } from "vitest";
import { rawBytes, withRawBytes } from "../../lib/runtime/raw-bytes.js";

const bytes = Buffer.from([0, 1, 2, 250, 251, 252, 10, 13]);

describe("raw bytes beside a base64 field", () => {
  it("hands over the same bytes, and the field reads as their base64", () => {
    const event = withRawBytes({ isBase64Encoded: true } as { isBase64Encoded: boolean; body?: string }, "body", bytes);
    expect(rawBytes(event, "body")).toBe(bytes);
    expect(event.body).toBe(bytes.toString("base64"));
    expect(Object.keys(event)).toContain("body");
  });

  it("decodes the base64 of an event that went through JSON, as Lambda hands it over", () => {
    const event = JSON.parse(JSON.stringify(withRawBytes({}, "data", bytes))) as { data: string };
    expect(event.data).toBe(bytes.toString("base64"));
    expect(rawBytes(event, "data")).toEqual(bytes);
  });

  it("takes a field rewritten after the fact as the truth", () => {
    const event = withRawBytes({} as { data?: string }, "data", bytes);
    event.data = Buffer.from("other").toString("base64");
    expect(rawBytes(event, "data").toString()).toBe("other");
  });

  it("gives no bytes for an absent field", () => {
    expect(rawBytes({}, "body")).toEqual(Buffer.alloc(0));
  });
});
