/**
 * Runs stored Logs Insights queries. A runner claims a Scheduled query with a
 * compare-and-set (a lease it renews), reads each log group through
 * scanLogEvents with the time range and the query's required tokens pushed
 * down, and every PROGRESS_MS writes the partial results and statistics, so
 * GetQueryResults shows Running with progress, then Complete. At each write
 * it notices a StopQuery (Cancelled) and AWS's 60-minute Timeout.
 *
 * The scheduled sweep runs queries no runner holds (a lost invocation, a
 * runner that died: its lease ran out) and deletes expired ones.
 */
import { randomUUID } from "node:crypto";
import { scanLogEvents, type StoredLogEvent } from "../events/scan.js";
import type { InsightsEvent } from "./discovered-fields.js";
import { QueryRun } from "./evaluator.js";
import { parseQuery } from "./parser.js";
import { loadLookupTables } from "./lookup-loader.js";
import { encodePtr } from "./log-record.js";
import { countOnlyBins, requiredTokens } from "./pushdown.js";
import { deleteQuery, deleteResults, getQuery, isActive, listQueries, QUERY_TIMEOUT_MS, updateQuery, writeResults, type QueryRecord } from "./query-store.js";

const PROGRESS_MS = 1_000;
const LEASE_MS = 30_000;
/** The sweep leaves a fresh Scheduled query to the runner StartQuery invoked. */
const SWEEP_GRACE_MS = 5_000;

class Stop extends Error {}

export interface RunnerEvent {
  accountId?: string;
  queryId?: string;
}

export async function runQueryEvent(event: RunnerEvent | undefined): Promise<{ ran: number; deleted: number }> {
  if (event?.accountId && event.queryId) {
    await runQuery(event.accountId, event.queryId);
    return { ran: 1, deleted: 0 };
  }
  return sweepQueries();
}

export async function sweepQueries(now = Date.now()): Promise<{ ran: number; deleted: number }> {
  let deleted = 0;
  const due: QueryRecord[] = [];
  for (const q of await listQueries()) {
    if (q.expiresAt <= now) {
      await deleteQuery(q);
      deleted++;
    } else if ((q.status === "Scheduled" && q.createTime + SWEEP_GRACE_MS <= now) || (q.status === "Running" && (q.lease?.until ?? 0) <= now)) {
      due.push(q);
    }
  }
  await Promise.all(due.map((q) => runQuery(q.accountId, q.queryId)));
  return { ran: due.length, deleted };
}

/**
 * Claims the query (unless another runner holds it) and runs it to its end.
 * `progressMs`: how often partial results are written (tests shorten it).
 */
