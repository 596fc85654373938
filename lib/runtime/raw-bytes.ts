/**
 * Bytes a Lambda event carries as base64 (an HTTP request's body, a Kinesis
 * record's data), handed over as they are when the function runs in the
 * local runtime's process: the event's string field is then encoded only if
 * something reads it. Base64 of each 200 KB PutLogEvents body and of each
 * buffered batch the stream worker hands on was 5% of the API thread and
 * over half of the stream worker in CPU profiles. On Lambda the event is
 * plain JSON and `rawBytes` decodes the base64 as before.
 */
const RAW = Symbol.for("hive.cloudwatch.raw-bytes");

/** Sets `target[field]` to the base64 of `raw`, computed when first read, and keeps `raw` beside it. */
export function withRawBytes<T extends object>(target: T, field: string, raw: Buffer): T {
  let encoded: string | undefined;
  Object.defineProperty(target, field, {
    enumerable: true,
    configurable: true,
    get: () => (encoded ??= raw.toString("base64")),
    set: (v: string) => {
      // Rewritten by someone: the string is the truth from now on.
      encoded = v;
      delete (target as Record<symbol, unknown>)[RAW];
    },
  });
  Object.defineProperty(target, RAW, { value: raw, enumerable: false, configurable: true });
  return target;
}

/** The bytes of a base64 field: handed over as they are (withRawBytes), or decoded. */
export function rawBytes(target: object, field: string): Buffer {
  const raw = (target as Record<symbol, unknown>)[RAW];
  if (Buffer.isBuffer(raw)) return raw;
  const text = (target as Record<string, unknown>)[field];
  return typeof text === "string" ? Buffer.from(text, "base64") : Buffer.alloc(0);
}
