/**
 * Which operation function a request will invoke, seen by the dispatcher
 * before the Front function decodes anything: from X-Amz-Target (JSON), the
 * rpc-v2-cbor path, or the `Action` of an awsQuery form, read from the start
 * of the body only (gunzipped as far as that start when the body is gzip).
 * Used for admission alone: a request it cannot name goes on to the Front,
 * which answers it as always.
 */
import { constants, gunzipSync } from "node:zlib";
import { identify } from "../lib/protocol/index.js";
import { functionIdFor, type ServiceName } from "../lib/runtime/operation.js";
import { contentCoding } from "../lib/middleware/read-request.js";

export interface RequestFunction {
  service: ServiceName;
  /** The template's logical id of the operation's function (CloudWatchPutMetricData). */
  functionId: string;
}

/**
 * The form's first bytes hold its Action: botocore writes Action and Version
 * first, the Go SDK (the CloudWatch Agent) sorts the keys, and no
 * CloudWatch parameter sorts before "Action".
 */
const FORM_PREFIX_BYTES = 1024;
/** A gzip prefix that inflates past this is not a form worth reading here. */
const FORM_PREFIX_INFLATED_MAX = 64 * 1024;

function formPrefix(body: Buffer, contentEncoding: string | undefined): Buffer {
  const head = body.subarray(0, FORM_PREFIX_BYTES);
  if (contentCoding(contentEncoding) !== "gzip") return head;
  // A truncated gzip stream inflates as far as it goes with a sync flush instead of failing.
  return gunzipSync(head, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: FORM_PREFIX_INFLATED_MAX });
}

export function requestFunction(
  method: string,
  path: string,
  query: string,
  headers: Record<string, string>,
  body: Buffer,
): RequestFunction | undefined {
  try {
    const id = identify(method, path, query, headers, () => formPrefix(body, headers["content-encoding"]));
    return { service: id.service.name, functionId: functionIdFor(id.service.name, id.operation) };
  } catch {
    return undefined; // the Front answers it with the right error
  }
}
