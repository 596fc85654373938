/**
 * nats.js 2.x packs everything waiting to be written into one new buffer
 * before each socket write (DataBuffer.drain): a 200 KB log batch was
 * allocated, zeroed and copied once more on its way to nats-server, and
 * each copy is external memory that brings the next scavenge sooner.
 *
 * This writes what waits as it is, corked into one writev, when it is
 * large; small commands are packed as before (one small copy beats a
 * writev of many pieces). The bytes and their order on the wire are
 * the same. Applied once, only to the class shape it was written for.
 */
// An internal module: the class's shape is checked before it is touched.
import { ProtocolHandler as ProtocolHandlerClass } from "nats/lib/nats-base-client/protocol.js";

/** Past this many bytes waiting, they go out as they are. */
const WRITE_AS_IS = 64 * 1024;

const ProtocolHandler = ProtocolHandlerClass as unknown as { prototype: Record<string | symbol, unknown> } | undefined;
const PATCHED = Symbol.for("hive.nats.flush-pending");

if (ProtocolHandler && typeof ProtocolHandler.prototype.flushPending === "function" && !ProtocolHandler.prototype[PATCHED]) {
  const packed = ProtocolHandler.prototype.flushPending as (this: any) => void;
  ProtocolHandler.prototype.flushPending = function flushPending(this: any) {
    const out = this.outbound;
    const transport = this.transport;
    const socket = transport?.socket;
    if (
      !this.infoReceived ||
      !this.connected ||
      out?.size() < WRITE_AS_IS ||
      !Array.isArray(out?.buffers) ||
      out.buffers.length < 2 ||
      typeof transport?.send !== "function" ||
      typeof socket?.cork !== "function"
    ) {
      return packed.call(this);
    }
    const parts: Uint8Array[] = out.buffers.slice();
    out.reset();
    socket.cork();
    try {
      for (const part of parts) transport.send(part);
    } finally {
      socket.uncork();
    }
  };
  ProtocolHandler.prototype[PATCHED] = true;
}
