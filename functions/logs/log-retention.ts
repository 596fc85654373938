/**
 * Scheduled: deletes log chunks past their group's retention. The
 * EventBridge event's time is the clock, so a replayed event is exact.
 */
import middy from "@middy/core";
import type { ScheduledEvent } from "aws-lambda";
import { enforceRetention, type RetentionReport } from "../../lib/logs/events/retention.js";

export const handler = middy<ScheduledEvent, RetentionReport>().handler(async (event) => {
  const now = event?.time ? Date.parse(event.time) : Date.now();
  return enforceRetention(Number.isNaN(now) ? Date.now() : now);
});
