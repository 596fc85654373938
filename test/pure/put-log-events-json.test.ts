/**
 * PutLogEvents' fast JSON reader (lib/logs/events/put-log-events-json.ts)
 * against the general path it stands in for: JSON.parse of the UTF-8 body,
 * the SDK-schema reader and the model's validation stage. Whatever the fast
 * reader accepts, the general path accepts with the same members and the
 * same events (timestamps and message bytes, and so the same batch
 * message); whatever it declines goes to the general path, which answers
 * AWS's error.
 */
import { describe, expect, it } from "vitest";
import type { PutLogEventsRequest } from "@aws-sdk/client-cloudwatch-logs";
import { columnsOf, decodeLogBatch, encodeLogBatch, encodeLogBatchColumns } from "../../lib/logs/events/batch-codec.js";
import { readPutLogEventsJson } from "../../lib/logs/events/put-log-events-json.js";
import { LOGS } from "../../lib/protocol/index.js";
import { decodeJsonInput } from "../../lib/protocol/json.js";
import { scanJsonString, unescapeJsonString } from "../../lib/protocol/json-string.js";
import { validateInput } from "../../lib/validation/validate-input.js";
import { rng } from "../support/random.js";

const op = LOGS.operations.get("PutLogEvents")!;
const T0 = Date.UTC(2026, 11, 6, 9, 0, 0);
const HEADER = { account: "123456789012", logGroup: "/g", logStream: "s", ingestionTime: T0, groupId: "g-1", streamCreated: T0 - 5 };

/** The general path: the members but logEvents, and the events; or the error a client would get. */
async function general(body: Buffer) {
  try {
    const { logEvents, ...input } = (await decodeJsonInput(LOGS, op.input, body)) as PutLogEventsRequest;
    validateInput("logs", "PutLogEvents", { ...input, logEvents });
    return { input, events: logEvents as { timestamp: number; message: string }[] };
  } catch (e) {
    return { error: `${(e as { code?: string }).code}: ${(e as Error).message}` };
  }
}

/** Compares the two paths on one body; returns whether the fast reader took it. */
async function same(body: Buffer): Promise<boolean> {
  const fast = readPutLogEventsJson(body);
  const slow = await general(body);
  if (!fast) return false;
  expect(slow, body.toString("utf8").slice(0, 300)).not.toHaveProperty("error");
  const { input, events } = slow as { input: Record<string, unknown>; events: { timestamp: number; message: string }[] };
  expect(fast.input).toEqual(input);
  const cols = fast.prepared;
  expect(cols.count).toBe(events.length);
  expect(cols.timestamps).toEqual(events.map((e) => e.timestamp));
  expect(cols.sizes).toEqual(events.map((e) => Buffer.byteLength(e.message, "utf8")));
  // The batch message (of events in order, as PutLogEvents stores them) is the same bytes either way, and holds the general path's messages.
  if (events.some((e, i) => i > 0 && e.timestamp < events[i - 1].timestamp)) return true;
  const encoded = Buffer.from(encodeLogBatchColumns(HEADER, cols, 0, cols.count));
  expect(decodeLogBatch(encoded).events).toEqual(events.map((e) => ({ timestamp: e.timestamp, message: Buffer.from(e.message, "utf8").toString("utf8") })));
  expect(encoded.equals(Buffer.from(encodeLogBatch({ ...HEADER, events })))).toBe(true);
  return true;
}

const body = (x: unknown, indent = 0) => Buffer.from(JSON.stringify(x, null, indent), "utf8");
const pick = <T>(r: () => number, xs: T[]): T => xs[Math.floor(r() * xs.length)];

const MESSAGES = ["GET /api/v1/items 200 latency_ms=12", "x", '{"a":"\\u00e9 \\ud83c\\udf0f","path":"a\\/b"}', "\u007f\u0080\u07ff\u0800\uffff \ud83c\udf0f", "ünïcödé 🌏 名前", '{"level":"info","msg":"say \\"hi\\""}', "multi\nline\r\n\ttext", "back\\slash", "a/b", "\u0000nul", "\ud800 lone", ""];
const TIMESTAMPS = [T0, T0 + 1, 0, 1, -1, 1.5, 2 ** 53 - 1, 2 ** 53 + 2];

