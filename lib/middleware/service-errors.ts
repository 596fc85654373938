/**
 * middy middleware: a ServiceError thrown by an operation becomes an
 * `{ error }` result the front can encode; anything else is logged and becomes
 * InternalFailure, so a bug never leaks a stack trace to a client.
 */
import type { MiddlewareObj } from "@middy/core";
import { internalFailure, isServiceError } from "../errors.js";

export function serviceErrors(): MiddlewareObj {
  return {
    name: "serviceErrors",
    onError: async (request) => {
      const err = request.error;
      if (isServiceError(err)) {
        request.response = { error: err.toJSON() };
        return;
      }
      console.error("unhandled error in operation", err);
      request.response = { error: internalFailure().toJSON() };
    },
  };
}
