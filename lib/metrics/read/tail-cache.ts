/**
 * What the chunks may not hold yet, for reads: the ingest tail (messages past
 * the aggregator's checkpoint) and the delta records compaction has not
 * folded into the chunks. Reads fold both in, so data is readable as soon as
 * PutMetricData returns.
 */
import { getNats } from "../../storage/nats.js";
import { readSubject } from "../../storage/stream-read.js";
import { getCheckpoint } from "../../storage/stream-shards.js";
import { Aggregate } from "./aggregate.js";
import { decodeChunk, decodeChunkBasic } from "../encoding/chunk.js";
import { readDeltas, seriesEntries, type DeltaRecord } from "../write/delta-log.js";
import { cachedSeriesId } from "../store/identity.js";
import type { IngestDatum, IngestMessage } from "../encoding/ingest-codec.js";
import { INGEST_STREAM, ingestSubject, PARTITIONS, partitionOf } from "../write/ingest-log.js";
import { decodeIngestMessage } from "../encoding/ingest-codec.js";
import type { MetricIdentity } from "../types.js";

/**
 * A datapoint to fold, with the ingest sequence that orders it against a
 * chunk's: a chunk whose lastSeq is at or past `seq` holds it already. A
 * delta record's buckets come as datums with `a` and `k` set, and the
 * record's `from` as their sequence.
 */
export interface TailDatum {
  seq: number;
  d: IngestDatum;
}

interface SequencedMessage {
  seq: number;
  message: IngestMessage;
}

interface Partition {
  /** The aggregator's checkpoint when the tail was read. */
  checkpoint: number;
  messages: SequencedMessage[];
}

/**
 * The most datapoints of a partition one read folds past the checkpoint,
 * oldest messages first, so that a read's cost is bounded whatever the lag
 * (max_ingest_lag lets it reach 30 s of data). Counted in datums, not
 * messages, because a read's cost is its decoded datums: 256 of
 * bench/ingest.ts's 1000-datum requests (a quarter of each a partition),
 * over a second of a throttled flood on 2 cores, while a tail of small
 * requests (ten datums, a message in each partition) stays whole until it
 * is thousands of messages long. At any rate the aggregators keep up with,
 * the whole tail, so a read right after PutMetricData sees it. Past the
 * bound, newer datapoints are readable once aggregated (PutMetricData's API
 * reference too says data points can take a while to become available).
 */
export const TAIL_DATUMS = 65_536;

/** The messages of one account's partition past the aggregator's checkpoint, in stream order, until they hold TAIL_DATUMS datums. */
async function readTail(account: string, partition: number): Promise<Partition> {
  const { jsm } = await getNats();
  const checkpoint = await getCheckpoint(INGEST_STREAM, String(partition));
  const subject = ingestSubject(account, partition);
  let last: number;
  try {
    last = (await jsm.streams.getMessage(INGEST_STREAM, { last_by_subj: subject })).seq;
  } catch {
    return { checkpoint, messages: [] }; // this account never wrote to this partition
  }
  if (last <= checkpoint) return { checkpoint, messages: [] };

  const out: SequencedMessage[] = [];
  let datums = 0;
  await readSubject(INGEST_STREAM, subject, checkpoint + 1, last, (m) => {
    const message = decodeIngestMessage(m.data);
    out.push({ seq: m.seq, message });
    datums += message.data.length;
    return datums < TAIL_DATUMS;
  });
  return { checkpoint, messages: out };
}

/** Memoises tail and delta reads for the length of one query. */
export class TailCache {
  private readonly parts = new Map<number, Promise<Partition>>();
  private readonly deltas = new Map<number, Promise<DeltaRecord[]>>();
  private readonly bySeries = new Map<number, Promise<Map<string, TailDatum[]>>>();

  constructor(readonly account: string) {}

  /**
   * The datapoints of one metric the chunks may lack. Only the metric's own
   * partition is read; its tail is indexed by series once per query. With
   * `basic`, delta records' buckets come without their distributions.
   */
  async forMetric(metric: MetricIdentity, id: string, basic = false): Promise<TailDatum[]> {
    const p = partitionOf(this.account, metric.namespace, {
      m: metric.metricName,
      d: metric.dimensions.map((x) => [x.name, x.value] as [string, string]),
    });
    let index = this.bySeries.get(p);
    if (!index) {
      index = this.partition(p).then(({ messages }) => {
        const map = new Map<string, TailDatum[]>();
        for (const { seq, message } of messages) {
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
    const raw = (await index).get(id) ?? [];
    const records = await this.records(p);
    if (!records.length) return raw;
    const out = [...raw];
    for (const r of records) {
      for (const e of seriesEntries(r, this.account, id)) {
        if (basic) {
          // Count, sum, min and max only: no distributions decoded.
          const c = decodeChunkBasic(e.body);
          for (let i = 0; i < c.t.length; i++) {
            const a = Aggregate.fromParts({ count: c.count[i], sum: c.sum[i], min: c.min[i], max: c.max[i], hasDistribution: false });
            out.push({ seq: r.from, d: { m: metric.metricName, d: [], t: c.t[i], u: e.unit, a, k: e.tier } });
          }
          continue;
        }
        for (const { t, agg } of decodeChunk(e.body).buckets) {
          out.push({ seq: r.from, d: { m: metric.metricName, d: [], t, u: e.unit, a: agg, k: e.tier } });
        }
      }
    }
    return out;
  }

  /** Every unaggregated message of the account. */
  async all(): Promise<SequencedMessage[]> {
    const parts = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => this.partition(p)));
    return parts.flatMap((p) => p.messages);
  }

  /** Whether the chunks hold everything: no tail, no delta record to fold. */
  async isEmpty(): Promise<boolean> {
    const parts = await Promise.all(Array.from({ length: PARTITIONS }, async (_, p) => (await this.partition(p)).messages.length + (await this.records(p)).length));
    return parts.every((n) => n === 0);
  }

  private partition(p: number): Promise<Partition> {
    let got = this.parts.get(p);
    if (!got) this.parts.set(p, (got = readTail(this.account, p)));
    return got;
  }

  /**
   * The partition's delta records up to the tail's checkpoint: those past it
   * are being recorded now, and their messages are still in the tail.
   */
  private records(p: number): Promise<DeltaRecord[]> {
    let got = this.deltas.get(p);
    if (!got) {
      // After the tail: a record that left it (the checkpoint passed it) is in the log or in the chunks.
      got = this.partition(p).then(async ({ checkpoint }) => (await readDeltas(p)).filter((r) => r.to <= checkpoint));
      this.deltas.set(p, got);
    }
    return got;
  }
}
