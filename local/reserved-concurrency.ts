/**
 * template.yaml's ReservedConcurrentExecutions, honoured for API requests as
 * Lambda honours it: a function runs at most that many invocations at once,
 * and one past it is throttled at once, never queued. The throttled request
 * gets its service's own answer (CloudWatch's `Throttling`, Logs'
 * `ThrottlingException`, HTTP 400 "Rate exceeded"), which every AWS SDK and
 * the CloudWatch Agent retry with backoff; it has appended nothing.
 *
 * A request holds its slot from the moment its body has arrived until its
 * answer is written, so the slot covers the Front's work too (gunzip, SigV4,
 * decoding: most of a write's CPU), and a throttled request costs only its
 * reading. Work in flight bounded, latency is bounded (Little's law: the
 * slots over the rate they are served at).
 *
 * The functions with a reserved concurrency are the writes. While the process
 * is near its memory budget (`memoryShort`, lib/capacity/memory.ts) they are
 * throttled here too, before their bodies are gunzipped and decoded: the
 * functions refuse them then anyway, and a flood decoded only to be refused
 * took the RSS past the budget's 10% headroom in test/service/ingest-throttling.
 * While a read (any
 * other API call) is in flight, the writes together also stay within a limit
 * that falls while the process is saturated (local/write-saturation.ts), so
 * that reads keep answering under a flood; with no read waiting, writes may
 * use the whole process.
 */
import { logsError, protocolError, type ServiceError } from "../lib/errors.js";
import { guessProtocol } from "../lib/protocol/index.js";
import type { ServiceName } from "../lib/runtime/operation.js";
import type { AdmissionRequest } from "./http-server.js";
import { requestFunction } from "./request-function.js";
import type { SaturationLimit } from "./write-saturation.js";

/** The function every API request goes to first. */
const FRONT = "Front";

export class ReservedConcurrency {
  private readonly limits = new Map<string, number>();
  private readonly running = new Map<string, number>();
  private readonly throttledCounts = new Map<string, number>();
  private readsInFlight = 0;

  constructor(
    functions: readonly { logicalId: string; reservedConcurrency?: number }[],
    private readonly saturation?: SaturationLimit,
    private readonly memoryShort: () => boolean = () => false,
  ) {
    for (const f of functions) if (f.reservedConcurrency !== undefined) this.limits.set(f.logicalId, f.reservedConcurrency);
  }

  /**
   * The dispatcher's admission of an API request: slots in the Front and in
   * its operation's function, or the throttling answer of its service.
   */
  readonly admit = ({ method, path, query, headers, body }: AdmissionRequest): (() => void) | ServiceError => {
    const target = requestFunction(method, path, query, headers, body);
    if (target && this.limits.has(target.functionId) && this.memoryShort()) {
      const full = `${target.functionId} (memory)`;
      this.throttledCounts.set(full, (this.throttledCounts.get(full) ?? 0) + 1);
      return throttled(target.service);
    }
    const release = this.enter(target ? [FRONT, target.functionId] : [FRONT]);
    if (!release) return throttled(target?.service ?? guessProtocol(path, headers).service?.name ?? "cloudwatch");
    if (!target || this.limits.has(target.functionId)) return release;
    this.readsInFlight++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.readsInFlight--;
      release();
    };
  };

  /** Invocations throttled since the last call, by the function that was full (for the operator's log). */
  takeThrottled(): Map<string, number> {
    const out = new Map(this.throttledCounts);
    this.throttledCounts.clear();
    return out;
  }

  /** Invocations of the function running now. */
  inFlight(logicalId: string): number {
    return this.running.get(logicalId) ?? 0;
  }

  /** Invocations running now of every function with a reserved concurrency (the writes). */
  writesInFlight(): number {
    let n = 0;
    for (const [id, running] of this.running) if (id !== FRONT && this.limits.has(id)) n += running;
    return n;
  }

  /**
   * A slot in each of the functions (the Front and the operation's), and the
   * release of them all; undefined when one of them has none free.
   */
  enter(logicalIds: readonly string[]): (() => void) | undefined {
    const held = logicalIds.filter((id) => this.limits.has(id));
    const write = held.find((id) => id !== FRONT);
    const full =
      held.find((id) => this.inFlight(id) >= this.limits.get(id)!) ??
      (write !== undefined && this.saturation && this.writesInFlight() >= this.saturation.limit && this.readsInFlight > 0
        ? `${write} (saturated)`
        : undefined);
    if (full !== undefined) {
      this.throttledCounts.set(full, (this.throttledCounts.get(full) ?? 0) + 1);
      return undefined;
    }
    for (const id of held) this.running.set(id, this.inFlight(id) + 1);
    if (write !== undefined) this.saturation?.inFlight(this.writesInFlight());
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const id of held) this.running.set(id, this.inFlight(id) - 1);
    };
  }
}

/**
 * The service's answer to a rate over its capacity: CloudWatch's common error
 * `Throttling` (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CommonErrors.html),
 * Logs' `ThrottlingException`; both HTTP 400, "Rate exceeded" as AWS words it.
 */
export function throttled(service: ServiceName): ServiceError {
  return service === "logs" ? LOGS_THROTTLED : CLOUDWATCH_THROTTLED;
}
// Made once: under a flood most requests get one, and each new Error captured a stack (2% of the API thread).
const LOGS_THROTTLED = logsError("ThrottlingException", "Rate exceeded");
const CLOUDWATCH_THROTTLED = protocolError("Throttling", "Rate exceeded");
