/**
 * Scheduled every minute: compaction passes for most of the minute (one pass
 * a second while there is work), so buffered events reach S3 within about
 * flush_interval. An input `{"once": true, "force": true}` runs one pass
 * that flushes everything (the template's disabled `Drain` event).
 */
import middy from "@middy/core";
import { compactForAWhile, type CompactionRun } from "../../lib/logs/events/compactor.js";

export const handler = middy<{ once?: boolean; force?: boolean }, CompactionRun>().handler((event) =>
  compactForAWhile({ once: event?.once === true, force: event?.force === true }),
);
