/**
 * A JSON string's text taken from the bytes of a UTF-8 body straight to its
 * UTF-8 bytes, escapes decoded, with no JS string in between: what
 * `Buffer.from(JSON.parse(text), "utf8")` gives, a lone surrogate (`\ud800`)
 * becoming U+FFFD as Buffer's encoder makes it.
 */
import { BACKSLASH, QUOTE } from "./json-bytes.js";

const U = 0x75;

/** The byte each one-letter escape stands for (0: not an escape JSON has). */
const ESCAPES = new Uint8Array(256);
ESCAPES[QUOTE] = QUOTE;
ESCAPES[BACKSLASH] = BACKSLASH;
ESCAPES[0x2f] = 0x2f;
ESCAPES[0x62] = 0x08;
ESCAPES[0x66] = 0x0c;
ESCAPES[0x6e] = 0x0a;
ESCAPES[0x72] = 0x0d;
ESCAPES[0x74] = 0x09;

const HEX = new Int8Array(256).fill(-1);
for (let d = 0; d < 10; d++) HEX[0x30 + d] = d;
for (let d = 0; d < 6; d++) HEX[0x41 + d] = HEX[0x61 + d] = 10 + d;

/** The four hex digits at `at` as a number, or -1 when they are not four hex digits before `end`. */
function hex4(buf: Uint8Array, at: number, end: number): number {
  if (at + 4 > end) return -1;
  const a = HEX[buf[at]];
  const b = HEX[buf[at + 1]];
  const c = HEX[buf[at + 2]];
  const d = HEX[buf[at + 3]];
  if ((a | b | c | d) < 0) return -1;
  return (a << 12) | (b << 8) | (c << 4) | d;
}

/** A `\uD8xx\uDCxx` pair at `at` (the high half's backslash): its code point, or -1. */
function pairAt(buf: Uint8Array, at: number, end: number, high: number): number {
  if (high < 0xd800 || high > 0xdbff || buf[at + 6] !== BACKSLASH || buf[at + 7] !== U) return -1;
  const low = hex4(buf, at + 8, end);
  return low >= 0xdc00 && low <= 0xdfff ? 0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00) : -1;
}

/**
 * Scans the string's text from `from` (past its opening quote) to its
 * closing quote, checking it as JSON.parse would (no raw control character,
 * only JSON's escapes). Returns the UTF-8 length of the decoded text and
 * where the closing quote is, or undefined for text JSON.parse refuses.
 */
export function scanJsonString(buf: Uint8Array, from: number, end: number): { size: number; close: number } | undefined {
  let size = 0;
  let i = from;
  for (;;) {
    if (i >= end) return undefined;
    const c = buf[i];
    if (c === QUOTE) return { size, close: i };
    if (c < 0x20) return undefined;
    if (c !== BACKSLASH) {
      size++;
      i++;
      continue;
    }
    const e = i + 1 < end ? buf[i + 1] : 0;
    if (e !== U) {
      if (ESCAPES[e] === 0) return undefined;
      size++;
      i += 2;
      continue;
    }
    const unit = hex4(buf, i + 2, end);
    if (unit < 0) return undefined;
    if (pairAt(buf, i, end, unit) >= 0) {
      size += 4;
      i += 12;
      continue;
    }
    size += unit < 0x80 ? 1 : unit < 0x800 ? 2 : 3;
    i += 6;
  }
}

/** Writes the decoded text of a string scanJsonString accepted (from past its opening quote) at `out[at]`; returns the next offset. */
export function unescapeJsonString(src: Uint8Array, from: number, out: Uint8Array, at: number): number {
  const end = src.length;
  let i = from;
  for (;;) {
    const c = src[i];
    if (c === QUOTE) return at;
    if (c !== BACKSLASH) {
      out[at++] = c;
      i++;
      continue;
    }
    const e = src[i + 1];
    if (e !== U) {
      out[at++] = ESCAPES[e];
      i += 2;
      continue;
    }
    let unit = hex4(src, i + 2, end);
    const pair = pairAt(src, i, end, unit);
    if (pair >= 0) {
      out[at++] = 0xf0 | (pair >> 18);
      out[at++] = 0x80 | ((pair >> 12) & 0x3f);
      out[at++] = 0x80 | ((pair >> 6) & 0x3f);
      out[at++] = 0x80 | (pair & 0x3f);
      i += 12;
      continue;
    }
    i += 6;
    if (unit >= 0xd800 && unit <= 0xdfff) unit = 0xfffd;
    if (unit < 0x80) out[at++] = unit;
    else if (unit < 0x800) {
      out[at++] = 0xc0 | (unit >> 6);
      out[at++] = 0x80 | (unit & 0x3f);
    } else {
      out[at++] = 0xe0 | (unit >> 12);
      out[at++] = 0x80 | ((unit >> 6) & 0x3f);
      out[at++] = 0x80 | (unit & 0x3f);
    }
  }
}
