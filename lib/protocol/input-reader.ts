/**
 * Server-side input reading in one pass over a parsed JSON or CBOR body:
 * checks every value's type against the SDK schema and
 * converts it as the SDK's deserialisers would (epoch-seconds numbers or CBOR
 * tag-1 timestamps to Date, base64 strings or CBOR byte strings to bytes,
 * "NaN" and "Infinity" strings to numbers). Readers are compiled once per
 * schema: PutMetricData bodies carry a thousand datums and this is their hot
 * path.
 */
import { NormalizedSchema } from "@smithy/core/schema";
import { ServiceError, protocolError } from "../errors.js";
import type { ServiceModel } from "./services.js";

/**
 * `path` names the value in error messages ("MetricData.member.3.Value").
 * Undefined on the first pass: building a path for every value of a
 * thousand-datum body cost more than reading it, so paths are only built
 * when that pass fails and the body is read again to say where.
 */
type Reader = (value: unknown, path: string | undefined) => unknown;

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

function typeError(expected: string, value: unknown, path: string | undefined): ServiceError {
  const got = value === null ? "null" : Array.isArray(value) ? "list" : typeof value;
  return protocolError("SerializationException", `Value at '${path}' must be a ${expected}, not a ${got}.`);
}

export const joinPath = (path: string, name: string) => (path ? `${path}.${name}` : name);
const join = (path: string | undefined, name: string) => (path === undefined ? undefined : joinPath(path, name));
const memberPath = (path: string | undefined, i: number) => (path === undefined ? undefined : `${path}.member.${i + 1}`);

const SPECIAL: Record<string, number> = { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity };

/** A CBOR tag (as @smithy/core/cbor decodes it): tag 1 is an epoch-seconds timestamp. */
const isEpochTag = (v: unknown): v is { tag: number | bigint; value: number } =>
  v !== null && typeof v === "object" && Number((v as { tag?: unknown }).tag) === 1 && typeof (v as { value?: unknown }).value === "number";

// The datums of one request mostly share a timestamp: consecutive equal
// epoch numbers get the same Date (no handler mutates an input's Date).
let lastEpoch = NaN;
let lastDate = new Date(NaN);

function readTimestamp(value: unknown, path: string | undefined): Date {
  let d: Date | undefined;
  if (isEpochTag(value)) value = value.value;
  if (typeof value === "number" && value === lastEpoch) return lastDate;
  if (value instanceof Date) d = value;
  else if (typeof value === "number") {
    d = new Date(Math.round(value * 1000));
    if (!Number.isNaN(d.getTime())) [lastEpoch, lastDate] = [value, d];
  }
  else if (typeof value === "string") d = /^-?\d+(\.\d+)?$/.test(value) ? new Date(Math.round(Number(value) * 1000)) : new Date(value);
  if (!d || Number.isNaN(d.getTime())) throw typeError("timestamp", value, path);
  return d;
}

export class InputReader {
  private static readonly byService = new Map<ServiceModel, InputReader>();
  /** One reader (and compiled cache) per service. */
  static for(service: ServiceModel): InputReader {
    let r = InputReader.byService.get(service);
    if (!r) InputReader.byService.set(service, (r = new InputReader(service)));
    return r;
  }

  private readonly cache = new Map<unknown, Reader>();
  private constructor(private readonly service: ServiceModel) {}

  read(schema: NormalizedSchema, value: unknown): unknown {
    const reader = this.compile(schema);
    try {
      return reader(value, undefined);
    } catch (e) {
      if (e instanceof ServiceError) reader(value, ""); // again, with paths: throws the same error, saying where
      throw e;
    }
  }

  private compile(schema: NormalizedSchema): Reader {
    const key = schema.getSchema();
    let reader = this.cache.get(key);
    if (!reader) {
      // Placeholder first: recursive shapes refer to themselves.
      let built: Reader | undefined;
      this.cache.set(key, (v, p) => built!(v, p));
      built = this.build(schema);
      this.cache.set(key, built);
      reader = built;
    }
    return reader;
  }

  private build(schema: NormalizedSchema): Reader {
    if (schema.isStructSchema()) {
      const members = [...schema.structIterator()].map(([name, member]) => ({ name, read: () => this.compile(member) }));
      const resolved: Array<{ name: string; read: Reader }> = [];
      return (value, path) => {
        if (!isPlainObject(value)) throw typeError("structure", value, path);
        if (resolved.length !== members.length) for (const m of members.slice(resolved.length)) resolved.push({ name: m.name, read: m.read() });
        const out: Record<string, unknown> = {};
        for (const m of resolved) {
          const v = value[m.name];
          if (v !== undefined && v !== null) out[m.name] = m.read(v, join(path, m.name));
        }
        return out;
      };
    }
    if (schema.isListSchema()) {
      const member = schema.getValueSchema();
      let read: Reader | undefined;
      return (value, path) => {
        if (!Array.isArray(value)) throw typeError("list", value, path);
        read ??= this.compile(member);
        const out = new Array(value.length);
        for (let i = 0; i < value.length; i++) {
          const v = value[i];
          if (v === null || v === undefined) throw typeError("value", v, memberPath(path, i));
          out[i] = read(v, memberPath(path, i));
        }
        return out;
      };
    }
    if (schema.isMapSchema()) {
      const member = schema.getValueSchema();
      let read: Reader | undefined;
      return (value, path) => {
        if (!isPlainObject(value)) throw typeError("map", value, path);
        read ??= this.compile(member);
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = read(v, join(path, k));
        return out;
      };
    }
    if (schema.isTimestampSchema()) return readTimestamp;
    if (schema.isBlobSchema()) {
      return (value, path) => {
        if (value instanceof Uint8Array) return value;
        if (typeof value !== "string") throw typeError("blob", value, path);
        return Buffer.from(value, "base64");
      };
    }
    if (schema.isBooleanSchema()) {
      return (value, path) => {
        if (typeof value !== "boolean") throw typeError("boolean", value, path);
        return value;
      };
    }
    if (schema.isNumericSchema() || schema.isBigIntegerSchema() || schema.isBigDecimalSchema()) {
      return (value, path) => {
        if (typeof value === "number") return value;
        if (typeof value === "bigint") return Number(value);
        if (typeof value === "string" && Object.hasOwn(SPECIAL, value)) return SPECIAL[value];
        throw typeError("number", value, path);
      };
    }
    if (schema.isStringSchema()) {
      return (value, path) => {
        if (typeof value !== "string") throw typeError("string", value, path);
        return value;
      };
    }
    return (value) => value; // documents
  }
}