describe("PutLogEvents' JSON reader", () => {
  it("takes what the SDKs send, with the same members and events as the general path", async () => {
    const events = Array.from({ length: 1000 }, (_, i) => ({ timestamp: T0 + Math.floor(i / 10), message: `2026-12-06T09:00:00.${i % 1000}Z req-${i} GET /health 200 user=alice` }));
    for (const b of [
      body({ logGroupName: "/bench/ingest", logStreamName: "stream-0", logEvents: events }),
      body({ logEvents: events.slice(0, 3), logStreamName: "s", logGroupName: "g", sequenceToken: "49590302116452389812487383823452393822386834568238234" }, 2),
      body({ logGroupName: "g", logStreamName: "2026/12/06/[$LATEST]abc", logEvents: [{ message: "first member", timestamp: T0 }], entity: { keyAttributes: { Type: "Service", Name: "checkout", Environment: "prod" }, attributes: { "EC2.InstanceId": "i-1" } } }),
      body({ logGroupName: "g", logStreamName: "s", logEvents: MESSAGES.filter(Boolean).map((message) => ({ timestamp: T0, message })) }),
      // As botocore sends it (json.dumps with ensure_ascii: every non-ASCII character escaped, emoji as surrogate pairs).
      Buffer.from(`{"logGroupName": "g", "logStreamName": "s", "logEvents": [{"timestamp": ${T0}, "message": "caf\\u00e9 \\ud83c\\udf0f \\u540d\\u524d \\"q\\" \\\\ \\/"}]}`, "utf8"),
    ]) {
      expect(await same(b)).toBe(true);
    }
  });

  it("declines what it does not read, and the general path answers", async () => {
    const ok = { logGroupName: "g", logStreamName: "s" };
    const cases: Buffer[] = [
      body({ ...ok, logEvents: [] }),
      body({ ...ok, logEvents: [{ timestamp: T0, message: "" }] }),
      body({ ...ok, logEvents: [{ timestamp: -1, message: "m" }] }),
      body({ ...ok, logEvents: [{ timestamp: T0 }] }),
      body({ ...ok, logEvents: [{ timestamp: "1", message: "m" }] }),
      body({ ...ok, logEvents: [{ timestamp: T0, message: "m", extra: 1 }] }),
      body({ logGroupName: "bad group!", logStreamName: "s", logEvents: [{ timestamp: T0, message: "m" }] }),
      body({ logGroupName: "g", logStreamName: "a:b", logEvents: [{ timestamp: T0, message: "m" }] }),
      body({ logGroupName: "g", logEvents: [{ timestamp: T0, message: "m" }] }),
      body({ ...ok, sequenceToken: "", logEvents: [{ timestamp: T0, message: "m" }] }),
      body({ ...ok, entity: { keyAttributes: { Type: "Service" } }, logEvents: [{ timestamp: T0, message: "m" }] }),
      body({ ...ok, logEvents: Array.from({ length: 10_001 }, () => ({ timestamp: T0, message: "m" })) }),
      Buffer.from(`{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":${T0},"message":"raw\ttab"}]}`),
      Buffer.from(`{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":${T0},"message":"m"}],"logEvents":[{"timestamp":1,"message":"n"}]}`),
      Buffer.from(`{"logGroupName":"g","logStreamName":"s","log\\u0045vents":[{"timestamp":${T0},"message":"m"}]}`),
      Buffer.from(`{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":${T0},"message":"m"}]} x`),
      Buffer.from(`{"logGroupName":"g" "logStreamName":"s","logEvents":[{"timestamp":${T0},"message":"m"}]}`),
      Buffer.from(`{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":0${T0},"message":"m"}]}`),
      Buffer.from(`{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":${T0}.0,"message":"m"}]}`),
      Buffer.from(`{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":${T0},"message":"m"},]}`),
      Buffer.from(`\ufeff{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":${T0},"message":"m"}]}`),
      // Not UTF-8: the general path reads U+FFFD where the fast one would copy the byte.
      Buffer.concat([Buffer.from(`{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":${T0},"message":"a`), Buffer.from([0xff]), Buffer.from(`"}]}`)]),
    ];
    for (const b of cases) {
      expect(readPutLogEventsJson(b), b.toString("utf8").slice(0, 200)).toBeUndefined();
      await same(b);
    }
  });

  it("agrees with the general path on 3,000 random bodies, mostly taking them", async () => {
    const r = rng(20261206);
    let taken = 0;
    for (let n = 0; n < 3000; n++) {
      const wild = r() < 0.5;
      const count = wild && r() < 0.05 ? 0 : 1 + Math.floor(r() * 6);
      let at = T0;
      const events = Array.from({ length: count }, () => {
        const e: Record<string, unknown> = {};
        const order = r() < 0.9;
        const ts = wild && r() < 0.1 ? pick(r, TIMESTAMPS) : (at += Math.floor(r() * 3));
        const message = wild && r() < 0.2 ? pick(r, MESSAGES) : pick(r, MESSAGES.slice(0, 5));
        if (order) e.timestamp = ts;
        if (!(wild && r() < 0.02)) e.message = message;
        if (!order) e.timestamp = ts;
        if (wild && r() < 0.02) e.other = null;
        return e;
      });
      const req: Record<string, unknown> = {};
      const members: Array<[string, unknown]> = [
        ["logGroupName", wild && r() < 0.05 ? pick(r, ["", "bad group", "x".repeat(513)]) : "/aws/lambda/fn"],
        ["logStreamName", wild && r() < 0.05 ? pick(r, ["", "a*b", 7]) : "2026/12/06/[$LATEST]abc"],
        ["logEvents", events],
      ];
      if (r() < 0.3) members.push(["sequenceToken", wild && r() < 0.2 ? pick(r, ["", 5, null]) : "49590302116452389812487383823452393822386834568238234"]);
      if (r() < 0.2) members.push(["entity", wild && r() < 0.3 ? pick(r, [{ keyAttributes: { a: "1" } }, "x", { attributes: { k: "" } }]) : { keyAttributes: { Type: "Service", Name: "n" } }]);
      if (wild && r() < 0.05) members.push(["unknownMember", { deep: [1, { x: "]}" }] }]);
      for (const [k, v] of wild && r() < 0.5 ? members.reverse() : members) req[k] = v;
      let text = JSON.stringify(req, null, wild && r() < 0.2 ? 1 : 0);
      if (wild && r() < 0.05) text = text.slice(0, Math.floor(r() * text.length));
      if (await same(Buffer.from(text, "utf8"))) taken++;
    }
    expect(taken).toBeGreaterThan(1500);
  });

  it("decodes a string's escapes to the bytes of JSON.parse's string, and refuses what JSON.parse refuses", () => {
    // Each as the raw text between the quotes of a JSON string (RFC 8259 section 7).
    const texts = [
      "plain", 'say \\"hi\\"', "a\\\\b", "\\/\\b\\f\\n\\r\\t", "\\u00e9\\u00E9", "\\u0000", "\\u007f\\u0080\\u07ff\\u0800\\uffff",
      "\\ud83c\\udf0f", "\\ud800", "\\udc00", "\\ud800x", "\\ud800\\ud800\\udc00", "\\udbff\\udfff", "ünï 🌏 \\n", "x\\u12", "bad \\x", "\\uZZZZ", "tab\there", "\\",
    ];
    for (const text of texts) {
      const quoted = Buffer.from(`"${text}"`, "utf8");
      let expected: Buffer | undefined;
      try {
        expected = Buffer.from(JSON.parse(quoted.toString("utf8")) as string, "utf8");
      } catch {
        expected = undefined;
      }
      const scanned = scanJsonString(quoted, 1, quoted.length);
      if (!expected) {
        expect(scanned, text).toBeUndefined();
        continue;
      }
      expect(scanned, text).toEqual({ size: expected.length, close: quoted.length - 1 });
      const out = Buffer.alloc(expected.length);
      expect(unescapeJsonString(quoted, 1, out, 0)).toBe(expected.length);
      expect(out.equals(expected), text).toBe(true);
    }
  });

  it("columns of decoded events encode as the events do", () => {
    const events = MESSAGES.filter(Boolean).map((message, i) => ({ timestamp: T0 + i, message }));
    const cols = columnsOf(events);
    expect(Buffer.from(encodeLogBatchColumns(HEADER, cols, 2, 5)).equals(Buffer.from(encodeLogBatch({ ...HEADER, events: events.slice(2, 5) })))).toBe(true);
  });
});
