/**
 * The contract between the front (router) function and an operation function.
 * The front has done transport, auth and decoding; an operation function gets
 * the caller's account and the typed SDK input, and returns the SDK output.
 */
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { ServiceError, type SerializedError } from "../errors.js";
import { serviceErrors } from "../middleware/service-errors.js";

export type ServiceName = "cloudwatch" | "logs" | "sts";

export interface OperationEvent<I = unknown> {
  service: ServiceName;
  operation: string;
  accountId: string;
  region: string;
  requestId: string;
  /**
   * The same on every retry of one client call and different for any other
   * request (the client's amz-sdk-invocation-id with a hash of the body), so
   * an operation can recognise a retry. Absent when the client sends no id.
   */
  retryKey?: string;
  input: I;
  /**
   * What the operation's fast decoder (lib/protocol/fast-decoders.ts) read
   * straight into the form the function keeps (plain data, every rule
   * checked): PutMetricData's ingest datums, PutLogEvents' event columns;
   * `input` then holds only the other members. Absent when the general
   * decoder read the request.
   */
  prepared?: unknown;
}

/** A Lambda result is data, so typed errors travel as `{ error }`. */
export type OperationResult<O = unknown> = { output: O } | { error: SerializedError };

export type OperationFn<I, O> = (input: I, event: OperationEvent<I>) => Promise<O> | O;

/** Wraps an operation's logic as a middy Lambda handler. */
export function operation<I, O>(fn: OperationFn<I, O>) {
  return middy<OperationEvent<I>, OperationResult<O>, Error, Context>()
    .use(serviceErrors())
    .handler(async (event) => ({ output: (await fn(event.input, event)) ?? ({} as O) }));
}

/** Unwraps a function result back into output or a thrown ServiceError. */
export function unwrapResult<O>(result: OperationResult<O>): O {
  if ("error" in result) throw ServiceError.fromJSON(result.error);
  return result.output;
}

/** Logical id of the function serving an operation, as template.yaml names it. */
export function functionIdFor(service: ServiceName, op: string): string {
  return `${FUNCTION_PREFIX[service]}${op}`;
}

const FUNCTION_PREFIX: Record<ServiceName, string> = { cloudwatch: "CloudWatch", logs: "Logs", sts: "Sts" };
