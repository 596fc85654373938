/**
 * The error catalog (lib/errors.ts): its tables are the SDK models' error
 * shapes with the code and status the models give them, and nothing outside
 * it builds an error of its own.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CLOUDWATCH_ERRORS,
  LOGS_ERRORS,
  PROTOCOL_ERRORS,
  cloudwatchError,
  logsError,
  protocolError,
  ServiceError,
} from "../../lib/errors.js";
import { CLOUDWATCH, LOGS, type ServiceModel } from "../../lib/protocol/services.js";

function modelTable(service: ServiceModel): Record<string, { code: string; status: number }> {
  const table: Record<string, { code: string; status: number }> = {};
  for (const [key, e] of service.errors) if (key === e.shape) table[e.shape] = { code: e.code, status: e.status };
  return table;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

describe("error catalog", () => {
  it("lists every CloudWatch error shape of the model, with the model's awsQuery code and status", () => {
    expect(CLOUDWATCH_ERRORS).toEqual(modelTable(CLOUDWATCH));
  });

  it("lists every CloudWatch Logs error shape of the model, with its code and status", () => {
    expect(LOGS_ERRORS).toEqual(modelTable(LOGS));
  });

  it("keeps protocol-level codes to those no CloudWatch model declares", () => {
    const cloudwatchCodes = new Set(Object.values(CLOUDWATCH_ERRORS).map((e) => e.code));
    for (const code of Object.keys(PROTOCOL_ERRORS)) expect(cloudwatchCodes.has(code), code).toBe(false);
  });

  it("builds errors with the model's code and status from the shape name", () => {
    const e = cloudwatchError("DashboardNotFoundError", "Dashboard x does not exist");
    expect([e.code, e.status, e.faultType]).toEqual(["ResourceNotFound", 404, "Sender"]);
    expect(cloudwatchError("InvalidParameterValueException", "m").code).toBe("InvalidParameterValue");
    expect(cloudwatchError("ValidationException", "m").code).toBe("ValidationError");
    expect(logsError("ResourceNotFoundException", "m").status).toBe(400);
    expect(protocolError("NotImplemented", "m").status).toBe(501);
    expect(protocolError("InternalFailure", "m").faultType).toBe("Receiver");
  });

  it("round-trips an error across a function boundary", () => {
    const e = cloudwatchError("DashboardInvalidInputError", "bad", { dashboardValidationMessages: [] });
    const back = ServiceError.fromJSON(JSON.parse(JSON.stringify(e)));
    expect([back.code, back.status, back.message, back.fields]).toEqual([e.code, e.status, e.message, e.fields]);
  });

  it("is the only place a ServiceError is constructed", () => {
    const offenders = ["lib", "functions", "local"]
      .flatMap((d) => sources(d))
      .filter((f) => f !== join("lib", "errors.ts"))
      .filter((f) => /new ServiceError\s*\(/.test(readFileSync(f, "utf8")));
    expect(offenders).toEqual([]);
  });

  it("passes only catalog codes to subclasses of ServiceError", () => {
    const supers = ["lib", "functions", "local"]
      .flatMap((d) => sources(d))
      .flatMap((f) => [...readFileSync(f, "utf8").matchAll(/super\(\s*"([A-Za-z]+)"/g)].map((m) => `${f}: ${m[1]}`));
    expect(supers).toEqual([]);
  });
});
