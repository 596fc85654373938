/**
 * PutLogEvents' awsJson body read without a JSON.parse tree of its events:
 * the hot path of log ingest. Each event becomes a timestamp, a UTF-8 length
 * and where its message's bytes are in the body (EventColumns): no message
 * becomes a string; its bytes go into the batch message as they came, with
 * any escapes decoded there (lib/protocol/json-string.ts).
 *
 * It accepts only what the general path (JSON.parse → InputReader → the
 * model's validation stage) surely accepts, with the same events: a body of
 * valid UTF-8, events of exactly `timestamp` (a non-negative integer up to
 * 2^53) and `message` (a non-empty string without raw control characters).
 * The other members (logGroupName, logStreamName, sequenceToken, entity) are
 * JSON.parse'd, read and checked by the general path's own code. Anything
 * else gives undefined and the request takes the general path, which answers
 * AWS's exact error. test/pure/put-log-events-json.test.ts holds the two
 * paths equal.
 */
import { isUtf8 } from "node:buffer";
import { InputReader } from "../../protocol/input-reader.js";
import { BACKSLASH, CLOSE_ARRAY, CLOSE_OBJECT, COLON, COMMA, OPEN_ARRAY, OPEN_OBJECT, QUOTE } from "../../protocol/json-bytes.js";
import { isJsonSpace, JsonCursor, LEAVE } from "../../protocol/json-cursor.js";
import { scanJsonString } from "../../protocol/json-string.js";
import { LOGS } from "../../protocol/services.js";
import { withRawBytes } from "../../runtime/raw-bytes.js";
import { MODELS } from "../../validation/service-models.js";
import { shapeCheck } from "../../validation/validate-input.js";
import type { EventColumns } from "./batch-codec.js";

export interface PreparedPutLogEvents {
  /** The members other than logEvents, read and checked as the general path reads them. */
  input: Record<string, unknown>;
  /** The events, as the function keeps them (OperationEvent.prepared). */
  prepared: EventColumns;
}

const MAX_EVENTS = MODELS.logs.shapes.InputLogEvents.max ?? 10_000;
const ZERO = 0x30;
const NINE = 0x39;

/** Bytes that end the plain run of a string: the quote, a backslash, a raw control character. */
const STOPS = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) STOPS[c] = 1;
STOPS[QUOTE] = STOPS[BACKSLASH] = 1;

const TIMESTAMP = Buffer.from('timestamp"', "latin1");
const MESSAGE = Buffer.from('message"', "latin1");
const LOG_EVENTS = Buffer.from('logEvents"', "latin1");

/** The request read and checked; undefined when it must take the general path. */
export function readPutLogEventsJson(body: Buffer): PreparedPutLogEvents | undefined {
  try {
    return read(body);
  } catch (e) {
    if (e === LEAVE) return undefined;
    throw e;
  }
}

/** A cursor over one body. */
class Reader extends JsonCursor {
  /** Whether the member name opening here is `name` (its bytes and closing quote); consumes it and the colon if so. */
  isKey(name: Buffer): boolean {
    const buf = this.buf;
    const start = this.i + 1;
    if (buf[this.i] !== QUOTE || start + name.length > this.end) return false;
    for (let j = 0; j < name.length; j++) if (buf[start + j] !== name[j]) return false;
    this.i = start + name.length;
    this.expect(COLON);
    return true;
  }

  /** Past the closing quote of the string opening at `i`. */
  skipString(): void {
    const buf = this.buf;
    let i = this.i + 1;
    for (; i < this.end; i++) {
      const c = buf[i];
      if (c === QUOTE) break;
      if (c === BACKSLASH) i++;
    }
    if (i >= this.end) throw LEAVE;
    this.i = i + 1;
  }

  /** Past any value: JSON.parse checks it later, this only finds where it ends. */
  skipValue(): void {
    const buf = this.buf;
    const c = this.peek();
    if (c === QUOTE) return this.skipString();
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      let depth = 0;
      while (this.i < this.end) {
        const d = buf[this.i];
        if (d === QUOTE) {
          this.skipString();
          continue;
        }
        this.i++;
        if (d === OPEN_OBJECT || d === OPEN_ARRAY) depth++;
        else if ((d === CLOSE_OBJECT || d === CLOSE_ARRAY) && --depth === 0) return;
      }
      throw LEAVE;
    }
    // A number or a literal: up to the next separator.
    while (this.i < this.end) {
      const d = buf[this.i];
      if (d === COMMA || d === CLOSE_OBJECT || d === CLOSE_ARRAY || isJsonSpace(d)) break;
      this.i++;
    }
  }
}

