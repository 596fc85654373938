/**
 * nats.js 2.x builds and throws away an Error for every request that
 * succeeds: RequestOne.resolver settles the request, then calls cancel(),
 * which rejects the already-settled promise with a fresh NatsError
 * ("Cancelled"), stack trace and all. Each KV get and put is such a request;
 * in the metric aggregator that was ~5% of its CPU.
 *
 * This replaces cancel() with the same steps, rejecting with one shared
 * error when no reason is given. A real cancel still rejects with code
 * CANCELLED; only its stack trace is shared. Applied once, only to the
 * class shape it was written for.
 */
import { ErrorCode, NatsError } from "nats";
// An internal module: the class's shape is checked before it is touched.
import { RequestOne as RequestOneClass } from "nats/lib/nats-base-client/request.js";

const RequestOne = RequestOneClass as unknown as { prototype: Record<string | symbol, unknown> } | undefined;
const CANCELLED = NatsError.errorForCode(ErrorCode.Cancelled);
const PATCHED = Symbol.for("hive.nats.request-cancel");

if (RequestOne && typeof RequestOne.prototype.cancel === "function" && !RequestOne.prototype[PATCHED]) {
  RequestOne.prototype.cancel = function cancel(this: any, err?: Error) {
    if (this.timer) this.timer.cancel();
    this.mux.cancel(this);
    this.deferred.reject(err ?? CANCELLED);
  };
  RequestOne.prototype[PATCHED] = true;
}
