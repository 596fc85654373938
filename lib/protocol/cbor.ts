/**
 * smithy-rpc-v2-cbor (CloudWatch, the default of current boto3 and aws CLI):
 * the SDK's CBOR decoder and the shared schema reader for input, our writer
 * for output (cbor-writer.ts: doubles, timestamps and lengths as AWS writes them).
 */
import { cbor } from "@smithy/core/cbor";
import type { NormalizedSchema } from "@smithy/core/schema";
import { protocolError } from "../errors.js";
import { CborOutputWriter } from "./cbor-writer.js";
import { InputReader } from "./input-reader.js";
import type { ServiceModel } from "./services.js";

/** Decodes the body and reads it against the schema (types and required members checked). */
export async function decodeCborInput(service: ServiceModel, input: NormalizedSchema, body: Buffer): Promise<unknown> {
  if (body.length === 0) return {};
  let raw: unknown;
  try {
    raw = cbor.deserialize(new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
  } catch (e) {
    throw protocolError("SerializationException", `Request body is not valid CBOR: ${(e as Error).message}`);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw protocolError("SerializationException", "Request body must be a CBOR map.");
  }
  return InputReader.for(service).read(input, raw);
}

const writer = new CborOutputWriter();

export function encodeCborOutput(output: NormalizedSchema, value: unknown): Uint8Array {
  if (output.isUnitSchema()) return new Uint8Array(0);
  return writer.write(output, value ?? {});
}

/** A value without a schema (an error's body), written as AWS writes any answer. */
export function encodeCborValue(value: unknown): Uint8Array {
  return writer.writeGeneric(value);
}
