/**
 * What the chunks may not hold yet, for reads: the ingest tail (messages past
 * the aggregator's checkpoint) and the delta records compaction has not
 * folded into the chunks. Reads fold both in, so data is readable as soon as
 * PutMetricData returns.
 */
import { getNats } from "../../storage/nats.js";
import { readSubjectPublished, type StreamMessage } from "../../storage/stream-read.js";
import { getCheckpoint } from "../../storage/stream-shards.js";
import { Aggregate } from "./aggregate.js";
import { decodeChunk, decodeChunkBasic } from "../encoding/chunk.js";
import { readDeltas, seriesEntries, type DeltaRecord } from "../write/delta-log.js";
import { purgeEpoch } from "./chunk-read-cache.js";
import { decodeIngestColumns, decodeIngestMessage, HAS_COUNTS, HIGH_RESOLUTION, IngestColumns, KIND, STATISTICS, VALUE } from "../encoding/ingest-codec.js";
import type { IngestDatum, IngestMessage } from "../encoding/ingest-codec.js";
import { INGEST_STREAM, ingestSubject, PARTITIONS, partitionOf } from "../write/ingest-log.js";
import { publishedIngest } from "../write/published-ingest.js";
import type { MetricIdentity } from "../types.js";
import { grow, growDoubling } from "../encoding/typed-arrays.js";

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
  /** Still encoded: a read indexes them as columns and builds datums only for its own series. */
  messages: StreamMessage[];
}

/**
 * The most bytes of messages of a partition one read folds past the
 * checkpoint, oldest first, so that a read's cost is bounded whatever the
 * lag (max_ingest_lag lets it reach 30 s of data). Counted in the messages'
 * bytes, not their number, because a read's cost is their datums (an
 * encoded datum is 24 bytes or more): 2 MiB is about 340 of bench/ingest.ts's
 * 1000-datum requests (6 KB a partition each), over a second of a
 * throttled flood on 2 cores, while a tail of small requests (ten datums,
 * ~100 bytes a partition) stays whole until it is 20,000 messages long. At
 * any rate the aggregators keep up with, the whole tail, so a read right
 * after PutMetricData sees it. Past the bound, newer datapoints are
 * readable once aggregated (PutMetricData's API reference too says data
 * points can take a while to become available).
 */
export const TAIL_BYTES = 2 * 1024 * 1024;

/**
 * The messages of one account's partition past the aggregator's checkpoint,
 * in stream order, until they reach TAIL_BYTES. Those this process published
 * come from memory (write/published-ingest.ts); the stream is asked only for
 * the others, each round trip a turn of the event loop, which a write flood
 * makes long.
 */
async function readTail(account: string, partition: number): Promise<Partition> {
  const { jsm } = await getNats();
  const subject = ingestSubject(account, partition);
  // Either order bounds the tail rightly: what is past `last` was written after this read began.
  const [checkpoint, last] = await Promise.all([
    getCheckpoint(INGEST_STREAM, String(partition)),
    jsm.streams.getMessage(INGEST_STREAM, { last_by_subj: subject }).then(
      (m) => m.seq,
      () => 0, // this account never wrote to this partition
    ),
  ]);
  if (last <= checkpoint) return { checkpoint, messages: [] };

  const out: StreamMessage[] = [];
  let bytes = 0;
  await readSubjectPublished(publishedIngest, (e) => e.subject === subject, INGEST_STREAM, subject, checkpoint + 1, last, (m) => {
    out.push({ seq: m.seq, data: m.data }); // not a consumer's message object, which holds more
    bytes += m.data.length;
    return bytes < TAIL_BYTES;
  });
  return { checkpoint, messages: out };
}

/** Memoises tail and delta reads for the length of one query. */
export class TailCache {
  private readonly parts = new Map<number, Promise<Partition>>();
  private readonly deltas = new Map<number, Promise<DeltaRecord[]>>();
  private readonly bySeries = new Map<number, Promise<TailIndex>>();
  private readonly epochs = new Map<number, number>();

  constructor(readonly account: string) {}

  /**
   * The datapoints of one metric the chunks may lack. Only the metric's own
   * partition is read; its tail is indexed by series once per query. With
   * `basic`, delta records' buckets come without their distributions.
   */
  async forMetric(metric: MetricIdentity, id: string, basic = false): Promise<TailDatum[]> {
    const p = this.partitionFor(metric);
    let index = this.bySeries.get(p);
    if (!index) {
      index = this.partition(p).then(({ messages }) => new TailIndex(messages));
      this.bySeries.set(p, index);
    }
    const raw = (await index).datums(id);
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

  /** The ingest partition the metric's datapoints go to. */
  partitionFor(metric: MetricIdentity): number {
    return partitionOf(this.account, metric.namespace, {
      m: metric.metricName,
      d: metric.dimensions.map((x) => [x.name, x.value] as [string, string]),
    });
  }

  /**
   * The partition's purge epoch (chunk-read-cache.ts) as this query's read of
   * the delta log left it; undefined before that read. Chunks fetched after
   * it may be kept under it.
   */
  purgeEpochOf(partition: number): number | undefined {
    return this.epochs.get(partition);
  }

  /** Every unaggregated message of the account. */
  async all(): Promise<SequencedMessage[]> {
    const parts = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => this.partition(p)));
    return parts.flatMap((p) => p.messages.map(({ seq, data }) => ({ seq, message: decodeIngestMessage(data) })));
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
      got = this.partition(p).then(async ({ checkpoint }) => {
        const records = await readDeltas(p);
        // Taken at once, before a later refresh can see another purge.
        this.epochs.set(p, purgeEpoch(p));
        return records.filter((r) => r.to <= checkpoint);
      });
      this.deltas.set(p, got);
    }
    return got;
  }
}

