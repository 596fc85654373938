/**
 * Scheduled, once a minute on every host: AWS/EC2, AWS/EBS and CWAgent
 * metrics of the host's QEMU instances. The event's time picks the period.
 */
import middy from "@middy/core";
import type { ScheduledEvent } from "aws-lambda";
import { pollHost, type PollReport } from "../../lib/collector/qmp-poller.js";

export const handler = middy<ScheduledEvent, PollReport>().handler(async (event) => {
  const now = event?.time ? Date.parse(event.time) : Date.now();
  return pollHost({ now: Number.isNaN(now) ? Date.now() : now });
});
