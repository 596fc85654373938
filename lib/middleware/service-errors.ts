/**
 * middy middleware: a ServiceError thrown by an operation becomes an
 * `{ error }` result the front can encode; anything else is logged and becomes
 * InternalFailure, so a bug never leaks a stack trace to a client.
 */
import type { MiddlewareObj } from "@middy/core";
import { internalFailure, isServiceError, protocolError } from "../errors.js";

// NATS errors that mean "the store is away for a moment" (a reconnect, a
// restarting server): clients should retry, so they get 503, not 500.
const UNAVAILABLE = new Set(["TIMEOUT", "CONNECTION_CLOSED", "CONNECTION_DRAINING", "DISCONNECT", "CONNECTION_REFUSED", "503"]);

function isStoreUnavailable(err: unknown): boolean {
  const e = err as { name?: string; code?: string };
  return e?.name === "NatsError" && UNAVAILABLE.has(String(e.code));
}

const storeUnavailable = () =>
  protocolError("ServiceUnavailable", "The service's store is not reachable right now; retry the request.");

export function serviceErrors(): MiddlewareObj {
  return {
    name: "serviceErrors",
    onError: async (request) => {
      const err = request.error;
      if (isServiceError(err)) {
        request.response = { error: err.toJSON() };
        return;
      }
      if (isStoreUnavailable(err)) {
        request.response = { error: storeUnavailable().toJSON() };
        return;
      }
      console.error("unhandled error in operation", err);
      request.response = { error: internalFailure().toJSON() };
    },
  };
}