/**
 * A partition's tail as columns, its datapoints chained by series. A read
 * wants a few series of the thousands in the tail: decoding every datapoint
 * into an object (as decodeIngestMessage does) kept ~150 bytes of heap per
 * datapoint alive while the index was built, up to ~87,000 a partition (TAIL_BYTES), and
 * the scavenges copying them were most of a read's time under a write flood.
 * Here the rows live in typed arrays and only the wanted series' datums are built.
 */
interface Chain {
  m: string;
  d: Array<[string, string]>;
  first: number;
  last: number;
}

export class TailIndex {
  private rows = 0;
  private seq = new Float64Array(1024);
  private t = new Float64Array(1024);
  private flags = new Uint8Array(1024);
  private unit = new Int32Array(1024);
  private at = new Int32Array(1024);
  private next = new Int32Array(1024);
  private payload = new Float64Array(1024);
  private payloadLength = 0;
  private readonly units: string[] = [];
  private readonly unitNumbers = new Map<string, number>();
  /** By series id: its name and dimensions, and its first and last row (rows chain on through `next`). */
  private readonly series = new Map<string, Chain>();

  constructor(messages: readonly StreamMessage[]) {
    const cols = new IngestColumns();
    for (const { seq, data } of messages) {
      decodeIngestColumns(data, cols);
      // The message's series and units, each resolved once a message.
      const chains = new Array<Chain | undefined>(cols.series.length);
      const units = new Int32Array(cols.strings.length).fill(-1);
      for (let i = 0; i < cols.length; i++) {
        const s = cols.seriesOf[i];
        let chain = chains[s];
        if (!chain) {
          const ms = cols.series[s];
          chain = this.series.get(ms.id);
          if (!chain) this.series.set(ms.id, (chain = { m: ms.m, d: ms.d, first: -1, last: -1 }));
          chains[s] = chain;
        }
        let u = units[cols.unitOf[i]];
        if (u < 0) u = units[cols.unitOf[i]] = this.unitNumber(cols.strings[cols.unitOf[i]]);
        const row = this.addRow(seq, cols, i, u);
        if (chain.last < 0) chain.first = row;
        else this.next[chain.last] = row;
        chain.last = row;
      }
    }
  }

  /** The series' datapoints, in stream order, as decodeIngestMessage gives them. */
  datums(id: string): TailDatum[] {
    const chain = this.series.get(id);
    if (!chain) return [];
    const out: TailDatum[] = [];
    const { m, d: dims } = chain;
    const p = this.payload;
    for (let row = chain.first; row >= 0; row = this.next[row]) {
      const flags = this.flags[row];
      const t = this.t[row];
      const u = this.units[this.unit[row]];
      const at = this.at[row];
      const kind = flags & KIND;
      // The literals of decodeIngestMessage, one per form, so every datum of a form has one shape.
      let d: IngestDatum;
      if (kind === VALUE) {
        const v = p[at];
        d = flags & HIGH_RESOLUTION ? { m, d: dims, t, u, r: 1, v } : { m, d: dims, t, u, v };
      } else if (kind === STATISTICS) {
        const st: [number, number, number, number] = [p[at], p[at + 1], p[at + 2], p[at + 3]];
        d = flags & HIGH_RESOLUTION ? { m, d: dims, t, u, r: 1, s: st } : { m, d: dims, t, u, s: st };
      } else {
        const k = p[at];
        const vs = Array.from(p.subarray(at + 1, at + 1 + k));
        d = flags & HIGH_RESOLUTION ? { m, d: dims, t, u, r: 1, vs } : { m, d: dims, t, u, vs };
        if (flags & HAS_COUNTS) d.cs = Array.from(p.subarray(at + 1 + k, at + 1 + 2 * k));
      }
      out.push({ seq: this.seq[row], d });
    }
    return out;
  }

  private unitNumber(text: string): number {
    let n = this.unitNumbers.get(text);
    if (n === undefined) this.unitNumbers.set(text, (n = this.units.push(text) - 1));
    return n;
  }

  /** Copies datapoint `i` of the decoded message into a new row. */
  private addRow(seq: number, cols: IngestColumns, i: number, unit: number): number {
    if (this.rows === this.seq.length) this.growRows();
    const row = this.rows++;
    const flags = cols.flags[i];
    const from = cols.at[i];
    const kind = flags & KIND;
    const n = kind === VALUE ? 1 : kind === STATISTICS ? 4 : 1 + cols.payload[from] * (flags & HAS_COUNTS ? 2 : 1);
    if (this.payloadLength + n > this.payload.length) this.payload = growDoubling(this.payload, this.payloadLength + n);
    for (let k = 0; k < n; k++) this.payload[this.payloadLength + k] = cols.payload[from + k];
    this.seq[row] = seq;
    this.t[row] = cols.t[i];
    this.flags[row] = flags;
    this.unit[row] = unit;
    this.at[row] = this.payloadLength;
    this.next[row] = -1;
    this.payloadLength += n;
    return row;
  }

  private growRows(): void {
    const n = 2 * this.seq.length;
    this.seq = grow(this.seq, n);
    this.t = grow(this.t, n);
    this.flags = grow(this.flags, n);
    this.unit = grow(this.unit, n);
    this.at = grow(this.at, n);
    this.next = grow(this.next, n);
  }
}
