/**
 * JSON.parse for request bodies, without one string the size of the body.
 *
 * V8 puts a string over about 128 KB in its large-object space: every such
 * string is a fresh mapping of memory, paid for in page faults (about 0.9 ms
 * for a 180 KB PutMetricData body on our VMs, 40 times the cost of a string
 * just under the limit). A large body is therefore cut along its top-level
 * structure: its members, and the elements of a large array, are parsed in
 * groups of less than LIMIT bytes and put together. Only a single value
 * larger than LIMIT (a huge string) is still parsed whole.
 *
 * The result is what JSON.parse of the whole body gives, with the same
 * acceptance: every byte is either inside a piece JSON.parse checked or a
 * separator the scan checked. When anything is wrong the whole body goes to
 * JSON.parse, so the error message is the native one.
 */
import { BACKSLASH, CLOSE_ARRAY, CLOSE_OBJECT, COLON, COMMA, OPEN_ARRAY, OPEN_OBJECT, QUOTE } from "./json-bytes.js";

const LIMIT = 96 * 1024;

export function parseJsonBody(body: Buffer): unknown {
  if (body.length <= LIMIT) return JSON.parse(body.toString("utf8"));
  try {
    return parseInPieces(body);
  } catch {
    return JSON.parse(body.toString("utf8")); // throws the error a client should see
  }
}

/** The cutting alone, with no fallback: throws on any malformed body (exported for tests). */
export function parseInPieces(body: Buffer): unknown {
  return parseSpan(body, 0, body.length);
}

class Malformed extends Error {}

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** `commas`: the separators one level in, when a scan of the parent already found them. */
function parseSpan(buf: Buffer, start: number, end: number, commas?: number[]): unknown {
  while (start < end && isSpace(buf[start])) start++;
  while (end > start && isSpace(buf[end - 1])) end--;
  const open = buf[start];
  if (end - start <= LIMIT || (open !== OPEN_OBJECT && open !== OPEN_ARRAY)) return JSON.parse(buf.toString("utf8", start, end));
  if (buf[end - 1] !== (open === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY)) throw new Malformed();
  const inner: number[] = [];
  const pieces = commas ? piecesBetween(buf, start + 1, end - 1, commas) : splitTopLevel(buf, start + 1, end - 1, inner);
  // Separators two levels in are known only when this span did its own scan.
  const next = commas ? undefined : inner;
  return open === OPEN_ARRAY ? parseArray(buf, pieces, next) : parseObject(buf, pieces, next);
}

// What each byte is to the scan: most bytes are none of these and cost one load and one test.
const PLAIN = 0;
const IS_QUOTE = 1;
const IS_OPEN = 2;
const IS_CLOSE = 3;
const IS_COMMA = 4;
const CLASS = new Uint8Array(256);
CLASS[QUOTE] = IS_QUOTE;
CLASS[OPEN_OBJECT] = CLASS[OPEN_ARRAY] = IS_OPEN;
CLASS[CLOSE_OBJECT] = CLASS[CLOSE_ARRAY] = IS_CLOSE;
CLASS[COMMA] = IS_COMMA;

/**
 * [start, end) pairs of the comma-separated parts between the brackets.
 * Brackets are matched by kind and strings skipped with their escapes.
 */
function splitTopLevel(buf: Buffer, from: number, to: number, inner: number[]): number[] {
  const commas: number[] = [];
  const stack: number[] = [];
  let depth = 0;
  for (let i = from; i < to; i++) {
    const c = buf[i];
    const k = CLASS[c];
    if (k === PLAIN) continue;
    if (k === IS_QUOTE) {
      // The closing quote: a loop, not indexOf, since strings are short and a native call each costs more.
      for (i++; i < to; i++) {
        const d = buf[i];
        if (d === QUOTE) break;
        if (d === BACKSLASH) i++;
      }
      if (i >= to) throw new Malformed();
    } else if (k === IS_OPEN) stack[depth++] = c;
    else if (k === IS_CLOSE) {
      if (depth === 0 || stack[--depth] !== (c === CLOSE_OBJECT ? OPEN_OBJECT : OPEN_ARRAY)) throw new Malformed();
    } else if (depth === 0) commas.push(i);
    // One level in as well, so a large member's own parts need no second scan.
    else if (depth === 1) inner.push(i);
  }
  if (depth) throw new Malformed();
  return piecesBetween(buf, from, to, commas);
}

