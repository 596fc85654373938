/**
 * ListMetrics' in-process listing (lib/metrics/read/series-listing.ts) over a
 * real nats-server: two listings on one server stand for two processes; each
 * lists what is written through the other as soon as the index holds it,
 * pages exactly as the scan of the index would, drops deleted series, keeps
 * one consumer per account whatever the calls, and hands an account past its
 * byte budget back to the scan.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startTestServers, type TestServers } from "../support/servers.js";
import { listSeries, seriesBucket, touchSeries, type SeriesTouch } from "../../lib/metrics/store/series-index.js";
import { SeriesListing, pageOf, rowMatches, rowOf, type ListedRow, type PageQuery } from "../../lib/metrics/read/series-listing.js";
import { getNats, BUCKETS } from "../../lib/storage/nats.js";
import { listMetrics } from "../../lib/metrics/list-metrics.js";
import { AccountMetrics } from "../../lib/metrics/read/account-metrics.js";
import type { ListMetricsInput } from "@aws-sdk/client-cloudwatch";

let servers: TestServers;
beforeAll(async () => (servers = await startTestServers("series-listing", { s3: false })));
afterAll(() => servers?.stop());

const A = "111111111111";
const B = "222222222222";
let n = 0;
const touch = (account: string, namespace: string, metricName: string, dims: Array<[string, string]>, t = Date.now()): SeriesTouch => ({
  account,
  id: `s${++n}-${namespace.replace(/\W/g, "")}`,
  identity: { namespace, metricName, dimensions: dims },
  units: new Set(["None"]),
  lastTimestamp: t,
  firstTimestamp: t,
});

const keys = (rows: ListedRow[] | undefined) => rows?.map((r) => r.key);

/** What the scan path answers: every record, filtered, sorted, then paged. */
async function scanned(account: string, q: PageQuery, limit: number): Promise<string[]> {
  const rows = (await listSeries(account)).map((s) => rowOf(s.id, s)).filter((r) => rowMatches(r, q));
  rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return pageOf(rows, { dimensions: [], after: q.after }, limit).map((r) => r.key);
}

