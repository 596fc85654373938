/**
 * awsJson1_0 (CloudWatch) and awsJson1_1 (Logs): input read against the SDK's
 * schemas in one pass, output written by a converter compiled from them.
 */
import type { NormalizedSchema } from "@smithy/core/schema";
import { protocolError } from "../errors.js";
import { InputReader } from "./input-reader.js";
import { JsonOutputWriter } from "./json-writer.js";
import { parseJsonBody } from "./json-parse.js";
import type { ServiceModel } from "./services.js";

/** Parses and reads the body; types and required members are checked in the same pass. */
export async function decodeJsonInput(service: ServiceModel, input: NormalizedSchema, body: Buffer): Promise<unknown> {
  let parsed: unknown;
  try {
    parsed = body.length ? parseJsonBody(body) : {};
  } catch (e) {
    throw protocolError("SerializationException", `Request body is not valid JSON: ${(e as Error).message}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw protocolError("SerializationException", "Request body must be a JSON object.");
  }
  return InputReader.for(service).read(input, parsed);
}

const writer = new JsonOutputWriter();

export function encodeJsonOutput(output: NormalizedSchema, value: unknown): string {
  if (output.isUnitSchema()) return "{}";
  return writer.write(output, value);
}
