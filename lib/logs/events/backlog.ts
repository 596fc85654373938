/**
 * Overload: near the process's memory budget, or when the compactor lags so far that the buffer holds more than
 * `[cloudwatch.logs] max_buffered_bytes`, PutLogEvents answers AWS's
 * ThrottlingException ("Rate exceeded") and the client backs off and retries,
 * instead of JetStream filling up. The stream's size is looked up at most
 * once a second per process; under steady traffic a call goes by the last
 * figure (under two seconds old) while the next is on its way, and waits
 * for the look-up only when it has no figure that recent.
 */
import { memoryShort } from "../../capacity/memory.js";
import { getConfig } from "../../config/config.js";
import { logsError } from "../../errors.js";
import { getNats } from "../../storage/nats.js";
import { ensureLogEventsStream, LOG_EVENTS_STREAM } from "./event-buffer.js";

const CHECK_EVERY_MS = 1000;
let checked: { at: number; bytes: Promise<number> } | undefined;
/** The last figure the look-up gave, and when that look-up began (performance.now()). */
let known: { bytes: number; at: number } | undefined;

async function bufferedBytes(): Promise<number> {
  await ensureLogEventsStream();
  const { jsm } = await getNats();
  return (await jsm.streams.info(LOG_EVENTS_STREAM)).state.bytes;
}

export async function checkIngestBacklog(): Promise<void> {
  // Near the process's memory budget, as PutMetricData does (docs/memory.md).
  if (memoryShort(getConfig().memoryBudgetMb)) throw logsError("ThrottlingException", "Rate exceeded");
  const now = performance.now();
  if (!checked || now - checked.at > CHECK_EVERY_MS) {
    const look = { at: now, bytes: bufferedBytes() };
    checked = look;
    look.bytes.then(
      (bytes) => (known = { bytes, at: look.at }),
      () => {
        if (checked === look) checked = undefined;
      },
    );
  }
  const bytes = known && now - known.at < 2 * CHECK_EVERY_MS ? known.bytes : await checked.bytes;
  // AWS's answer to a per-account rate over its quota (recorded: {"__type":"ThrottlingException","message":"Rate exceeded"}).
  if (bytes > getConfig().logs.maxBufferedBytes) throw logsError("ThrottlingException", "Rate exceeded");
}
