/**
 * The protocol layer's front door: decode a request in any of the wire
 * protocols into the SDK's input shape, and encode outputs and errors back in
 * the protocol the request came in. Generic over the service schemas.
 */
import { ServiceError, protocolError } from "../errors.js";
import { decodeCborInput, encodeCborOutput, encodeCborValue } from "./cbor.js";
import { fastDecoderFor, type FastDecoded } from "./fast-decoders.js";
import { guessProtocol, type AnswerAs, type Identified, type WireProtocol } from "./identify.js";
import { decodeJsonInput, encodeJsonOutput } from "./json.js";
import { decodeQueryInput, encodeQueryError, encodeQueryOutput } from "./query.js";
import type { OperationModel, ServiceModel } from "./services.js";

export { identify, guessProtocol, type AnswerAs, type Identified, type WireProtocol } from "./identify.js";
export { CLOUDWATCH, LOGS, STS, SERVICES, type ServiceModel, type OperationModel } from "./services.js";
export type { FastDecoded } from "./fast-decoders.js";

export interface WireResponse {
  statusCode: number;
  headers: Record<string, string>;
  /** JSON answers stay a string: a Function URL result carries text as it is, without a base64 round trip. */
  body: Buffer | string;
}

/** The operation's model, or AWS's error for an operation the service does not have. */
export function operationModel(id: Identified): OperationModel {
  const op = id.service.operations.get(id.operation);
  if (op) return op;
  if (id.protocol === "query") {
    throw protocolError("InvalidAction", `The action ${id.operation} is not valid for this web service.`);
  }
  // CloudWatch Logs answers the bare type, no message: `{"__type":"UnknownOperationException"}`, 400 (aws/aws-sdk-net#1536).
  if (id.service.name === "logs") throw protocolError("UnknownOperationException", "");
  throw protocolError("UnknownOperationException", `The operation ${id.operation} is not known to this service.`);
}

/**
 * The body as the operation's fast decoder reads it (fast-decoders.ts), or
 * undefined when the operation has none in this protocol or the body is not
 * one it surely reads: decodeInput then reads it.
 */
export function decodeFast(id: Identified, op: OperationModel, body: Buffer): FastDecoded | undefined {
  return fastDecoderFor(id.protocol, op)?.(body);
}

export async function decodeInput(id: Identified, op: OperationModel, body: Buffer): Promise<unknown> {
  // Each decoder checks types as it reads; lib/validation checks the model's constraints after.
  switch (id.protocol) {
    case "json":
      return decodeJsonInput(id.service, op.input, body);
    case "cbor":
      return decodeCborInput(id.service, op.input, body);
    case "query":
      return decodeQueryInput(op.input, id.form!);
  }
}

const contentTypes = (service: ServiceModel | undefined): Record<WireProtocol, string> => ({
  query: "text/xml",
  json: `application/x-amz-json-${service?.jsonVersion ?? "1.0"}`,
  cbor: "application/cbor",
});

/**
 * The request id header as AWS spells it: a client reading headers by exact
 * name finds it (localstack's AWS-recorded test_basic_operations_multiple_protocols
 * looks up "x-amzn-RequestId" case-sensitively).
 */
export const REQUEST_ID_HEADER = "x-amzn-RequestId";

function baseHeaders(protocol: WireProtocol, service: ServiceModel | undefined, requestId: string): Record<string, string> {
  const headers: Record<string, string> = {
    "content-type": contentTypes(service)[protocol],
    [REQUEST_ID_HEADER]: requestId,
  };
  if (protocol === "cbor") headers["smithy-protocol"] = "rpc-v2-cbor";
  return headers;
}

export function encodeOutput(id: Identified, op: OperationModel, output: unknown, requestId: string): WireResponse {
  const headers = baseHeaders(id.protocol, id.service, requestId);
  let body: Buffer | string;
  switch (id.protocol) {
    case "query":
      body = Buffer.from(encodeQueryOutput(id.service, op.name, op.output, output, requestId));
      break;
    case "json":
      body = encodeJsonOutput(op.output, output);
      break;
    case "cbor": {
      const bytes = encodeCborOutput(op.output, output);
      body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      break;
    }
  }
  return { statusCode: 200, headers, body };
}

/**
 * JSON and CBOR `__type`s AWS's awsQuery-compatible front sends for codes its
 * framework raises rather than the service (issue 18's recorded answers).
 */
const QUERY_COMPATIBLE_TYPES: Record<string, string> = {
  ValidationError: "com.amazon.coral.validate#ValidationException",
};

export function encodeError(
  target: AnswerAs,
  error: ServiceError,
  requestId: string,
): WireResponse {
  const { protocol, service } = target;
  const model = service?.errors.get(error.code);
  const status = model ? answeredStatus(target, model.status) : error.status;
  const headers = baseHeaders(protocol, service, requestId);
  const fault = status >= 500 ? "Receiver" : "Sender";
  if (service?.queryCompatible && protocol !== "query") headers["x-amzn-query-error"] = `${error.code};${fault}`;

  if (protocol === "query") {
    return { statusCode: status, headers, body: Buffer.from(encodeQueryError(service, error, error.code, requestId, model?.schema)) };
  }
  const namespace = service?.errorNamespace ?? service?.namespace;
  const type = QUERY_COMPATIBLE_TYPES[error.code] ?? (model ? (service!.queryCompatible ? `${namespace}#${model.shape}` : model.shape) : error.code);
  // AWS leaves out an empty message (SetAlarmState's ResourceNotFound: localstack's AWS-recorded
  // test_exception_serializing_with_no_shape_in_spec has only __type).
  const payload = { __type: type, ...(error.message ? { message: error.message } : {}), ...error.fields };
  if (protocol === "json") return { statusCode: status, headers, body: Buffer.from(JSON.stringify(payload)) };
  const bytes = encodeCborValue(payload);
  return { statusCode: status, headers, body: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

/**
 * An awsQuery-compatible service answers a JSON or CBOR client's modelled 4xx as 400
 * unless the client sent `x-amzn-query-mode: true` (localstack's AWS-recorded
 * test_exception_serializing_with_no_shape_in_spec: SetAlarmState's ResourceNotFound is 400, then 404 in query mode).
 */
function answeredStatus(target: AnswerAs, status: number): number {
  if (!target.service?.queryCompatible || target.protocol === "query" || target.queryMode) return status;
  return status > 400 && status < 500 ? 400 : status;
}

/** For failures before a request is identified (oversize body, transport errors). */
export function encodeEarlyError(
  _method: string,
  rawPath: string,
  headers: Record<string, string>,
  error: ServiceError,
  requestId: string = crypto.randomUUID(),
): WireResponse {
  return encodeError(guessProtocol(rawPath, headers), error, requestId);
}
