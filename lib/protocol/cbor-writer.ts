/**
 * smithy-rpc-v2-cbor output, written from an SDK output value and its schema
 * as AWS writes it: double members as CBOR floats even when whole (boto3
 * users get 100.0, not 100) and timestamps as tag 1 over a float of epoch
 * seconds (localstack's test_basic_operations_multiple_protocols, recorded
 * against AWS: "Timestamps" holds c1 fb …). The SDK's CBOR encoder writes
 * every whole number as an integer, so it cannot say either.
 */
import type { NormalizedSchema } from "@smithy/core/schema";
import { isDoubleMember } from "./doubles.js";

const enum Major {
  Uint = 0,
  NegInt = 1,
  Bytes = 2,
  Text = 3,
  Array = 4,
  Map = 5,
  Tag = 6,
}

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
      this.head(Major.Array, list.length);
      for (const x of list) kind === "plain" ? this.value(element, x, double) : this.scalar(kind, x);
      return;
    }
    if (schema.isMapSchema()) {
      const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined && x !== null);
      const element = schema.getValueSchema();
      const kind = kindOf(element, double);
      this.head(Major.Map, entries.length);
      for (const [k, x] of entries) {
        this.text(k);
        kind === "plain" ? this.value(element, x, double) : this.scalar(kind, x);
      }
      return;
    }
    const kind = kindOf(schema, double);
    if (kind !== "plain") return this.scalar(kind, v);
    this.generic(v);
  }

  private struct(schema: NormalizedSchema, v: Record<string, unknown>): void {
    const present: Array<[string, NormalizedSchema]> = [];
    for (const [name, member] of schema.structIterator()) {
      if (v[name] !== undefined && v[name] !== null) present.push([name, member]);
    }
    this.head(Major.Map, present.length);
    for (const [name, member] of present) {
      this.text(name);
      this.value(member, v[name], isDoubleMember(schema, name));
    }
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
      this.head(Major.Array, v.length);
      for (const x of v) this.generic(x);
      return;
    }
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    this.head(Major.Map, entries.length);
    for (const [k, x] of entries) {
      this.text(k);
      this.generic(x);
    }
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
