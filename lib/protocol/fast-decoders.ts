/**
 * Per-operation fast decoders: for an operation whose bodies are the
 * service's hot path, a reader that takes a body in one protocol straight to
 * the form the operation's function keeps, with no parse tree and no SDK
 * input objects. It takes only bodies that the general decoder and the
 * validation stage surely accept, with the same result, and checks every
 * rule of the model itself; for any other body it answers undefined and the
 * general decoder reads it, and the validation stage answers AWS's exact error.
 */
import { readPutLogEventsJson } from "../logs/events/put-log-events-json.js";
import { readPutMetricDataJson } from "../metrics/write/put-metric-data-json.js";
import type { WireProtocol } from "./identify.js";
import { CLOUDWATCH, LOGS, type OperationModel } from "./services.js";

/** What a fast decoder read. */
export interface FastDecoded {
  /** The SDK input without the members `prepared` holds, every rule checked. */
  input: unknown;
  /** Those members, every rule checked, as the operation's function uses them (OperationEvent.prepared). */
  prepared: unknown;
}

type FastDecoder = (body: Buffer) => FastDecoded | undefined;

/**
 * HIVE_PUT_METRIC_DATA_READER=general and HIVE_PUT_LOG_EVENTS_READER=general
 * turn one off, only so that benchmarks can compare the two paths.
 */
const JSON_DECODERS: Array<[OperationModel, FastDecoder]> = [];
if (process.env.HIVE_PUT_METRIC_DATA_READER !== "general") {
  JSON_DECODERS.push([CLOUDWATCH.operations.get("PutMetricData")!, (body) => readPutMetricDataJson(body, Date.now())]);
}
if (process.env.HIVE_PUT_LOG_EVENTS_READER !== "general") {
  JSON_DECODERS.push([LOGS.operations.get("PutLogEvents")!, readPutLogEventsJson]);
}

/** By protocol, then by the operation's model object: a request builds no key to look one up. */
const DECODERS: Record<WireProtocol, Map<OperationModel, FastDecoder>> = {
  json: new Map(JSON_DECODERS),
  cbor: new Map(),
  query: new Map(),
};

export function fastDecoderFor(protocol: WireProtocol, op: OperationModel): FastDecoder | undefined {
  return DECODERS[protocol].get(op);
}