/** [start, end) pairs between `from`, the commas in range, and `to`. */
function piecesBetween(buf: Buffer, from: number, to: number, commas: number[]): number[] {
  const pieces: number[] = [];
  let pieceStart = from;
  for (const c of commas) {
    if (c < from) continue;
    if (c >= to) break;
    pieces.push(pieceStart, c);
    pieceStart = c + 1;
  }
  pieces.push(pieceStart, to);
  // `[ ]` and `{ }` have one empty part, which is no part at all.
  if (pieces.length === 2 && isBlank(buf, from, to)) return [];
  return pieces;
}

/** The closing quote of the string opening at `quote`. A loop, not indexOf: strings are short and a native call each costs more. */
function stringEnd(buf: Buffer, quote: number, to: number): number {
  for (let i = quote + 1; i < to; i++) {
    const c = buf[i];
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i;
  }
  throw new Malformed();
}

function isBlank(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!isSpace(buf[i])) return false;
  return true;
}

/** Consecutive small parts go to JSON.parse together; a large one is split further. */
function groups(buf: Buffer, pieces: number[], onGroup: (start: number, end: number) => void, onLarge: (start: number, end: number) => void) {
  let groupStart = -1;
  let groupEnd = -1;
  for (let p = 0; p < pieces.length; p += 2) {
    const start = pieces[p];
    const end = pieces[p + 1];
    if (isBlank(buf, start, end)) throw new Malformed(); // `[1,,2]`, `[1,]`
    if (end - start > LIMIT) {
      if (groupStart >= 0) onGroup(groupStart, groupEnd);
      groupStart = -1;
      onLarge(start, end);
    } else if (groupStart >= 0 && end - groupStart <= LIMIT) {
      groupEnd = end;
    } else {
      if (groupStart >= 0) onGroup(groupStart, groupEnd);
      groupStart = start;
      groupEnd = end;
    }
  }
  if (groupStart >= 0) onGroup(groupStart, groupEnd);
}

function parseArray(buf: Buffer, pieces: number[], inner: number[] | undefined): unknown[] {
  const out: unknown[] = [];
  groups(
    buf,
    pieces,
    (start, end) => {
      for (const v of JSON.parse(`[${buf.toString("utf8", start, end)}]`) as unknown[]) out.push(v);
    },
    (start, end) => out.push(parseSpan(buf, start, end, inner)),
  );
  return out;
}

function parseObject(buf: Buffer, pieces: number[], inner: number[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  groups(
    buf,
    pieces,
    (start, end) => {
      const part = JSON.parse(`{${buf.toString("utf8", start, end)}}`) as Record<string, unknown>;
      for (const key of Object.keys(part)) setMember(out, key, part[key]);
    },
    (start, end) => {
      // `"key": value`, the value large.
      while (isSpace(buf[start])) start++;
      if (buf[start] !== QUOTE) throw new Malformed();
      const close = stringEnd(buf, start, end);
      const key = JSON.parse(buf.toString("utf8", start, close + 1)) as string;
      let colon = close + 1;
      while (isSpace(buf[colon])) colon++;
      if (buf[colon] !== COLON) throw new Malformed();
      setMember(out, key, parseSpan(buf, colon + 1, end, inner));
    },
  );
  return out;
}

/** As JSON.parse does: `__proto__` becomes an own member, not the prototype. */
function setMember(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
  else out[key] = value;
}
