/**
 * The ingest tail: messages the aggregator has not acknowledged yet. Reads
 * fold them in, so data is readable as soon as PutMetricData returns.
 */
import { DeliverPolicy } from "nats";
import { getNats } from "../storage/nats.js";
import type { SequencedMessage } from "./aggregator.js";
import { getCheckpoint } from "../runtime/shards.js";
import { cachedSeriesId } from "./identity.js";
import { INGEST_STREAM, ingestSubject, PARTITIONS, partitionOf, type IngestDatum } from "./ingest.js";
import { decodeIngestMessage } from "./ingest-codec.js";
import type { MetricIdentity } from "./types.js";

/** The messages of one account's partition past the aggregator's checkpoint, in stream order. */
export async function readTail(account: string, partition: number): Promise<SequencedMessage[]> {
  const { jsm, js } = await getNats();
  const from = (await getCheckpoint(INGEST_STREAM, String(partition))) + 1;
  const subject = ingestSubject(account, partition);
  let last: number;
  try {
    last = (await jsm.streams.getMessage(INGEST_STREAM, { last_by_subj: subject })).seq;
  } catch {
    return []; // this account never wrote to this partition
  }
  if (last < from) return [];

  const consumer = await js.consumers.get(INGEST_STREAM, {
    filterSubjects: subject,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: from,
  });
  const out: SequencedMessage[] = [];
  const messages = await consumer.consume({ max_messages: 256 });
  for await (const m of messages) {
    out.push({ seq: m.seq, message: decodeIngestMessage(m.data) });
    if (m.seq >= last || m.info.pending === 0) break;
  }
  await messages.close().catch(() => undefined);
  return out;
}

/** Memoises tail reads for the length of one query. */
export class TailCache {
  private readonly parts = new Map<string, Promise<SequencedMessage[]>>();
  constructor(readonly account: string) {}

  private readonly bySeries = new Map<number, Promise<Map<string, Array<{ seq: number; d: IngestDatum }>>>>();

  /**
   * The tail's datapoints of one metric, in stream order. Only the metric's
   * own partition is read; it is indexed by series once per query.
   */
  async forMetric(metric: MetricIdentity, id: string): Promise<Array<{ seq: number; d: IngestDatum }>> {
    const p = partitionOf(this.account, metric.namespace, {
      m: metric.metricName,
      d: metric.dimensions.map((x) => [x.name, x.value] as [string, string]),
    });
    let index = this.bySeries.get(p);
    if (!index) {
      index = this.partition(p).then((msgs) => {
        const map = new Map<string, Array<{ seq: number; d: IngestDatum }>>();
        for (const { seq, message } of msgs) {
          for (const d of message.data) {
            const sid = cachedSeriesId(message.namespace, d.m, d.d);
            let list = map.get(sid);
            if (!list) map.set(sid, (list = []));
            list.push({ seq, d });
          }
        }
        return map;
      });
      this.bySeries.set(p, index);
    }
    return (await index).get(id) ?? [];
  }

  /** Every unaggregated message of the account. */
  async all(): Promise<SequencedMessage[]> {
    const parts = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => this.partition(p)));
    return parts.flat();
  }

  private partition(p: number): Promise<SequencedMessage[]> {
    const key = String(p);
    let got = this.parts.get(key);
    if (!got) this.parts.set(key, (got = readTail(this.account, p)));
    return got;
  }
}
