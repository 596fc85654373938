/**
 * Logs Insights query execution against a real nats-server and S3 server:
 * the runner's claim, its progress and end states (Complete, Cancelled by
 * StopQuery, Timeout at AWS's 60 minutes), the sweep that picks up a query no
 * runner took and deletes expired ones, AWS's 30-query concurrency quota, and
 * counting queries answered from the chunk index as reading would answer them.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogGroup } from "../../lib/logs/groups.js";
import { createLogStream } from "../../lib/logs/streams.js";
import { putLogEvents } from "../../lib/logs/events/put-log-events.js";
import { compactLogs } from "../../lib/logs/events/compactor.js";
import { scanLogEvents } from "../../lib/logs/events/scan.js";
import { runQuery, sweepQueries } from "../../lib/logs/insights/query-runner.js";
import { getQueryResults, stopQuery } from "../../lib/logs/insights/query-results.js";
import { startQuery } from "../../lib/logs/insights/start-query.js";
import { countActive, createQuery, getQuery, listQueries, markActive, QUERY_RECORD_VERSION, QUERY_TIMEOUT_MS, RESULTS_KEPT_MS, type QueryRecord } from "../../lib/logs/insights/query-store.js";
import { startTestServers, type TestServers } from "../support/servers.js";

const A = "111111111111";
const REGION = "us-east-1";

let servers: TestServers;
let group: string;
const now = Date.now();

beforeAll(async () => {
  servers = await startTestServers("logs-insights");
  group = `/test/insights-${Math.random().toString(36).slice(2, 8)}`;
  await createLogGroup(A, REGION, { logGroupName: group });
  await createLogStream(A, REGION, { logGroupName: group, logStreamName: "s" });
  await putLogEvents(A, REGION, {
    logGroupName: group,
    logStreamName: "s",
    logEvents: Array.from({ length: 50 }, (_, i) => ({ timestamp: now - 60_000 + i * 100, message: i % 5 === 0 ? `ERROR job ${i}` : `INFO job ${i}` })),
  });
}, 60_000);
afterAll(() => servers?.stop());

/** A query stored as StartQuery leaves it, without a runner started. */
async function stored(extra: Partial<QueryRecord> = {}): Promise<QueryRecord> {
  const q: QueryRecord = {
    v: QUERY_RECORD_VERSION,
    queryId: randomUUID(),
    accountId: A,
    queryString: "filter @message like /ERROR/ | stats count(*) as errors",
    queryLanguage: "CWLI",
    logGroupNames: [group],
    startTime: now - 3_600_000,
    endTime: now,
    createTime: Date.now(),
    status: "Scheduled",
    statistics: { recordsMatched: 0, recordsScanned: 0, bytesScanned: 0 },
    resultParts: 0,
    expiresAt: Date.now() + RESULTS_KEPT_MS,
    ...extra,
  };
  await createQuery(q);
  return q;
}

