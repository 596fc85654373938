/** A log stream as stored in KV (`cw-log-streams`, docs/formats/kv-keys.md): apart from streams.ts, so the ingest path's record cache can name it without importing the operations. */
export interface LogStreamRecord {
  logStreamName: string;
  /** `LogGroupRecord.id` of the group incarnation the stream belongs to. */
  groupId: string;
  creationTime: number;
  /** Kept by the ingest path (events/ingest-notes.ts). */
  firstEventTimestamp?: number;
  lastEventTimestamp?: number;
  lastIngestionTime?: number;
  uploadSequenceToken?: string;
}
