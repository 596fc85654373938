/**
 * Typed AWS errors. Every failure a client can see is a ServiceError with the
 * AWS error code, the HTTP status and a message; the protocol layer encodes it
 * in the client's wire format. Anything else that escapes is an InternalFailure.
 */
export class ServiceError extends Error {
  readonly code: string;
  readonly status: number;
  /** Extra members of the error shape, e.g. DashboardValidationMessages. */
  readonly fields: Record<string, unknown>;

  constructor(code: string, message: string, status = 400, fields: Record<string, unknown> = {}) {
    super(message);
    this.name = code;
    this.code = code;
    this.status = status;
    this.fields = fields;
  }

  /** Sender (client) or Receiver (service) fault, as awsQuery reports it. */
  get faultType(): "Sender" | "Receiver" {
    return this.status >= 500 ? "Receiver" : "Sender";
  }

  toJSON(): SerializedError {
    return { code: this.code, message: this.message, status: this.status, fields: this.fields };
  }

  static fromJSON(e: SerializedError): ServiceError {
    return new ServiceError(e.code, e.message, e.status, e.fields ?? {});
  }
}

/** How a ServiceError crosses a function boundary (a Lambda result is data). */
export interface SerializedError {
  code: string;
  message: string;
  status: number;
  fields?: Record<string, unknown>;
}

export const isServiceError = (e: unknown): e is ServiceError => e instanceof ServiceError;

// Common AWS errors (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CommonErrors.html)
export const invalidParameterValue = (message: string) =>
  new ServiceError("InvalidParameterValue", message, 400);
export const invalidParameterCombination = (message: string) =>
  new ServiceError("InvalidParameterCombination", message, 400);
export const missingParameter = (name: string) =>
  new ServiceError("MissingParameter", `The parameter ${name} is required.`, 400);
export const invalidNextToken = (message = "The NextToken is invalid.") =>
  new ServiceError("InvalidNextToken", message, 400);
export const internalFailure = (message = "The request processing has failed because of an unknown error, exception or failure.") =>
  new ServiceError("InternalFailure", message, 500);
export const notImplemented = (operation: string) =>
  new ServiceError("NotImplemented", `The operation ${operation} is not implemented by this service yet.`, 501);
