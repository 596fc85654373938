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
import { getRecord, updateRecord, type Versioned } from "../../storage/kv.js";
import { invalidParameter, logStreamNotFound } from "../errors.js";
import { effectiveRetentionDays, requireLogGroup } from "../groups.js";
import { logStreamKey } from "../names.js";
import { logStreamsBucket, noteStreamEvents, type LogStreamRecord } from "../streams.js";
import type { LogBatch } from "./batch-codec.js";
import { publishLogBatch } from "./event-buffer.js";
import { checkIngestBacklog } from "./backlog.js";

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
}

export async function putLogEvents(accountId: string, _region: string, input: PutLogEventsRequest, ctx: PutContext = {}): Promise<PutLogEventsResponse> {
  // The model's constraints (lengths, 1–10,000 events, required members) are the validation stage's (lib/validation).
  const events = input.logEvents!;
  const group = input.logGroupName!;
  const stream = input.logStreamName!;

  const maxEvent = getConfig().logs.maxEventSize;
  let total = 0;
  for (const e of events) {
    const size = Buffer.byteLength(e.message!, "utf8") + EVENT_OVERHEAD;
    if (size > maxEvent) throw invalidParameter(`Log event too large: ${size} bytes exceeds limit of ${maxEvent}`);
    total += size;
  }
  if (total > MAX_BATCH_BYTES) throw invalidParameter(`Upload too large: ${total} bytes exceeds limit of ${MAX_BATCH_BYTES}`);
  for (let i = 1; i < events.length; i++) {
    if (events[i].timestamp! < events[i - 1].timestamp!) {
      throw invalidParameter("Log events in a single PutLogEvents request must be in chronological order.");
    }
  }

  const [g, s] = await Promise.all([
    requireLogGroup(accountId, group),
    getRecord<LogStreamRecord>(await logStreamsBucket(), logStreamKey(accountId, group, stream)),
  ]);
  if (!s || s.value.groupId !== g.id) throw logStreamNotFound();
  await checkIngestBacklog();

  const now = ctx.now ?? Date.now();
  // Sorted, so the rejected ones are a prefix (old, expired) and a suffix (new).
  const retentionDays = effectiveRetentionDays(g.retentionInDays);
  const expiredBefore = now - retentionDays * DAY;
  const tooOldBefore = now - TOO_OLD_MS;
  let tooOld = 0;
  while (tooOld < events.length && events[tooOld].timestamp! < tooOldBefore) tooOld++;
  let expired = 0;
  while (expired < events.length && events[expired].timestamp! < expiredBefore) expired++;
  let tooNew = events.length;
  while (tooNew > 0 && events[tooNew - 1].timestamp! > now + TOO_NEW_MS) tooNew--;
  const from = Math.max(tooOld, expired);
  const accepted = from < tooNew ? events.slice(from, tooNew) : [];
  // The API reference: the 24-hour rule applies to the events that are valid.
  if (accepted.length && accepted[accepted.length - 1].timestamp! - accepted[0].timestamp! > MAX_SPAN_MS) {
    throw invalidParameter("The batch of log events in a single PutLogEvents request cannot span more than 24 hours.");
  }

  const out: PutLogEventsResponse = {};
  let lastSeq = 0;
  if (accepted.length) {
    const batch: LogBatch = {
      account: accountId,
      logGroup: group,
      logStream: stream,
      ingestionTime: now,
      // The SDK's decoded events as they are (timestamp and message checked above): no copy per event.
      events: accepted as LogBatch["events"],
      groupId: g.id,
      streamCreated: s.value.creationTime,
    };
    const seqs = await publishLogBatch(batch, ctx.retryKey);
    lastSeq = seqs[seqs.length - 1];
    // Stored already: a lost race on the stream record must not fail the call (the compactor sets it exactly).
    await noteIngest(accountId, group, stream, s, batch).catch(() => undefined);
  }
  // Deprecated but still answered (recorded AWS answers carry a 56-digit token).
  out.nextSequenceToken = sequenceToken(lastSeq, now);
  const rejected: RejectedLogEventsInfo = {};
  if (tooNew < events.length) rejected.tooNewLogEventStartIndex = tooNew;
  if (tooOld > 0) rejected.tooOldLogEventEndIndex = tooOld;
  if (expired > 0) rejected.expiredLogEventEndIndex = expired;
  if (Object.keys(rejected).length) out.rejectedLogEventsInfo = rejected;
  return out;
}

function sequenceToken(seq: number, now: number): string {
  return String(now).padStart(16, "0") + String(seq).padStart(40, "0");
}

/**
 * Widens the stream's event range on the record DescribeLogStreams reads,
 * exactly, and moves lastIngestionTime with it (or once it is a second old),
 * so a busy stream with steady timestamps is not one write per request. The
 * first try uses the revision read for this request: one compare-and-set.
 * The compactor makes them exact from the index as well.
 */
async function noteIngest(accountId: string, group: string, stream: string, rec: Versioned<LogStreamRecord>, batch: LogBatch): Promise<void> {
  const first = batch.events[0].timestamp;
  const last = batch.events[batch.events.length - 1].timestamp;
  const r = rec.value;
  const stale =
    r.firstEventTimestamp === undefined ||
    first < r.firstEventTimestamp ||
    last > (r.lastEventTimestamp ?? -Infinity) ||
    batch.ingestionTime > (r.lastIngestionTime ?? -Infinity) + 1000;
  if (!stale) return;
  const next: LogStreamRecord = {
    ...r,
    firstEventTimestamp: Math.min(r.firstEventTimestamp ?? Infinity, first),
    lastEventTimestamp: Math.max(r.lastEventTimestamp ?? -Infinity, last),
    lastIngestionTime: Math.max(r.lastIngestionTime ?? -Infinity, batch.ingestionTime),
  };
  if (await updateRecord(await logStreamsBucket(), logStreamKey(accountId, group, stream), next, rec.revision)) return;
  await noteStreamEvents(accountId, group, stream, { firstEventTimestamp: first, lastEventTimestamp: last, ingestionTime: batch.ingestionTime });
}
