/**
 * ListMetrics' in-process listing of an account's series: the series index
 * (cw-metric-series, `{account}.{seriesId}`) kept current by one long-lived
 * ordered watch per account and process, sorted in ListMetrics' order
 * (canonicalMetric, UTF-16 code units), so a page is a range read instead of
 * a KV scan of the account. Series written through any process arrive by the
 * watch; a call first waits until the watch has delivered what its consumer
 * had when the call began, so a listing sees every record written before it.
 *
 * Bounded by `list_metrics_index_mb` (docs/memory.md): an account whose rows
 * would pass it is dropped and listed by a scan per call, retried after
 * REFUSED_MS. One consumer per account for the life of the process: nats-server
 * 2.9.10 never frees a deleted consumer (docs/memory.md), so never one per call.
 */
import { AckPolicy, consumerOpts, DeliverPolicy, nanos, type JetStreamSubscription, type JsMsg, type NatsError } from "nats";
import { getConfig } from "../../config/config.js";
import { getNats, BUCKETS } from "../../storage/nats.js";
import type { SeriesRecord } from "../store/series-index.js";

/** One series as the listing holds it: its sort key (canonicalMetric) and what the filters read. */
export interface ListedRow {
  /** `namespace \0 metricName (\0 name=value)*`: the order of ListMetrics' pages and its NextToken. */
  key: string;
  id: string;
  /** Where the namespace and the metric name end in `key`. */
  nsEnd: number;
  nameEnd: number;
  /** Dimension names and values, alternating, in the record's order. */
  dims: string[];
  lastWrite: number;
  /** What the row is charged against the budget (rowBytes). */
  bytes: number;
}

export interface PageQuery {
  namespace?: string;
  metricName?: string;
  dimensions: Array<{ name: string; value?: string }>;
  /** Only series written at or after this time (RecentlyActive). */
  activeSince?: number;
  /** Only keys strictly after this one (the NextToken's). */
  after?: string;
}

const PREFIX = `$KV.${BUCKETS.metricSeries}.`;
const STREAM = `KV_${BUCKETS.metricSeries}`;
/** How long an account over the budget is listed by scans before it is tried again. */
const REFUSED_MS = 10 * 60_000;
/** How long an account whose watch failed is listed by scans. */
const FAILED_MS = 60_000;
/** How long a call waits for the watch to deliver what it had not yet (then answers with what it has). */
const CATCH_UP_MS = 5_000;
/**
 * ListMetrics does not return metrics that reported no data in the past two
 * weeks (AWS's ListMetrics reference): rows older are not held, and swept hourly.
 */
export const LISTED_FOR_MS = 14 * 86_400_000;
const SWEEP_EVERY_MS = 3600_000;

/**
 * Heap bytes charged for a row: V8 objects, the id map's entry and the
 * strings (2 bytes a character, as two-byte strings take). Measured by
 * `bench/query.ts --listing`: about 0.35 KB a row for a 2-dimension series; this is above it.
 */
