/**
 * The front function's handler: identify the operation, decode its input and
 * invoke the function that serves it. Operations of the model that have no
 * function yet answer NotImplemented.
 */
import { notImplemented, ServiceError } from "../errors.js";
import { decodeInput, identify, operationModel } from "../protocol/index.js";
import { hasFunction, invokeFunction } from "../runtime/invoke.js";
import { functionIdFor, unwrapResult, type OperationEvent } from "../runtime/operation.js";
import type { FrontEvent } from "./wire-state.js";

/** AWS's per-operation request size limits, on the body as sent (gzip allowed). */
const BODY_LIMITS: Record<string, number> = {
  "cloudwatch.PutMetricData": 1_048_576,
};

export async function route(event: FrontEvent): Promise<unknown> {
  const wire = event.wire;
  const id = identify(wire.method, wire.path, wire.query, wire.headers, () => wire.body);
  wire.identified = id;
  const op = operationModel(id);
  const limit = BODY_LIMITS[`${id.service.name}.${op.name}`];
  if (limit !== undefined && wire.rawBody.length > limit) {
    throw new ServiceError("RequestEntityTooLarge", `Request size ${wire.rawBody.length} exceeded ${limit} bytes.`, 413);
  }
  const functionId = functionIdFor(id.service.name, op.name);
  if (!hasFunction(functionId)) throw notImplemented(op.name);
  const input = await decodeInput(id, op, wire.body);
  const opEvent: OperationEvent = {
    service: id.service.name,
    operation: op.name,
    accountId: wire.caller!.accountId,
    region: wire.caller!.region,
    requestId: wire.requestId,
    input,
  };
  return unwrapResult(await invokeFunction(functionId, opEvent));
}
