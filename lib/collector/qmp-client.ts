/**
 * A client of QEMU's JSON command protocols for one short session on a unix
 * socket: QMP (greeting, `qmp_capabilities`, then commands one at a time)
 * and the guest agent's (no greeting: `guest-sync` first). Every session has one
 * deadline, and a peer that sends garbage, too much, or nothing fails it:
 * a poller must never hang on a VM.
 */
import { createConnection, type Socket } from "node:net";

export class QmpError extends Error {
  constructor(message: string, readonly qmpClass?: string) {
    super(message);
  }
}

/** Bound on buffered, not yet parsed input: QMP answers of a poll are a few KiB. */
const MAX_BUFFER = 1024 * 1024;

export class QmpSession {
  private buffer = "";
  private waiting?: { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void };
  private failure?: Error;
  private readonly timer: NodeJS.Timeout;

  private constructor(private readonly socket: Socket, deadlineMs: number) {
    this.timer = setTimeout(() => this.fail(new QmpError(`no answer within ${deadlineMs} ms`)), deadlineMs);
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => this.onData(d));
    socket.on("error", (e) => this.fail(e));
    socket.on("close", () => this.fail(new QmpError("the socket closed")));
  }

  /** Connects with no handshake (the guest agent's protocol), within `deadlineMs` for the whole session. */
  static async connect(path: string, deadlineMs: number): Promise<QmpSession> {
    const session = new QmpSession(createConnection(path), deadlineMs);
    return session;
  }

  /**
   * The guest agent's guest-sync: answers left in the channel by an earlier
   * client are read past until the one carrying `id` arrives.
   */
  async sync(id: number): Promise<void> {
    this.socket.write(`${JSON.stringify({ execute: "guest-sync", arguments: { id } })}\n`);
    for (let i = 0; i < 100; i++) {
      const msg = await this.next();
      if (msg.return === id) return;
    }
    throw new QmpError("guest-sync never answered with its id");
  }

  /** Connects, reads the greeting and negotiates capabilities, all within `deadlineMs` (which also bounds the whole session). */
  static async open(path: string, deadlineMs: number): Promise<QmpSession> {
    const socket = createConnection(path);
    const session = new QmpSession(socket, deadlineMs);
    try {
      const greeting = await session.next();
      if (!("QMP" in greeting)) throw new QmpError("the peer did not greet as QMP");
      await session.execute("qmp_capabilities");
      return session;
    } catch (e) {
      session.close();
      throw e;
    }
  }

  /** Runs a command and returns its `return` value; a QMP error becomes a QmpError with its class. */
  async execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    this.socket.write(`${JSON.stringify(args ? { execute: command, arguments: args } : { execute: command })}\n`);
    for (;;) {
      const msg = await this.next();
      if ("event" in msg) continue; // asynchronous events may arrive between answers
      if ("return" in msg) return msg.return as T;
      const err = msg.error as { class?: string; desc?: string } | undefined;
      if (err && typeof err === "object") throw new QmpError(`${command}: ${err.desc ?? "error"}`, err.class);
      throw new QmpError(`${command}: an answer that is neither return nor error`);
    }
  }

  close(): void {
    clearTimeout(this.timer);
    this.failure ??= new QmpError("closed");
    this.socket.destroy();
  }

  private next(): Promise<Record<string, unknown>> {
    const parsed = this.take();
    if (parsed) return Promise.resolve(parsed);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  /** One complete line off the buffer, parsed; throws on a line that is not a JSON object. */
  private take(): Record<string, unknown> | undefined {
    const nl = this.buffer.indexOf("\n");
    if (nl < 0) return undefined;
    const line = this.buffer.slice(0, nl).trim();
    this.buffer = this.buffer.slice(nl + 1);
    if (line === "") return this.take();
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw this.fail(new QmpError("the peer sent something that is not JSON"));
    }
    if (!v || typeof v !== "object" || Array.isArray(v)) throw this.fail(new QmpError("the peer sent JSON that is not a QMP message"));
    return v as Record<string, unknown>;
  }

  private onData(d: string): void {
    this.buffer += d;
    if (this.buffer.length > MAX_BUFFER) {
      this.fail(new QmpError(`more than ${MAX_BUFFER} bytes without a complete message`));
      return;
    }
    const w = this.waiting;
    if (!w) return;
    try {
      const parsed = this.take();
      if (!parsed) return;
      this.waiting = undefined;
      w.resolve(parsed);
    } catch (e) {
      this.waiting = undefined;
      w.reject(e as Error);
    }
  }

  private fail(e: Error): Error {
    if (!this.failure) {
      this.failure = e;
      clearTimeout(this.timer);
      this.socket.destroy();
    }
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(this.failure);
    return this.failure;
  }
}
