/**
 * The validation stage: every decoded request, of every operation whether it
 * is implemented or not, is checked against the operation's input in the
 * vendored AWS model before any handler runs, and a broken constraint is
 * answered as AWS answers it:
 *
 * - CloudWatch Logs: InvalidParameterException (ValidationException for the
 *   operations whose model declares only that), every violation listed:
 *   `2 validation errors detected: Value … at 'logEvents.1.member.message' …; …`.
 * - CloudWatch: a missing member is MissingParameter `The parameter
 *   MetricData.member.1.Value is required.`; anything else ValidationError
 *   with the same listing, member names lower-cased in the first letter.
 * - Per-operation exceptions where AWS's recorded answer differs (exceptions.ts).
 *
 * HIVE_MODEL_VALIDATION=off turns the stage off, only so that benchmarks can
 * measure what it costs.
 */
import { logsError, missingParameter, validationError, type ServiceError } from "../errors.js";
import type { ServiceName } from "../runtime/operation.js";
import { ModelCompiler, type Check } from "./compile.js";
import { exceptionFor } from "./exceptions.js";
import { MODELS } from "./service-models.js";
import { ROOT, queryPath, summarize, type Violation } from "./violation.js";

const ENABLED = process.env.HIVE_MODEL_VALIDATION !== "off";

// STS has no vendored model: its one served operation, GetCallerIdentity, takes no input.
const compilers: Partial<Record<ServiceName, ModelCompiler>> = {
  cloudwatch: new ModelCompiler(MODELS.cloudwatch),
  logs: new ModelCompiler(MODELS.logs, { lombokStructures: true }),
};
const compiled = new Map<string, Check | null>();

/**
 * One shape's compiled check (null when it has no constraints): for a reader
 * that checks values as it meets them, with the model's rules.
 */
export function shapeCheck(service: ServiceName, shape: string): Check | null {
  return compilers[service]?.check(shape) ?? null;
}

/** The operation's compiled check, or null when its input has no constraints (or the model does not know it). */
function checkOf(service: ServiceName, operation: string): Check | null {
  const key = `${service}.${operation}`;
  let check = compiled.get(key);
  if (check === undefined) {
    const input = MODELS[service]?.operations[operation]?.input;
    check = input ? compilers[service]!.check(input.shape) : null;
    compiled.set(key, check);
  }
  return check;
}

/** Throws AWS's answer if the input breaks a constraint of the operation's model. */
export function validateInput(service: ServiceName, operation: string, input: unknown): void {
  if (!ENABLED) return;
  const check = checkOf(service, operation);
  if (check === null || check(input, undefined, undefined)) return;
  const out: Violation[] = [];
  check(input, ROOT, out);
  const { waive, hide } = exceptionFor(service, operation) ?? {};
  let violations = waive ? out.filter((v) => !waive(v)) : out;
  if (hide) violations = violations.map((v) => (hide(v) ? { ...v, hidden: true } : v));
  if (violations.length) throw answer(service, operation, violations);
}

/** Logs operations whose model declares ValidationException and not InvalidParameterException. */
function declaresOnlyValidationException(operation: string): boolean {
  const errors = (MODELS.logs.operations[operation]?.errors ?? []).map((e) => e.shape);
  return errors.includes("ValidationException") && !errors.includes("InvalidParameterException");
}

export function answer(service: ServiceName, operation: string, violations: Violation[]): ServiceError {
  const special = exceptionFor(service, operation)?.answer?.(violations);
  if (special) return special;
  if (service === "logs") {
    return logsError(declaresOnlyValidationException(operation) ? "ValidationException" : "InvalidParameterException", summarize(violations));
  }
  const missing = violations.find((v) => v.kind === "required");
  if (missing) return missingParameter(queryPath(missing.path));
  return validationError(summarize(violations));
}
