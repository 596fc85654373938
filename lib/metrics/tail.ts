/**
 * The ingest tail: messages the aggregator has not acknowledged yet. Reads
 * fold them in, so data is readable as soon as PutMetricData returns.
 */
import { DeliverPolicy } from "nats";
import { getNats } from "../storage/nats.js";
import type { SequencedMessage } from "./aggregator.js";
import { getCheckpoint } from "../runtime/shards.js";
import { INGEST_STREAM, ingestSubject, PARTITIONS, partitionOf, type IngestMessage } from "./ingest.js";

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
    out.push({ seq: m.seq, message: JSON.parse(Buffer.from(m.data).toString("utf8")) as IngestMessage });
    if (m.seq >= last || m.info.pending === 0) break;
  }
  await messages.close().catch(() => undefined);
  return out;
}

/** Memoises tail reads for the length of one query. */
export class TailCache {
  private readonly parts = new Map<string, Promise<SequencedMessage[]>>();
  constructor(readonly account: string) {}

  forNamespace(namespace: string): Promise<SequencedMessage[]> {
    return this.partition(partitionOf(this.account, namespace)).then((msgs) =>
      msgs.filter((m) => m.message.namespace === namespace),
    );
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
