/**
 * The front function's handler: identify the operation, decode its input,
 * check it against the AWS model and invoke the function that serves it.
 * Operations of the model that have no function yet answer NotImplemented.
 */
import { notImplemented, protocolError } from "../errors.js";
import { decodeFast, decodeInput, identify, operationModel } from "../protocol/index.js";
import { hasFunction, invokeFunction } from "../runtime/invoke.js";
import { validateInput } from "../validation/validate-input.js";
import { functionIdFor, unwrapResult, type OperationEvent } from "../runtime/operation.js";
import type { FrontEvent, WireState } from "./wire-state.js";

/** AWS's per-operation request size limits, on the body as sent (gzip allowed). */
const BODY_LIMITS: Record<string, number> = {
  "cloudwatch.PutMetricData": 1_048_576,
};

export async function route(event: FrontEvent): Promise<unknown> {
  const wire = event.wire;
  const id = identify(wire.method, wire.path, wire.query, wire.headers, () => wire.body);
  wire.identified = id;
  // Authentication checked the scope against the service guessed from the headers; a form's Version may name another.
  if (wire.caller && wire.caller.service !== id.service.signingName) {
    throw protocolError("SignatureDoesNotMatch", `Credential should be scoped to correct service: '${id.service.signingName}'. `);
  }
  const op = operationModel(id);
  const limit = BODY_LIMITS[`${id.service.name}.${op.name}`];
  if (limit !== undefined && wire.rawBody.length > limit) {
    throw protocolError("RequestEntityTooLarge", `Request size ${wire.rawBody.length} exceeded ${limit} bytes.`);
  }
  // Decoded and validated even when no function serves the operation: a bad input is a bad input.
  // A hot path's body goes straight to the form its function keeps when it can (lib/protocol/fast-decoders.ts);
  // a fast decoder takes only bodies that meet every rule of the model, which it checked itself.
  const fast = decodeFast(id, op, wire.body);
  let input: unknown;
  if (fast !== undefined) input = fast.input;
  else {
    input = await decodeInput(id, op, wire.body);
    validateInput(id.service.name, op.name, input);
  }
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
    prepared: fast?.prepared,
  };
  const output = unwrapResult(await invokeFunction(functionId, opEvent));
  if (op.name === "GetMetricWidgetImage" && (input as { OutputFormat?: string }).OutputFormat === "image/png") {
    const image = (output as { MetricWidgetImage?: Uint8Array }).MetricWidgetImage!;
    wire.rawAnswer = { contentType: "image/png", body: Buffer.from(image.buffer, image.byteOffset, image.byteLength) };
  }
  return output;
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
