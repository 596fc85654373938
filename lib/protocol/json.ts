/**
 * awsJson1_0 (CloudWatch) and awsJson1_1 (Logs), with the SDK's JSON codecs.
 */
import { JsonShapeDeserializer, JsonShapeSerializer } from "@aws-sdk/core/protocols";
import type { NormalizedSchema } from "@smithy/core/schema";
import { ServiceError } from "../errors.js";

const settings = { timestampFormat: { useTrait: true, default: 7 }, jsonName: false } as const;

export async function decodeJsonInput(input: NormalizedSchema, body: Buffer): Promise<unknown> {
  const text = body.length ? body.toString("utf8") : "{}";
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ServiceError("SerializationException", `Request body is not valid JSON: ${(e as Error).message}`, 400);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ServiceError("SerializationException", "Request body must be a JSON object.", 400);
  }
  try {
    return new JsonShapeDeserializer(settings as any).readObject(input, parsed as any);
  } catch (e) {
    throw new ServiceError("SerializationException", `Request body does not match the operation's input: ${(e as Error).message}`, 400);
  }
}

export function encodeJsonOutput(output: NormalizedSchema, value: unknown): string {
  if (output.isUnitSchema()) return "{}";
  const serializer = new JsonShapeSerializer(settings as any);
  serializer.write(output, value ?? {});
  return String(serializer.flush());
}
