/**
 * Retries `f` while it throws, pausing between tries, until `timeoutMs` has
 * passed: a service or nats-server that was just restarted may refuse a call
 * or two while it reconnects.
 */
export async function retrying<T>(f: () => Promise<T>, opts: { timeoutMs: number; pauseMs: number }): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    try {
      return await f();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, opts.pauseMs));
    }
  }
}
