/**
 * The vendored AWS models (models/) describe the same services as the SDK
 * clients the project decodes with: every operation of a model is one the
 * SDK knows, and the SDK's others are exactly the ones newer than the model.
 */
import { describe, expect, it } from "vitest";
import source from "../../models/source.json" with { type: "json" };
import { CLOUDWATCH, LOGS } from "../../lib/protocol/index.js";
import { MODELS } from "../../lib/validation/service-models.js";
import { wholeValueRegex } from "../../lib/validation/java-regex.js";

/**
 * CloudWatch operations the SDK (@aws-sdk/client-cloudwatch 3.1164) has and
 * the newest botocore that could be vendored (1.43.67, August 2026) does not
 * yet: until a refresh brings them, their inputs are checked for types only.
 */
const NEWER_THAN_MODEL: Record<string, string[]> = {
  cloudwatch: [
    "CreateResourceMetricsConfiguration",
    "DeleteResourceMetricsConfiguration",
    "GetResourceMetricsConfiguration",
    "UpdateOTelEnrichment",
    "UpdateResourceMetricsConfiguration",
  ],
  logs: [],
};

describe.each([
  ["cloudwatch", CLOUDWATCH, MODELS.cloudwatch],
  ["logs", LOGS, MODELS.logs],
] as const)("the %s model", (name, sdk, model) => {
  it("has an operation for every SDK operation but those newer than it, and none the SDK lacks", () => {
    const modelOps = Object.keys(model.operations).sort();
    const sdkOps = [...sdk.operations.keys()].sort();
    expect(modelOps.filter((op) => !sdk.operations.has(op))).toEqual([]);
    expect(sdkOps.filter((op) => !(op in model.operations))).toEqual(NEWER_THAN_MODEL[name]);
  });

  it("is the one models/source.json records", () => {
    const entry = (source.services as Record<string, { uid: string; operations: number }>)[name];
    expect(entry.uid).toBe(model.metadata.uid);
    expect(entry.operations).toBe(Object.keys(model.operations).length);
    expect(source.botocoreVersion).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("names every input member as the SDK decodes it (the SDK, newer, may have more)", () => {
    for (const [op, def] of Object.entries(model.operations)) {
      if (!def.input) continue;
      const sdkMembers = new Set([...sdk.operations.get(op)!.input.structIterator()].map(([m]) => m));
      const unknown = Object.keys(model.shapes[def.input.shape].members ?? {}).filter((m) => !sdkMembers.has(m));
      expect(unknown, op).toEqual([]);
    }
  });

  it("has patterns that all translate into JavaScript", () => {
    for (const shape of Object.values(model.shapes)) if (shape.pattern !== undefined) expect(() => wholeValueRegex(shape.pattern!)).not.toThrow();
  });
});

it("CloudWatch is spoken in awsQuery, JSON and CBOR; Logs in JSON", () => {
  expect(MODELS.cloudwatch.metadata.protocols).toEqual(expect.arrayContaining(["query", "json", "smithy-rpc-v2-cbor"]));
  expect(MODELS.logs.metadata.protocols).toEqual(["json"]);
});
