/**
 * Scheduled: moves metric chunks between tiers and purges expired ones.
 * The EventBridge event's time is the clock, so a replayed event is exact.
 */
import middy from "@middy/core";
import type { ScheduledEvent } from "aws-lambda";
import { rollOff, type RollOffReport } from "../../lib/metrics/store/roll-off.js";

export const handler = middy<ScheduledEvent, RollOffReport>().handler(async (event) => {
  const now = event?.time ? Date.parse(event.time) : Date.now();
  return rollOff(Number.isNaN(now) ? Date.now() : now);
});
