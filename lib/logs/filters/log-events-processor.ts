/**
 * What happens to log events as they are ingested (the LogEventsProcessor
 * stream trigger on CW_LOGS_EVENTS): metric filters and Embedded Metric
 * Format documents become datapoints through PutMetricData's ingest path, and
 * subscription filters deliver matching events in AWS's envelope.
 *
 * At-least-once, exactly-once in effect: the runtime moves the shard's
 * checkpoint only after a batch succeeded, and every append here carries a
 * JetStream message id made from the batch's buffer sequences, so a batch
 * processed again (a crash, a lost lease) within the two-minute duplicate
 * window stores nothing twice.
 */
import type { MetricDatum, StandardUnit } from "@aws-sdk/client-cloudwatch";
import { createHash } from "node:crypto";
import { isServiceError } from "../../errors.js";
import { putMetricData } from "../../metrics/put-metric-data.js";
import { getConfig } from "../../config/config.js";
import { extractEmf, mayBeEmf, mayHoldEmf } from "../emf/extract.js";
import { decodeLogBatch, decodeLogBatchHeader, type LogBatch, type LogBatchHeader } from "../events/batch-codec.js";
import { streamHash } from "../events/event-buffer.js";
import { makeEventId } from "../events/event-id.js";
import { compileFilterPattern, type FilterPattern } from "../patterns/index.js";
import { readGroupFilters, type MetricFilterRecord } from "./filter-store.js";
import { deliver, type SubscriptionEnvelope } from "../subscriptions/delivery.js";

export interface BufferRecord {
  /** Sequence in CW_LOGS_EVENTS. */
  seq: number;
  data: Uint8Array;
}

export interface ProcessResult {
  events: number;
  datapoints: number;
  deliveries: number;
}

/** Compiled patterns by text; bounded (patterns are at most 1,024 characters, so about 1 MB of text). */
const compiled = new Map<string, FilterPattern>();
const MAX_COMPILED = 1000;
function compiledPattern(text: string): FilterPattern {
  let p = compiled.get(text);
  if (!p) {
    p = compileFilterPattern(text);
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
    compiled.set(text, p);
  }
  return p;
}

const NUMBER = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;
const toNumber = (v: unknown): number | undefined =>
  typeof v === "number" ? v : typeof v === "string" && NUMBER.test(v) ? Number(v) : undefined;

/** The datum a metric filter emits for one event, or undefined when it emits none. */
function metricFilterDatum(filter: MetricFilterRecord, pattern: FilterPattern, message: string, timestamp: number): { namespace: string; datum: MetricDatum } | undefined {
  const t = filter.metricTransformations[0]!;
  const m = pattern.match(message);
  let value: number | undefined;
  let dimensions: { Name: string; Value: string }[] | undefined;
  if (m) {
    value = NUMBER.test(t.metricValue!) ? Number(t.metricValue) : toNumber(m.lookup(t.metricValue!.trim()));
    if (t.dimensions) {
      dimensions = [];
      for (const [name, ref] of Object.entries(t.dimensions)) {
        const v = m.lookup(ref);
        // An event without a dimension's field yields no datapoint.
        if (v === undefined || v === null || String(v) === "") return undefined;
        dimensions.push({ Name: name, Value: String(v).slice(0, 1024) });
      }
    }
  } else if (t.defaultValue !== undefined) {
    // The user guide: a non-matching event reports the default value.
    value = t.defaultValue;
  }
  if (value === undefined || !Number.isFinite(value)) return undefined;
  const datum: MetricDatum = { MetricName: t.metricName, Value: value, Timestamp: new Date(timestamp) };
  if (t.unit) datum.Unit = t.unit as StandardUnit;
  if (dimensions?.length) datum.Dimensions = dimensions;
  return { namespace: t.metricNamespace!, datum };
}

/** Envelopes stay well under a Kinesis record's 1 MB once gzipped. */
const MAX_ENVELOPE_TEXT = 256 * 1024;

