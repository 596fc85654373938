/**
 * Sequential binary writing and reading for the metric formats (chunks and
 * ingest messages): bytes, unsigned LEB128 varints up to 2^53, zigzag
 * varints, big-endian float64 and length-prefixed UTF-8 strings
 * (docs/formats/README.md). A reader that runs out of bytes, or meets a count
 * its bytes cannot hold, throws corruptStoredData: stored bytes are never trusted.
 */
import { corruptStoredData } from "../../errors.js";

export const zigzag = (x: number): number => (x >= 0 ? 2 * x : -2 * x - 1);

export function varintSize(x: number): number {
  let n = 1;
  while (x >= 128) {
    x = Math.floor(x / 128);
    n++;
  }
  return n;
}

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();

export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  private len = 0;

  constructor(initialSize = 256) {
    this.buf = new Uint8Array(initialSize);
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  /** Unsigned integer up to 2^53; arithmetic, not bit operations, past 32 bits. */
  varint(x: number): void {
    if (!(x >= 0) || !Number.isSafeInteger(x)) throw new RangeError(`varint out of range: ${x}`);
    this.ensure(8);
    while (x >= 128) {
      this.buf[this.len++] = (x % 128) | 128;
      x = Math.floor(x / 128);
    }
    this.buf[this.len++] = x;
  }

  zigzag(x: number): void {
    this.varint(zigzag(x));
  }

  float64(x: number): void {
    this.ensure(8);
    this.view.setFloat64(this.len, x);
    this.len += 8;
  }

  /** varint byte length, then UTF-8. */
  string(s: string): void {
    // UTF-8 is at most three bytes per UTF-16 unit; one length byte fits most names.
    this.ensure(9 + s.length * 3);
    if (s.length < 128) {
      // Names are mostly ASCII: copied in place, with no view for encodeInto.
      let ascii = true;
      for (let i = 0; i < s.length && ascii; i++) ascii = s.charCodeAt(i) < 0x80;
      if (ascii) {
        this.buf[this.len++] = s.length;
        for (let i = 0; i < s.length; i++) this.buf[this.len++] = s.charCodeAt(i);
        return;
      }
    }
    const lengthAt = this.len++;
    const { written } = ENCODER.encodeInto(s, this.buf.subarray(this.len));
    if (written < 128) {
      this.buf[lengthAt] = written;
      this.len += written;
      return;
    }
    const text = this.buf.slice(this.len, this.len + written);
    this.len = lengthAt;
    this.varint(written);
    this.bytes(text);
  }

  /** Bytes written so far. */
  length(): number {
    return this.len;
  }

  /** Starts over, keeping the buffer. */
  reset(): void {
    this.len = 0;
  }

  /** What was written, without a copy: valid until the next write or reset. */
  written(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  /** A copy of what was written. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

export class ByteReader {
  private pos = 0;
  /** Made on the first float64: wide reads make a reader per chunk, and most never need one. */
  private view?: DataView;

  /** `name` goes into the errors: "truncated chunk". */
  constructor(
    private readonly buf: Uint8Array,
    private readonly name: string,
  ) {}

  byte(): number {
    if (this.pos >= this.buf.length) throw corruptStoredData(this.name, "truncated");
    return this.buf[this.pos++];
  }

  bytes(n: number): Uint8Array {
    if (this.pos + n > this.buf.length) throw corruptStoredData(this.name, "truncated");
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** Skips `n` bytes and returns where they start: a decoder that reads them in place. */
  skip(n: number): number {
    if (this.pos + n > this.buf.length) throw corruptStoredData(this.name, "truncated");
    const at = this.pos;
    this.pos += n;
    return at;
  }

  /** Bytes not read yet: a decoder checks it is 0 at the end. */
  remaining(): number {
    return this.buf.length - this.pos;
  }

  varint(): number {
    let b = this.byte();
    if (b < 128) return b;
    let x = 0;
    let scale = 1;
    for (;;) {
      x += (b & 0x7f) * scale;
      if (b < 128) return x;
      scale *= 128;
      if (scale > 2 ** 56) throw corruptStoredData(this.name, "varint too long");
      b = this.byte();
    }
  }

  /**
   * A count of items that follow, each at least `minItemBytes` long: more than
   * the bytes left can hold is corrupt (and must not size an array).
   */
  count(minItemBytes = 1): number {
    const n = this.varint();
    if (n * minItemBytes > this.buf.length - this.pos) throw corruptStoredData(this.name, `a count of ${n} exceeds the bytes left`);
    return n;
  }

  /** Reports corrupt content found by the format's own checks. */
  corrupt(detail: string): never {
    throw corruptStoredData(this.name, detail);
  }

  zigzag(): number {
    const z = this.varint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  float64(): number {
    if (this.pos + 8 > this.buf.length) throw corruptStoredData(this.name, "truncated");
    this.view ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    const v = this.view.getFloat64(this.pos);
    this.pos += 8;
    return v;
  }

  string(): string {
    const n = this.varint();
    return utf8At(this.buf, this.skip(n), n);
  }
}

/** The UTF-8 text of `buf[start, start + n)` (invalid sequences become U+FFFD). */
export function utf8At(buf: Uint8Array, start: number, n: number): string {
  const end = start + n;
  // Names are short and mostly ASCII: a loop beats a call into TextDecoder.
  if (n <= 32) {
    let s = "";
    for (let i = start; i < end; i++) {
      const c = buf[i];
      if (c >= 0x80) return DECODER.decode(buf.subarray(start, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return DECODER.decode(buf.subarray(start, end));
}
