/**
 * Checks decoded input against the service schema: every value has the type
 * its member declares, and every required member is there. The SDK's codecs
 * are lenient (they are written for clients), so the server checks here.
 */
import type { NormalizedSchema } from "@smithy/core/schema";
import { ServiceError } from "../errors.js";
import { requiredMembers, type ServiceModel } from "./services.js";

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date) && !(v instanceof Uint8Array);

function typeName(schema: NormalizedSchema): string {
  if (schema.isStructSchema()) return "structure";
  if (schema.isListSchema()) return "list";
  if (schema.isMapSchema()) return "map";
  if (schema.isTimestampSchema()) return "timestamp";
  if (schema.isBlobSchema()) return "blob";
  if (schema.isBooleanSchema()) return "boolean";
  if (schema.isNumericSchema()) return "number";
  return "string";
}

function wrongType(schema: NormalizedSchema, value: unknown, path: string): ServiceError {
  const got = Array.isArray(value) ? "list" : value instanceof Date ? "timestamp" : typeof value;
  return new ServiceError(
    "SerializationException",
    `Value at '${path}' must be a ${typeName(schema)}, not a ${got}.`,
    400,
  );
}

/** AWS's error for a required member that is not there, in the service's style. */
export function missingMember(service: ServiceModel, path: string): ServiceError {
  if (service.name === "logs") {
    return new ServiceError(
      "InvalidParameterException",
      `1 validation error detected: Value null at '${path}' failed to satisfy constraint: Member must not be null`,
      400,
    );
  }
  return new ServiceError("MissingParameter", `The parameter ${path} is required.`, 400);
}

function check(service: ServiceModel, schema: NormalizedSchema, value: unknown, path: string): void {
  if (value === undefined || value === null) return;
  if (schema.isStructSchema()) {
    if (!isPlainObject(value)) throw wrongType(schema, value, path);
    for (const name of requiredMembers(schema)) {
      if (value[name] === undefined || value[name] === null) throw missingMember(service, path ? `${path}.${name}` : name);
    }
    for (const [name, member] of schema.structIterator()) {
      if (name in value) check(service, member, value[name], path ? `${path}.${name}` : name);
    }
  } else if (schema.isListSchema()) {
    if (!Array.isArray(value)) throw wrongType(schema, value, path);
    const member = schema.getValueSchema();
    for (let i = 0; i < value.length; i++) {
      if (value[i] === null || value[i] === undefined) throw wrongType(member, value[i], `${path}.member.${i + 1}`);
      check(service, member, value[i], `${path}.member.${i + 1}`);
    }
  } else if (schema.isMapSchema()) {
    if (!isPlainObject(value)) throw wrongType(schema, value, path);
    const member = schema.getValueSchema();
    for (const [k, v] of Object.entries(value)) check(service, member, v, `${path}.${k}`);
  } else if (schema.isTimestampSchema()) {
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw wrongType(schema, value, path);
  } else if (schema.isBlobSchema()) {
    if (!(value instanceof Uint8Array)) throw wrongType(schema, value, path);
  } else if (schema.isBooleanSchema()) {
    if (typeof value !== "boolean") throw wrongType(schema, value, path);
  } else if (schema.isNumericSchema()) {
    if (typeof value !== "number") throw wrongType(schema, value, path);
  } else if (schema.isStringSchema()) {
    if (typeof value !== "string") throw wrongType(schema, value, path);
  }
}

export function validateInput(service: ServiceModel, input: NormalizedSchema, value: unknown): void {
  check(service, input, value, "");
}