export async function processLogBatches(records: BufferRecord[], now = Date.now()): Promise<ProcessResult> {
  const result: ProcessResult = { events: 0, datapoints: 0, deliveries: 0 };
  const headers: { seq: number; data: Uint8Array; header: LogBatchHeader }[] = [];
  for (const r of records) {
    try {
      headers.push({ seq: r.seq, data: r.data, header: decodeLogBatchHeader(r.data) });
    } catch (e) {
      console.error(`LogEventsProcessor: skipping undecodable buffer message ${r.seq}`, e);
    }
  }
  // Datums per account and namespace, each with the buffer sequence it came from (for message ids).
  const metrics = new Map<string, { account: string; namespace: string; data: MetricDatum[] }>();
  const addDatum = (account: string, namespace: string, datum: MetricDatum) => {
    const key = `${account}\n${namespace}`;
    let entry = metrics.get(key);
    if (!entry) metrics.set(key, (entry = { account, namespace, data: [] }));
    entry.data.push(datum);
    result.datapoints++;
  };
  const deliveries: Promise<void>[] = [];

  const filtersOf = new Map<string, ReturnType<typeof readGroupFilters>>();
  for (const { seq, data, header } of headers) {
    result.events += header.eventCount;
    const groupKey = `${header.account}\n${header.logGroup}\n${header.groupId ?? ""}`;
    let pending = filtersOf.get(groupKey);
    if (!pending) filtersOf.set(groupKey, (pending = readGroupFilters(header.account, header.logGroup, header.groupId)));
    const filters = await pending;
    // PutLogEvents sends such batches elsewhere (event-buffer.ts); filters deleted since, or a batch buffered
    // before the split, leave a group without filters whose batch never spells `"_aws"`: nothing to decode.
    if (!filters?.metricFilters.length && !filters?.subscriptionFilters.length && !mayHoldEmf(data)) continue;
    let batch: LogBatch;
    try {
      batch = decodeLogBatch(data);
    } catch (e) {
      console.error(`LogEventsProcessor: skipping undecodable buffer message ${seq}`, e);
      continue;
    }

    for (const e of batch.events) {
      if (mayBeEmf(e.message)) {
        for (const { namespace, data } of extractEmf(e.message) ?? []) for (const d of data) addDatum(batch.account, namespace, d);
      }
    }
    if (!filters) continue;
    for (const f of filters.metricFilters) {
      const pattern = compiledPattern(f.filterPattern);
      for (const e of batch.events) {
        const out = metricFilterDatum(f, pattern, e.message, e.timestamp);
        if (out) addDatum(batch.account, out.namespace, out.datum);
      }
    }
    const hash = streamHash(batch.logGroup, batch.logStream);
    for (const f of filters.subscriptionFilters) {
      const pattern = compiledPattern(f.filterPattern);
      let part: SubscriptionEnvelope["logEvents"] = [];
      let bytes = 0;
      let n = 0;
      const flush = () => {
        if (!part.length) return;
        const envelope: SubscriptionEnvelope = {
          messageType: "DATA_MESSAGE",
          owner: batch.account,
          logGroup: batch.logGroup,
          logStream: batch.logStream,
          subscriptionFilters: [f.filterName],
          logEvents: part,
        };
        deliveries.push(deliver(f.target, envelope, `sub.${batch.account}.${digest(batch.logGroup, f.filterName)}.${seq}.${n++}`));
        result.deliveries++;
        part = [];
        bytes = 0;
      };
      batch.events.forEach((e, index) => {
        if (!pattern.matches(e.message)) return;
        if (bytes + e.message.length > MAX_ENVELOPE_TEXT) flush();
        part.push({ id: makeEventId({ timestamp: e.timestamp, streamHash: hash, seq, index }), timestamp: e.timestamp, message: e.message });
        bytes += e.message.length + 64;
      });
      flush();
    }
  }
  await Promise.all(deliveries);

  const first = headers[0]?.seq ?? 0;
  const last = headers[headers.length - 1]?.seq ?? 0;
  const max = getConfig().maxMetricsPerRequest;
  const puts: Promise<void>[] = [];
  for (const { account, namespace, data } of metrics.values()) {
    // PutMetricData refuses datapoints over two weeks old or two hours ahead: AWS drops those too.
    const fresh = data.filter((d) => {
      const t = d.Timestamp!.getTime();
      return t >= now - 14 * 86_400_000 + 60_000 && t <= now + 2 * 3_600_000 - 60_000;
    });
    for (let i = 0; i < fresh.length; i += max) {
      const retryKey = `logs.${digest(namespace)}.${first}-${last}.${i / max}`;
      puts.push(
        putMetricData({ Namespace: namespace, MetricData: fresh.slice(i, i + max) }, { accountId: account, now, retryKey }).catch((e) => {
          // A namespace or value PutMetricData refuses is the filter's fault, not the batch's: drop it.
          if (isServiceError(e) && e.status < 500 && e.code !== "ServiceUnavailable") {
            console.error(`LogEventsProcessor: metrics for ${account}/${namespace} refused: ${e.message}`);
            return;
          }
          throw e;
        }),
      );
    }
  }
  await Promise.all(puts);
  return result;
}

const digest = (...parts: string[]) => createHash("sha256").update(parts.join("\n")).digest("base64url").slice(0, 16);