describe("the query runner", () => {
  it("runs a Scheduled query to Complete with its results and statistics", async () => {
    const q = await stored();
    await runQuery(A, q.queryId);
    const out = await getQueryResults(A, { queryId: q.queryId });
    expect(out.status).toBe("Complete");
    expect(out.results).toEqual([[{ field: "errors", value: "10" }]]);
    expect(out.statistics).toMatchObject({ recordsScanned: 50, recordsMatched: 10 });
    expect(out.statistics!.bytesScanned).toBeGreaterThan(0);
  });

  it("shows Running with partial results and statistics before Complete", async () => {
    const big = `${group}-big`;
    await createLogGroup(A, REGION, { logGroupName: big });
    await createLogStream(A, REGION, { logGroupName: big, logStreamName: "s" });
    for (let b = 0; b < 4; b++)
      await putLogEvents(A, REGION, {
        logGroupName: big,
        logStreamName: "s",
        logEvents: Array.from({ length: 5000 }, (_, i) => ({ timestamp: now - 600_000 + b * 5000 + i, message: `event ${b * 5000 + i}` })),
      });
    const q = await stored({ logGroupNames: [big], queryString: "stats count(*) as n" });
    const seen: { status?: string; scanned?: number; results: unknown }[] = [];
    let done = false;
    const polling = (async () => {
      while (!done) {
        const out = await getQueryResults(A, { queryId: q.queryId });
        seen.push({ status: out.status, scanned: out.statistics?.recordsScanned, results: out.results });
      }
    })();
    await runQuery(A, q.queryId, 0); // a progress write after every page of 1,000 events
    done = true;
    await polling;
    const running = seen.filter((s) => s.status === "Running" && s.scanned! > 0 && s.scanned! < 20_000);
    expect(running.length).toBeGreaterThan(0);
    // The rows go with the statistics of the same write.
    for (const r of running) expect(r.results).toEqual([[{ field: "n", value: String(r.scanned) }]]);
    expect(await getQueryResults(A, { queryId: q.queryId })).toMatchObject({ status: "Complete", results: [[{ field: "n", value: "20000" }]], statistics: { recordsScanned: 20000 } });
  });

  it("does not run a query StopQuery cancelled; the query shows Cancelled", async () => {
    const q = await stored();
    expect(await stopQuery(A, { queryId: q.queryId })).toEqual({ success: true });
    await runQuery(A, q.queryId);
    const out = await getQueryResults(A, { queryId: q.queryId });
    expect(out.status).toBe("Cancelled");
    expect(out.results).toEqual([]);
  });

  it("ends a query that has run AWS's 60 minutes with status Timeout", async () => {
    const q = await stored({ createTime: Date.now() - QUERY_TIMEOUT_MS - 1000 });
    await runQuery(A, q.queryId);
    expect((await getQueryResults(A, { queryId: q.queryId })).status).toBe("Timeout");
  });

  it("leaves a query another runner holds under a live lease alone", async () => {
    const q = await stored({ status: "Running", lease: { owner: "someone", until: Date.now() + 60_000 } });
    await runQuery(A, q.queryId);
    expect((await getQuery(A, q.queryId))!.value).toMatchObject({ status: "Running", lease: { owner: "someone" } });
  });

  it("the sweep runs a query whose runner's lease ran out, and deletes expired queries", async () => {
    const orphan = await stored({ status: "Running", createTime: Date.now() - 10_000, lease: { owner: "dead", until: Date.now() - 1 } });
    const expired = await stored({ status: "Complete", expiresAt: Date.now() - 1 });
    await sweepQueries();
    expect((await getQuery(A, orphan.queryId))!.value.status).toBe("Complete");
    expect((await listQueries(A)).map((q) => q.queryId)).not.toContain(expired.queryId);
  });
});

describe("StartQuery's quota", () => {
  it("answers LimitExceededException past 30 queries Scheduled or Running in the account", async () => {
    const B = "222222222222";
    await createLogGroup(B, REGION, { logGroupName: group });
    for (let i = 0; i < 30; i++) {
      const queryId = randomUUID();
      await createQuery({ ...(await template(B)), queryId });
      await markActive(B, queryId);
    }
    // An ended query in the index does not count.
    const ended = randomUUID();
    await createQuery({ ...(await template(B)), queryId: ended, status: "Complete", lease: undefined });
    await markActive(B, ended);
    expect(await countActive(B)).toBe(30);
    const err = await startQuery(B, REGION, { logGroupName: group, startTime: 0, endTime: 1, queryString: "fields @message" }).catch((e) => e);
    expect(err.code).toBe("LimitExceededException");
    // Other accounts are not held back by it.
    await expect(startQuery(A, REGION, { logGroupName: group, startTime: 0, endTime: 1, queryString: "fields @message" })).resolves.toHaveProperty("queryId");
  });
});

