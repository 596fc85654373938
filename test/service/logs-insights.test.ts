/**
 * Logs Insights end to end: the corpus written with PutLogEvents, every query
 * of the table (test/support/logs-insights-corpus.ts, AWS's documented
 * examples) run through StartQuery / GetQueryResults with the AWS SDK for
 * JavaScript, a sample of them through Debian's aws CLI (start-query then
 * get-query-results), the errors AWS gives, Grafana's CloudWatch data source
 * requests, saved query definitions and tenancy.
 */
import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  CreateLookupTableCommand,
  DeleteQueryDefinitionCommand,
  DescribeLogGroupsCommand,
  DescribeQueriesCommand,
  DescribeQueryDefinitionsCommand,
  GetLogGroupFieldsCommand,
  GetLogRecordCommand,
  GetQueryResultsCommand,
  PutLogEventsCommand,
  PutQueryDefinitionCommand,
  StartQueryCommand,
  StopQueryCommand,
  type CloudWatchLogsClient,
  type GetQueryResultsResponse,
  type ResultField,
} from "@aws-sdk/client-cloudwatch-logs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsFailure as failure } from "../support/failure.js";
import { buildCorpus, insightsCases, LOOKUP_TABLES, MIN, type CorpusName } from "../support/logs-insights-corpus.js";
import { awsCli, logsClient, startStack, type Stack } from "../support/stack.js";

let stack: Stack;
let logs: CloudWatchLogsClient;
let other: CloudWatchLogsClient;
let account: string;
const REGION = "us-east-1";
const RUN = `/insights/${Date.now().toString(36)}`;
const GROUPS: Record<CorpusName, string> = {
  app: `${RUN}/app/web`,
  lambda: `${RUN}/aws/lambda/orders`,
  flow: `${RUN}/vpc-flow`,
  dns: `${RUN}/route53`,
  trail: `${RUN}/cloudtrail`,
};
// An hour boundary three hours back: inside PutLogEvents' 14-day window, and bins fall as in the table.
const T0 = Math.floor((Date.now() - 3 * 3_600_000) / 3_600_000) * 3_600_000;
const START = T0 / 1000 - 60;
const END = T0 / 1000 + 4 * 3600;

async function writeCorpus(client: CloudWatchLogsClient, groups: Record<CorpusName, string>): Promise<void> {
  const corpus = buildCorpus(T0, groups);
  for (const events of Object.values(corpus)) {
    const group = events[0].logGroup;
    await client.send(new CreateLogGroupCommand({ logGroupName: group }));
    const streams = [...new Set(events.map((e) => e.logStream))];
    for (const s of streams) {
      await client.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: s }));
      await client.send(
        new PutLogEventsCommand({
          logGroupName: group,
          logStreamName: s,
          logEvents: events.filter((e) => e.logStream === s).map((e) => ({ timestamp: e.timestamp, message: e.message })),
        }),
      );
    }
  }
}

