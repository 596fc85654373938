/**
 * PutLogEvents with AWS's rules (API reference, PutLogEvents): at most 10,000
 * events and 1,048,576 bytes (each message's UTF-8 length + 26), events in
 * chronological order within 24 hours of each other, too-new (> 2 h ahead),
 * too-old (> 14 days) and expired (past the group's retention) events
 * rejected by index while the rest are stored, sequence tokens ignored. The
 * answer comes after JetStream acknowledged the batch: a 200 is durable.
 */
import type { PutLogEventsRequest, PutLogEventsResponse, RejectedLogEventsInfo } from "@aws-sdk/client-cloudwatch-logs";
import { getConfig } from "../../config/config.js";
import { invalidParameter } from "../errors.js";
import { effectiveRetentionDays } from "../group-records.js";
import { ingestRecords } from "../ingest-records.js";
import { columnsOf, type EventColumns } from "./batch-codec.js";
import { noteIngest } from "./ingest-notes.js";
import { sequenceToken } from "../sequence-token.js";
import { publishLogBatch } from "./event-buffer.js";
import { checkIngestBacklog } from "./backlog.js";
import { readGroupFilters } from "../filters/filter-store.js";

const DAY = 86_400_000;
export const MAX_BATCH_EVENTS = 10_000;
export const MAX_BATCH_BYTES = 1_048_576;
/** What AWS adds to each message's UTF-8 length when it sizes a batch. */
export const EVENT_OVERHEAD = 26;
const TOO_NEW_MS = 2 * 3_600_000;
const TOO_OLD_MS = 14 * DAY;
const MAX_SPAN_MS = DAY;

export interface PutContext {
  retryKey?: string;
  /** The service clock; tests pass their own. */
  now?: number;
  /**
   * The events as the front's JSON reader took them from the body
   * (put-log-events-json.ts): `input.logEvents` is then absent.
   */
  events?: EventColumns;
}

export async function putLogEvents(accountId: string, _region: string, input: PutLogEventsRequest, ctx: PutContext = {}): Promise<PutLogEventsResponse> {
  // The model's constraints (lengths, 1–10,000 events, required members) are the validation stage's (lib/validation).
  const events = ctx.events ?? columnsOf(input.logEvents as { timestamp: number; message: string }[]);
  const { count, timestamps: ts, sizes } = events;
  const group = input.logGroupName!;
  const stream = input.logStreamName!;

  const maxEvent = getConfig().logs.maxEventSize;
  let total = 0;
  for (let i = 0; i < count; i++) {
    const size = sizes[i] + EVENT_OVERHEAD;
    if (size > maxEvent) throw invalidParameter(`Log event too large: ${size} bytes exceeds limit of ${maxEvent}`);
    total += size;
  }
  if (total > MAX_BATCH_BYTES) throw invalidParameter(`Upload too large: ${total} bytes exceeds limit of ${MAX_BATCH_BYTES}`);
  for (let i = 1; i < count; i++) {
    if (ts[i] < ts[i - 1]) {
      throw invalidParameter("Log events in a single PutLogEvents request must be in chronological order.");
    }
  }

  const { group: g, stream: s } = await ingestRecords(accountId, group, stream);
  // Read on every call, never kept: a filter put just before this call applies to its events.
  const [, filters] = await Promise.all([checkIngestBacklog(), readGroupFilters(accountId, group, g.id)]);
  const filtered = (filters?.metricFilters.length ?? 0) + (filters?.subscriptionFilters.length ?? 0) > 0;

  const now = ctx.now ?? Date.now();
  // Sorted, so the rejected ones are a prefix (old, expired) and a suffix (new).
  const retentionDays = effectiveRetentionDays(g.retentionInDays);
  const expiredBefore = now - retentionDays * DAY;
  const tooOldBefore = now - TOO_OLD_MS;
  let tooOld = 0;
  while (tooOld < count && ts[tooOld] < tooOldBefore) tooOld++;
  let expired = 0;
  while (expired < count && ts[expired] < expiredBefore) expired++;
  let tooNew = count;
  while (tooNew > 0 && ts[tooNew - 1] > now + TOO_NEW_MS) tooNew--;
  const from = Math.max(tooOld, expired);
  // The API reference: the 24-hour rule applies to the events that are valid.
  if (from < tooNew && ts[tooNew - 1] - ts[from] > MAX_SPAN_MS) {
    throw invalidParameter("The batch of log events in a single PutLogEvents request cannot span more than 24 hours.");
  }

  const out: PutLogEventsResponse = {};
  let lastSeq = 0;
  if (from < tooNew) {
    const header = { account: accountId, logGroup: group, logStream: stream, ingestionTime: now, groupId: g.id, streamCreated: s.value.creationTime };
    const seqs = await publishLogBatch(header, events, from, tooNew, filtered, ctx.retryKey);
    lastSeq = seqs[seqs.length - 1];
    // Stored already: a failed write of the stream record must not fail the call (the compactor sets it exactly).
    const note = { account: accountId, logGroup: group, logStream: stream, creationTime: s.value.creationTime, firstEventTimestamp: ts[from], lastEventTimestamp: ts[tooNew - 1], ingestionTime: now };
    await noteIngest(note, s).catch(() => undefined);
  }
  // Deprecated but still answered (recorded AWS answers carry a 56-digit token).
  out.nextSequenceToken = sequenceToken(lastSeq, now);
  const rejected: RejectedLogEventsInfo = {};
  if (tooNew < count) rejected.tooNewLogEventStartIndex = tooNew;
  // Only a group's own retention makes events "expired": past the platform's default (at least 14 days) they are
  // too old, the one index AWS answers for a group without retention (localstack's AWS-recorded
  // test_logs_events.snapshot.json response-too-old, an event 30 days old).
  const explicit = g.retentionInDays !== undefined;
  const old = explicit ? tooOld : Math.max(tooOld, expired);
  if (old > 0) rejected.tooOldLogEventEndIndex = old;
  if (explicit && expired > 0) rejected.expiredLogEventEndIndex = expired;
  if (Object.keys(rejected).length) out.rejectedLogEventsInfo = rejected;
  return out;
}
