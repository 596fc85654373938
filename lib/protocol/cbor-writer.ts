/**
 * smithy-rpc-v2-cbor output, written from an SDK output value and its schema
 * as AWS writes it: double members as CBOR floats even when whole (boto3
 * users get 100.0, not 100) and timestamps as tag 1 over a float of epoch
 * seconds, and every list and map of indefinite length (9f … ff, bf … ff):
 * localstack's test_basic_operations_multiple_protocols, recorded against
 * AWS, finds "Timestamps" 9f c1 fb …. The SDK's CBOR encoder writes every
 * whole number as an integer and every length up front, so it cannot say these.
 */
import type { NormalizedSchema } from "@smithy/core/schema";
import { isDoubleMember } from "./doubles.js";

const enum Major {
  Uint = 0,
  NegInt = 1,
  Bytes = 2,
  Text = 3,
}

/** Heads of an indefinite-length array and map, and the break that ends either. */
const ARRAY_START = 0x9f;
const MAP_START = 0xbf;
const BREAK = 0xff;

/** The buffer kept between answers, at most. */
const MAX_KEPT = 1 << 20;

/** What a value is written as, decided once per schema. */
type Kind = "double" | "number" | "timestamp" | "blob" | "plain";

export class CborOutputWriter {
  private buf = Buffer.allocUnsafe(4096);
  private pos = 0;

  write(schema: NormalizedSchema, value: unknown): Uint8Array {
    this.pos = 0;
    this.value(schema, value ?? {}, false);
    return this.take();
  }

  private take(): Uint8Array {
    const out = Uint8Array.prototype.slice.call(this.buf, 0, this.pos);
    if (this.buf.length > MAX_KEPT) this.buf = Buffer.allocUnsafe(4096); // one big answer does not hold memory
    return out;
  }

  private value(schema: NormalizedSchema, v: unknown, double: boolean): void {
    if (schema.isStructSchema()) return this.struct(schema, v as Record<string, unknown>);
    if (schema.isListSchema()) {
      const list = v as unknown[];
      const element = schema.getValueSchema();
      const kind = kindOf(element, double);
      this.byte(ARRAY_START);
      for (const x of list) kind === "plain" ? this.value(element, x, double) : this.scalar(kind, x);
      return this.byte(BREAK);
    }
    if (schema.isMapSchema()) {
      const element = schema.getValueSchema();
      const kind = kindOf(element, double);
      this.byte(MAP_START);
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (x === undefined || x === null) continue;
        this.text(k);
        kind === "plain" ? this.value(element, x, double) : this.scalar(kind, x);
      }
      return this.byte(BREAK);
    }
    const kind = kindOf(schema, double);
    if (kind !== "plain") return this.scalar(kind, v);
    this.generic(v);
  }

  private struct(schema: NormalizedSchema, v: Record<string, unknown>): void {
    this.byte(MAP_START);
    for (const [name, member] of schema.structIterator()) {
      if (v[name] === undefined || v[name] === null) continue;
      this.text(name);
      this.value(member, v[name], isDoubleMember(schema, name));
    }
    this.byte(BREAK);
  }

  private scalar(kind: Kind, v: unknown): void {
    if (kind === "timestamp" && v instanceof Date) {
      this.ensure(1);
      this.buf[this.pos++] = 0xc1; // tag 1: epoch-based date/time
      return this.float(v.getTime() / 1000);
    }
    if (kind === "blob" && v instanceof Uint8Array) {
      this.head(Major.Bytes, v.byteLength);
      this.ensure(v.byteLength);
      this.buf.set(v, this.pos);
      this.pos += v.byteLength;
      return;
    }
    if (kind === "double" && typeof v === "number") return this.float(v);
    this.generic(v);
  }

  /** A value without schema guidance (an error's body). */
  writeGeneric(v: unknown): Uint8Array {
    this.pos = 0;
    this.generic(v);
    return this.take();
  }

  /** A value without schema guidance: documents, enums, strings, booleans, integers. */
  private generic(v: unknown): void {
    if (typeof v === "string") return this.text(v);
    if (typeof v === "number") return Number.isSafeInteger(v) ? this.int(v) : this.float(v);
    if (typeof v === "boolean") return this.byte(v ? 0xf5 : 0xf4);
    if (typeof v === "bigint") return v >= 0n ? this.head(Major.Uint, v) : this.head(Major.NegInt, -v - 1n);
    if (v === null || v === undefined) return this.byte(0xf6);
    if (v instanceof Date) return this.scalar("timestamp", v);
    if (v instanceof Uint8Array) return this.scalar("blob", v);
    if (Array.isArray(v)) {
      this.byte(ARRAY_START);
      for (const x of v) this.generic(x);
      return this.byte(BREAK);
    }
    this.byte(MAP_START);
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (x === undefined) continue;
      this.text(k);
      this.generic(x);
    }
    this.byte(BREAK);
  }

  private int(v: number): void {
    if (v >= 0) this.head(Major.Uint, v);
    else this.head(Major.NegInt, -v - 1);
  }

  private float(v: number): void {
    this.ensure(9);
    this.buf[this.pos++] = 0xfb;
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }

  private text(s: string): void {
    const n = Buffer.byteLength(s, "utf8");
    this.head(Major.Text, n);
    this.ensure(n);
    this.pos += this.buf.write(s, this.pos, "utf8");
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  private head(major: Major, n: number | bigint): void {
    this.ensure(9);
    const m = major << 5;
    const b = this.buf;
    if (typeof n === "bigint" || n >= 2 ** 32) {
      b[this.pos++] = m | 27;
      b.writeBigUInt64BE(BigInt(n), this.pos);
      this.pos += 8;
    } else if (n < 24) b[this.pos++] = m | n;
    else if (n < 256) {
      b[this.pos++] = m | 24;
      b[this.pos++] = n;
    } else if (n < 65536) {
      b[this.pos++] = m | 25;
      b.writeUInt16BE(n, this.pos);
      this.pos += 2;
    } else {
      b[this.pos++] = m | 26;
      b.writeUInt32BE(n, this.pos);
      this.pos += 4;
    }
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }
}

function kindOf(schema: NormalizedSchema, double: boolean): Kind {
  if (schema.isTimestampSchema()) return "timestamp";
  if (schema.isBlobSchema()) return "blob";
  if (schema.isNumericSchema()) return double ? "double" : "number";
  return "plain";
}