export const rowBytes = (key: string, id: string, dims: string[]): number =>
  400 + 2 * (key.length + id.length + dims.reduce((n, d) => n + d.length, 0));

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The first index whose key is greater than (or, with `inclusive`, equal to) `key`. */
function lowerBound(rows: ListedRow[], key: string, inclusive: boolean): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compare(rows[mid]!.key, key);
    if (c < 0 || (c === 0 && !inclusive)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Builds a row from a series record (flat strings: a concatenation left as a rope costs more). */
export function rowOf(id: string, r: SeriesRecord): ListedRow {
  let key = `${r.namespace}\u0000${r.metricName}`;
  const dims: string[] = [];
  for (const [name, value] of r.dimensions) {
    key += `\u0000${name}=${value}`;
    dims.push(name, value);
  }
  key = flat(key);
  return {
    key,
    id,
    nsEnd: r.namespace.length,
    nameEnd: r.namespace.length + 1 + r.metricName.length,
    dims,
    lastWrite: r.lastWrite,
    bytes: rowBytes(key, id, dims),
  };
}

// Number() of a string with a non-digit flattens it in V8 (a cheap, well-known way to drop the rope's nodes).
const flat = (s: string): string => (Number(s), s);

export const rowNamespace = (r: ListedRow): string => r.key.slice(0, r.nsEnd);
export const rowMetricName = (r: ListedRow): string => r.key.slice(r.nsEnd + 1, r.nameEnd);

/** Whether a row passes the filters of a query (not `after`). */
export function rowMatches(r: ListedRow, q: PageQuery): boolean {
  if (q.namespace !== undefined && (r.nsEnd !== q.namespace.length || !r.key.startsWith(q.namespace))) return false;
  if (q.metricName !== undefined && (r.nameEnd - r.nsEnd - 1 !== q.metricName.length || !r.key.startsWith(q.metricName, r.nsEnd + 1))) return false;
  if (q.activeSince !== undefined && r.lastWrite < q.activeSince) return false;
  for (const f of q.dimensions) {
    let found = false;
    for (let i = 0; i < r.dims.length && !found; i += 2) found = r.dims[i] === f.name && (f.value === undefined || r.dims[i + 1] === f.value);
    if (!found) return false;
  }
  return true;
}

/**
 * Up to `limit` rows matching `q`, in order, from a sorted array: a namespace
 * (and metric name) bounds the range read, the rest filter it.
 */
export function pageOf(rows: ListedRow[], q: PageQuery, limit: number): ListedRow[] {
  // Every key of a namespace starts with `namespace \0`; of a metric, with `namespace \0 name`.
  const prefix = q.namespace === undefined ? "" : q.metricName === undefined ? `${q.namespace}\u0000` : `${q.namespace}\u0000${q.metricName}`;
  let i = lowerBound(rows, prefix, true);
  if (q.after !== undefined && compare(q.after, prefix) >= 0) i = Math.max(i, lowerBound(rows, q.after, false));
  const out: ListedRow[] = [];
  for (; i < rows.length && out.length < limit; i++) {
    const r = rows[i]!;
    if (!r.key.startsWith(prefix)) break;
    if (rowMatches(r, q)) out.push(r);
  }
  return out;
}

/** One account's rows and the watch that keeps them. */
class AccountRows {
  rows: ListedRow[] = [];
  byId = new Map<string, ListedRow>();
  bytes = 0;
  sub?: JetStreamSubscription;
  /** Set once the watch has delivered what the consumer had when it was made. */
  ready = false;
  failed?: unknown;
  /**
   * The consumer sequence of the last message delivered with nothing pending
   * behind it. Not the stream's: a filtered consumer's delivered stream
   * sequence moves past other accounts' records it skips.
   */
  quiet = 0;
  private waiters: Array<{ seq: number; done: () => void }> = [];

  constructor(
    readonly account: string,
    private charge: (delta: number) => boolean,
  ) {}

  /** Applies one watch message; false if the budget refuses the row. */
  apply(m: JsMsg): boolean {
    const id = m.subject.substring(PREFIX.length + this.account.length + 1);
    const old = this.byId.get(id);
    if (m.data.length === 0) {
      // A delete or purge marker: the series is gone.
      if (old) this.remove(old);
    } else {
      const rec = JSON.parse(Buffer.from(m.data).toString("utf8")) as SeriesRecord;
      if (old) old.lastWrite = rec.lastWrite; // a series' identity never changes; only when it was written
      else if (rec.lastWrite >= Date.now() - LISTED_FOR_MS) {
        const row = rowOf(id, rec);
        if (!this.charge(row.bytes)) return false;
        this.bytes += row.bytes;
        this.byId.set(id, row);
        if (this.ready) this.rows.splice(lowerBound(this.rows, row.key, true), 0, row);
      }
    }
    if (m.info.pending === 0) this.release(m.info.deliverySequence);
    return true;
  }

  private remove(row: ListedRow): void {
    this.byId.delete(row.id);
    this.bytes -= row.bytes;
    this.charge(-row.bytes);
    if (!this.ready) return;
    const i = lowerBound(this.rows, row.key, true);
    if (this.rows[i] === row) this.rows.splice(i, 1);
  }

  private sweptAt = Date.now();

  /** Drops the rows ListMetrics no longer lists (no write for two weeks); a new write brings one back. */
  sweep(now = Date.now()): void {
    if (now - this.sweptAt < SWEEP_EVERY_MS) return;
    this.sweptAt = now;
    let freed = 0;
    for (const row of this.byId.values()) {
      if (row.lastWrite >= now - LISTED_FOR_MS) continue;
      this.byId.delete(row.id);
      freed += row.bytes;
    }
    if (freed === 0) return;
    this.bytes -= freed;
    this.charge(-freed);
    // One pass, not a splice a row: churn leaves many at once.
    this.rows = this.rows.filter((r) => this.byId.get(r.id) === r);
  }

  /** The initial replay is in: sort once. */
  finishReplay(): void {
    this.rows = [...this.byId.values()].sort((a, b) => compare(a.key, b.key));
    this.ready = true;
  }

  /** True once the watch delivered `seq` or later with nothing pending behind it; false if `ms` passed first. */
  waitFor(seq: number, ms: number): Promise<boolean> {
    if (this.quiet >= seq) return Promise.resolve(true);
    return new Promise((resolve) => {
      const w = { seq, done: () => (clearTimeout(timer), resolve(true)) };
      const timer = setTimeout(() => ((this.waiters = this.waiters.filter((x) => x !== w)), resolve(false)), ms);
      this.waiters.push(w);
    });
  }

  private release(seq: number): void {
    this.quiet = seq;
    if (this.waiters.length === 0) return;
    const still = this.waiters.filter((w) => w.seq > seq);
    for (const w of this.waiters) if (w.seq <= seq) w.done();
    this.waiters = still;
  }

  fail(e: unknown): void {
    this.failed = e;
    for (const w of this.waiters) w.done();
    this.waiters = [];
  }
}

/** The listings of the accounts this process has listed, within one byte budget. */
export class SeriesListing {
  private accounts = new Map<string, Promise<AccountRows | undefined>>();
  private refused = new Map<string, number>();
  private total = 0;

  constructor(private readonly budgetBytes: () => number = () => getConfig().listMetricsIndexMb * 1024 * 1024) {}

  /** Bytes charged now, over every account (tests and docs/memory.md). */
  get bytes(): number {
    return this.total;
  }

  /**
   * Up to `limit` matching rows after `q.after`, in order; undefined when this
   * account is not indexed (over the budget, or the budget is 0): scan instead.
   */
  async page(account: string, q: PageQuery, limit: number, now = Date.now()): Promise<ListedRow[] | undefined> {
    const a = await this.open(account, now);
    if (!a) return undefined;
    // What the consumer had delivered or had pending when this call began: records written before it.
    let caughtUp = false;
    try {
      // Pending messages come after the last one delivered: any later message with none behind it will do.
      const ci = await a.sub!.consumerInfo();
      caughtUp = await a.waitFor(ci.delivered.consumer_seq + (ci.num_pending > 0 ? 1 : 0), CATCH_UP_MS);
    } catch (e) {
      a.fail(e);
    }
    if (a.failed !== undefined) {
      this.fail(a);
      return undefined; // this call scans; a call a minute on makes a new watch
    }
    // Behind what was written before the call (a loaded machine): the scan answers it whole; the watch goes on.
    if (!caughtUp) return undefined;
    // By the clock, not the call's `now` (a test clock must not drop rows the real one lists).
    a.sweep();
    return pageOf(a.rows, q, limit);
  }

  /** Stops every watch (tests; a process keeps its listings for its life). */
  close(): void {
    for (const p of this.accounts.values()) void p.then((a) => a?.sub?.unsubscribe()).catch(() => undefined);
    this.accounts.clear();
    this.total = 0;
  }

  private open(account: string, now: number): Promise<AccountRows | undefined> {
    const refusedAt = this.refused.get(account);
    if (this.budgetBytes() <= 0 || (refusedAt !== undefined && now - refusedAt < REFUSED_MS)) return Promise.resolve(undefined);
    let p = this.accounts.get(account);
    if (!p) {
      p = this.watch(account).catch(() => {
        this.accounts.delete(account);
        return undefined;
      });
      this.accounts.set(account, p);
    }
    return p;
  }

  /** Past the budget: the account is listed by scans for a while, and its rows freed. */
  private refuse(a: AccountRows): void {
    console.warn(`ListMetrics: account ${a.account}'s series pass list_metrics_index_mb; listed by scans for ${REFUSED_MS / 60_000} minutes`);
    this.refused.set(a.account, Date.now());
    this.drop(a);
  }

  /** A watch that failed: scans for a minute, so a failing server is not sent a consumer per call. */
  private fail(a: AccountRows): void {
    this.refused.set(a.account, Date.now() - REFUSED_MS + FAILED_MS);
    this.drop(a);
  }

  private drop(a: AccountRows): void {
    a.sub?.unsubscribe();
    this.total -= a.bytes;
    a.bytes = 0;
    this.accounts.delete(a.account);
  }

  private async watch(account: string): Promise<AccountRows | undefined> {
    const { js } = await getNats();
    let over = false;
    const a = new AccountRows(account, (delta) => {
      if (delta > 0 && this.total + delta > this.budgetBytes()) return false;
      this.total += delta;
      return true;
    });
    const opts = consumerOpts({
      deliver_policy: DeliverPolicy.LastPerSubject,
      ack_policy: AckPolicy.None,
      filter_subject: `${PREFIX}${account}.*`,
      flow_control: true,
      idle_heartbeat: nanos(5000),
    });
    opts.bindStream(STREAM);
    opts.orderedConsumer();
    let received = 0;
    let expected = -1;
    let replayed!: () => void;
    const replay = new Promise<void>((resolve) => (replayed = resolve));
    opts.callback((err: NatsError | null, m: JsMsg | null) => {
      if (over) return;
      if (err) {
        a.fail(err);
        return replayed();
      }
      if (!m) return;
      received++;
      if (!a.apply(m)) {
        over = true;
        if (a.ready) this.refuse(a);
        return replayed();
      }
      if (!a.ready && (m.info.pending === 0 || received === expected)) replayed();
    });
    a.sub = await js.subscribe(`${PREFIX}${account}.*`, opts);
    const { last } = (a.sub as unknown as { info: { last: { num_pending: number; delivered: { consumer_seq: number } } } }).info;
    expected = last.num_pending + last.delivered.consumer_seq;
    if (expected === 0 || received >= expected) replayed();
    await replay;
    if (over) {
      this.refuse(a);
      return undefined;
    }
    if (a.failed !== undefined) {
      this.fail(a);
      return undefined;
    }
    a.finishReplay();
    return a;
  }
}

const SHARED = Symbol.for("hive.cloudwatch.series-listing");

/** The process's (isolate's) listing. */
export function seriesListing(): SeriesListing {
  const g = globalThis as Record<symbol, SeriesListing | undefined>;
  return (g[SHARED] ??= new SeriesListing());
}
