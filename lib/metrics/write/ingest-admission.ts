/**
 * Overload is answered, never absorbed: while the aggregators lag by more
 * than `max_ingest_lag` seconds of data, or the process is near its memory
 * budget, PutMetricData answers AWS's `Throttling` ("Rate exceeded"), which
 * every AWS SDK and the CloudWatch Agent retry with backoff. Nothing is
 * appended for a throttled request, so nothing acknowledged is lost.
 */
import { getConfig } from "../../config/config.js";
import { admissionGate } from "../../capacity/admission-gate.js";
import { memoryShort } from "../../capacity/memory.js";
import { protocolError } from "../../errors.js";
import { ingestLagSeconds } from "./ingest-lag.js";

/** The aggregators' lag in seconds, read by the shared rule (lib/capacity/admission-gate.ts). */
const admitsLag = admissionGate(ingestLagSeconds);

/** Throws Throttling when ingest must wait; resolves otherwise. */
export async function admitIngest(): Promise<void> {
  const config = getConfig();
  if (memoryShort(config.memoryBudgetMb)) throw rateExceeded();
  if (!(await admitsLag(config.maxIngestLagSeconds))) throw rateExceeded();
}

// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CommonErrors.html (Throttling, 400)
const rateExceeded = () => protocolError("Throttling", "Rate exceeded");
