/**
 * Embedded Metric Format: a log event that is a JSON object with
 * `_aws.CloudWatchMetrics` becomes metrics, as AWS's "Specification:
 * Embedded metric format" describes:
 * - `_aws.Timestamp` (epoch ms) is every datum's timestamp;
 * - each MetricDirective has a Namespace, Dimensions (an array of dimension
 *   sets, each an array of root member names whose values are strings) and
 *   Metrics (up to 100, each a Name, an optional Unit and StorageResolution);
 * - a metric's value is the root member of its name: a number, or an array
 *   of up to 100 numbers;
 * - every dimension set of a directive yields one datum per metric.
 * A document that breaks the specification yields no metrics; the event is
 * kept as a log all the same (the caller stores events before this runs).
 */
import type { MetricDatum } from "@aws-sdk/client-cloudwatch";
import { StandardUnit } from "@aws-sdk/client-cloudwatch";

export interface EmfMetrics {
  namespace: string;
  data: MetricDatum[];
}

const UNITS = new Set<string>(Object.values(StandardUnit));
const MAX_METRICS = 100;
const MAX_VALUES = 100;
const MAX_DIMENSIONS = 30;
const MAX_NAME = 255;
const MAX_DIMENSION_VALUE = 1024;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isName = (v: unknown): v is string => typeof v === "string" && v.length >= 1 && v.length <= MAX_NAME;
const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** Quick test before parsing: EMF documents always name `_aws`. */
export const mayBeEmf = (message: string) => message.includes('"_aws"') && message.includes("CloudWatchMetrics");

const EMF_MARK = Buffer.from('"_aws"');
/** Whether some message of a log batch (its bytes, docs/formats/log-batch.md) may be an EMF document (mayBeEmf): one search of its bytes. */
export const mayHoldEmf = (data: Uint8Array) => Buffer.from(data.buffer, data.byteOffset, data.byteLength).indexOf(EMF_MARK) >= 0;

/**
 * The metrics of an EMF document, grouped by namespace; undefined when the
 * message is not a valid EMF document.
 */
export function extractEmf(message: string): EmfMetrics[] | undefined {
  if (!mayBeEmf(message)) return undefined;
  let root: unknown;
  try {
    root = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (!isObject(root) || !isObject(root._aws)) return undefined;
  const aws = root._aws;
  if (!isNumber(aws.Timestamp) || aws.Timestamp < 0) return undefined;
  const directives = aws.CloudWatchMetrics;
  if (!Array.isArray(directives)) return undefined;
  const timestamp = new Date(aws.Timestamp);
  const out = new Map<string, MetricDatum[]>();
  for (const directive of directives) {
    if (!isObject(directive) || !isName(directive.Namespace)) return undefined;
    const dimensionSets = directive.Dimensions;
    const metrics = directive.Metrics;
    if (!Array.isArray(dimensionSets) || !Array.isArray(metrics) || metrics.length > MAX_METRICS) return undefined;
    // Resolve every dimension set to name/value pairs; a set naming a missing or non-string member invalidates the document.
    const sets: { Name: string; Value: string }[][] = [];
    for (const set of dimensionSets.length ? dimensionSets : [[]]) {
      if (!Array.isArray(set) || set.length > MAX_DIMENSIONS) return undefined;
      const dims: { Name: string; Value: string }[] = [];
      for (const key of set) {
        if (!isName(key)) return undefined;
        const value = root[key];
        if (typeof value !== "string" || value.length === 0 || value.length > MAX_DIMENSION_VALUE) return undefined;
        dims.push({ Name: key, Value: value });
      }
      sets.push(dims);
    }
    const data = out.get(directive.Namespace) ?? [];
    for (const metric of metrics) {
      if (!isObject(metric) || !isName(metric.Name)) return undefined;
      if (metric.Unit !== undefined && (typeof metric.Unit !== "string" || !UNITS.has(metric.Unit))) return undefined;
      if (metric.StorageResolution !== undefined && metric.StorageResolution !== 1 && metric.StorageResolution !== 60) return undefined;
      const raw = root[metric.Name];
      let values: number[];
      if (isNumber(raw)) values = [raw];
      else if (Array.isArray(raw) && raw.length >= 1 && raw.length <= MAX_VALUES && raw.every(isNumber)) values = raw;
      else if (raw === undefined) continue; // a declared metric with no value in this event: nothing to emit
      else return undefined;
      for (const dims of sets) {
        const datum: MetricDatum = { MetricName: metric.Name, Timestamp: timestamp, Dimensions: dims };
        if (values.length === 1) datum.Value = values[0];
        else datum.Values = values;
        if (metric.Unit !== undefined) datum.Unit = metric.Unit as StandardUnit;
        if (metric.StorageResolution === 1) datum.StorageResolution = 1;
        data.push(datum);
      }
    }
    out.set(directive.Namespace, data);
  }
  return [...out].filter(([, data]) => data.length > 0).map(([namespace, data]) => ({ namespace, data }));
}
