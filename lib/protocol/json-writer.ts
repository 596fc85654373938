/**
 * awsJson output writing: turns an SDK output value into JSON-ready data
 * (timestamps as epoch seconds, blobs as base64, NaN and ±Infinity as
 * strings) with a converter compiled once per schema, then lets the native
 * JSON.stringify write it. The SDK's JsonShapeSerializer does the same walk
 * generically; GetMetricData answers carry 100,800 timestamps and values, and
 * this is their hot path.
 */
import type { NormalizedSchema } from "@smithy/core/schema";

type Converter = (value: unknown) => unknown;

const identity: Converter = (v) => v;

function number(v: unknown): unknown {
  if (typeof v !== "number" || Number.isFinite(v)) return v;
  return Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
}

function timestamp(v: unknown): unknown {
  if (v instanceof Date) return v.getTime() / 1000;
  return v;
}

function blob(v: unknown): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
  return v;
}

export class JsonOutputWriter {
  private readonly cache = new Map<unknown, Converter>();

  /** Lists converted in the write under way (GetMetricData shares a Timestamps list between series). */
  private readonly converted = new Map<unknown[], unknown[]>();

  write(schema: NormalizedSchema, value: unknown): string {
    try {
      return JSON.stringify(this.compile(schema)(value ?? {}));
    } finally {
      this.converted.clear();
    }
  }

  private compile(schema: NormalizedSchema): Converter {
    const key = schema.getSchema();
    let c = this.cache.get(key);
    if (!c) {
      let built: Converter | undefined;
      this.cache.set(key, (v) => built!(v)); // recursive shapes
      built = this.build(schema);
      this.cache.set(key, built);
      c = built;
    }
    return c;
  }

  private build(schema: NormalizedSchema): Converter {
    if (schema.isStructSchema()) {
      const members = [...schema.structIterator()];
      let converters: Array<[string, Converter]> | undefined;
      return (value) => {
        if (value === null || typeof value !== "object") return value;
        converters ??= members.map(([name, member]) => [name, this.compile(member)]);
        const v = value as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        for (const [name, convert] of converters) {
          const m = v[name];
          if (m !== undefined && m !== null) out[name] = convert(m);
        }
        return out;
      };
    }
    if (schema.isListSchema()) {
      const member = schema.getValueSchema();
      let convert: Converter | undefined;
      return (value) => {
        if (!Array.isArray(value)) return value;
        convert ??= this.compile(member);
        if (convert === identity) return value;
        const done = this.converted.get(value);
        if (done) return done;
        // Lists of finite numbers (GetMetricData's Values) are written as they are.
        if (convert === number && value.every(Number.isFinite)) return value;
        const out = new Array(value.length);
        for (let i = 0; i < value.length; i++) out[i] = convert(value[i]);
        this.converted.set(value, out);
        return out;
      };
    }
    if (schema.isMapSchema()) {
      const member = schema.getValueSchema();
      let convert: Converter | undefined;
      return (value) => {
        if (value === null || typeof value !== "object") return value;
        convert ??= this.compile(member);
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) if (v !== undefined && v !== null) out[k] = convert(v);
        return out;
      };
    }
    if (schema.isTimestampSchema()) return timestamp;
    if (schema.isBlobSchema()) return blob;
    if (schema.isNumericSchema()) return number;
    return identity;
  }
}
