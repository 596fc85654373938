/**
 * The byte cursor the fast JSON readers (PutMetricData, PutLogEvents) share:
 * whitespace and punctuation, and the sentinel a reader throws when a body
 * leaves its fast path for the general decoder.
 */
import { COMMA } from "./json-bytes.js";

/** Thrown inside a fast reader when the body leaves the fast path; caught at its top. */
class GeneralPath extends Error {}
export const LEAVE: Error = new GeneralPath();

export const isJsonSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

export class JsonCursor {
  i = 0;
  readonly end: number;
  constructor(readonly buf: Buffer) {
    this.end = buf.length;
  }

  /** The next byte past whitespace (not consumed); -1 at the end. */
  peek(): number {
    const buf = this.buf;
    let i = this.i;
    while (i < this.end && isJsonSpace(buf[i])) i++;
    this.i = i;
    return i < this.end ? buf[i] : -1;
  }

  expect(byte: number): void {
    if (this.peek() !== byte) throw LEAVE;
    this.i++;
  }

  /** After a member or element: true for a comma, false for `close`. */
  more(close: number): boolean {
    const c = this.peek();
    this.i++;
    if (c === COMMA) return true;
    if (c !== close) throw LEAVE;
    return false;
  }

  /** Opens an object or array: false when it is empty (and consumed whole). */
  open(openByte: number, close: number): boolean {
    this.expect(openByte);
    if (this.peek() === close) {
      this.i++;
      return false;
    }
    return true;
  }
}