export async function runQuery(accountId: string, queryId: string, progressMs = PROGRESS_MS): Promise<void> {
  const owner = randomUUID();
  let cur = await getQuery(accountId, queryId);
  if (!cur || !isActive(cur.value.status)) return;
  if (cur.value.status === "Running" && (cur.value.lease?.until ?? 0) > Date.now()) return;
  let record: QueryRecord = { ...cur.value, status: "Running", lease: { owner, until: Date.now() + LEASE_MS } };
  if (!(await updateQuery(record, cur.revision))) return; // another runner won
  let revision = (await getQuery(accountId, queryId))?.revision;
  if (revision === undefined) return;

  const abort = new AbortController();
  // AWS's endTime is inclusive.
  const range = { start: record.startTime, end: record.endTime + 1 };
  const run = new QueryRun(parseQuery(record.queryString), { now: record.createTime, limit: record.limit, range });
  const stats = { recordsMatched: 0, recordsScanned: 0, bytesScanned: 0 };
  let lastWrite = Date.now();
  /** Result parts per progress write still stored. */
  const written = new Map<number, number>();

  /** Writes progress under the lease; throws Stop when the query was stopped, timed out or taken over. */
  const save = async (status: QueryRecord["status"]): Promise<void> => {
    stats.recordsMatched = run.recordsMatched;
    const write = (record.resultWrite ?? 0) + 1;
    const resultParts = await writeResults(accountId, queryId, write, run.results());
    for (;;) {
      const timedOut = Date.now() - record.createTime >= QUERY_TIMEOUT_MS;
      const next: QueryRecord = {
        ...record,
        status: timedOut ? "Timeout" : status,
        statistics: { ...stats },
        resultWrite: write,
        resultParts,
        lease: status === "Running" && !timedOut ? { owner, until: Date.now() + LEASE_MS } : undefined,
      };
      if (await updateQuery(next, revision!)) {
        // The write before last: a reader that read its record a whole progress interval ago is done with it.
        const stale = written.get(write - 2);
        if (stale !== undefined) await deleteResults(accountId, queryId, write - 2, stale);
        written.delete(write - 2);
        written.set(write, resultParts);
        record = next;
        revision = (await getQuery(accountId, queryId))?.revision;
        if (next.status === "Timeout") throw new Stop();
        return;
      }
      const now = await getQuery(accountId, queryId);
      if (!now || now.value.lease?.owner !== owner || !isActive(now.value.status)) throw new Stop(); // cancelled or taken over
      revision = now.revision;
    }
  };

  try {
    await loadLookupTables(accountId, run.query);
    const tokens = requiredTokens(run.query.commands);
    // A query that only counts by time bins counts a stored block lying in one bin from the index, unread.
    const bins = countOnlyBins(run.query.commands);
    const summarize = bins && ((first: number, last: number) => bins.every((p) => Math.floor(first / p) === Math.floor(last / p)));
    // The query's range, then diff's comparison period when it has one.
    for (const { start, end, previous } of run.ranges(range.start, range.end))
    for (const logGroup of record.logGroupNames) {
      const pages = scanLogEvents(accountId, logGroup, {
        startTime: start,
        endTime: end,
        requiredTokens: tokens.length ? tokens : undefined,
        summarize,
        onBytesScanned: (b) => void (stats.bytesScanned += b),
        // Events without a required token are read (and counted) but not yielded: they cannot match.
        onEventsSkipped: (n) => void (stats.recordsScanned += n),
        signal: abort.signal,
      });
      for await (const page of pages) {
        for (const e of page) {
          const count = e.count ?? 1;
          stats.recordsScanned += count;
          run.push(new ScannedInsightsEvent(accountId, e), previous, count);
        }
        if (Date.now() - lastWrite >= progressMs) {
          await save("Running");
          lastWrite = Date.now();
        }
        // Requests served by this process get their turn between pages.
        await new Promise((r) => setImmediate(r));
      }
    }
    await save("Complete");
  } catch (e) {
    abort.abort();
    if (e instanceof Stop) return;
    // The query ends Failed, as AWS's do on an internal error; the error itself is the runner's log.
    console.error(`Logs Insights query ${queryId} failed:`, e);
    const latest = await getQuery(accountId, queryId);
    if (latest && latest.value.lease?.owner === owner && isActive(latest.value.status))
      await updateQuery({ ...latest.value, status: "Failed", lease: undefined }, latest.revision);
  }
}

/**
 * A scanned event as the evaluator sees it. @message is decoded, and @ptr
 * and @log made, only when the query reads them: `stats count(*) by bin(5m)`
 * reads @timestamp alone.
 */
class ScannedInsightsEvent implements InsightsEvent {
  constructor(
    private readonly accountId: string,
    private readonly e: StoredLogEvent,
  ) {}
  get logGroup() {
    return this.e.logGroup;
  }
  get logStream() {
    return this.e.logStream;
  }
  get timestamp() {
    return this.e.timestamp;
  }
  get ingestionTime() {
    return this.e.ingestionTime;
  }
  get message() {
    return this.e.message;
  }
  get ptr() {
    return encodePtr(this.e.logGroup, this.e.eventId);
  }
  get log() {
    return `${this.accountId}:${this.e.logGroup}`;
  }
}
