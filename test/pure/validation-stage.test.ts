/**
 * The validation stage on its own: AWS's wording per service and protocol,
 * nested paths, every violation listed, characters counted as characters,
 * and a seeded fuzz over every operation of both models (any input is valid
 * or a ServiceError, never another exception).
 */
import { describe, expect, it } from "vitest";
import { ServiceError, validationError } from "../../lib/errors.js";
import { CLOUDWATCH, encodeError } from "../../lib/protocol/index.js";
import { MODELS, type BotocoreModel } from "../../lib/validation/service-models.js";
import { validateInput } from "../../lib/validation/validate-input.js";
import { javaDouble } from "../../lib/validation/violation.js";
import { rng } from "../support/random.js";

function answer(service: "cloudwatch" | "logs", operation: string, input: unknown): ServiceError | undefined {
  try {
    validateInput(service, operation, input);
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(ServiceError);
    return e as ServiceError;
  }
}

describe("CloudWatch Logs", () => {
  it("names nested members by their path, list elements as N.member, and lists every violation", () => {
    const e = answer("logs", "PutLogEvents", { logGroupName: "g", logStreamName: "s", logEvents: [{ timestamp: 1, message: "ok" }, { message: "" }] })!;
    expect([e.status, e.code]).toEqual([400, "InvalidParameterException"]);
    // winston-cloudwatch#55 shows AWS's form: `Value '[]' at 'logEvents' failed to satisfy constraint: …`.
    expect(e.message).toBe(
      "2 validation errors detected: " +
        "Value null at 'logEvents.2.member.timestamp' failed to satisfy constraint: Member must not be null; " +
        "Value '' at 'logEvents.2.member.message' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
    expect(answer("logs", "PutLogEvents", { logGroupName: "g", logStreamName: "s", logEvents: [] })!.message).toBe(
      "1 validation error detected: Value '[]' at 'logEvents' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  });

  it("answers ValidationException for operations whose model declares only that", () => {
    const e = answer("logs", "PutDeliveryDestination", { name: "d", deliveryDestinationConfiguration: { destinationResourceArn: "arn:x" }, outputFormat: "xml" })!;
    expect(e.code).toBe("ValidationException");
    expect(e.message).toMatch(/^1 validation error detected: Value 'xml' at 'outputFormat' failed to satisfy constraint: Member must satisfy enum value set: \[/);
  });

  it("counts lengths in characters: a supplementary character is one", () => {
    expect(answer("logs", "CreateLogStream", { logGroupName: "g", logStreamName: "😀".repeat(512) })).toBeUndefined();
    expect(answer("logs", "DeleteLogStream", { logGroupName: "g", logStreamName: "😀".repeat(513) })!.message).toMatch(
      /Member must have length less than or equal to 512$/,
    );
  });
});

describe("CloudWatch", () => {
  it("answers ValidationError with member names lower-cased in the first letter", () => {
    const e = answer("cloudwatch", "GetMetricStatistics", {
      Namespace: "ns", MetricName: "m", StartTime: new Date(0), EndTime: new Date(60_000), Period: 0, Statistics: ["Sum"],
    })!;
    expect([e.status, e.code]).toEqual([400, "ValidationError"]);
    expect(e.message).toBe("1 validation error detected: Value '0' at 'period' failed to satisfy constraint: Member must have value greater than or equal to 1");
  });

  it("answers a missing member with MissingParameter, named by its awsQuery path", () => {
    const e = answer("cloudwatch", "PutMetricData", { Namespace: "ns", MetricData: [{ MetricName: "m", Value: 1, Dimensions: [{ Name: "d" }] }] })!;
    expect([e.code, e.message]).toEqual(["MissingParameter", "The parameter MetricData.member.1.Dimensions.member.1.Value is required."]);
    expect(answer("cloudwatch", "GetMetricStatistics", { MetricName: "m" })!.message).toBe("The parameter Namespace is required.");
  });

  it("keeps PutMetricData's own answers (recorded by AWS users)", () => {
    // aws/amazon-cloudwatch-agent#240: InvalidParameterValue naming the awsQuery parameter.
    const long = answer("cloudwatch", "PutMetricData", {
      Namespace: "ns", MetricData: [{ MetricName: "m", Value: 1, Dimensions: [{ Name: "d", Value: "v".repeat(1025) }] }],
    })!;
    expect([long.code, long.message]).toEqual(["InvalidParameterValue", "The parameter MetricData.member.1.Dimensions.member.1.Value must be shorter than 1025 characters."]);
    const dims = Array.from({ length: 31 }, (_, i) => ({ Name: `d${i}`, Value: "v" }));
    expect(answer("cloudwatch", "PutMetricData", { Namespace: "ns", MetricData: [{ MetricName: "m", Value: 1, Dimensions: dims }] })!.message).toBe(
      "The collection MetricData.member.1.Dimensions must not have a size greater than 30.",
    );
    // The model's pattern `[^:].*` is not one of them: the generic answer.
    expect(answer("cloudwatch", "PutMetricData", { Namespace: ":ns", MetricData: [{ MetricName: "m", Value: 1 }] })!.code).toBe("ValidationError");
  });

  it.each(["json", "cbor"] as const)("over %s: __type com.amazon.coral.validate#ValidationException and the awsQuery code in x-amzn-query-error", (protocol) => {
    const wire = encodeError({ protocol, service: CLOUDWATCH }, validationError("1 validation error detected: x"), "req-1");
    expect(wire.statusCode).toBe(400);
    expect(wire.headers["x-amzn-query-error"]).toBe("ValidationError;Sender");
    if (protocol === "json") expect(JSON.parse(String(wire.body)).__type).toBe("com.amazon.coral.validate#ValidationException");
  });

  it("awsQuery: a Sender fault", () => {
    const wire = encodeError({ protocol: "query", service: CLOUDWATCH }, validationError("x"), "req-1");
    expect(String(wire.body)).toContain("<Type>Sender</Type><Code>ValidationError</Code>");
  });
});

it("prints doubles as Java does", () => {
  expect([javaDouble(60), javaDouble(0.5), javaDouble(1e7), javaDouble(1.5e-4), javaDouble(-0)]).toEqual(["60.0", "0.5", "1.0E7", "1.5E-4", "-0.0"]);
});

describe("fuzz", () => {
  /** A random value shaped loosely like `name` (right and wrong types, bounds, nulls), from a seeded generator. */
  function randomValue(model: BotocoreModel, name: string, next: () => number, depth: number): unknown {
    const r = next();
    if (r < 0.05) return null;
    if (r < 0.1) return [1, "x", {}, [], true, new Date(0), new Uint8Array(2)][Math.floor(next() * 7)];
    const shape = model.shapes[name];
    const size = () => Math.floor(next() ** 3 * 40);
    switch (shape.type) {
      case "structure": {
        if (depth > 6) return {};
        const out: Record<string, unknown> = {};
        for (const [m, ref] of Object.entries(shape.members ?? {})) if (next() < 0.6) out[m] = randomValue(model, ref.shape, next, depth + 1);
        return out;
      }
      case "list":
        return depth > 6 ? [] : Array.from({ length: size() }, () => randomValue(model, shape.member!.shape, next, depth + 1));
      case "map": {
        const out: Record<string, unknown> = {};
        if (depth <= 6) for (let i = size(); i > 0; i--) out[String(randomValue(model, shape.key!.shape, next, depth + 1))] = randomValue(model, shape.value!.shape, next, depth + 1);
        return out;
      }
      case "string": {
        if (shape.enum && next() < 0.5) return shape.enum[Math.floor(next() * shape.enum.length)];
        const chars = "aZ09:*/_-. é😀\u0000\n\ud800";
        return Array.from({ length: Math.floor(next() ** 2 * (Math.min(shape.max ?? 300, 2000) + 3)) }, () => chars[Math.floor(next() * chars.length)]).join("");
      }
      case "integer":
      case "long":
        return Math.floor((next() - 0.5) * 2 * ((shape.max ?? 1000) + 2));
      case "double":
      case "float":
        return [NaN, Infinity, -Infinity, (next() - 0.5) * 1e6][Math.floor(next() * 4)];
      case "boolean":
        return next() < 0.5;
      case "timestamp":
        return new Date(Math.floor(next() * 2e12));
      default:
        return new Uint8Array(Math.floor(next() * 10));
    }
  }

  it.each(["cloudwatch", "logs"] as const)("%s: 40 random inputs per operation are valid or a ServiceError, never anything else", (service) => {
    const model = MODELS[service];
    const next = rng(18);
    let failures = 0;
    for (const [op, def] of Object.entries(model.operations)) {
      for (let i = 0; i < 40; i++) {
        const input = def.input ? randomValue(model, def.input.shape, next, 0) : {};
        try {
          validateInput(service, op, input);
        } catch (e) {
          if (!(e instanceof ServiceError)) throw e;
          expect(e.status).toBe(400);
          failures++;
        }
      }
    }
    expect(failures).toBeGreaterThan(100); // the fuzz does reach the constraints
  });
});