/** Consumers nats-server made on the series bucket's stream while `run` ran (its advisories). */
async function consumersMade(run: () => Promise<void>): Promise<number> {
  const { nc } = await getNats();
  let made = 0;
  const sub = nc.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.CREATED.KV_${BUCKETS.metricSeries}.>`, { callback: () => made++ });
  try {
    await nc.flush();
    await run();
    await nc.flush();
    // Advisories trail the answers a little: wait for the two expected, then a while for any more.
    for (let i = 0; i < 50 && made < 2; i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1000));
    return made;
  } finally {
    sub.unsubscribe();
  }
}

describe("ListMetrics' series listing", () => {
  const one = new SeriesListing(() => 64 * 1024 * 1024);
  const two = new SeriesListing(() => 64 * 1024 * 1024);
  afterAll(() => (one.close(), two.close()));

  it("lists in each process what was written through the other, at once, and never another account's", async () => {
    await touchSeries([touch(A, "App", "Requests", [["Host", "a"]]), touch(B, "App", "Requests", [["Host", "b"]])]);
    const all: PageQuery = { dimensions: [] };
    expect(keys(await one.page(A, all, 10))).toEqual(["App\0Requests\0Host=a"]);
    expect(keys(await two.page(B, all, 10))).toEqual(["App\0Requests\0Host=b"]);
    // Both watches are live now: a series indexed after is listed by the very next call, on either.
    await touchSeries([touch(A, "App", "Errors", [["Host", "c"]])]);
    for (const listing of [one, two]) expect(keys(await listing.page(A, all, 10))).toEqual(["App\0Errors\0Host=c", "App\0Requests\0Host=a"]);
    expect(keys(await two.page(B, all, 10))).toEqual(["App\0Requests\0Host=b"]);
  });

  it("answers every filter and page as the scan of the index does", async () => {
    const t = Date.now();
    const old = t - 4 * 3600_000;
    const batch: SeriesTouch[] = [];
    for (let i = 0; i < 60; i++) {
      const ns = ["Web", "Web/x", "Webz", "Db"][i % 4]!;
      const name = ["Latency", "Lat", "Latency2"][i % 3]!;
      const dims: Array<[string, string]> = i % 5 === 0 ? [] : [["Host", `h${i % 7}`], ...(i % 2 ? [["Zone", `z${i % 3}`] as [string, string]] : [])];
      batch.push(touch(A, ns, name, dims, i % 6 === 0 ? old : t));
    }
    await touchSeries(batch.filter((_, i) => i % 6 !== 0), t);
    await touchSeries(batch.filter((_, i) => i % 6 === 0), old); // written 4 hours ago: not recently active
    const queries: PageQuery[] = [
      { dimensions: [] },
      { namespace: "Web", dimensions: [] },
      { namespace: "Web", metricName: "Lat", dimensions: [] },
      { namespace: "Webz", metricName: "Latency", dimensions: [{ name: "Host" }] },
      { metricName: "Latency", dimensions: [{ name: "Host", value: "h3" }] },
      { namespace: "Db", dimensions: [{ name: "Zone" }, { name: "Host", value: "h1" }] },
      { dimensions: [{ name: "Nope" }] },
      { namespace: "Web", activeSince: t - 3 * 3600_000, dimensions: [] },
      { namespace: "We", dimensions: [] },
    ];
    let pagesSeen = 0;
    for (const q of queries) {
      const want = await scanned(A, q, 1000);
      // Pages of 4 through the whole answer, each after the last key of the one before.
      const got: string[] = [];
      for (let after: string | undefined; ; ) {
        const page = keys(await one.page(A, { ...q, after }, 5))!;
        expect(page, JSON.stringify(q)).toEqual(await scanned(A, { ...q, after }, 5));
        got.push(...page.slice(0, 4));
        pagesSeen++;
        if (page.length <= 4) break;
        after = page[3];
      }
      expect(got, JSON.stringify(q)).toEqual(want);
    }
    expect(pagesSeen).toBeGreaterThan(queries.length);
    // A token past every key answers nothing.
    expect(await one.page(A, { dimensions: [], after: "\uffff" }, 5)).toEqual([]);
  });

  it("drops a series whose index record is deleted", async () => {
    const gone = touch(A, "Gone", "M", [["Pod", "p1"]]);
    await touchSeries([gone, touch(A, "Gone", "M", [["Pod", "p2"]])]);
    expect(keys(await one.page(A, { namespace: "Gone", dimensions: [] }, 10))).toEqual(["Gone\0M\0Pod=p1", "Gone\0M\0Pod=p2"]);
    await (await seriesBucket()).purge(`${A}.${gone.id}`);
    expect(keys(await one.page(A, { namespace: "Gone", dimensions: [] }, 10))).toEqual(["Gone\0M\0Pod=p2"]);
  });

  it("keeps one consumer per account for any number of calls", async () => {
    const fresh = new SeriesListing(() => 64 * 1024 * 1024);
    try {
      const made = await consumersMade(async () => {
        for (let i = 0; i < 20; i++) expect(await fresh.page(A, { dimensions: [] }, 500)).toBeDefined();
        for (let i = 0; i < 5; i++) expect(await fresh.page(B, { dimensions: [] }, 500)).toBeDefined();
      });
      expect(made).toBe(2);
    } finally {
      fresh.close();
    }
  });

  // "Up to 500 results are returned for any one call. To retrieve additional results, use the returned token with
  // subsequent calls" (ListMetrics, CloudWatch API Reference).
  it("answers ListMetrics the same from the listing and from the scan past the budget: pages of 500, NextToken, OwningAccounts", async () => {
    await touchSeries(Array.from({ length: 1234 }, (_, i) => touch(A, "Many", `M${i % 3}`, [["Pod", `p${String(i).padStart(4, "0")}`], ["Node", `n${i % 5}`]])));
    const SHARED = Symbol.for("hive.cloudwatch.series-listing");
    const g = globalThis as Record<symbol, unknown>;
    const pagesOf = async (listing: SeriesListing, input: ListMetricsInput) => {
      g[SHARED] = listing;
      const pages: Array<{ names: string[]; owners?: string[] }> = [];
      for (let token: string | undefined, first = true; first || token; first = false) {
        const out = await listMetrics(A, { ...input, NextToken: token });
        pages.push({ names: out.Metrics!.map((m) => `${m.Namespace}|${m.MetricName}|${m.Dimensions!.map((d) => `${d.Name}=${d.Value}`).join(",")}`), owners: out.OwningAccounts });
        token = out.NextToken;
      }
      return pages;
    };
    const scanning = new SeriesListing(() => 0);
    try {
      for (const input of [
        { Namespace: "Many" },
        { Namespace: "Many", MetricName: "M1" },
        { Dimensions: [{ Name: "Node", Value: "n2" }], IncludeLinkedAccounts: true },
        { Namespace: "Many", Dimensions: [{ Name: "Pod" }], RecentlyActive: "PT3H" as const },
      ]) {
        const listed = await pagesOf(one, input);
        expect(listed, JSON.stringify(input)).toEqual(await pagesOf(scanning, input));
        expect(listed.slice(0, -1).every((p) => p.names.length === 500)).toBe(true);
      }
      expect((await pagesOf(one, { Namespace: "Many" })).map((p) => p.names.length)).toEqual([500, 500, 234]);
      const linked = await pagesOf(one, { Namespace: "Many", IncludeLinkedAccounts: true });
      expect(linked.flatMap((p) => p.owners)).toEqual(Array(1234).fill(A));
    } finally {
      g[SHARED] = undefined;
    }
  });

  // "ListMetrics doesn't return information about metrics if those metrics haven't reported data in
  // the past two weeks" (ListMetrics, CloudWatch API Reference).
  it("does not list a series with no data for two weeks (ListMetrics from the listing or the scan, SEARCH), and holds no row for it", async () => {
    const C = "333333333333";
    const day = 86_400_000;
    const old = touch(C, "Stale", "M", [["Pod", "old"]]);
    await touchSeries([old], Date.now() - 15 * day);
    await touchSeries([touch(C, "Stale", "M", [["Pod", "recent"]])], Date.now() - 13 * day);
    const SHARED = Symbol.for("hive.cloudwatch.series-listing");
    const g = globalThis as Record<symbol, unknown>;
    const fresh = new SeriesListing(() => 64 * 1024 * 1024);
    try {
      for (const listing of [fresh, new SeriesListing(() => 0)]) {
        g[SHARED] = listing;
        const out = await listMetrics(C, { Namespace: "Stale" });
        expect(out.Metrics!.map((m) => m.Dimensions![0].Value)).toEqual(["recent"]);
      }
      // SEARCH and Metrics Insights find metrics the same way ("A search expression can only find
      // metrics that have reported data within the past two weeks": Using search expressions in graphs).
      const found = await new AccountMetrics(C).listMetrics({ namespace: "Stale" });
      expect(found.map((m) => m.dimensions.map((d) => d.value))).toEqual([["recent"]]);
      // The listing never took the stale row in: one row charged.
      expect(keys(await fresh.page(C, { dimensions: [] }, 500))).toEqual(["Stale\0M\0Pod=recent"]);
      expect(fresh.bytes).toBeLessThan(1000);
      // Written again: listed again.
      await touchSeries([old]);
      g[SHARED] = fresh;
      expect((await listMetrics(C, { Namespace: "Stale" })).Metrics!.length).toBe(2);
    } finally {
      g[SHARED] = undefined;
      fresh.close();
    }
  });

  it("hands an account past its byte budget back to the scan, holding nothing for it", async () => {
    const rows = (await listSeries(A)).length;
    expect(rows).toBeGreaterThan(20);
    const small = new SeriesListing(() => 10 * 300); // about ten rows
    try {
      expect(await small.page(A, { dimensions: [] }, 500)).toBeUndefined();
      expect(small.bytes).toBe(0);
      // B has one series: it fits.
      expect(keys(await small.page(B, { dimensions: [] }, 500))).toEqual(["App\0Requests\0Host=b"]);
      expect(small.bytes).toBeGreaterThan(0);
      expect(small.bytes).toBeLessThanOrEqual(3000);
      // Past it while live: B grows by 20 series, and is handed back too.
      await touchSeries(Array.from({ length: 20 }, (_, i) => touch(B, "Grow", "M", [["Pod", `p${i}`]])));
      expect(await small.page(B, { dimensions: [] }, 500)).toBeUndefined();
      // A call that found the watch behind the writes scans; the watch hands B back once it has read them.
      await vi.waitFor(() => expect(small.bytes).toBe(0), { timeout: 30_000, interval: 100 });
    } finally {
      small.close();
    }
    // No budget at all: every account is scanned.
    expect(await new SeriesListing(() => 0).page(A, { dimensions: [] }, 500)).toBeUndefined();
  });
});
