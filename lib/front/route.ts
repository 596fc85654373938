/**
 * The front function's handler: identify the operation, decode its input,
 * check it against the AWS model and invoke the function that serves it.
 * Operations of the model that have no function yet answer NotImplemented.
 */
import { ServiceError, notImplemented, protocolError } from "../errors.js";
import { decodeInput, identify, operationModel } from "../protocol/index.js";
import { readPutMetricDataJson } from "../metrics/write/put-metric-data-json.js";
import { readPutLogEventsJson } from "../logs/events/put-log-events-json.js";
import { hasFunction, invokeFunction } from "../runtime/invoke.js";
import { validateInput } from "../validation/validate-input.js";
import { functionIdFor, unwrapResult, type OperationEvent } from "../runtime/operation.js";
import type { FrontEvent, WireState } from "./wire-state.js";

/** AWS's per-operation request size limits, on the body as sent (gzip allowed). */
const BODY_LIMITS: Record<string, number> = {
  "cloudwatch.PutMetricData": 1_048_576,
};

/** HIVE_PUT_METRIC_DATA_READER=general turns the fast reader off, only so that benchmarks can compare the two paths. */
const FAST_PUT_READER = process.env.HIVE_PUT_METRIC_DATA_READER !== "general";
/** HIVE_PUT_LOG_EVENTS_READER=general does the same for PutLogEvents. */
const FAST_LOGS_READER = process.env.HIVE_PUT_LOG_EVENTS_READER !== "general";

export async function route(event: FrontEvent): Promise<unknown> {
  const wire = event.wire;
  const id = identify(wire.method, wire.path, wire.query, wire.headers, () => wire.body);
  wire.identified = id;
  const op = operationModel(id);
  const limit = BODY_LIMITS[`${id.service.name}.${op.name}`];
  if (limit !== undefined && wire.rawBody.length > limit) {
    throw protocolError("RequestEntityTooLarge", `Request size ${wire.rawBody.length} exceeded ${limit} bytes.`);
  }
  // Decoded and validated even when no function serves the operation: a bad input is a bad input.
  // PutMetricData's JSON body goes straight to ingest datums when it can (the hot path of ingest).
  const prepared = FAST_PUT_READER && id.protocol === "json" && op.name === "PutMetricData" && id.service.name === "cloudwatch" ? readPutMetricDataJson(wire.body, Date.now()) : undefined;
  // PutLogEvents' events go from the body to their columns (the hot path of log ingest); the reader checked every rule of the model.
  const logs = FAST_LOGS_READER && id.protocol === "json" && op.name === "PutLogEvents" && id.service.name === "logs" ? readPutLogEventsJson(wire.body) : undefined;
  const input = prepared ? { Namespace: prepared.namespace } : logs ? logs.input : await decodeInput(id, op, wire.body);
  if (!logs) validateInput(id.service.name, op.name, input);
  const functionId = functionIdFor(id.service.name, op.name);
  if (!hasFunction(functionId)) throw notImplemented(op.name);
  const opEvent: OperationEvent = {
    service: id.service.name,
    operation: op.name,
    accountId: wire.caller!.accountId,
    region: wire.caller!.region,
    requestId: wire.requestId,
    retryKey: retryKeyOf(wire),
    input,
    prepared: prepared ?? logs?.events,
  };
  return unwrapResult(await invokeFunction(functionId, opEvent));
}

/**
 * The same for every retry of one client call, different for any other
 * request: the client's invocation id (the AWS SDKs and the CLI send one per
 * call, unchanged across retries) with the hash of the body it signed.
 */
function retryKeyOf(wire: WireState): string | undefined {
  const id = wire.headers["amz-sdk-invocation-id"];
  const body = wire.caller?.bodySha256;
  return id && body && /^[A-Za-z0-9-]{8,64}$/.test(id) ? `${id}.${body.slice(0, 16)}` : undefined;
}
