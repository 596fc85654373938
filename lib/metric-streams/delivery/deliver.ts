/**
 * The MetricStreamDelivery tick (template.yaml, every minute): for every
 * running stream, the closed minutes since its checkpoint are read from the
 * metric store (chunks and the unaggregated tail, lib/metrics/read) for the
 * metrics its filters include, written in the stream's format and published
 * to its subject (destination.ts); then the checkpoint moves by
 * compare-and-set. At least once: a process that dies after publishing
 * leaves the checkpoint where it was and the minutes are published again,
 * under the same JetStream message ids, which JetStream drops as duplicates
 * within its window; several processes running the tick do the same.
 */
import { aggregatesOf, readMany } from "../../metrics/read/read-series.js";
import { TailCache } from "../../metrics/read/tail-cache.js";
import { listSeries, identityOf } from "../../metrics/store/series-index.js";
import { cachedSeriesId, identityFromPairs } from "../../metrics/store/identity.js";
import type { MetricIdentity } from "../../metrics/types.js";
import { createRecord, getRecord, updateRecord } from "../../storage/kv.js";
import { checkpointsBucket, listStreams, type MetricStreamRecord, type StreamCheckpoint } from "../metric-stream.js";
import { deliverySubject, publishRecord } from "../destination.js";
import { jsonLine } from "./json-lines.js";
import { includes, statisticsFor } from "./selection.js";

const MINUTE = 60_000;
/** A stream behind (a service down for a while) catches up at most this far back, and this many minutes a tick. */
export const CATCH_UP_MS = 2 * 3600_000;
export const MINUTES_PER_TICK = 60;
/** One published message holds up to this much of the format: a Firehose record is at most 1,000 KiB. */
export const RECORD_BYTES = 512 * 1024;

export interface DeliveryReport {
  /** Streams that published, and lines published (duplicates JetStream dropped included). */
  streams: number;
  lines: number;
}

interface Candidate {
  metric: MetricIdentity;
  id: string;
  units: string[];
  first?: number;
}

/**
 * The account's series that may have data at or after `from`: the index's
 * (written to within the last minutes, or with a datapoint that recent) and
 * those only the unaggregated tail knows yet.
 */
async function candidates(account: string, from: number, tail: TailCache): Promise<Candidate[]> {
  const tailMessages = await tail.all(); // before the index: a series that left the tail is indexed
  const rows = await listSeries(account);
  const byId = new Map<string, Candidate>();
  // The index's lastWrite is refreshed at least every 5 minutes while a series is written.
  for (const r of rows) {
    if (r.lastWrite < from - 10 * MINUTE && r.lastTimestamp < from) continue;
    byId.set(r.id, { metric: identityOf(r), id: r.id, units: r.units, first: r.firstTimestamp });
  }
  for (const { message } of tailMessages) {
    for (const d of message.data) {
      const id = cachedSeriesId(message.namespace, d.m, d.d);
      if (!byId.has(id)) byId.set(id, { metric: identityFromPairs(message.namespace, d.m, d.d), id, units: [] });
    }
  }
  return [...byId.values()];
}

/** The minutes [from, to) a stream delivers now, or undefined when it is up to date. */
function dueRange(stream: MetricStreamRecord, checkpoint: StreamCheckpoint | undefined, now: number): [number, number] | undefined {
  const closed = Math.floor(now / MINUTE) * MINUTE; // minutes before this one are closed
  const own = checkpoint && checkpoint.createdAt === stream.createdAt ? checkpoint.next : 0;
  const from = Math.max(own, Math.floor(stream.runningSince / MINUTE) * MINUTE, closed - CATCH_UP_MS);
  if (from >= closed) return undefined;
  return [from, Math.min(closed, from + MINUTES_PER_TICK * MINUTE)];
}

