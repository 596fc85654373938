/**
 * FilterLogEvents: the group's events across streams in timestamp order
 * (ties by stream, then stored order), matched with the compiled filter
 * pattern, over scanLogEvents (buffer and chunks as one view; the pattern's
 * requiredTokens, and a JSON pattern's names and values in blocks without
 * `\u` escapes, let it skip chunk blocks, and its required substrings (and
 * a JSON pattern's property names and text check) are tested on the raw
 * bytes before a message is decoded). As AWS: `endTime` is inclusive, a page
 * holds up to `limit` events (10,000 at most) and 1 MB, `interleaved` is
 * accepted and ignored (results are always interleaved), and
 * `searchedLogStreams` is the empty list AWS returns since it deprecated it.
 * A page may also end early on a time budget, with a nextToken and fewer
 * events (AWS does the same when a search takes long).
 */
import type { FilterLogEventsRequest, FilterLogEventsResponse, FilteredLogEvent } from "@aws-sdk/client-cloudwatch-logs";
import { scanLogEvents, type StoredLogEvent } from "../events/scan.js";
import { invalidParameter, logGroupNotFound, unsupportedForClass } from "../errors.js";
import { getLogGroup } from "../groups.js";
import { resolveLogGroupIdentifier } from "../names.js";
import { decodeToken, encodeToken } from "../pagination.js";
import { compileFilterPattern } from "../patterns/index.js";

const MAX_LIMIT = 10_000;
const MAX_PAGE_BYTES = 1_048_576;
/** Wall-clock budget of one page: a rare term over much data answers in parts, with nextToken. */
const PAGE_BUDGET_MS = 10_000;

/** `pageBudgetMs`: the page's time budget (tests shorten it). */
export async function filterLogEvents(accountId: string, region: string, input: FilterLogEventsRequest, pageBudgetMs = PAGE_BUDGET_MS): Promise<FilterLogEventsResponse> {
  if ((input.logGroupName === undefined) === (input.logGroupIdentifier === undefined)) {
    throw invalidParameter("Should provide either logGroupName or logGroupIdentifier, but not both.");
  }
  if (input.logStreamNames !== undefined && input.logStreamNamePrefix !== undefined) {
    throw invalidParameter("Cannot specify both logStreamNames and logStreamNamePrefix.");
  }
  if (input.startTime !== undefined && input.endTime !== undefined && input.startTime > input.endTime) {
    throw invalidParameter("startTime cannot be greater than endTime.");
  }
  const logGroup = input.logGroupName ?? resolveLogGroupIdentifier(input.logGroupIdentifier!, accountId, region);
  const pattern = compileFilterPattern(input.filterPattern ?? "");
  const group = await getLogGroup(accountId, logGroup);
  if (!group) throw logGroupNotFound();
  const logGroupClass = group.value.logGroupClass ?? "STANDARD";
  if (logGroupClass !== "STANDARD") throw unsupportedForClass(logGroup, logGroupClass, "FilterLogEvents");
  const limit = input.limit ?? MAX_LIMIT;

  const query = {
    g: logGroup,
    s: input.logStreamNames,
    p: input.logStreamNamePrefix,
    a: input.startTime,
    b: input.endTime,
    f: input.filterPattern ?? "",
  };
  // Where the previous page stopped: the last event returned, or the last event examined.
  let after: { timestamp: number; stream: string; eventId: string } | undefined;
  if (input.nextToken !== undefined) {
    const [timestamp, stream, eventId] = decodeToken("FilterLogEvents", query, input.nextToken);
    if (typeof timestamp !== "number" || typeof stream !== "string" || typeof eventId !== "string") throw invalidParameter("The specified nextToken is invalid.");
    after = { timestamp, stream, eventId };
  }
  const isAfter = (e: { timestamp: number; logStream: string; eventId: string }) =>
    !after ||
    e.timestamp > after.timestamp ||
    (e.timestamp === after.timestamp && (e.logStream > after.stream || (e.logStream === after.stream && e.eventId > after.eventId)));

  const events: FilteredLogEvent[] = [];
  let bytes = 0;
  // The last event examined; its id is made only if a nextToken needs it.
  let last: StoredLogEvent | undefined;
  let more = false;
  const started = Date.now();
  const abort = new AbortController();
  const startTime = Math.max(input.startTime ?? 0, after?.timestamp ?? 0);
  try {
    outer: for await (const page of scanLogEvents(accountId, logGroup, {
      logStreams: input.logStreamNames,
      logStreamNamePrefix: input.logStreamNamePrefix,
      startTime,
      endTime: input.endTime === undefined ? undefined : input.endTime + 1,
      requiredTokens: pattern.requiredTokens,
      requiredSubstrings: pattern.requiredSubstrings,
      requiredAnyOf: pattern.requiredAnyOf,
      bytesCheck: pattern.bytesCheck,
      plainTokens: pattern.plainTokens,
      signal: abort.signal,
    })) {
      for (const e of page) {
        if (!isAfter(e)) continue;
        // The budget ends a page only after it examined an event: its nextToken is that event's. A page whose first
        // event came after the budget once ended with no nextToken, and the search stopped short of its events.
        if (events.length >= limit || bytes >= MAX_PAGE_BYTES || (last !== undefined && Date.now() - started > pageBudgetMs)) {
          more = true;
          break outer;
        }
        last = e;
        if (!pattern.matches(e.message)) continue;
        events.push({ logStreamName: e.logStream, timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime, eventId: e.eventId });
        bytes += e.message.length + 26;
      }
    }
  } finally {
    abort.abort();
  }
  const out: FilterLogEventsResponse = { events, searchedLogStreams: [] };
  if (more && last) out.nextToken = encodeToken("FilterLogEvents", query, [last.timestamp, last.logStream, last.eventId]);
  return out;
}