async function template(account: string): Promise<QueryRecord> {
  return {
    v: QUERY_RECORD_VERSION,
    queryId: "",
    accountId: account,
    queryString: "fields @message",
    queryLanguage: "CWLI",
    logGroupNames: [group],
    startTime: 0,
    endTime: 1000,
    createTime: Date.now(),
    status: "Running",
    statistics: {},
    resultParts: 0,
    lease: { owner: "x", until: Date.now() + 600_000 },
    expiresAt: Date.now() + RESULTS_KEPT_MS,
  };
}

describe("a query that only counts events by time bins", () => {
  const HOUR = 3_600_000;
  const BIN = 300_000;

  it("counts stored blocks lying in one bin from the chunk index, with the results and statistics reading them gives", async () => {
    const g = `${group}-counted`;
    await createLogGroup(A, REGION, { logGroupName: g });
    const hour = Math.floor((now - 3 * HOUR) / HOUR) * HOUR;
    const times: number[] = [];
    for (const stream of ["a", "b"]) {
      await createLogStream(A, REGION, { logGroupName: g, logStreamName: stream });
      for (let batch = 0; batch < 4; batch++) {
        // 10,000 events of ~100 bytes over 8 minutes a stream: blocks of 128 KB span about a minute, most in one 5-minute bin.
        const logEvents = Array.from({ length: 2500 }, (_, i) => {
          const k = batch * 2500 + i;
          return { timestamp: hour + k * 50 + (stream === "b" ? 7 : 0), message: JSON.stringify({ k, stream, level: k % 7 ? "INFO" : "WARN", pad: "p".repeat(k % 60) }) };
        });
        times.push(...logEvents.map((e) => e.timestamp));
        await putLogEvents(A, REGION, { logGroupName: g, logStreamName: stream, logEvents });
      }
    }
    await compactLogs({ force: true });

    // The scan stands one event for each block it may summarize, and loses none.
    let events = 0;
    let summaries = 0;
    for await (const page of scanLogEvents(A, g, { summarize: (first, last) => Math.floor(first / BIN) === Math.floor(last / BIN) }))
      for (const e of page) {
        events += e.count ?? 1;
        if ((e.count ?? 1) > 1) summaries++;
      }
    expect(events).toBe(times.length);
    expect(summaries).toBeGreaterThan(4);

    const start = hour + 60_000 + 123;
    const end = hour + 7 * 60_000;
    const inRange = times.filter((t) => t >= start && t <= end);
    const perBin = new Map<number, number>();
    for (const t of inRange) perBin.set(Math.floor(t / BIN) * BIN, (perBin.get(Math.floor(t / BIN) * BIN) ?? 0) + 1);
    // The same query behind a filter reads every event: the reference answer.
    const queries = ["stats count(*) as n by bin(5m)", "stats count(*)", "stats count() as c, count(*) by bin(1m), bin(1h) | sort c desc, `bin(1m)` | limit 4"];
    const answers = [];
    for (const query of queries) {
      const [counted, read] = await Promise.all(
        [query, `filter ispresent(@timestamp) | ${query}`].map(async (queryString) => {
          const q = await stored({ logGroupNames: [g], queryString, startTime: start, endTime: end });
          await runQuery(A, q.queryId);
          return getQueryResults(A, { queryId: q.queryId });
        }),
      );
      expect(counted.status).toBe("Complete");
      expect(counted.results).toEqual(read.results);
      expect(counted.statistics).toEqual(read.statistics);
      expect(counted.statistics).toMatchObject({ recordsScanned: inRange.length, recordsMatched: inRange.length });
      answers.push(counted.results);
    }
    expect(answers[0]).toEqual([...perBin].map(([bin, n]) => [
      { field: "bin(5m)", value: new Date(bin).toISOString().replace("T", " ").replace("Z", "") },
      { field: "n", value: String(n) },
    ]));
  }, 120_000);
});