/** Polls until the query has ended; AWS's clients poll GetQueryResults the same way. */
async function waitForQuery(queryId: string, client = logs, timeoutMs = 60_000): Promise<GetQueryResultsResponse> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = await client.send(new GetQueryResultsCommand({ queryId }));
    if (out.status !== "Scheduled" && out.status !== "Running") return out;
    if (Date.now() > deadline) throw new Error(`query ${queryId} still ${out.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function query(logGroupName: string, queryString: string, client = logs, extra: Record<string, unknown> = {}) {
  // A query that starts with SOURCE names its groups itself.
  const groups = /^\s*SOURCE\b/i.test(queryString) ? {} : { logGroupName };
  const { queryId } = await client.send(new StartQueryCommand({ ...groups, startTime: START, endTime: END, queryString, ...extra }));
  return { queryId: queryId!, ...(await waitForQuery(queryId!, client)) };
}

const asObjects = (rows: ResultField[][] | undefined) =>
  (rows ?? []).map((r) => Object.fromEntries(r.filter((f) => f.field !== "@ptr").map((f) => [f.field!, f.value!])));

beforeAll(async () => {
  stack = await startStack();
  logs = logsClient(stack, { account: 0 });
  other = logsClient(stack, { account: 1 });
  account = stack.credentials[0].accountId;
  await writeCorpus(logs, GROUPS);
  // The tables the table's lookup cases join with.
  for (const [lookupTableName, tableBody] of Object.entries(LOOKUP_TABLES)) await logs.send(new CreateLookupTableCommand({ lookupTableName, tableBody }));
}, 180_000);

afterAll(async () => {
  logs?.destroy();
  other?.destroy();
  await stack?.stop();
});

/** The table names the account only in @log, and the account is known once the stack runs: a stand-in. */
const ACCOUNT = "ACCOUNT";
const CASES = insightsCases(T0, ACCOUNT, GROUPS);
const withAccount = (rows: Record<string, string>[]) => rows.map((r) => (r["@log"] ? { ...r, "@log": r["@log"].replace(`${account}:`, `${ACCOUNT}:`) } : r));

describe("the query table through StartQuery / GetQueryResults (AWS SDK for JavaScript)", () => {
  it.concurrent.each(CASES)("%s: %s", async (corpus, queryString, expected) => {
    const out = await query(GROUPS[corpus], queryString);
    expect(out.status).toBe("Complete");
    expect(withAccount(asObjects(out.results))).toEqual(expected);
  }, 90_000);
});

describe("the query table through Debian's aws CLI (start-query, get-query-results)", () => {
  const sample = CASES.filter((_, i) => i % 15 === 0);
  it.each(sample)("%s: %s", async (corpus, queryString, expected) => {
    const groups = /^\s*SOURCE\b/i.test(queryString) ? [] : ["--log-group-name", GROUPS[corpus]];
    const started = await awsCli(stack, ["logs", "start-query", ...groups, "--start-time", String(START), "--end-time", String(END), "--query-string", queryString]);
    expect(started.code, started.stderr).toBe(0);
    const deadline = Date.now() + 60_000;
    let out: any;
    do {
      out = (await awsCli(stack, ["logs", "get-query-results", "--query-id", started.json.queryId])).json;
    } while ((out.status === "Running" || out.status === "Scheduled") && Date.now() < deadline);
    expect(out.status).toBe("Complete");
    expect(withAccount(asObjects(out.results))).toEqual(expected);
  }, 150_000);
});

describe("query execution", () => {
  it("reports statistics: every event of the range scanned, the filtered ones matched, their bytes", async () => {
    const out = await query(GROUPS.app, 'filter level = "ERROR" | stats count(*)');
    expect(out.statistics?.recordsScanned).toBeGreaterThanOrEqual(2);
    expect(out.statistics?.recordsScanned).toBeLessThanOrEqual(10);
    expect(out.statistics?.recordsMatched).toBe(2);
    expect(out.statistics?.bytesScanned).toBeGreaterThan(0);
    const all = await query(GROUPS.app, "fields @message");
    expect(all.statistics).toMatchObject({ recordsScanned: 10, recordsMatched: 10 });
  });

  it("reads only the time range: startTime and endTime (inclusive) in seconds", async () => {
    const { queryId } = await logs.send(
      new StartQueryCommand({ logGroupName: GROUPS.app, startTime: T0 / 1000 + 120, endTime: T0 / 1000 + 240, queryString: "stats count(*) as n" }),
    );
    const out = await waitForQuery(queryId!);
    expect(asObjects(out.results)).toEqual([{ n: "3" }]); // events at minutes 2, 3 and 4
  });

  it("stops at StartQuery's limit", async () => {
    const out = await query(GROUPS.app, "fields @message", logs, { limit: 3 });
    expect(out.results).toHaveLength(3);
  });

  it("gives each row an @ptr that GetLogRecord reads back", async () => {
    const out = await query(GROUPS.app, 'filter level = "WARN" | fields path');
    const ptr = out.results![0].find((f) => f.field === "@ptr")!.value!;
    const rec = await logs.send(new GetLogRecordCommand({ logRecordPointer: ptr }));
    expect(rec.logRecord).toMatchObject({
      "@timestamp": String(T0 + 2 * MIN),
      "@logStream": "web-1",
      "@log": `${account}:${GROUPS.app}`,
      path: "/missing",
      "user.id": "alice",
    });
    // Another account holds no such record, whatever pointer it presents (tenancy).
    expect((await failure(other.send(new GetLogRecordCommand({ logRecordPointer: ptr })))).name).toBe("ResourceNotFoundException");
  });

  it("lists queries with DescribeQueries, newest first, filtered by status", async () => {
    const { queryId } = await query(GROUPS.dns, "stats count(*)");
    const out = await logs.send(new DescribeQueriesCommand({ logGroupName: GROUPS.dns, status: "Complete" }));
    expect(out.queries!.map((q) => q.queryId)).toContain(queryId);
    // AWS writes a one-group query with its SOURCE and range (localstack's AWS-recorded test_logs_queries.snapshot.json test_describe_queries).
    const queryString = `SOURCE "${GROUPS.dns}" START=${START * 1000} END=${END * 1000 + 999} | stats count(*)`;
    expect(out.queries!.find((q) => q.queryId === queryId)).toMatchObject({ status: "Complete", queryString, logGroupName: GROUPS.dns, queryLanguage: "CWLI" });
    const times = out.queries!.map((q) => q.createTime!);
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it("StopQuery cancels a query that has not ended, and refuses one that has (InvalidParameterException)", async () => {
    const { queryId } = await logs.send(new StartQueryCommand({ logGroupName: GROUPS.app, startTime: START, endTime: END, queryString: "fields @message" }));
    let stopped: boolean | undefined;
    try {
      stopped = (await logs.send(new StopQueryCommand({ queryId }))).success;
    } catch (e) {
      expect((e as Error).name).toBe("InvalidParameterException"); // it had already completed
    }
    const out = await waitForQuery(queryId!);
    expect(out.status).toBe(stopped ? "Cancelled" : "Complete");
    expect((await failure(logs.send(new StopQueryCommand({ queryId })))).name).toBe("InvalidParameterException");
  });

  it("GetLogGroupFields lists the fields of the events around `time` with their percent", async () => {
    const out = await logs.send(new GetLogGroupFieldsCommand({ logGroupName: GROUPS.app, time: T0 / 1000 + 4 * 60 }));
    const fields = Object.fromEntries(out.logGroupFields!.map((f) => [f.name, f.percent]));
    expect(fields).toMatchObject({ "@timestamp": 100, "@message": 100, "@logStream": 100, level: 60, "user.id": 60 });
  });
});

// diff (CWL_QuerySyntax-Diff.html): the query's patterns against those of the period of equal
// length just before (`diff`) or a day before (`diff previousDay`); the runner reads both ranges.
describe("diff reads the comparison period", () => {
  const group = `${RUN}/diff`;
  // The query covers [W0, W0 + 10 min]; the previous period is the 10 minutes before it.
  const W0 = T0 + 30 * MIN;
  const window = { logGroupName: group, startTime: W0 / 1000, endTime: W0 / 1000 + 600 };

  beforeAll(async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    const put = async (stream: string, events: [number, string][]) => {
      await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
      await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: events.map(([timestamp, message]) => ({ timestamp, message })) }));
    };
    await put("before", [[W0 - 5 * MIN, "Connected to db 1"], [W0 - 4 * MIN, "Connected to db 1"], [W0 - 3 * MIN, "Cache miss for key 7"]]);
    await put("now", [[W0 + MIN, "Connected to db 2"], [W0 + 2 * MIN, "Connected to db 2"], [W0 + 3 * MIN, "Connected to db 3"], [W0 + 4 * MIN, "Disk full on /dev/sda1"]]);
    // A batch spans at most 24 hours: the day before goes on its own.
    await put("yesterday", [[W0 - 86_400_000 + 2 * MIN, "Disk full on /dev/sda2"], [W0 - 86_400_000 + 3 * MIN, "Disk full on /dev/sda3"]]);
  });

  it("pattern @message | diff: each pattern's events now and in the previous period, and the change", async () => {
    const { queryId } = await logs.send(
      new StartQueryCommand({ ...window, queryString: "pattern @message | diff | display @pattern, @sampleCount, @previousSampleCount, @changeInSampleCount, @diff" }),
    );
    const out = await waitForQuery(queryId!);
    expect(out.status).toBe("Complete");
    expect(asObjects(out.results)).toEqual([
      { "@pattern": "Connected to db <*>", "@sampleCount": "3", "@previousSampleCount": "2", "@changeInSampleCount": "1", "@diff": "increased" },
      { "@pattern": "Disk full on <*>", "@sampleCount": "1", "@previousSampleCount": "0", "@changeInSampleCount": "1", "@diff": "new" },
      { "@pattern": "Cache miss for key <*>", "@sampleCount": "0", "@previousSampleCount": "1", "@changeInSampleCount": "-1", "@diff": "removed" },
    ]);
    // Both periods are read, as AWS bills a comparison like one query over the combined range.
    expect(out.statistics).toMatchObject({ recordsScanned: 7, recordsMatched: 7 });
  });

  it("diff previousDay, with no pattern written, clusters @message against the same time a day earlier", async () => {
    const { queryId } = await logs.send(new StartQueryCommand({ ...window, queryString: "filter @message like /Disk/ | diff previousDay | display @pattern, @sampleCount, @previousSampleCount, @diff" }));
    const out = await waitForQuery(queryId!);
    expect(asObjects(out.results)).toEqual([{ "@pattern": "Disk full on <*>", "@sampleCount": "1", "@previousSampleCount": "2", "@diff": "decreased" }]);
  });

  it("answers through Debian's aws CLI with AWS's pattern fields", async () => {
    const started = await awsCli(stack, ["logs", "start-query", "--log-group-name", group, "--start-time", String(window.startTime), "--end-time", String(window.endTime), "--query-string", "pattern @message | sort @sampleCount desc | limit 1"]);
    expect(started.code, started.stderr).toBe(0);
    const deadline = Date.now() + 60_000;
    let out: any;
    do out = (await awsCli(stack, ["logs", "get-query-results", "--query-id", started.json.queryId])).json;
    while ((out.status === "Running" || out.status === "Scheduled") && Date.now() < deadline);
    const row = asObjects(out.results)[0];
    expect(row).toMatchObject({ "@pattern": "Connected to db <*>", "@sampleCount": "3", "@ratio": "0.75", "@severityLabel": "UNKNOWN", "@PatternId": expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(JSON.parse(row["@tokens"])[3]).toMatchObject({ dynamicTokenPosition: 1, isDynamic: true, tokenString: "<*>", enumerations: { "2": 2, "3": 1 } });
    const buckets = JSON.parse(row["@visualization"]).timeWindowCountMapping;
    expect(Object.values(buckets).reduce((a: number, b) => a + (b as number), 0)).toBe(3);
    expect(JSON.parse(row["@logSamples"])).toHaveLength(3);
  }, 150_000);
});

describe("errors AWS gives", () => {
  it("a malformed query: MalformedQueryException with queryCompileError's location", async () => {
    const f = await failure(logs.send(new StartQueryCommand({ logGroupName: GROUPS.app, startTime: START, endTime: END, queryString: "fields @message | count(*)" })));
    expect(f.name).toBe("MalformedQueryException");
    expect(f.status).toBe(400);
    expect(f.error.queryCompileError).toEqual({ location: { startCharOffset: 18, endCharOffset: 22 }, message: "unexpected symbol found count at line 1 and position 18" });
  });

  it("a missing log group: ResourceNotFoundException naming it and the account", async () => {
    const f = await failure(logs.send(new StartQueryCommand({ logGroupNames: [GROUPS.app, `${RUN}/nope`], startTime: START, endTime: END, queryString: "fields @message" })));
    expect(f.name).toBe("ResourceNotFoundException");
    // AWS's message carries its inner call's details (localstack's AWS-recorded test_logs_queries.snapshot.json).
    expect(f.message).toMatch(
      new RegExp(`^Log group '${RUN}/nope' does not exist for account ID '${account}' \\(Service: AWSLogs; Status Code: 400; Error Code: ResourceNotFoundException; Request ID: [0-9a-f-]{36}; Proxy: null\\)$`),
    );
  });

  it.each([
    [{ logGroupNames: Array.from({ length: 51 }, (_, i) => `${RUN}/g${i}`) }, "InvalidParameterException"],
    [{ logGroupName: "x", logGroupNames: ["y"] }, "InvalidParameterException"],
    [{}, "InvalidParameterException"],
    [{ logGroupName: "x", queryLanguage: "SQL" }, "InvalidParameterException"],
    [{ logGroupName: "x", limit: 100_001 }, "InvalidParameterException"],
  ])("StartQuery %j answers %s", async (extra, code) => {
    const f = await failure(logs.send(new StartQueryCommand({ startTime: START, endTime: END, queryString: "fields @message", ...(extra as object) })));
    expect(f.name).toBe(code);
  });

  it("diff anywhere but right after the row commands or their pattern: MalformedQueryException at diff", async () => {
    const f = await failure(logs.send(new StartQueryCommand({ logGroupName: GROUPS.app, startTime: START, endTime: END, queryString: "stats count(*) | diff" })));
    expect(f.name).toBe("MalformedQueryException");
    expect(f.error.queryCompileError).toEqual({ location: { startCharOffset: 17, endCharOffset: 20 }, message: "unexpected symbol found diff at line 1 and position 17" });
  });

  it("anomaly, not built here: MalformedQueryException naming the command", async () => {
    const f = await failure(logs.send(new StartQueryCommand({ logGroupName: GROUPS.app, startTime: START, endTime: END, queryString: "pattern @message | anomaly" })));
    expect(f.name).toBe("MalformedQueryException");
    expect(f.error.queryCompileError.location.startCharOffset).toBe(19);
    expect(f.message).toBe("the anomaly command is not supported by this service");
  });

  it("an unknown query id: ResourceNotFoundException", async () => {
    const f = await failure(logs.send(new GetQueryResultsCommand({ queryId: "00000000-0000-4000-8000-000000000000" })));
    expect(f.name).toBe("ResourceNotFoundException");
  });
});

describe("tenancy", () => {
  it("a query reads only its own account's events, and another account cannot read its results", async () => {
    const mine = await query(GROUPS.app, "stats count(*) as n");
    // The second account writes a group of the same name with one event.
    await other.send(new CreateLogGroupCommand({ logGroupName: GROUPS.app }));
    await other.send(new CreateLogStreamCommand({ logGroupName: GROUPS.app, logStreamName: "s" }));
    await other.send(new PutLogEventsCommand({ logGroupName: GROUPS.app, logStreamName: "s", logEvents: [{ timestamp: T0 + 30_000, message: "theirs" }] }));
    const theirs = await query(GROUPS.app, "fields @message", other);
    expect(asObjects(theirs.results)).toEqual([{ "@message": "theirs" }]);
    expect(asObjects(mine.results)).toEqual([{ n: "10" }]);
    expect((await failure(other.send(new GetQueryResultsCommand({ queryId: mine.queryId })))).name).toBe("ResourceNotFoundException");
    const listed = await other.send(new DescribeQueriesCommand({}));
    expect(listed.queries!.map((q) => q.queryId)).not.toContain(mine.queryId);
  });
});

describe("query definitions", () => {
  it("PutQueryDefinition creates and updates; DescribeQueryDefinitions lists by prefix; DeleteQueryDefinition removes", async () => {
    const name = `${RUN}/errors`;
    const { queryDefinitionId } = await logs.send(new PutQueryDefinitionCommand({ name, queryString: "filter level = 'ERROR'", logGroupNames: [GROUPS.app] }));
    await logs.send(new PutQueryDefinitionCommand({ queryDefinitionId, name, queryString: "filter level = 'WARN'" }));
    const listed = await logs.send(new DescribeQueryDefinitionsCommand({ queryDefinitionNamePrefix: RUN }));
    expect(listed.queryDefinitions).toEqual([{ queryDefinitionId, name, queryString: "filter level = 'WARN'", lastModified: expect.any(Number), queryLanguage: "CWLI" }]);
    expect((await other.send(new DescribeQueryDefinitionsCommand({ queryDefinitionNamePrefix: RUN }))).queryDefinitions).toEqual([]);
    expect((await logs.send(new DeleteQueryDefinitionCommand({ queryDefinitionId }))).success).toBe(true);
    expect((await failure(logs.send(new DeleteQueryDefinitionCommand({ queryDefinitionId })))).name).toBe("ResourceNotFoundException");
  });
});

// Grafana's CloudWatch data source (pkg/tsdb/cloudwatch/log_actions.go): StartQuery with its
// internal fields prepended and group ARNs with the trailing `*` cut off, GetQueryResults polled,
// StopQuery tolerated as InvalidParameterException; the query editor lists groups with
// DescribeLogGroups and their fields with GetLogGroupFields.
describe("Grafana's CloudWatch Logs requests", () => {
  const GRAFANA_PREFIX = "fields @timestamp,ltrim(@log) as __log__grafana_internal__,ltrim(@logStream) as __logstream__grafana_internal__|";

  it("are answered", async () => {
    const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `${RUN}/app`, limit: 50 }));
    const arn = groups.logGroups![0].arn!;
    expect(arn).toBe(`arn:aws:logs:${REGION}:${account}:log-group:${GROUPS.app}:*`);
    const fields = await logs.send(new GetLogGroupFieldsCommand({ logGroupIdentifier: groups.logGroups![0].logGroupArn }));
    expect(fields.logGroupFields!.map((f) => f.name)).toContain("@message");

    const { queryId } = await logs.send(
      new StartQueryCommand({
        logGroupIdentifiers: [arn.slice(0, -1)],
        startTime: START,
        endTime: END,
        queryString: `${GRAFANA_PREFIX}fields @timestamp, @message | filter level = "ERROR" | sort @timestamp desc`,
        limit: 100,
      }),
    );
    const out = await waitForQuery(queryId!);
    expect(out.status).toBe("Complete");
    expect(asObjects(out.results)).toEqual([
      { "@timestamp": expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/), __log__grafana_internal__: `${account}:${GROUPS.app}`, __logstream__grafana_internal__: "web-2", "@message": expect.stringContaining("Timeout") },
      { "@timestamp": expect.any(String), __log__grafana_internal__: `${account}:${GROUPS.app}`, __logstream__grafana_internal__: "web-2", "@message": expect.stringContaining("NullPointer") },
    ]);

    const series = await query(GROUPS.app, `${GRAFANA_PREFIX}stats count(*) by bin(5m)`, logs, { logGroupName: undefined, logGroupNames: [GROUPS.app] });
    expect(asObjects(series.results)).toEqual([
      { "bin(5m)": new Date(T0).toISOString().replace("T", " ").replace("Z", ""), "count(*)": "5" },
      { "bin(5m)": new Date(T0 + 5 * MIN).toISOString().replace("T", " ").replace("Z", ""), "count(*)": "5" },
    ]);
    expect((await failure(logs.send(new StopQueryCommand({ queryId })))).name).toBe("InvalidParameterException");
  });
});
