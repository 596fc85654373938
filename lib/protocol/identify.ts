/**
 * Which service, wire protocol and operation a request is for, from its
 * path, headers and (for awsQuery) its form — before anything is decoded.
 */
import { protocolError } from "../errors.js";
import { CLOUDWATCH, SERVICES, STS, type ServiceModel } from "./services.js";

export type WireProtocol = "query" | "json" | "cbor";

/** How to answer a request, errors included: known before it is wholly identified (guessProtocol). */
export interface AnswerAs {
  protocol: WireProtocol;
  service?: ServiceModel;
  /** The client sent `x-amzn-query-mode: true` (the SDKs do for awsQuery-compatible services): errors keep their awsQuery status. */
  queryMode?: boolean;
}

/** A request's service, protocol and operation: how to answer it, and what it asks. */
export interface Identified extends AnswerAs {
  service: ServiceModel;
  /** As the client named it; may be unknown to the model. */
  operation: string;
  /** awsQuery only: the decoded form (body or, for GET, the query string). */
  form?: URLSearchParams;
}

const queryModeOf = (headers: Record<string, string>): boolean => headers["x-amzn-query-mode"] === "true";

const CBOR_PATH = /^\/service\/([^/]+)\/operation\/([^/]+)$/;

/**
 * The service of the SigV4 credential scope (`Credential=AKID/date/region/sts/aws4_request`),
 * from the Authorization header or a presigned query; undefined when unsigned.
 */
export function scopeService(headers: Record<string, string>, query: string): string | undefined {
  const auth = headers.authorization;
  const header = auth ? /Credential=[^/,\s]*\/[^/,\s]*\/[^/,\s]*\/([^/,\s]+)\//.exec(auth)?.[1] : undefined;
  if (header) return header;
  const presigned = /(?:^|&)X-Amz-Credential=([^&]*)/.exec(query)?.[1];
  if (!presigned) return undefined;
  try {
    return decodeURIComponent(presigned).split("/")[3];
  } catch {
    return undefined;
  }
}

/** awsQuery serves CloudWatch and STS: a form is STS's by its API version or the service it was signed for. */
function queryService(form: URLSearchParams | undefined, headers: Record<string, string>, query: string): ServiceModel {
  return form?.get("Version") === STS.version || scopeService(headers, query) === STS.signingName ? STS : CLOUDWATCH;
}

/** Best guess of the protocol for answering even an unidentifiable request. */
export function guessProtocol(
  path: string,
  headers: Record<string, string>,
  query = "",
): AnswerAs {
  const target = headers["x-amz-target"];
  if (target) {
    const service = SERVICES.find((s) => target.startsWith(s.target + "."));
    return { protocol: "json", service, queryMode: queryModeOf(headers) };
  }
  const m = CBOR_PATH.exec(path);
  if (m || headers["smithy-protocol"] === "rpc-v2-cbor") {
    return { protocol: "cbor", service: SERVICES.find((s) => s.target === m?.[1]) ?? CLOUDWATCH, queryMode: queryModeOf(headers) };
  }
  if ((headers["content-type"] ?? "").includes("json")) return { protocol: "json" };
  return { protocol: "query", service: queryService(undefined, headers, query) };
}

export function identify(
  method: string,
  path: string,
  query: string,
  headers: Record<string, string>,
  body: () => Buffer,
): Identified {
  const target = headers["x-amz-target"];
  if (target) {
    const dot = target.lastIndexOf(".");
    const prefix = target.slice(0, dot);
    const service = SERVICES.find((s) => s.target === prefix);
    if (!service || dot < 0) {
      throw protocolError("UnknownOperationException", `The target ${target} is not known to this service.`);
    }
    return { service, protocol: "json", operation: target.slice(dot + 1), queryMode: queryModeOf(headers) };
  }
  const cborPath = CBOR_PATH.exec(path);
  if (cborPath) {
    const service = SERVICES.find((s) => s.target === cborPath[1]);
    if (service !== CLOUDWATCH) {
      throw protocolError("UnknownOperationException", `The service ${cborPath[1]} is not served over rpc-v2-cbor here.`, 404);
    }
    return { service, protocol: "cbor", operation: pathSegment(cborPath[2]), queryMode: queryModeOf(headers) };
  }
  const contentType = headers["content-type"] ?? "";
  const isForm = method === "POST" && contentType.startsWith("application/x-www-form-urlencoded");
  if (isForm || (method === "GET" && /(^|&)Action=/.test(query))) {
    const form = new URLSearchParams(isForm ? body().toString("utf8") : query);
    const action = form.get("Action");
    if (!action) throw protocolError("MissingAction", "The request must contain the parameter Action.");
    return { service: queryService(form, headers, query), protocol: "query", operation: action, form };
  }
  throw protocolError(
    "InvalidAction",
    "Could not determine the operation: send X-Amz-Target (JSON), an rpc-v2-cbor path, or an awsQuery form with Action.",
  );
}

/** A percent-encoded path segment; one that does not decode names no operation. */
function pathSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw protocolError("UnknownOperationException", `The operation ${raw} is not known to this service.`);
  }
}
