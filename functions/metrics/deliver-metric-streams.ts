/**
 * Scheduled every minute: publishes each running metric stream's closed
 * minutes to its subject. The EventBridge event's time is the clock.
 */
import middy from "@middy/core";
import type { ScheduledEvent } from "aws-lambda";
import { deliverMetricStreams, type DeliveryReport } from "../../lib/metric-streams/delivery/deliver.js";

export const handler = middy<ScheduledEvent, DeliveryReport>().handler(async (event) => {
  const now = event?.time ? Date.parse(event.time) : Date.now();
  return deliverMetricStreams(Number.isNaN(now) ? Date.now() : now);
});
