/**
 * PutMetricData: AWS's validation, then one durable append to the ingest log.
 * The reply is sent only after JetStream acknowledged the append.
 */
import type { MetricDatum, PutMetricDataInput } from "@aws-sdk/client-cloudwatch";
import { getConfig } from "../config/config.js";
import { invalidParameterCombination, invalidParameterValue, missingParameter, protocolError } from "../errors.js";
import type { DatumColumns } from "./encoding/datum-columns.js";
import type { IngestDatum } from "./encoding/ingest-codec.js";
import { admitIngest } from "./write/ingest-admission.js";
import { publishIngest, publishIngestColumns } from "./write/ingest-log.js";
import { NotUnicodeError } from "./encoding/ingest-codec.js";
import { javaNumberText } from "../validation/java-number.js";

const MAX_VALUES = 150;
const LIMIT = 2 ** 360;
const TWO_WEEKS_MS = 14 * 24 * 3600 * 1000;
const TWO_HOURS_MS = 2 * 3600 * 1000;
const NAMESPACE = /^[0-9A-Za-z.\-_/#: ]+$/;

/** A PutMetricData request's datums, read straight from its body into columns, every rule checked. */
export type PreparedMetricData = DatumColumns;

export interface PutContext {
  accountId: string;
  now?: number;
  /** The service's own collectors may write AWS/ namespaces. */
  allowReserved?: boolean;
  /** Same on every retry of one client call: a retry of a request that was stored is not stored again. */
  retryKey?: string;
}

function checkNumber(value: number, path: string): void {
  if (isBadNumber(value)) throw invalidParameterValue(`The value ${javaNumberText(value)} for parameter ${path} is invalid.`);
}

/** The characters a namespace may hold and the reserved AWS/ prefix: rules beyond the model's `[^:].*`. */
export function validateNamespace(namespace: string, allowReserved = false): void {
  if (!namespace.trim() || !NAMESPACE.test(namespace)) {
    throw invalidParameterValue(`The value ${namespace} for parameter Namespace is invalid.`);
  }
  if (!allowReserved && namespace.startsWith("AWS/")) {
    throw invalidParameterValue(`The value ${namespace} for parameter Namespace is invalid. Namespaces beginning with AWS/ are reserved for use by Amazon Web Services.`);
  }
}

const isBadNumber = (v: number) => !(v === v && v <= LIMIT && v >= -LIMIT); // NaN, ±Infinity, out of range

/** The parameter path of datum `i` (of entity `entity`, when given): built only for an error message. */
function datumPath(i: number, entity: number): string {
  return entity < 0 ? `MetricData.member.${i + 1}` : `EntityMetricData.member.${entity + 1}.MetricData.member.${i + 1}`;
}

/**
 * Checks what the model cannot say of one datum (lib/validation has checked
 * names, lengths, counts and the unit) and turns it into its compact ingest
 * form. The hot path of ingest: datum `index` (of entity `entity`, or -1)
 * is named only in an error message, and nothing is allocated for it otherwise.
 */
export function normalizeDatum(d: MetricDatum, index: number, entity: number, now: number): IngestDatum {
  const dims = d.Dimensions;
  const pairs = new Array<[string, string]>(dims === undefined ? 0 : dims.length);
  if (dims !== undefined && dims.length > 0) {
    for (let i = 0; i < dims.length; i++) pairs[i] = [dims[i].Name!, dims[i].Value!];
    let ascending = true;
    for (let i = 1; i < pairs.length; i++) if (!(pairs[i - 1][0] < pairs[i][0])) ascending = false;
    if (!ascending) {
      pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      for (let i = 1; i < pairs.length; i++) {
        if (pairs[i][0] === pairs[i - 1][0]) {
          throw invalidParameterValue(`No metric may have duplicate dimension names: ${pairs[i][0]} appears more than once in ${datumPath(index, entity)}.Dimensions.`);
        }
      }
    }
  }

  const t = d.Timestamp ? d.Timestamp.getTime() : now;
  if (t < now - TWO_WEEKS_MS) {
    throw invalidParameterValue(`The parameter ${datumPath(index, entity)}.Timestamp must specify a time no more than two weeks in the past.`);
  }
  if (t > now + TWO_HOURS_MS) {
    throw invalidParameterValue(`The parameter ${datumPath(index, entity)}.Timestamp must specify a time no more than two hours in the future.`);
  }

  const unit = d.Unit ?? "None";

  const res = d.StorageResolution ?? 60;
  if (res !== 1 && res !== 60) {
    // AWS's words, quoted in boto/botocore#1671.
    throw invalidParameterValue(`The parameter ${datumPath(index, entity)}.StorageResolution must be a value in the set [ 1, 60 ].`);
  }

  const hasValue = d.Value !== undefined;
  const hasSet = d.StatisticValues !== undefined;
  const hasValues = d.Values !== undefined;
  // Value excludes the other two; Values with StatisticValues is accepted (localstack's
  // test_put_metric_data_validation, recorded against AWS), and both are counted.
  if (hasValue && (hasSet || hasValues)) {
    throw invalidParameterCombination(
      `The parameters ${datumPath(index, entity)}.Value and ${datumPath(index, entity)}.${hasValues ? "Values" : "StatisticValues"} are mutually exclusive and you have specified both.`,
    );
  }
  if (d.Counts !== undefined && !hasValues) {
    throw invalidParameterCombination(`The parameter ${datumPath(index, entity)}.Counts can only be specified with ${datumPath(index, entity)}.Values.`);
  }
  // Every member in one literal: one object shape for every datum, no property added later.
  // Standard resolution is the default: left out, it is a few bytes less per datum in the ingest log.
  const out: IngestDatum = { m: d.MetricName!, d: pairs, t, u: unit, r: res === 1 ? 1 : undefined, v: undefined, vs: undefined, cs: undefined, s: undefined };

  if (hasValue) {
    if (isBadNumber(d.Value!)) checkNumber(d.Value!, `${datumPath(index, entity)}.Value`);
    out.v = d.Value;
  } else if (hasSet) {
    const s = d.StatisticValues!;
    const sp = () => `${datumPath(index, entity)}.StatisticValues`;
    for (const k of ["SampleCount", "Sum", "Minimum", "Maximum"] as const) if (isBadNumber(s[k]!)) checkNumber(s[k]!, `${sp()}.${k}`);
    if (s.SampleCount! <= 0) {
      throw invalidParameterValue(`The value ${javaNumberText(s.SampleCount!)} for parameter ${sp()}.SampleCount is invalid. It must be greater than 0.`);
    }
    if (s.Minimum! > s.Maximum!) {
      throw invalidParameterValue(`The parameter ${sp()}.Minimum must be less than or equal to ${sp()}.Maximum.`);
    }
    out.s = [s.SampleCount!, s.Sum!, s.Minimum!, s.Maximum!];
  }
  if (hasValues) {
    const values = d.Values!;
    if (values.length > MAX_VALUES) {
      throw invalidParameterValue(`The collection ${datumPath(index, entity)}.Values must not have a size greater than ${MAX_VALUES}.`);
    }
    for (let i = 0; i < values.length; i++) if (isBadNumber(values[i])) checkNumber(values[i], `${datumPath(index, entity)}.Values.member.${i + 1}`);
    if (d.Counts !== undefined) {
      if (d.Counts.length !== values.length) {
        throw invalidParameterValue(`The parameters ${datumPath(index, entity)}.Values and ${datumPath(index, entity)}.Counts must be of the same size.`);
      }
      for (let i = 0; i < d.Counts.length; i++) {
        const c = d.Counts[i];
        if (isBadNumber(c) || c < 0) {
          throw invalidParameterValue(`The value ${javaNumberText(c)} for parameter ${datumPath(index, entity)}.Counts.member.${i + 1} is invalid.`);
        }
      }
      out.cs = d.Counts;
    }
    out.vs = values;
  } else if (!hasValue && !hasSet) {
    // AWS's answer, quoted in AdRoll/goamz#301 (it names Values neither).
    throw invalidParameterCombination(
      `At least one of the parameters ${datumPath(index, entity)}.Value and ${datumPath(index, entity)}.StatisticValues must be specified.`,
    );
  }
  return out;
}

/** A datum in the ingest log's forms: one holds a statistic set or values, not both (docs/formats). */
export function ingestForms(d: IngestDatum, into: IngestDatum[]): void {
  if (d.s && d.vs) {
    const { vs: _vs, cs: _cs, ...set } = d;
    const { s: _s, ...values } = d;
    into.push(set, values);
  } else into.push(d);
}

/** The request's datums in their ingest forms, every rule checked (AWS's error for the first broken). */
export function ingestDatumsOf(input: PutMetricDataInput, ctx: PutContext): IngestDatum[] {
  const now = ctx.now ?? Date.now();
  validateNamespace(input.Namespace!, ctx.allowReserved);
  const data = input.MetricData ?? [];
  const entity = input.EntityMetricData ?? [];
  const total = data.length + entity.reduce((n, e) => n + (e.MetricData?.length ?? 0), 0);
  if (total === 0) throw missingParameter("MetricData");
  const max = getConfig().maxMetricsPerRequest;
  if (total > max) {
    throw invalidParameterValue(`The collection MetricData must not have a size greater than ${max}.`);
  }
  const out: IngestDatum[] = [];
  // Parameter paths are only built for an error message.
  for (let i = 0; i < data.length; i++) ingestForms(normalizeDatum(data[i], i, -1, now), out);
  entity.forEach((e, i) => (e.MetricData ?? []).forEach((d, j) => ingestForms(normalizeDatum(d, j, i, now), out)));
  return out;
}

/**
 * Stores the request. `prepared`: its datums as its fast decoder already read
 * and checked them from the body (lib/protocol/fast-decoders.ts); `input`
 * then holds its Namespace alone.
 */
export async function putMetricData(input: PutMetricDataInput, ctx: PutContext, prepared?: PreparedMetricData): Promise<void> {
  const data = prepared === undefined ? ingestDatumsOf(input, ctx) : undefined;
  await admitIngest();
  try {
    if (data === undefined) await publishIngestColumns(ctx.accountId, input.Namespace!, prepared!, ctx.retryKey);
    else await publishIngest({ account: ctx.accountId, namespace: input.Namespace!, data }, ctx.retryKey);
  } catch (e) {
    if (e instanceof NotUnicodeError) {
      throw invalidParameterValue(`The value ${JSON.stringify(e.text)} is not valid Unicode: it has a lone UTF-16 surrogate.`);
    }
    console.error("PutMetricData: ingest append failed", e);
    throw protocolError("ServiceUnavailable", "The metric store is unavailable; the data was not accepted. Retry the request.");
  }
}
