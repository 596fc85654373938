/**
 * GetLogEvents with AWS's token semantics (API reference, GetLogEvents):
 * without a token, the newest events of the range (or the oldest with
 * startFromHead), in ascending order; `nextForwardToken` (`f/…`) continues
 * after the last event returned and `nextBackwardToken` (`b/…`) before the
 * first; at the end of the stream the token passed in comes back unchanged
 * (how clients know to stop). At most `limit` events (default 10,000) and
 * 1 MB of them.
 */
import type { GetLogEventsRequest, GetLogEventsResponse, OutputLogEvent } from "@aws-sdk/client-cloudwatch-logs";
import { invalidNextToken, invalidParameter, logStreamNotFound, unsupportedForClass, validationException } from "../errors.js";
import { getRecord } from "../../storage/kv.js";
import { getLogGroup, requireLogGroup } from "../groups.js";
import { logStreamKey, resolveLogGroupIdentifier } from "../names.js";
import { logStreamsBucket, type LogStreamRecord } from "../streams.js";
import { EVENT_OVERHEAD } from "./put-log-events.js";
import { scanLogEvents, type StoredLogEvent } from "./scan.js";

const MAX_RESPONSE_BYTES = 1_048_576;
/** The position before every event: ids are 56 digits. */
const ORIGIN = "0".repeat(56);

/** The log group a request names by `logGroupName` or `logGroupIdentifier` (name or ARN), as AWS checks them. */
export function groupOf(input: { logGroupName?: string; logGroupIdentifier?: string }, accountId: string, region: string): string {
  if (input.logGroupName !== undefined && input.logGroupIdentifier !== undefined) {
    throw validationException("LogGroup name and LogGroup ARN are mutually exclusive parameters.");
  }
  if (input.logGroupName === undefined && input.logGroupIdentifier === undefined) {
    throw invalidParameter("Either logGroupName or logGroupIdentifier must be specified.");
  }
  return input.logGroupName ?? resolveLogGroupIdentifier(input.logGroupIdentifier!, accountId, region);
}

interface Token {
  forward: boolean;
  /** An event id: the token continues after (forward) or before (backward) it. */
  at: string;
}

const tokenText = (forward: boolean, at: string) => `${forward ? "f" : "b"}/${at}/s`;

function parseToken(token: string): Token {
  const m = /^([fb])\/(\d{56})\/s$/.exec(token);
  if (!m) throw invalidNextToken();
  return { forward: m[1] === "f", at: m[2] };
}

/** Position order within one stream: the ids sort as (timestamp, sequence, index). */
const positionOf = (e: StoredLogEvent) => e.eventId.slice(0, 16) + e.eventId.slice(31);
const positionOfId = (id: string) => id.slice(0, 16) + id.slice(31);

const sizeOf = (e: StoredLogEvent) => Buffer.byteLength(e.message, "utf8") + EVENT_OVERHEAD;

export async function getLogEvents(accountId: string, region: string, input: GetLogEventsRequest): Promise<GetLogEventsResponse> {
  const group = groupOf(input, accountId, region);
  const stream = input.logStreamName!;
  const limit = input.limit ?? 10_000;
  const token = input.nextToken !== undefined ? parseToken(input.nextToken) : undefined;
  const forward = token ? token.forward : input.startFromHead === true;
  const after = token?.forward ? positionOfId(token.at) : undefined;
  const before = token && !token.forward ? positionOfId(token.at) : undefined;

  let startTime = input.startTime;
  let endTime = input.endTime;
  if (after !== undefined) startTime = Math.max(startTime ?? 0, Number(after.slice(0, 16)));
  if (before !== undefined) endTime = Math.min(endTime ?? Infinity, Number(before.slice(0, 16)) + 1);
  // The group's class is read beside the scan: only a Standard group serves GetLogEvents.
  const groupRead = getLogGroup(accountId, group);
  groupRead.catch(() => undefined);
  const scan = (from: number | undefined) =>
    scanLogEvents(accountId, group, { logStreams: [stream], startTime: from, endTime: endTime === Infinity ? undefined : endTime });

  let picked: StoredLogEvent[] = [];
  let found = false;
  if (forward) {
    let bytes = 0;
    outer: for await (const page of scan(startTime)) {
      found = true;
      for (const e of page) {
        if (after !== undefined && positionOf(e) <= after) continue;
        const size = sizeOf(e);
        if (picked.length >= limit || bytes + size > MAX_RESPONSE_BYTES) break outer;
        picked.push(e);
        bytes += size;
      }
    }
  } else {
    // The newest events that fit: read a window back from the end, widened
    // eightfold until the page is full or the window covers the range, so a
    // tail read of a long stream touches only its last chunks.
    // The stream's first event time (exact or earlier: ingest only widens it) says when a window covers it all.
    const first = (await requireStream(accountId, group, stream)).firstEventTimestamp;
    const floor = Math.max(startTime ?? 0, first ?? 0);
    const end = endTime !== Infinity && endTime !== undefined ? endTime : Date.now() + 3 * 3_600_000;
    for (let span = 3_600_000; ; span *= 8) {
      const from = first === undefined ? startTime : Math.max(floor, end - span);
      const window = await newest(scan(from), limit, before);
      found = true;
      picked = window.events;
      if (from === undefined || from <= floor || picked.length >= limit || window.full) break;
    }
  }
  if (!found) await requireStream(accountId, group, stream);
  const logGroupClass = (await groupRead)?.value.logGroupClass ?? "STANDARD";
  if (logGroupClass !== "STANDARD") throw unsupportedForClass(group, logGroupClass, "GetLogEvents");

  const events: OutputLogEvent[] = picked.map((e) => ({ timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime }));
  if (picked.length === 0) {
    // The end: the token passed in comes back (both directions point at the same place).
    const at = token?.at ?? ORIGIN;
    return { events, nextForwardToken: tokenText(true, at), nextBackwardToken: tokenText(false, at) };
  }
  return {
    events,
    nextForwardToken: tokenText(true, picked[picked.length - 1].eventId),
    nextBackwardToken: tokenText(false, picked[0].eventId),
  };
}

/** The newest events of a scan before `before` that fit in a page, in ascending order. */
async function newest(scan: AsyncIterable<StoredLogEvent[]>, limit: number, before: string | undefined): Promise<{ events: StoredLogEvent[]; found: boolean; full: boolean }> {
  let picked: StoredLogEvent[] = [];
  let found = false;
  let full = false;
  let bytes = 0;
  let from = 0;
  for await (const page of scan) {
    found = true;
    for (const e of page) {
      if (before !== undefined && positionOf(e) >= before) continue;
      picked.push(e);
      bytes += sizeOf(e);
      while (picked.length - from > limit || bytes > MAX_RESPONSE_BYTES) {
        bytes -= sizeOf(picked[from++]);
        full = true;
      }
    }
    if (from > 4096) {
      picked = picked.slice(from);
      from = 0;
    }
  }
  return { events: picked.slice(from), found, full };
}

/** An empty answer is only right for a stream that exists. */
async function requireStream(accountId: string, group: string, stream: string): Promise<LogStreamRecord> {
  const g = await requireLogGroup(accountId, group);
  const s = await getRecord<LogStreamRecord>(await logStreamsBucket(), logStreamKey(accountId, group, stream));
  if (!s || s.value.groupId !== g.id) throw logStreamNotFound();
  return s.value;
}
