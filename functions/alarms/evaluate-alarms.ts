/**
 * Scheduled every minute: evaluates the alarms (and, between minutes, the
 * high-resolution ones every 10 s). The EventBridge event's time is the clock.
 */
import middy from "@middy/core";
import type { ScheduledEvent } from "aws-lambda";
import { evaluateMinute, type TickReport } from "../../lib/alarms/evaluate/evaluator.js";

export const handler = middy<ScheduledEvent, TickReport[]>().handler(async (event) => {
  const now = event?.time ? Date.parse(event.time) : Date.now();
  return evaluateMinute(Number.isNaN(now) ? Date.now() : now);
});
