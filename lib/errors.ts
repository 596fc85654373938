/**
 * The one door for errors a client can see. Every failure is a ServiceError
 * with the AWS code, the HTTP status and a message; the protocol layer encodes
 * it in the client's wire format. Anything else that escapes is an InternalFailure.
 *
 * Codes come from the SDK models: `cloudwatchError` and `logsError` take the
 * error shape names the models declare (typed from the SDK's exception
 * classes) and look up the code clients see and its status in the tables
 * below, which test/pure/errors.test.ts checks against the models.
 * `protocolError` takes the few codes of the wire and auth layers that no
 * model declares. Nothing else constructs a ServiceError.
 */
import type * as CloudWatchSdk from "@aws-sdk/client-cloudwatch";
import type * as LogsSdk from "@aws-sdk/client-cloudwatch-logs";

export class ServiceError extends Error {
  readonly code: string;
  readonly status: number;
  /** Extra members of the error shape, e.g. DashboardValidationMessages. */
  readonly fields: Record<string, unknown>;

  /** Use the factories below: the constructor is closed so that every code goes through them. */
  protected constructor(code: string, message: string, status: number, fields: Record<string, unknown> = {}) {
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

  /** @internal the factories' constructor. */
  static make(code: string, message: string, status: number, fields?: Record<string, unknown>): ServiceError {
    return new ServiceError(code, message, status, fields);
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

/** The `name` of every exception class an SDK client module exports. */
type ExceptionShapes<M> = {
  [K in keyof M]: M[K] extends abstract new (...args: any[]) => { readonly $fault: "client" | "server"; readonly name: infer N }
    ? string extends N ? never : N
    : never;
}[keyof M];

export type CloudWatchErrorShape = ExceptionShapes<typeof CloudWatchSdk>;
export type LogsErrorShape = ExceptionShapes<typeof LogsSdk>;

interface CodeAndStatus {
  code: string;
  status: number;
}

/** CloudWatch's error shapes: the awsQuery code clients see and its status (from the model's awsQueryError trait). */
export const CLOUDWATCH_ERRORS: Record<CloudWatchErrorShape, CodeAndStatus> = {
  ConcurrentModificationException: { code: "ConcurrentModificationException", status: 429 },
  ConflictException: { code: "ConflictException", status: 409 },
  DashboardInvalidInputError: { code: "InvalidParameterInput", status: 400 },
  DashboardNotFoundError: { code: "ResourceNotFound", status: 404 },
  InternalServiceFault: { code: "InternalServiceError", status: 500 },
  InvalidFormatFault: { code: "InvalidFormat", status: 400 },
  InvalidNextToken: { code: "InvalidNextToken", status: 400 },
  InvalidParameterCombinationException: { code: "InvalidParameterCombination", status: 400 },
  InvalidParameterValueException: { code: "InvalidParameterValue", status: 400 },
  KmsAccessDeniedException: { code: "KmsAccessDeniedException", status: 400 },
  KmsKeyDisabledException: { code: "KmsKeyDisabledException", status: 400 },
  KmsKeyNotFoundException: { code: "KmsKeyNotFoundException", status: 400 },
  LimitExceededException: { code: "LimitExceededException", status: 400 },
  LimitExceededFault: { code: "LimitExceeded", status: 400 },
  MissingRequiredParameterException: { code: "MissingParameter", status: 400 },
  ResourceConflict: { code: "ResourceConflict", status: 409 },
  ResourceNotFound: { code: "ResourceNotFound", status: 404 },
  ResourceNotFoundException: { code: "ResourceNotFoundException", status: 404 },
  ValidationException: { code: "ValidationError", status: 400 },
};

/** CloudWatch Logs' error shapes (awsJson1_1: the code is the shape name). */
export const LOGS_ERRORS: Record<LogsErrorShape, CodeAndStatus> = {
  AccessDeniedException: { code: "AccessDeniedException", status: 400 },
  ConflictException: { code: "ConflictException", status: 400 },
  DataAlreadyAcceptedException: { code: "DataAlreadyAcceptedException", status: 400 },
  InternalServerException: { code: "InternalServerException", status: 500 },
  InternalStreamingException: { code: "InternalStreamingException", status: 400 },
  InvalidOperationException: { code: "InvalidOperationException", status: 400 },
  InvalidParameterException: { code: "InvalidParameterException", status: 400 },
  InvalidSequenceTokenException: { code: "InvalidSequenceTokenException", status: 400 },
  LimitExceededException: { code: "LimitExceededException", status: 400 },
  MalformedQueryException: { code: "MalformedQueryException", status: 400 },
  OperationAbortedException: { code: "OperationAbortedException", status: 400 },
  ResourceAlreadyExistsException: { code: "ResourceAlreadyExistsException", status: 400 },
  ResourceNotFoundException: { code: "ResourceNotFoundException", status: 400 },
  ServiceQuotaExceededException: { code: "ServiceQuotaExceededException", status: 400 },
  ServiceUnavailableException: { code: "ServiceUnavailableException", status: 500 },
  SessionStreamingException: { code: "SessionStreamingException", status: 400 },
  SessionTimeoutException: { code: "SessionTimeoutException", status: 400 },
  ThrottlingException: { code: "ThrottlingException", status: 400 },
  TooManyTagsException: { code: "TooManyTagsException", status: 400 },
  UnrecognizedClientException: { code: "UnrecognizedClientException", status: 400 },
  ValidationException: { code: "ValidationException", status: 400 },
};

/**
 * Codes of the wire and auth layers that the models do not declare, with
 * their usual status (AWS's common errors pages; auth codes differ per
 * protocol, so their callers pass the status).
 */
export const PROTOCOL_ERRORS = {
  SerializationException: 400,
  UnknownOperationException: 400,
  MissingAction: 400,
  InvalidAction: 400,
  MalformedInput: 400,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
  NotImplemented: 501,
  ServiceUnavailable: 503,
  InternalFailure: 500,
  Throttling: 400,
  IncompleteSignature: 400,
  IncompleteSignatureException: 400,
  InvalidClientTokenId: 403,
  SignatureDoesNotMatch: 403,
  InvalidSignatureException: 400,
  UnrecognizedClientException: 400,
  MissingAuthenticationToken: 403,
  MissingAuthenticationTokenException: 400,
  ExpiredToken: 400,
  ExpiredTokenException: 400,
  RequestExpired: 400,
  AccessDenied: 403,
} as const;
export type ProtocolErrorCode = keyof typeof PROTOCOL_ERRORS;

/** A CloudWatch error by the model's shape name; code and status from the model. */
export function cloudwatchError(shape: CloudWatchErrorShape, message: string, fields?: Record<string, unknown>): ServiceError {
  const { code, status } = CLOUDWATCH_ERRORS[shape];
  return ServiceError.make(code, message, status, fields);
}

/** A CloudWatch Logs error by the model's shape name. */
export function logsError(shape: LogsErrorShape, message: string, fields?: Record<string, unknown>): ServiceError {
  const { code, status } = LOGS_ERRORS[shape];
  return ServiceError.make(code, message, status, fields);
}

/** An error of the wire or auth layer, which no model declares. */
export function protocolError(code: ProtocolErrorCode, message: string, status: number = PROTOCOL_ERRORS[code]): ServiceError {
  return ServiceError.make(code, message, status);
}

// Common CloudWatch errors (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CommonErrors.html)
export const invalidParameterValue = (message: string) => cloudwatchError("InvalidParameterValueException", message);
export const invalidParameterCombination = (message: string) =>
  cloudwatchError("InvalidParameterCombinationException", message);
export const missingParameter = (name: string) =>
  cloudwatchError("MissingRequiredParameterException", `The parameter ${name} is required.`);
export const invalidNextToken = (message = "The NextToken is invalid.") => cloudwatchError("InvalidNextToken", message);
export const validationError = (message: string) => cloudwatchError("ValidationException", message);
export const internalFailure = (message = "The request processing has failed because of an unknown error, exception or failure.") =>
  protocolError("InternalFailure", message);
/** Stored bytes (a chunk, an ingest or delta record) that do not decode: the service's fault, not the request's. */
export const corruptStoredData = (what: string, detail: string) => internalFailure(`Stored ${what} could not be decoded: ${detail}.`);
export const notImplemented = (operation: string) =>
  protocolError("NotImplemented", `The operation ${operation} is not implemented by this service yet.`);
