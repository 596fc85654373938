/**
 * Per-operation fast decoders: for an operation whose bodies are the
 * service's hot path, a reader that takes a body in one protocol straight to
 * the form the operation's function keeps, with no parse tree and no SDK
 * input objects. It answers undefined for any body it does not surely read
 * as the general decoder would; that body takes the general decoder, which
 * answers AWS's exact error.
 */
import { readPutMetricDataJson } from "../metrics/write/put-metric-data-json.js";
import type { WireProtocol } from "./identify.js";
import { CLOUDWATCH, type OperationModel } from "./services.js";

/** What a fast decoder read. */
export interface FastDecoded {
  /** The SDK input without the members `prepared` holds: validated as any input is. */
  input: unknown;
  /** Those members, every rule checked, as the operation's function uses them (OperationEvent.prepared). */
  prepared: unknown;
}

type FastDecoder = (body: Buffer) => FastDecoded | undefined;

/** HIVE_PUT_METRIC_DATA_READER=general turns PutMetricData's off, only so that benchmarks can compare the two paths. */
const PUT_METRIC_DATA_FAST = process.env.HIVE_PUT_METRIC_DATA_READER !== "general";

/** By protocol, then by the operation's model object: a request builds no key to look one up. */
const DECODERS: Record<WireProtocol, Map<OperationModel, FastDecoder>> = {
  json: new Map<OperationModel, FastDecoder>(
    PUT_METRIC_DATA_FAST ? [[CLOUDWATCH.operations.get("PutMetricData")!, (body) => readPutMetricDataJson(body, Date.now())]] : [],
  ),
  cbor: new Map(),
  query: new Map(),
};

export function fastDecoderFor(protocol: WireProtocol, op: OperationModel): FastDecoder | undefined {
  return DECODERS[protocol].get(op);
}
