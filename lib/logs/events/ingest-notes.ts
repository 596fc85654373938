/**
 * What PutLogEvents changes on the stream's record for DescribeLogStreams:
 * its first and last event timestamps and last ingestion time. AWS updates
 * these "on an eventual consistency basis" (API reference, LogStream). Here
 * a call writes the record at once when this process has not written it in
 * the last NOTE_EVERY_MS; later calls within that time are merged and
 * written when it is over, off the call's path: at most one KV write a
 * second per stream and process, where there was one a call. The compactor
 * makes them exact from the index as well.
 */
import { getRecord, updateRecordRevision, type Versioned } from "../../storage/kv.js";
import { noteStreamWritten } from "../ingest-records.js";
import { logStreamKey } from "../names.js";
import { logStreamsBucket, type LogStreamRecord } from "../streams.js";

export const NOTE_EVERY_MS = 1000;
/** Streams remembered at most (≈ 200 B each); past it a call writes at once. */
const MAX_STREAMS = 10_000;

export interface StreamNote {
  account: string;
  logGroup: string;
  logStream: string;
  /** The stream incarnation the events were stored for. */
  creationTime: number;
  firstEventTimestamp: number;
  lastEventTimestamp: number;
  ingestionTime: number;
}

interface Recent {
  /** performance.now() of this process's last write of the record. */
  at: number;
  /** Calls since, merged, written at `at + NOTE_EVERY_MS`. */
  waiting?: StreamNote;
  /** The record as the last of them knew it (its revision saves a read when nobody else wrote). */
  known?: Versioned<LogStreamRecord>;
}

const recent = new Map<string, Recent>();

/**
 * Notes a stored batch on its stream's record, `known` being the record as
 * last read or written here. Resolves once written when written at once.
 */
export async function noteIngest(note: StreamNote, known: Versioned<LogStreamRecord>, now = performance.now()): Promise<void> {
  if (!widens(known.value, note)) return;
  const key = `${note.account}\u0000${note.logGroup}\u0000${note.logStream}`;
  const r = recent.get(key);
  if (r && now - r.at < NOTE_EVERY_MS) {
    r.known = known;
    if (r.waiting) r.waiting = merged(r.waiting, note);
    else {
      r.waiting = note;
      setTimeout(() => flushWaiting(key), r.at + NOTE_EVERY_MS - now).unref();
    }
    return;
  }
  if (recent.size >= MAX_STREAMS) sweep(now);
  if (recent.size < MAX_STREAMS) recent.set(key, { at: now });
  await writeNote(note, known);
}

function flushWaiting(key: string): void {
  const r = recent.get(key);
  const note = r?.waiting;
  if (!r || !note) return;
  const known = r.known;
  r.waiting = r.known = undefined;
  r.at = performance.now();
  // Stored already: a failed write is made good by the compactor.
  void writeNote(note, known).catch(() => undefined);
}

/** Forgets streams not written within NOTE_EVERY_MS and with nothing waiting. */
function sweep(now: number): void {
  for (const [key, r] of recent) if (!r.waiting && now - r.at >= NOTE_EVERY_MS) recent.delete(key);
}

const merged = (a: StreamNote, b: StreamNote): StreamNote =>
  a.creationTime !== b.creationTime
    ? b
    : {
        ...b,
        firstEventTimestamp: Math.min(a.firstEventTimestamp, b.firstEventTimestamp),
        lastEventTimestamp: Math.max(a.lastEventTimestamp, b.lastEventTimestamp),
        ingestionTime: Math.max(a.ingestionTime, b.ingestionTime),
      };

/** Whether the note changes what the record shows. */
function widens(r: LogStreamRecord, n: StreamNote): boolean {
  return (
    r.firstEventTimestamp === undefined ||
    n.firstEventTimestamp < r.firstEventTimestamp ||
    n.lastEventTimestamp > (r.lastEventTimestamp ?? -Infinity) ||
    n.ingestionTime > (r.lastIngestionTime ?? -Infinity)
  );
}

/** Compare-and-set from `known` (one round trip when nobody else wrote since), else from a fresh read. */
async function writeNote(note: StreamNote, known?: Versioned<LogStreamRecord>): Promise<void> {
  const kv = await logStreamsBucket();
  const key = logStreamKey(note.account, note.logGroup, note.logStream);
  let cur = known;
  for (let attempt = 0; attempt < 10; attempt++) {
    cur ??= await getRecord<LogStreamRecord>(kv, key);
    // Deleted, or another stream of the name now: not this batch's record.
    if (!cur || cur.value.creationTime !== note.creationTime) return;
    if (!widens(cur.value, note)) return;
    const next: LogStreamRecord = {
      ...cur.value,
      firstEventTimestamp: Math.min(cur.value.firstEventTimestamp ?? Infinity, note.firstEventTimestamp),
      lastEventTimestamp: Math.max(cur.value.lastEventTimestamp ?? -Infinity, note.lastEventTimestamp),
      lastIngestionTime: Math.max(cur.value.lastIngestionTime ?? -Infinity, note.ingestionTime),
    };
    const revision = await updateRecordRevision(kv, key, next, cur.revision);
    if (revision !== undefined) {
      noteStreamWritten(note.account, note.logGroup, note.logStream, { value: next, revision });
      return;
    }
    cur = undefined;
  }
}
