/**
 * A collector's PutMetricData requests the metric store answered with
 * Throttling, held for the rest of the tick and tried again with backoff,
 * as an AWS SDK retries Throttling, instead of losing the period's
 * datapoints. What is held is bounded in bytes; past the budget, or still
 * throttled when the tick's time is up, a request is dropped and counted.
 * Retries are idempotent: each request keeps its retry key (the ingest
 * log's message id), so one stored before its answer was lost is not stored twice.
 */
import type { MetricDatum } from "@aws-sdk/client-cloudwatch";

export interface HeldPut {
  /** What the put is for (an instance id), for reports. */
  owner: string;
  namespace: string;
  accountId: string;
  data: MetricDatum[];
  retryKey: string;
}

export type SendPut = (put: HeldPut) => Promise<void>;

export const isThrottling = (e: unknown): boolean => (e as { code?: string })?.code === "Throttling";

/** Bytes a held request costs: its datums as JSON (the objects cost a small multiple; the bound is what matters). */
const sizeOf = (p: HeldPut) => JSON.stringify(p.data).length + p.namespace.length + p.retryKey.length + 64;

export interface RetryOptions {
  /** Epoch ms (wall clock) after which nothing more is tried. */
  deadline: number;
  /** First pause, doubled each round up to maxDelayMs; each pause is jittered down to half. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

export class ThrottledPuts {
  private held: Array<{ put: HeldPut; bytes: number }> = [];
  private heldBytes = 0;
  /** Owners of requests dropped (over the budget, or still throttled at the deadline). */
  readonly dropped = new Set<string>();

  constructor(readonly budgetBytes: number) {}

  /** Holds a throttled request for retry; false (and dropped) when the budget cannot take it. */
  hold(put: HeldPut): boolean {
    const bytes = sizeOf(put);
    if (this.heldBytes + bytes > this.budgetBytes) {
      this.dropped.add(put.owner);
      return false;
    }
    this.held.push({ put, bytes });
    this.heldBytes += bytes;
    return true;
  }

  /** Bytes held now. */
  bytes(): number {
    return this.heldBytes;
  }

  /** Owners with a request held now. */
  owners(): Set<string> {
    return new Set(this.held.map((h) => h.put.owner));
  }

  /**
   * Tries the held requests again, in order, until all are stored or the
   * deadline passes: a round stops at the first still throttled (the store
   * is still overloaded) and waits longer before the next. A request that
   * fails otherwise is dropped with a log line. Returns how many were stored.
   */
  async retry(send: SendPut, opts: RetryOptions): Promise<number> {
    const { deadline, minDelayMs = 1000, maxDelayMs = 16_000 } = opts;
    let stored = 0;
    for (let round = 0; this.held.length > 0; round++) {
      const pause = Math.min(maxDelayMs, minDelayMs * 2 ** round) * (0.5 + Math.random() / 2);
      if (Date.now() + pause > deadline) break;
      await new Promise((r) => setTimeout(r, pause));
      while (this.held.length > 0) {
        const { put, bytes } = this.held[0];
        try {
          await send(put);
          stored++;
        } catch (e) {
          if (isThrottling(e)) break;
          console.error(`collector: ${put.owner}: ${put.namespace} datapoints dropped: ${String((e as Error)?.message ?? e).slice(0, 200)}`);
          this.dropped.add(put.owner);
        }
        this.held.shift();
        this.heldBytes -= bytes;
      }
    }
    for (const { put } of this.held) this.dropped.add(put.owner);
    this.held = [];
    this.heldBytes = 0;
    return stored;
  }
}
