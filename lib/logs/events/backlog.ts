/**
 * Overload: near the process's memory budget, or when the compactor lags so far that the buffer holds more than
 * `[cloudwatch.logs] max_buffered_bytes`, PutLogEvents answers AWS's
 * ThrottlingException ("Rate exceeded") and the client backs off and retries,
 * instead of JetStream filling up. The stream's size is read by the same rule
 * as PutMetricData's lag (lib/capacity/admission-gate.ts): at most one
 * look-up at a time, a recent figure admits without waiting, and a call is
 * never refused on a stale one.
 */
import { admissionGate } from "../../capacity/admission-gate.js";
import { memoryShort } from "../../capacity/memory.js";
import { getConfig } from "../../config/config.js";
import { logsError } from "../../errors.js";
import { getNats } from "../../storage/nats.js";
import { ensureLogEventsStream, LOG_EVENTS_STREAM } from "./event-buffer.js";

async function bufferedBytes(): Promise<number> {
  await ensureLogEventsStream();
  const { jsm } = await getNats();
  return (await jsm.streams.info(LOG_EVENTS_STREAM)).state.bytes;
}

const admitsBuffered = admissionGate(bufferedBytes);

export async function checkIngestBacklog(): Promise<void> {
  const config = getConfig();
  // Near the process's memory budget, as PutMetricData does (docs/memory.md).
  if (memoryShort(config.memoryBudgetMb)) throw rateExceeded();
  if (!(await admitsBuffered(config.logs.maxBufferedBytes))) throw rateExceeded();
}

// AWS's answer to a per-account rate over its quota (recorded: {"__type":"ThrottlingException","message":"Rate exceeded"}).
const rateExceeded = () => logsError("ThrottlingException", "Rate exceeded");