export async function deliverMetricStreams(now = Date.now()): Promise<DeliveryReport> {
  const report: DeliveryReport = { streams: 0, lines: 0 };
  const byAccount = new Map<string, Array<{ key: string; value: MetricStreamRecord }>>();
  for (const s of await listStreams()) {
    // Only the JSON format is written; OpenTelemetry streams are kept but send nothing (README).
    if (s.value.state !== "running" || s.value.outputFormat !== "json") continue;
    let list = byAccount.get(s.account);
    if (!list) byAccount.set(s.account, (list = []));
    list.push(s);
  }
  const kv = await checkpointsBucket();
  for (const [account, streams] of byAccount) {
    const tail = new TailCache(account);
    let listed: Promise<Candidate[]> | undefined;
    let listedFrom = Infinity;
    // A checkpoint is kept under its stream's key.
    for (const { key, value: stream } of streams) {
      const cp = await getRecord<StreamCheckpoint>(kv, key);
      const range = dueRange(stream, cp?.value, now);
      if (!range) continue;
      if (!listed || range[0] < listedFrom) {
        listed = candidates(account, range[0], tail);
        listedFrom = range[0];
      }
      const lines = await streamLines(account, stream, range, (await listed).filter((c) => includes(stream, c.metric)), tail, now);
      await publishLines(account, stream, lines);
      const next: StreamCheckpoint = { v: 1, createdAt: stream.createdAt, next: range[1] };
      // Lost to another process: it published the same minutes under the same ids.
      if (cp) await updateRecord(kv, key, next, cp.revision);
      else await createRecord(kv, key, next);
      report.streams++;
      report.lines += [...lines.values()].reduce((n, l) => n + l.length, 0);
    }
  }
  return report;
}

/** Each minute's lines of one stream, by minute start. */
async function streamLines(
  account: string,
  stream: MetricStreamRecord,
  [from, to]: [number, number],
  metrics: Candidate[],
  tail: TailCache,
  now: number,
): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  const ctx = { streamName: stream.name, account, region: stream.region };
  const extra = metrics.map((c) => statisticsFor(stream, c.metric));
  // Basic statistics read without distributions; metrics with additional statistics read them.
  for (const basic of [true, false]) {
    const group = metrics.filter((_, i) => (extra[i].length === 0) === basic);
    const stats = extra.filter((e) => (e.length === 0) === basic);
    if (!group.length) continue;
    const units = new Map(group.map((c) => [c.id, c.units]));
    const firsts = new Map(group.map((c) => [c.id, c.first]));
    const data = await readMany(
      account,
      group.map((c) => c.metric),
      { start: from, end: to, periodMs: MINUTE, now, tail, basic, units: (id) => units.get(id), first: (id) => firsts.get(id) },
    );
    data.forEach((perUnit, i) => {
      for (const [unit, periods] of perUnit) {
        for (const [minute, agg] of aggregatesOf(periods)) {
          if (minute < from || minute >= to || !(agg.count > 0)) continue;
          let list = out.get(minute);
          if (!list) out.set(minute, (list = []));
          list.push(jsonLine(ctx, group[i].metric, unit, minute, agg, stats[i]));
        }
      }
    });
  }
  return out;
}

/** Publishes each minute's lines, cut into records of up to RECORD_BYTES, oldest minute first. */
async function publishLines(account: string, stream: MetricStreamRecord, lines: Map<number, string[]>): Promise<void> {
  const subject = deliverySubject(account, stream.firehoseArn);
  for (const minute of [...lines.keys()].sort((a, b) => a - b)) {
    const records: string[] = [];
    let cur = "";
    let bytes = 0;
    for (const line of lines.get(minute)!) {
      const size = Buffer.byteLength(line, "utf8") + 1;
      if (cur && bytes + size > RECORD_BYTES) {
        records.push(cur);
        cur = "";
        bytes = 0;
      }
      cur += line + "\n";
      bytes += size;
    }
    if (cur) records.push(cur);
    for (let part = 0; part < records.length; part++) {
      await publishRecord(subject, Buffer.from(records[part], "utf8"), `${account}.${stream.region}.${stream.name}.${stream.createdAt}.${minute}.${part}`);
    }
  }
}
