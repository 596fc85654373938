/**
 * Many NATS requests as one batch: replies come to `${inbox}.${i}` on one
 * subscription, one stall timer covers the batch, and a window of requests is
 * kept in flight. What kvValues (direct gets) and kvWrites (compare-and-set
 * publishes) share.
 *
 * Why not nc.request per message: each request has its own timer, promise
 * and reply routing, which cost more than what the server does for it.
 */
import { createInbox, type Msg, type NatsConnection, type NatsError } from "nats";

export interface RequestWindow {
  /** Requests in all. */
  count: number;
  /** Requests in flight at most. */
  window: number;
  /** The window is refilled once this many of it were answered. */
  refill: number;
  /** The batch fails when no answer came for this long. */
  stallMs: number;
  /** Names the batch in errors. */
  what: string;
  /** Sends requests [from, to), replying to `${inbox}.${i}`. */
  send(from: number, to: number, inbox: string): void;
  /** Takes request i's answer; throwing fails the batch. */
  answer(i: number, m: Msg): void;
}

export function requestWindow(nc: NatsConnection, w: RequestWindow): Promise<void> {
  if (w.count === 0) return Promise.resolve();
  const inbox = createInbox();
  const skip = inbox.length + 1;
  let sent = 0;
  let answered = 0;
  return new Promise<void>((resolve, reject) => {
    const fail = (e: Error) => {
      clearTimeout(stall);
      sub.unsubscribe();
      reject(e);
    };
    const stall = setTimeout(() => fail(new Error(`${w.what}: no answer for ${w.stallMs} ms`)), w.stallMs);
    const send = () => {
      const end = Math.min(w.count, answered + w.window);
      if (sent < end) w.send(sent, end, inbox);
      sent = end;
    };
    const sub = nc.subscribe(`${inbox}.*`, {
      callback: (err: NatsError | null, m: Msg) => {
        if (err) return fail(err);
        try {
          w.answer(replyIndex(m, skip), m);
        } catch (e) {
          return fail(e as Error);
        }
        if (++answered % 256 === 0) stall.refresh();
        if (answered === w.count) {
          clearTimeout(stall);
          sub.unsubscribe();
          resolve();
        } else if (sent - answered <= w.window - w.refill) send();
      },
    });
    send();
  });
}

/**
 * The number ending a reply subject, from its bytes when nats.js keeps them
 * (it decodes the subject into a string on first access, for every message).
 */
function replyIndex(m: Msg, skip: number): number {
  const raw = (m as unknown as { _msg?: { subject?: unknown } })._msg?.subject;
  if (!(raw instanceof Uint8Array)) return Number(m.subject.substring(skip));
  let n = 0;
  for (let j = skip; j < raw.length; j++) n = n * 10 + raw[j] - 48;
  return n;
}