function read(buf: Buffer): PreparedPutLogEvents {
  // The general path decodes the body as UTF-8 (bad sequences become U+FFFD): bytes copied as they are must be valid.
  if (!isUtf8(buf)) throw LEAVE;
  const r = new Reader(buf);
  let events: EventColumns | undefined;
  /** The other members' text, `"name": value`, JSON.parse'd together. */
  const rest: string[] = [];
  r.expect(OPEN_OBJECT);
  if (r.peek() === CLOSE_OBJECT) throw LEAVE;
  do {
    r.peek();
    if (r.isKey(LOG_EVENTS)) {
      if (events) throw LEAVE;
      events = logEvents(r, buf);
    } else {
      const start = r.i;
      if (buf[start] !== QUOTE) throw LEAVE;
      r.skipString();
      r.expect(COLON);
      r.skipValue();
      rest.push(buf.toString("utf8", start, r.i));
    }
  } while (r.more(CLOSE_OBJECT));
  if (r.peek() !== -1 || !events) throw LEAVE;
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(`{${rest.join(",")}}`) as Record<string, unknown>;
  } catch {
    throw LEAVE;
  }
  // `log\u0045vents`: JSON.parse's name for it is logEvents too.
  if (Object.hasOwn(parsed, "logEvents")) throw LEAVE;
  return { input: checkedMembers(parsed), prepared: events };
}

const op = LOGS.operations.get("PutLogEvents")!;
const REQUEST = MODELS.logs.shapes[MODELS.logs.operations.PutLogEvents.input!.shape];

/** The general path's reading (types) and the model's checks of every member but logEvents. */
function checkedMembers(parsed: Record<string, unknown>): Record<string, unknown> {
  let input: Record<string, unknown>;
  try {
    input = InputReader.for(LOGS).read(op.input, parsed) as Record<string, unknown>;
  } catch {
    throw LEAVE;
  }
  for (const [name, ref] of Object.entries(REQUEST.members ?? {})) {
    if (name === "logEvents") continue;
    const v = input[name];
    if (v === undefined) {
      if (REQUEST.required?.includes(name)) throw LEAVE;
      continue;
    }
    const check = shapeCheck("logs", ref.shape);
    if (check !== null && !check(v, undefined, undefined)) throw LEAVE;
  }
  return input;
}

function logEvents(r: Reader, buf: Buffer): EventColumns {
  const timestamps: number[] = [];
  const sizes: number[] = [];
  const starts: number[] = [];
  r.expect(OPEN_ARRAY);
  if (r.peek() === CLOSE_ARRAY) throw LEAVE; // at least one event: the general path says so
  let n = 0;
  do {
    if (n === MAX_EVENTS) throw LEAVE;
    r.expect(OPEN_OBJECT);
    let timestamp = -1;
    /** Where the message's text begins (past its quote), as ~offset when it holds escapes; -1 while unseen. */
    let start = -1;
    for (let members = 0; members < 2; members++) {
      if (members) r.expect(COMMA);
      r.peek();
      if (timestamp < 0 && r.isKey(TIMESTAMP)) timestamp = integer(r, buf);
      else if (start === -1 && r.isKey(MESSAGE)) {
        r.expect(QUOTE);
        const open = r.i;
        let i = open;
        const end = r.end;
        while (i < end && STOPS[buf[i]] === 0) i++;
        if (i < end && buf[i] === QUOTE) {
          sizes[n] = i - open;
          start = open;
        } else {
          // Escapes: decoded into the batch message by the encoder; here only checked and measured.
          const scanned = scanJsonString(buf, i, end);
          if (scanned === undefined) throw LEAVE;
          sizes[n] = i - open + scanned.size;
          i = scanned.close;
          start = ~open;
        }
        if (sizes[n] === 0) throw LEAVE; // an empty message: the model's minimum length is 1
        r.i = i + 1;
      } else throw LEAVE; // another member, or one twice
    }
    r.expect(CLOSE_OBJECT);
    timestamps[n] = timestamp;
    starts[n] = start;
    n++;
  } while (r.more(CLOSE_ARRAY));
  return withRawBytes({ count: n, timestamps, sizes, starts } as EventColumns, "source", buf);
}

/** A non-negative JSON integer up to 2^53 (the model's Timestamp is a long, at least 0); anything else leaves. */
function integer(r: Reader, buf: Buffer): number {
  let i = r.i;
  while (i < r.end && isJsonSpace(buf[i])) i++;
  let c = buf[i];
  let value = 0;
  if (c === ZERO) c = buf[++i];
  else if (c > ZERO && c <= NINE) {
    let digits = 0;
    while (c >= ZERO && c <= NINE) {
      value = value * 10 + (c - ZERO);
      if (++digits > 16) throw LEAVE;
      c = buf[++i];
    }
  } else throw LEAVE;
  // A fraction, an exponent or a digit after a leading 0: the general path's business.
  if (c === 0x2e || c === 0x65 || c === 0x45 || (c >= ZERO && c <= NINE)) throw LEAVE;
  if (!Number.isSafeInteger(value)) throw LEAVE;
  r.i = i;
  return value;
}
