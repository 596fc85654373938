/**
 * awsJson output writing: JSON text straight from an SDK output value, with
 * a writer compiled once per schema (timestamps as epoch seconds, blobs as
 * base64, NaN and ±Infinity as strings). The SDK's JsonShapeSerializer does
 * the same walk generically; GetMetricData answers carry 100,800 timestamps
 * and values, and this is their hot path: a list that is finite numbers is
 * left to the native JSON.stringify, and a list object met twice in one
 * answer (GetMetricData's results share one Timestamps list) is written once
 * and its text reused.
 */
import type { NormalizedSchema } from "@smithy/core/schema";
import { doubleText, isDoubleMember } from "./doubles.js";

/** Text of a value, or undefined to leave the member out. */
type Writer = (value: unknown) => string | undefined;

const json: Writer = (v) => (v === undefined || v === null ? undefined : typeof v === "bigint" ? String(v) : JSON.stringify(v));

function number(v: unknown): string | undefined {
  if (typeof v !== "number") return json(v);
  if (Number.isFinite(v)) return String(v); // what JSON.stringify writes for a finite number
  return Number.isNaN(v) ? '"NaN"' : v > 0 ? '"Infinity"' : '"-Infinity"';
}

/** A list of finite doubles: natively when none is whole (the common case of measured values), else built. */
function doubleList(values: number[]): string {
  if (!values.some(Number.isInteger)) return JSON.stringify(values);
  let text = "[";
  for (let i = 0; i < values.length; i++) {
    if (i) text += ",";
    text += doubleText(values[i]);
  }
  return `${text}]`;
}

/** A double member: always with a fraction, as AWS writes it ("41.0"). */
function double(v: unknown): string | undefined {
  if (typeof v !== "number" || !Number.isFinite(v)) return number(v);
  return doubleText(v);
}

/** Epoch seconds as a double, as AWS writes them ("1765977780.0": localstack's test_basic_operations_multiple_protocols). */
function timestamp(v: unknown): string | undefined {
  return v instanceof Date ? double(v.getTime() / 1000) : number(v);
}

function blob(v: unknown): string | undefined {
  if (v instanceof Uint8Array) return JSON.stringify(Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64"));
  return json(v);
}

export class JsonOutputWriter {
  private readonly cache = new Map<unknown, Writer>();

  /** Text of the lists written in the write under way. */
  private readonly written = new Map<unknown[], string>();

  write(schema: NormalizedSchema, value: unknown): string {
    try {
      return this.compile(schema)(value ?? {}) ?? "{}";
    } finally {
      this.written.clear();
    }
  }

  private compile(schema: NormalizedSchema): Writer {
    const key = schema.getSchema();
    let c = this.cache.get(key);
    if (!c) {
      let built: Writer | undefined;
      this.cache.set(key, (v) => built!(v)); // recursive shapes
      built = this.build(schema);
      this.cache.set(key, built);
      c = built;
    }
    return c;
  }

  private build(schema: NormalizedSchema): Writer {
    if (schema.isStructSchema()) {
      const members = [...schema.structIterator()];
      let writers: Array<[string, string, Writer]> | undefined;
      return (value) => {
        if (value === null || typeof value !== "object") return json(value);
        writers ??= members.map(([name, member]) => [
          name,
          `${JSON.stringify(name)}:`,
          isDoubleMember(schema, name) ? this.doubles(member) : this.compile(member),
        ]);
        const v = value as Record<string, unknown>;
        let out = "";
        for (const [name, prefix, write] of writers) {
          const m = v[name];
          if (m === undefined || m === null) continue;
          const text = write(m);
          if (text === undefined) continue;
          out += out ? `,${prefix}${text}` : prefix + text;
        }
        return `{${out}}`;
      };
    }
    if (schema.isListSchema()) return this.list(() => this.compile(schema.getValueSchema()));
    if (schema.isMapSchema()) return this.map(() => this.compile(schema.getValueSchema()));
    if (schema.isTimestampSchema()) return timestamp;
    if (schema.isBlobSchema()) return blob;
    if (schema.isNumericSchema()) return number;
    return json;
  }

  /** A member the model types as a double, or a list or map of them. */
  private doubles(member: NormalizedSchema): Writer {
    if (member.isListSchema()) return this.list(() => double);
    if (member.isMapSchema()) return this.map(() => double);
    return double;
  }

  private list(element: () => Writer): Writer {
    let write: Writer | undefined;
    return (value) => {
      if (!Array.isArray(value)) return json(value);
      const done = this.written.get(value);
      if (done !== undefined) return done;
      write ??= element();
      let text: string;
      // Lists of finite numbers (GetMetricData's Values) are written natively; a double's whole values get their ".0".
      if (write === number && value.every(Number.isFinite)) text = JSON.stringify(value);
      else if (write === double && value.every(Number.isFinite)) text = doubleList(value);
      else {
        const parts = new Array<string>(value.length);
        for (let i = 0; i < value.length; i++) parts[i] = write(value[i]) ?? "null";
        text = `[${parts.join(",")}]`;
      }
      this.written.set(value, text);
      return text;
    };
  }

  private map(element: () => Writer): Writer {
    let write: Writer | undefined;
    return (value) => {
      if (value === null || typeof value !== "object") return json(value);
      write ??= element();
      const parts: string[] = [];
      for (const [k, v] of Object.entries(value)) {
        if (v === undefined || v === null) continue;
        const text = write(v);
        if (text !== undefined) parts.push(`${JSON.stringify(k)}:${text}`);
      }
      return `{${parts.join(",")}}`;
    };
  }
}
