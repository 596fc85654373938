/**
 * StartQuery: validates as AWS does, stores the query Scheduled and hands it
 * to the runner function (lib/logs/insights/query-runner.ts) without waiting;
 * the runner's scheduled sweep picks up any query no runner took.
 */
import { randomUUID } from "node:crypto";
import type { StartQueryRequest, StartQueryResponse } from "@aws-sdk/client-cloudwatch-logs";
import { logsError } from "../../errors.js";
import { invokeFunction } from "../../runtime/invoke.js";
import { scanRecords } from "../../storage/kv.js";
import { invalidParameter } from "../errors.js";
import { getLogGroup, logGroupsBucket, type LogGroupRecord } from "../groups.js";
import { logGroupsFilter, resolveLogGroupIdentifier } from "../names.js";
import { parseQuery } from "./parser.js";
import { checkLookupTables } from "./lookup-loader.js";
import { countActive, createQuery, markActive, QUERY_RECORD_VERSION, RESULTS_KEPT_MS } from "./query-store.js";

/** The function template.yaml declares for running queries. */
export const QUERY_RUNNER_FUNCTION = "InsightsQueryRunner";
/** AWS's quotas: 30 concurrent queries per account, 50 log groups a query. */
export const MAX_CONCURRENT_QUERIES = 30;
export const MAX_LOG_GROUPS = 50;
/** SOURCE may select up to 10,000 groups (AWS's quota for it). */
const MAX_SOURCE_GROUPS = 10_000;

// AWS's words, its inner service's error details and all (localstack's AWS-recorded
// test_logs_queries.snapshot.json error-log-group-not-found).
const groupNotFound = (name: string, account: string) =>
  logsError(
    "ResourceNotFoundException",
    `Log group '${name}' does not exist for account ID '${account}' (Service: AWSLogs; Status Code: 400; Error Code: ResourceNotFoundException; Request ID: ${randomUUID()}; Proxy: null)`,
  );

export async function startQuery(accountId: string, region: string, input: StartQueryRequest): Promise<StartQueryResponse> {
  const language = input.queryLanguage ?? "CWLI";
  if (language !== "CWLI") throw invalidParameter(`Query language ${language} is not supported by this service; use CWLI.`);

  const query = parseQuery(input.queryString!);
  const given = [input.logGroupName, input.logGroupNames, input.logGroupIdentifiers].filter((x) => x !== undefined);
  if (given.length > 1) throw invalidParameter("Only one of logGroupName, logGroupNames or logGroupIdentifiers may be specified.");
  if (given.length === 0 && !query.source)
    throw invalidParameter("Either logGroupName, logGroupNames or logGroupIdentifiers must be specified, or the query must start with SOURCE.");
  if (given.length === 1 && query.source) throw invalidParameter("A query with SOURCE cannot also name log groups.");
  if (input.endTime! < input.startTime!) throw invalidParameter("endTime must be greater than or equal to startTime.");
  await checkLookupTables(accountId, query);

  let names: string[];
  if (query.source) {
    names = await selectGroups(accountId, query.source.namePrefixes, query.source.classes);
  } else {
    names = input.logGroupName !== undefined ? [input.logGroupName] : input.logGroupNames ?? input.logGroupIdentifiers!.map((id) => resolveLogGroupIdentifier(trimArn(id), accountId, region));
    if (names.length === 0) throw invalidParameter("At least one log group must be specified.");
    if (names.length > MAX_LOG_GROUPS) throw invalidParameter(`A query can name at most ${MAX_LOG_GROUPS} log groups.`);
    names = [...new Set(names)];
    const groups = await Promise.all(names.map((n) => getLogGroup(accountId, n)));
    const missing = names.find((_, i) => !groups[i]);
    if (missing !== undefined) throw groupNotFound(missing, accountId);
  }

  if ((await countActive(accountId)) >= MAX_CONCURRENT_QUERIES)
    throw logsError("LimitExceededException", `Account maximum query concurrency limit of [${MAX_CONCURRENT_QUERIES}] reached.`);

  const now = Date.now();
  const queryId = randomUUID();
  await createQuery({
    v: QUERY_RECORD_VERSION,
    queryId,
    accountId,
    queryString: input.queryString!,
    queryLanguage: "CWLI",
    logGroupNames: names,
    startTime: input.startTime! * 1000,
    endTime: input.endTime! * 1000,
    limit: input.limit,
    createTime: now,
    status: "Scheduled",
    statistics: { recordsMatched: 0, recordsScanned: 0, bytesScanned: 0 },
    resultParts: 0,
    expiresAt: now + RESULTS_KEPT_MS,
  });
  await markActive(accountId, queryId);
  // Fire and forget: the query runs on; a lost invocation is the sweep's to pick up.
  void invokeFunction(QUERY_RUNNER_FUNCTION, { accountId, queryId }, 15 * 60_000).catch(() => undefined);
  return { queryId };
}

/** Grafana sends group ARNs with the trailing `*` cut off (`...:log-group:name:`), as AWS's StartQuery wants them. */
const trimArn = (id: string) => (id.startsWith("arn:") && id.endsWith(":") ? id.slice(0, -1) : id);

async function selectGroups(accountId: string, prefixes: string[], classes: string[]): Promise<string[]> {
  const all = await scanRecords<LogGroupRecord>(await logGroupsBucket(), logGroupsFilter(accountId));
  const names = all
    .map((r) => r.value)
    .filter((g) => (prefixes.length === 0 || prefixes.some((p) => g.logGroupName.startsWith(p))) && (classes.length === 0 || classes.includes(g.logGroupClass)))
    .map((g) => g.logGroupName)
    .sort();
  if (names.length === 0) throw logsError("ResourceNotFoundException", "No log group matches the SOURCE of the query.");
  return names.slice(0, MAX_SOURCE_GROUPS);
}
