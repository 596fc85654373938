/**
 * Scheduled every minute: compaction loops until the next minute's
 * invocation (passes back to back while there is work), so buffered
 * events reach S3 about a pass after they are due. An input
 * `{"once": true, "force": true}` runs one pass that flushes everything (the
 * template's disabled `Drain` event).
 */
import middy from "@middy/core";
import { compactForAWhile, type CompactionRun } from "../../lib/logs/events/compaction-run.js";

export const handler = middy<{ once?: boolean; force?: boolean; time?: string }, CompactionRun>().handler((event) =>
  compactForAWhile({ once: event?.once === true, force: event?.force === true, scheduledAt: event?.time ? Date.parse(event.time) : undefined }),
);
